/**
 * The hijacked Kubo RPC calls (HTTP spec §6.4–§6.9), turned into cluster
 * operations with Kubo-shaped answers.
 */
import { parseCid } from '../api/encoding.js'
import { toJSONText, defaultPinOptions } from '../api/json.js'
import { PinType } from '../api/enums.js'
import { InvalidArgumentError, isAbortError } from '../errors.js'
import { serveAdd } from '../httpapi/add.js'
import { errorMessage, trailerValue, type Exchange } from '../httpapi/exchange.js'
import { multipartBoundary } from '../httpapi/multipart.js'
import { parseAddParams } from '../httpapi/params.js'
import { parseJSONStream } from '../ipfsconn/ipfshttp/json-stream.js'
import { kuboErrorBody } from './kubo-output.js'
import { pathOrCidPath } from './paths.js'
import { endToEndHeaders, type Upstream } from './upstream.js'
import type { AddedOutput, Pin } from '../api/types.js'
import type { AddParams, ClusterAPI, Logger } from '../interfaces.js'
import type { PutResult } from './embedded-rpc.js'
import type { CID } from 'multiformats/cid'

/** Kubo `add` output item (`coreiface.AddEvent` JSON). */
export interface KuboAddEvent {
  Name: string
  Hash?: string
  Bytes?: number
  Size?: string
}

/** AddedOutput → Kubo shape: Hash omitted for progress events, Bytes/Size when 0. */
export function kuboAddEvent (out: AddedOutput): KuboAddEvent {
  const ev: KuboAddEvent = { Name: out.name }
  if (out.cid != null) ev.Hash = out.cid.toString()
  if (out.bytes !== 0) ev.Bytes = out.bytes
  if (out.size !== 0) ev.Size = String(out.size)
  return ev
}

/**
 * A hijacked-call error (§6.3.1): `{"Message":…,"Code":0,"Type":"error"}`,
 * status 500 unless given, no trailing newline. The §6.3 headers are
 * already set.
 */
export function ipfsError (ex: Exchange, message: string, status = 500): void {
  const res = ex.res
  if (res.headersSent) {
    res.destroy()
    return
  }
  ex.logger.error('%s: %s', ex.path, message)
  res.writeHead(status)
  ex.end(toJSONText(kuboErrorBody(message)))
}

function writeJSON (ex: Exchange, value: unknown, status = 200): void {
  ex.res.writeHead(status)
  ex.end(toJSONText(value))
}

/** The PUT side of `block/put` and `dag/put` in embedded mode (stores, never pins). */
export type LocalPut = (ex: Exchange, kind: 'block' | 'dag') => AsyncGenerator<PutResult>

export interface HijackInit {
  cluster: ClusterAPI
  logger: Logger
  /** Aborted when the proxy stops (the lifetime of adds). */
  lifetime: () => AbortSignal
}

export class Hijacker {
  private readonly cluster: ClusterAPI
  private readonly log: Logger
  private readonly lifetime: () => AbortSignal

  constructor (init: HijackInit) {
    this.cluster = init.cluster
    this.log = init.logger
    this.lifetime = init.lifetime
  }

  /** `pin/add` and `pin/rm` (§6.4). */
  async pinOp (ex: Exchange, op: 'pin' | 'unpin'): Promise<void> {
    const arg = ex.query.get('arg') ?? ''
    let path: string
    try {
      path = pathOrCidPath(arg)
    } catch (err) {
      ipfsError(ex, 'Error parsing IPFS Path: ' + errorMessage(err))
      return
    }
    let pin: Pin
    try {
      if (op === 'pin') {
        const opts = defaultPinOptions()
        opts.mode = ex.query.get('type') === 'direct' ? 'direct' : 'recursive'
        pin = await this.cluster.pinPath(path, opts, { signal: ex.signal })
      } else {
        pin = await this.cluster.unpinPath(path, { signal: ex.signal })
      }
    } catch (err) {
      ipfsError(ex, errorMessage(err))
      return
    }
    writeJSON(ex, { Pins: [pin.cid.toString()] })
  }

  /** `pin/ls` (§6.5): the cluster pinset. */
  async pinLs (ex: Exchange): Promise<void> {
    const q = ex.query
    const stream = q.get('stream') === 'true' || q.get('s') === 'true'
    const arg = q.get('arg') ?? ''
    if (arg !== '') {
      let cid: CID
      try {
        cid = parseCid(arg)
      } catch (err) {
        ipfsError(ex, errorMessage(err))
        return
      }
      let pin: Pin
      try {
        pin = await this.cluster.pinGet(cid, { signal: ex.signal })
      } catch {
        ipfsError(ex, `Error: path '${arg}' is not pinned`)
        return
      }
      if (stream) {
        writeJSON(ex, { Cid: pin.cid.toString(), Type: pin.mode === 'direct' ? 'direct' : 'recursive' })
      } else {
        writeJSON(ex, { Keys: { [pin.cid.toString()]: { Type: 'recursive' } } })
      }
      return
    }

    const pins = this.cluster.pins(PinType.All, { signal: ex.signal })
    if (!stream) {
      const keys: Record<string, { Type: string }> = {}
      try {
        for await (const pin of pins) keys[pin.cid.toString()] = { Type: 'recursive' }
      } catch (err) {
        ipfsError(ex, errorMessage(err))
        return
      }
      writeJSON(ex, { Keys: keys })
      return
    }
    const res = ex.res
    res.setHeader('Trailer', 'X-Stream-Error')
    res.writeHead(200)
    try {
      for await (const pin of pins) {
        if (ex.signal.aborted) return
        const type = pin.maxDepth === 0 ? 'direct' : 'recursive'
        if (!ex.write(`{"Cid":"${pin.cid.toString()}","Type":"${type}"}\n`)) await ex.drain()
      }
    } catch (err) {
      if (ex.signal.aborted) return
      this.log.error('pin/ls: %s', errorMessage(err))
      res.addTrailers([['X-Stream-Error', trailerValue(errorMessage(err))]])
    }
    ex.end()
  }

  /** `pin/update` (§6.6). */
  async pinUpdate (ex: Exchange): Promise<void> {
    const q = ex.query
    const args = q.getAll('arg')
    if (args.length === 0) {
      ipfsError(ex, 'argument "from-path" is required', 400)
      return
    }
    if (args.length === 1) {
      ipfsError(ex, 'argument "to-path" is required', 400)
      return
    }
    const unpin = q.get('unpin') !== 'false'
    let from: string
    let to: string
    try {
      from = pathOrCidPath(args[0])
    } catch (err) {
      ipfsError(ex, 'error parsing "from-path" argument: ' + errorMessage(err))
      return
    }
    try {
      to = pathOrCidPath(args[1])
    } catch (err) {
      ipfsError(ex, 'error parsing "to-path" argument: ' + errorMessage(err))
      return
    }
    const signal = ex.signal
    try {
      const fromCid = await this.cluster.resolve(from, { signal })
      const opts = defaultPinOptions()
      opts.pinUpdate = fromCid
      const toPin = await this.cluster.pinPath(to, opts, { signal })
      if (unpin) await this.cluster.unpin(fromCid, { signal })
      writeJSON(ex, { Pins: [fromCid.toString(), toPin.cid.toString()] })
    } catch (err) {
      ipfsError(ex, errorMessage(err))
    }
  }

  /** `repo/stat` (§6.7): sums over every peer. */
  async repoStat (ex: Exchange): Promise<void> {
    try {
      const st = await this.cluster.repoStat({ signal: ex.signal })
      writeJSON(ex, { RepoSize: st.repoSize, StorageMax: st.storageMax })
    } catch (err) {
      ipfsError(ex, errorMessage(err))
    }
  }

  /** `repo/gc` (§6.7): cluster-wide GC, one line per collected key. */
  async repoGC (ex: Exchange): Promise<void> {
    const streamErrors = ex.query.get('stream-errors') === 'true'
    const res = ex.res
    res.setHeader('Trailer', 'X-Stream-Error')
    let gc
    try {
      gc = await this.cluster.repoGC({ signal: ex.signal })
    } catch (err) {
      ipfsError(ex, errorMessage(err))
      return
    }
    res.writeHead(200)
    let errors = ''
    for (const peer of [...gc.peerMap.keys()].sort()) {
      for (const k of gc.peerMap.get(peer)?.keys ?? []) {
        const line: { Key: { '/': string } | null, Error?: string } = { Key: k.key == null ? null : { '/': k.key.toString() } }
        if (streamErrors) {
          if (k.error !== '') line.Error = k.error
        } else if (k.error !== '') {
          errors += `${k.error}; `
        }
        if (res.destroyed) return
        if (!ex.write(toJSONText(line) + '\n')) await ex.drain()
      }
    }
    const trailer = errors.trim()
    if (!streamErrors && trailer !== '') {
      res.addTrailers([['X-Stream-Error', trailerValue(trailer)]])
    }
    ex.end()
  }

  /** `add` (§6.8): a cluster add, answered in Kubo's shape. */
  async add (ex: Exchange): Promise<void> {
    const q = ex.query
    let boundary: string
    try {
      boundary = multipartBoundary(ex.req.headers['content-type'])
    } catch (err) {
      ipfsError(ex, 'error reading request: ' + errorMessage(err))
      ex.req.resume()
      return
    }
    if (q.get('only-hash') === 'true') {
      // quirk #12 fixed: nothing is added
      ipfsError(ex, 'only-hash is not supported when adding to cluster')
      ex.req.resume()
      return
    }
    let params: AddParams
    try {
      params = parseAddParams(q)
    } catch (err) {
      ipfsError(ex, 'error parsing options:' + errorMessage(err))
      ex.req.resume()
      return
    }
    if (q.get('trickle') === 'true') params.layout = 'trickle'
    if (q.get('pin') === 'false') params.noPin = true
    this.log.debug('proxy/add does not support all IPFS params. Current options: %j', { ...params, pinOptions: undefined })
    await serveAdd(ex, this.cluster, params, {
      boundary,
      encode: kuboAddEvent,
      signal: this.lifetime(),
      sendError: (e, err, streaming) => {
        const message = errorMessage(err)
        e.logger.error('add failed: %s', message)
        e.res.writeHead(500)
        // the adder's own error body when buffering (as the reference), Kubo's otherwise
        e.end(streaming ? toJSONText(kuboErrorBody(message)) : toJSONText({ code: 500, message }) + '\n')
      }
    })
  }

  /**
   * `block/put` and `dag/put` with `pin=true` (§6.9): the daemon (or the
   * embedded node, through `localPut`) stores the blocks, then each one is
   * cluster-pinned and its output re-emitted.
   */
  async putAndPin (ex: Exchange, kind: 'block' | 'dag', upstream: Upstream | undefined, localPut: LocalPut | undefined): Promise<void> {
    let results: AsyncIterator<PutResult>
    let first: IteratorResult<PutResult> | undefined
    if (upstream != null) {
      const r = await this.forwardPut(ex, kind, upstream)
      if (r == null) return
      results = r
    } else if (localPut != null) {
      results = localPut(ex, kind)[Symbol.asyncIterator]()
      try {
        first = await results.next()
      } catch (err) {
        ipfsError(ex, errorMessage(err), (err as Error)?.name === 'InvalidArgumentError' ? 400 : 500)
        ex.req.resume()
        return
      }
    } else {
      ipfsError(ex, 'no IPFS daemon to forward to')
      return
    }

    try {
      await this.pinEach(ex, kind, results, first)
    } finally {
      // stops reading the daemon's answer when we stopped early
      try { await results.return?.(undefined) } catch {}
    }
  }

  private async pinEach (ex: Exchange, kind: 'block' | 'dag', results: AsyncIterator<PutResult>, first: IteratorResult<PutResult> | undefined): Promise<void> {
    const res = ex.res
    res.setHeader('Trailer', 'X-Stream-Error')
    res.writeHead(200)
    const trailers: Array<[string, string]> = []
    try {
      let cur = first ?? await results.next()
      while (cur.done !== true) {
        const { cid, size } = cur.value
        try {
          await this.cluster.pin(cid, defaultPinOptions(), { signal: ex.signal })
        } catch (err) {
          if (ex.signal.aborted) return
          this.log.error('%s: pinning %s: %s', ex.path, cid.toString(), errorMessage(err))
          trailers.push(['X-Stream-Error', trailerValue(errorMessage(err))])
        }
        if (res.destroyed) return
        const out = kind === 'block' ? { Key: cid.toString(), Size: size } : { Cid: { '/': cid.toString() } }
        if (!ex.write(toJSONText(out) + '\n')) await ex.drain()
        cur = await results.next()
      }
    } catch (err) {
      if (ex.signal.aborted || res.destroyed) return
      if (!isAbortError(err)) this.log.error('%s: %s', ex.path, errorMessage(err))
      trailers.push(['X-Stream-Error', trailerValue(errorMessage(err))])
    }
    if (trailers.length > 0) res.addTrailers(trailers)
    ex.end()
  }

  /**
   * Sends the request on to the daemon (`pin=false` for dag/put). Answers
   * transport errors (500) and non-200 statuses (relayed) itself and
   * returns undefined; otherwise the blocks the daemon reports.
   */
  private async forwardPut (ex: Exchange, kind: 'block' | 'dag', upstream: Upstream): Promise<AsyncIterator<PutResult> | undefined> {
    const q = new URLSearchParams(ex.rawQuery)
    if (kind === 'dag') q.set('pin', 'false')
    const rawPath = ex.req.url?.split('?')[0] ?? ex.path
    const query = kind === 'dag' ? q.toString() : ex.rawQuery
    const target = rawPath + (query !== '' ? `?${query}` : '')
    const hasBody = ex.req.headers['content-length'] != null ? ex.req.headers['content-length'] !== '0' : ex.req.headers['transfer-encoding'] != null
    let up
    try {
      up = await upstream.request({ method: ex.method, path: target, headers: endToEndHeaders(ex.req.rawHeaders, true), body: hasBody ? ex.req : undefined, signal: ex.signal })
    } catch (err) {
      if (ex.signal.aborted) return undefined
      ipfsError(ex, errorMessage(err))
      return undefined
    }
    if (up.statusCode !== 200) {
      ex.res.writeHead(up.statusCode ?? 500)
      for await (const chunk of up) {
        if (!ex.write(chunk as Buffer)) await ex.drain()
      }
      ex.end()
      return undefined
    }
    const decode = async function * (): AsyncGenerator<PutResult> {
      for await (const v of parseJSONStream(up)) {
        const o = v as Record<string, unknown> | null
        if (o == null || typeof o !== 'object') throw new InvalidArgumentError('unexpected JSON value in the IPFS response')
        if (kind === 'block') {
          if (typeof o.Key !== 'string') throw new InvalidArgumentError('missing Key in the IPFS response')
          const size = typeof o.Size === 'number' ? o.Size : 0
          yield { cid: parseCid(o.Key), size }
        } else {
          const c = o.Cid as Record<string, unknown> | null | undefined
          if (c == null || typeof c['/'] !== 'string') throw new InvalidArgumentError('missing Cid in the IPFS response')
          yield { cid: parseCid(c['/']), size: 0 }
        }
      }
    }
    return decode()
  }
}
