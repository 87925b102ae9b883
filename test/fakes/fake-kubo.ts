/**
 * A fake Kubo RPC server (HTTP spec §7.5, the Go project's `test/ipfs_mock.go`)
 * on 127.0.0.1, port 0 by default.
 *
 * Two behaviours:
 * - `mock` (default): the Go mock. Any CID pins at once (benchmarks pin
 *   random CIDs at thousands per second), repo/gc and resolve give fixed
 *   answers.
 * - `store`: a small real IPFS node without a network: a pin needs its
 *   blocks (a recursive pin walks the DAG; while blocks are missing the
 *   request waits, like Kubo searching the network, and reports
 *   `{"Progress":N}` as blocks arrive), `pin/rm` of an unpinned CID fails like
 *   Kubo, repo/gc removes unpinned blocks and resolve walks dag-pb links.
 *
 * In both, the behaviour-coded fixture CIDs of `FIXTURES` act as in Go
 * (ErrorCid fails, SlowCid1 reports progress slowly, Cid4 comes back in
 * base58btc, NotFoundCid never arrives), pins remember their mode, blocks
 * are stored under the real CIDs of their bytes, and `pin/ls` streams the
 * pinset with backpressure (a million pins without buffering).
 */
import { EventEmitter } from 'node:events'
import http from 'node:http'
import { decode as decodeCbor } from '@ipld/dag-cbor'
import { decode as decodeJson } from '@ipld/dag-json'
import { decode as decodePb } from '@ipld/dag-pb'
import * as blake2b from '@multiformats/blake2/blake2b'
import * as blake2s from '@multiformats/blake2/blake2s'
import * as sha3 from '@multiformats/sha3'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { identity } from 'multiformats/hashes/identity'
import { sha256, sha512 } from 'multiformats/hashes/sha2'
import { parseCid, tryParseCid } from '../../src/api/encoding.js'
import { codecCode } from '../../src/ipfsconn/ipfshttp/codecs.js'
import { multipartBoundary, parseMultipart } from './multipart-parser.js'
import type { MultihashHasher } from 'multiformats/hashes/interface'
import type { AddressInfo, Socket } from 'node:net'

/** Fixture values of the Go test-suite (`test/cids.go`). */
export const FIXTURES = {
  PeerID1: 'QmXZrtE5jQwXNqCJMfHUTQkvhQ4ZAnqMnmzFMJfLewuabc',
  PeerID4: 'QmZ8naDy5mEz4GLuQwjWt9MPYqHTBbsm8tQBrNSjiq6zBc',
  PeerID5: 'QmZVAo3wd8s5eTTy2kPYs34J9PvfxpKPuYsePPYGjgRRjg',
  Cid1: 'QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmmq',
  Cid2: 'QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmma',
  Cid3: 'QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmmb',
  ErrorCid: 'QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmmc',
  SlowCid1: 'QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmmd',
  Cid4: 'bafk2bzaceawsyhsnrwwy5mtit2emnjfalkxsyq2p2ptd6fuliolzwwjbs42fq',
  /** Cid4 as `pin/ls` answers it (base58btc). */
  Cid4Base58: 'zCT5htkdztJi3x4zBNHo8TRvGHPLTdHUdCLKgTGMgQcRKSLoWxK1',
  CidResolved: 'zb2rhiKhUepkTMw7oFfBUnChAN7ABAvg2hXUwmTBtZ6yxuabc',
  NotFoundCid: 'bafyreiay3jpjk74dkckv2r74eyvf3lfnxujefay2rtuluintasq2zlapv4'
} as const

export interface FakeKuboOptions {
  /** Listen address (default 127.0.0.1). */
  host?: string
  /** Listen port (default 0: any free port). */
  port?: number
  /** `mock` (default) or `store` (see the module doc). */
  mode?: 'mock' | 'store'
  /** Interval between SlowCid1 progress objects (default 1000 ms, as in Go). */
  slowInterval?: number
  /** Peer ID answered by `id` (default PeerID1). */
  peerId?: string
  /** Separator between streamed objects: '' (default, as the Go mock) or '\n' (NDJSON, as Kubo). */
  streamSeparator?: string
  /** Print CIDv1 in base58btc in pin/ls, block/put and resolve answers (as js-ipfs does). */
  base58?: boolean
  /** Requests remembered by `requests` (default 1000). */
  recordRequests?: number
  /**
   * Emulates the js-ipfs daemon's differences from Kubo: `AgentVersion`
   * js-ipfs, base58 CIDv1, numbers as strings in repo/stat, no pin progress,
   * no pin/update (404), block/put that ignores `cid-codec` (reads `format`,
   * default dag-pb, and `version`, default 0) and stores only the last part.
   */
  jsIpfs?: boolean
  /** Listen on this unix socket instead of host/port. */
  socketPath?: string
}

/** A test-installed handler replacing an endpoint. */
export type EndpointOverride = (req: http.IncomingMessage, res: http.ServerResponse, args: string[], query: URLSearchParams) => void | Promise<void>

export interface RecordedRequest {
  method: string
  /** Endpoint and query, as sent: `pin/add?arg=…&recursive=true`. */
  path: string
  headers: http.IncomingHttpHeaders
}

type PinMode = 'recursive' | 'direct'

const PIN_RECURSIVE = 1
const PIN_DIRECT = 2

const CORS_ORIGIN = 'myorigin'
const CORS_METHODS = ['POST']
const CORS_EXPOSED = 'X-Stream-Output, X-Chunked-Output, X-Content-Length'
const CORS_ALLOWED_HEADERS = ['origin', 'accept', 'content-type', 'x-requested-with']

const HASHERS = new Map<string, MultihashHasher>()
HASHERS.set('sha2-256', sha256)
HASHERS.set('sha2-512', sha512)
HASHERS.set('identity', identity as unknown as MultihashHasher)
HASHERS.set('sha3-224', sha3.sha3224)
HASHERS.set('sha3-256', sha3.sha3256)
HASHERS.set('sha3-384', sha3.sha3384)
HASHERS.set('sha3-512', sha3.sha3512)
HASHERS.set('keccak-256', sha3.keccak256)
HASHERS.set('keccak-512', sha3.keccak512)
for (const [name, h] of Object.entries(blake2b)) {
  const m = /^blake2b(\d+)$/.exec(name)
  if (m != null) HASHERS.set(`blake2b-${m[1]}`, h as MultihashHasher)
}
for (const [name, h] of Object.entries(blake2s)) {
  const m = /^blake2s(\d+)$/.exec(name)
  if (m != null) HASHERS.set(`blake2s-${m[1]}`, h as MultihashHasher)
}

/** An HTTP error answer (not an Error: no stack trace to capture, thousands of these per second). */
class HTTPFailure {
  constructor (readonly status: number, readonly body: string = '') {}
}

/** Go mock "ERROR": 500 with an empty body. */
function failure (): HTTPFailure {
  return new HTTPFailure(500)
}

/** A Kubo error envelope. */
function kuboError (status: number, message: string): HTTPFailure {
  return new HTTPFailure(status, JSON.stringify({ Message: message, Code: 0, Type: 'error' }))
}

export class FakeKubo {
  private readonly opts: Required<Omit<FakeKuboOptions, 'port' | 'socketPath'>> & { port: number, socketPath?: string }
  private readonly overrides = new Map<string, EndpointOverride>()
  private server: http.Server | undefined
  private readonly sockets = new Set<Socket>()
  private readonly counts = new Map<string, number>()
  private readonly recorded: RecordedRequest[] = []
  /** Canonical CID string → PIN_RECURSIVE | PIN_DIRECT. */
  private readonly pinset = new Map<string, number>()
  /** Multihash (base58btc) → block bytes. */
  private readonly blockstore = new Map<string, Uint8Array>()
  private readonly events = new EventEmitter()
  /** Multiaddrs passed to swarm/connect, in order. */
  readonly swarmConnects: string[] = []
  /** Entries written by the pin/ls streams so far (tests of backpressure). */
  pinLsWritten = 0

  constructor (options: FakeKuboOptions = {}) {
    this.opts = {
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 0,
      mode: options.mode ?? 'mock',
      slowInterval: options.slowInterval ?? 1000,
      peerId: options.peerId ?? FIXTURES.PeerID1,
      streamSeparator: options.streamSeparator ?? (options.jsIpfs === true ? '\n' : ''),
      base58: options.base58 ?? options.jsIpfs ?? false,
      recordRequests: options.recordRequests ?? 1000,
      jsIpfs: options.jsIpfs ?? false,
      socketPath: options.socketPath
    }
    this.events.setMaxListeners(0)
  }

  async start (): Promise<void> {
    if (this.server != null) return
    const server = http.createServer({ keepAlive: true }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.statusCode = 500
          res.end(String((err as Error)?.message ?? err))
        } else {
          res.destroy()
        }
      })
    })
    server.keepAliveTimeout = 60000
    server.on('connection', (s: Socket) => {
      this.sockets.add(s)
      s.once('close', () => this.sockets.delete(s))
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      const listening = (): void => {
        server.off('error', reject)
        resolve()
      }
      if (this.opts.socketPath != null) {
        server.listen(this.opts.socketPath, listening)
      } else {
        server.listen(this.opts.port, this.opts.host, listening)
      }
    })
    this.server = server
  }

  async stop (): Promise<void> {
    const server = this.server
    if (server == null) return
    this.server = undefined
    this.events.emit('stop')
    const closed = new Promise<void>((resolve) => { server.close(() => { resolve() }) })
    for (const s of this.sockets) s.destroy()
    server.closeAllConnections()
    await closed
  }

  get port (): number {
    const addr = this.server?.address() as AddressInfo | null | undefined
    if (addr == null) throw new Error('fake kubo not started')
    return addr.port
  }

  get host (): string {
    return this.opts.host
  }

  /** `/ip4/<host>/tcp/<port>` (or /ip6/). */
  get apiMultiaddr (): string {
    if (this.opts.socketPath != null) return `/unix${this.opts.socketPath}`
    const family = this.opts.host.includes(':') ? 'ip6' : 'ip4'
    return `/${family}/${this.opts.host}/tcp/${this.port}`
  }

  get url (): string {
    const host = this.opts.host.includes(':') ? `[${this.opts.host}]` : this.opts.host
    return `http://${host}:${this.port}`
  }

  /** Replaces an endpoint's behaviour (undefined restores it). */
  override (endpoint: string, handler: EndpointOverride | undefined): void {
    if (handler == null) this.overrides.delete(endpoint)
    else this.overrides.set(endpoint, handler)
  }

  /** Requests received by an endpoint (`pin/add`, `id`…). */
  count (endpoint: string): number {
    return this.counts.get(endpoint) ?? 0
  }

  /** The last requests (oldest first). */
  get requests (): RecordedRequest[] {
    return [...this.recorded]
  }

  resetCounters (): void {
    this.counts.clear()
    this.recorded.length = 0
  }

  // -------------------------------------------------------------------------
  // Direct access to the store (tests and benchmarks)
  // -------------------------------------------------------------------------

  /** Mode of a pin, or undefined. */
  pinMode (cid: CID | string): PinMode | undefined {
    const v = this.pinset.get(canonical(cid))
    return v === PIN_RECURSIVE ? 'recursive' : v === PIN_DIRECT ? 'direct' : undefined
  }

  get pinCount (): number {
    return this.pinset.size
  }

  /** Adds pins without HTTP (large pinsets for tests). */
  addPin (cid: CID | string, mode: PinMode = 'recursive'): void {
    this.pinset.set(canonical(cid), mode === 'direct' ? PIN_DIRECT : PIN_RECURSIVE)
  }

  /**
   * Bulk-loads pins without parsing (benchmarks, million-pin tests): every
   * key must already be a canonical CID string.
   */
  loadPins (keys: Iterable<string>, mode: PinMode = 'recursive'): void {
    const v = mode === 'direct' ? PIN_DIRECT : PIN_RECURSIVE
    for (const k of keys) this.pinset.set(k, v)
  }

  removePin (cid: CID | string): void {
    this.pinset.delete(canonical(cid))
  }

  hasBlock (cid: CID): boolean {
    return this.blockstore.has(mhKey(cid))
  }

  getBlock (cid: CID): Uint8Array | undefined {
    return this.blockstore.get(mhKey(cid))
  }

  /** Stores a block as if it came from the network. */
  putBlock (cid: CID, bytes: Uint8Array): void {
    this.blockstore.set(mhKey(cid), bytes)
    this.events.emit('block')
  }

  get blockCount (): number {
    return this.blockstore.size
  }

  // -------------------------------------------------------------------------
  // HTTP
  // -------------------------------------------------------------------------

  private async handle (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const origin = req.headers.origin
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] != null) {
      this.preflight(req, res, origin)
      return
    }
    res.setHeader('Vary', 'Origin')
    if (origin != null && origin === CORS_ORIGIN && CORS_METHODS.includes(req.method ?? '')) {
      res.setHeader('Access-Control-Allow-Origin', origin)
      res.setHeader('Access-Control-Allow-Credentials', 'true')
      res.setHeader('Access-Control-Expose-Headers', CORS_EXPOSED)
    }
    res.setHeader('X-Custom-Header', '42')
    res.setHeader('Server', 'ipfs-mock')
    res.setHeader('X-Time-Now', String(Math.floor(Date.now() / 1000)))

    const raw = req.url ?? '/'
    const qi = raw.indexOf('?')
    const pathname = qi === -1 ? raw : raw.slice(0, qi)
    const q = new URLSearchParams(qi === -1 ? '' : raw.slice(qi + 1))
    let endpoint = pathname.startsWith('/api/v0/') ? pathname.slice(8) : pathname.replace(/^\//, '')
    const args = q.getAll('arg')
    const segments = endpoint.split('/')
    if (segments.length > 2) {
      endpoint = segments.slice(0, 2).join('/')
      args.push(segments[segments.length - 1])
    }
    this.counts.set(endpoint, (this.counts.get(endpoint) ?? 0) + 1)
    if (this.opts.recordRequests > 0) {
      this.recorded.push({ method: req.method ?? '', path: (req.url ?? '').replace(/^\/api\/v0\//, ''), headers: req.headers })
      if (this.recorded.length > this.opts.recordRequests) this.recorded.shift()
    }

    try {
      const override = this.overrides.get(endpoint)
      if (override != null) {
        await override(req, res, args, q)
        return
      }
      switch (endpoint) {
        case 'id': {
          const id: Record<string, unknown> = { ID: this.opts.peerId, Addresses: ['/ip4/0.0.0.0/tcp/1234', '/ip6/::/tcp/1234'] }
          if (this.opts.jsIpfs) id.AgentVersion = 'js-ipfs/0.18.1'
          return this.json(res, id)
        }
        case 'version': return this.json(res, { Version: 'm.o.c.k' })
        case 'pin/add': return await this.pinAdd(req, res, args, q)
        case 'pin/rm': return this.pinRm(res, args)
        case 'pin/update': return await this.pinUpdate(res, args)
        case 'pin/ls': return await this.pinLs(res, args, q)
        case 'swarm/connect': {
          if (args.length === 0) throw failure()
          const parts = args[0].split('/')
          this.swarmConnects.push(args[0])
          return this.json(res, { Strings: [`connect ${parts[parts.length - 1]} success`] })
        }
        case 'swarm/peers': return this.json(res, { Peers: [{ Peer: FIXTURES.PeerID4 }, { Peer: FIXTURES.PeerID5 }] })
        case 'block/put': return await this.blockPut(req, res, q, 'block')
        case 'dag/put': return await this.blockPut(req, res, q, 'dag')
        case 'block/get': {
          if (args.length !== 1) throw failure()
          const cid = tryParseCid(args[0])
          const bytes = cid == null ? undefined : this.getBlock(cid)
          if (bytes == null) throw failure()
          res.setHeader('Content-Type', 'application/octet-stream')
          res.setHeader('X-Stream-Output', '1')
          res.end(bytes)
          return
        }
        case 'repo/gc': return await this.repoGC(res)
        case 'repo/stat': return this.repoStat(res, q)
        case 'resolve': return this.resolve(res, args)
        case 'config/show': return this.json(res, { Datastore: { StorageMax: '10G' } })
        case 'refs': return await this.refs(res, args)
        default:
          throw new HTTPFailure(404)
      }
    } catch (err) {
      if (err instanceof HTTPFailure) {
        if (res.headersSent) {
          res.destroy()
          return
        }
        res.statusCode = err.status
        if (err.body !== '') res.setHeader('Content-Type', 'application/json')
        res.end(err.body)
        return
      }
      throw err
    }
  }

  /** rs/cors preflight: 204, CORS headers only when origin, method and headers are allowed. */
  private preflight (req: http.IncomingMessage, res: http.ServerResponse, origin: string | undefined): void {
    res.setHeader('Vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers')
    const method = String(req.headers['access-control-request-method']).toUpperCase()
    const reqHeaders = String(req.headers['access-control-request-headers'] ?? '')
      .split(',').map((h) => h.trim().toLowerCase()).filter((h) => h !== '')
    if (origin === CORS_ORIGIN && CORS_METHODS.includes(method) && reqHeaders.every((h) => CORS_ALLOWED_HEADERS.includes(h))) {
      res.setHeader('Access-Control-Allow-Origin', origin)
      res.setHeader('Access-Control-Allow-Methods', method)
      if (reqHeaders.length > 0) {
        res.setHeader('Access-Control-Allow-Headers', String(req.headers['access-control-request-headers']))
      }
      res.setHeader('Access-Control-Allow-Credentials', 'true')
    }
    res.statusCode = 204
    res.end()
  }

  private json (res: http.ServerResponse, value: unknown): void {
    res.setHeader('Content-Type', 'application/json')
    res.end(JSON.stringify(value))
  }

  private startStream (res: http.ServerResponse, trailer = false): void {
    res.statusCode = 200
    res.setHeader('Content-Type', 'application/json')
    res.setHeader('X-Chunked-Output', '1')
    if (trailer) res.setHeader('Trailer', 'X-Stream-Error')
    res.flushHeaders()
  }

  private sep (): string {
    return this.opts.streamSeparator
  }

  /** CID text as this daemon prints it. */
  private print (cid: CID): string {
    if (this.opts.base58 && cid.version === 1) return cid.toString(base58btc)
    return cid.toString()
  }

  /** A pinset key (canonical CID string) as this daemon prints it. */
  private printKey (key: string): string {
    return this.opts.base58 && !key.startsWith('Qm') ? CID.parse(key).toString(base58btc) : key
  }

  private cidArg (args: string[]): CID {
    if (args.length === 0) throw failure()
    const cid = tryParseCid(args[0])
    if (cid == null) throw failure()
    return cid
  }

  // pin/add ------------------------------------------------------------------

  private async pinAdd (req: http.IncomingMessage, res: http.ServerResponse, args: string[], q: URLSearchParams): Promise<void> {
    const cid = this.cidArg(args)
    const key = cid.toString()
    if (key === FIXTURES.ErrorCid) throw failure()
    const direct = q.get('recursive') === 'false' || q.get('type') === 'direct'
    const mode = direct ? PIN_DIRECT : PIN_RECURSIVE
    const progress = q.get('progress') === 'true' && !this.opts.jsIpfs
    const maxDepth = direct ? 0 : (q.has('max-depth') ? Number(q.get('max-depth')) : -1)

    if (key === FIXTURES.NotFoundCid) {
      // Nobody has it: wait (silently) until the client gives up.
      this.startStream(res, true)
      await this.untilClosed(res)
      return
    }
    if (key === FIXTURES.SlowCid1) {
      this.startStream(res, true)
      for (let i = 0; i <= 10; i++) {
        const obj: { Pins: string[], Progress?: number } = { Pins: [args[0]] }
        if (i > 0) obj.Progress = i
        if (!await this.write(res, JSON.stringify(obj) + this.sep())) return
        if (i < 10 && !await this.sleepUnlessClosed(this.opts.slowInterval, res)) return
      }
      this.pinset.set(key, mode)
      res.end()
      return
    }
    if (this.opts.mode === 'mock') {
      this.pinset.set(key, mode)
      this.json(res, { Pins: [args[0]] })
      return
    }

    // store mode: needs the blocks.
    let walk = this.walk(cid, maxDepth)
    if (walk.missing === 0) {
      this.pinset.set(key, mode)
      if (progress) {
        this.startStream(res, true)
        await this.write(res, JSON.stringify({ Progress: walk.found }) + this.sep())
        await this.write(res, JSON.stringify({ Pins: [this.print(cid)] }) + this.sep())
        res.end()
      } else {
        this.json(res, { Pins: [this.print(cid)] })
      }
      return
    }
    this.startStream(res, true)
    let reported = 0
    if (progress && walk.found > 0) {
      reported = walk.found
      if (!await this.write(res, JSON.stringify({ Progress: walk.found }) + this.sep())) return
    }
    while (walk.missing > 0) {
      if (!await this.nextBlockEvent(res)) return
      walk = this.walk(cid, maxDepth)
      if (progress && walk.found > reported) {
        reported = walk.found
        if (!await this.write(res, JSON.stringify({ Progress: walk.found }) + this.sep())) return
      }
    }
    this.pinset.set(key, mode)
    await this.write(res, JSON.stringify({ Pins: [this.print(cid)] }) + this.sep())
    res.end()
  }

  /** Blocks present and missing under `root` (to `maxDepth` levels; -1 = all). */
  private walk (root: CID, maxDepth: number): { found: number, missing: number } {
    let found = 0
    let missing = 0
    const seen = new Set<string>()
    const stack: Array<{ cid: CID, depth: number }> = [{ cid: root, depth: 0 }]
    while (stack.length > 0) {
      const { cid, depth } = stack.pop() as { cid: CID, depth: number }
      const k = mhKey(cid) + ':' + String(cid.code)
      if (seen.has(k)) continue
      seen.add(k)
      const bytes = this.blockstore.get(mhKey(cid))
      if (bytes == null) {
        missing++
        continue
      }
      found++
      if (maxDepth >= 0 && depth >= maxDepth) continue
      for (const link of links(cid, bytes)) {
        stack.push({ cid: link, depth: depth + 1 })
      }
    }
    return { found, missing }
  }

  // pin/rm, pin/update, pin/ls -------------------------------------------------

  private pinRm (res: http.ServerResponse, args: string[]): void {
    const cid = this.cidArg(args)
    const key = cid.toString()
    if (!this.pinset.has(key) && this.opts.mode === 'store') {
      throw kuboError(500, 'not pinned or pinned indirectly')
    }
    this.pinset.delete(key)
    this.json(res, { Pins: [args[0]] })
  }

  private async pinUpdate (res: http.ServerResponse, args: string[]): Promise<void> {
    if (this.opts.jsIpfs) throw new HTTPFailure(404, JSON.stringify({ Message: 'Not Found', Code: 3, Type: 'error' }))
    if (args.length !== 2) throw failure()
    const from = tryParseCid(args[0])
    const to = tryParseCid(args[1])
    if (from == null || to == null) throw failure()
    if (this.pinset.get(from.toString()) !== PIN_RECURSIVE) {
      throw kuboError(500, "'from' cid was not recursively pinned already")
    }
    if (this.opts.mode === 'store') {
      while (this.walk(to, -1).missing > 0) {
        if (!await this.nextBlockEvent(res)) return
      }
    }
    this.pinset.set(to.toString(), PIN_RECURSIVE)
    this.json(res, { Pins: [args[0], args[1]] })
  }

  private async pinLs (res: http.ServerResponse, args: string[], q: URLSearchParams): Promise<void> {
    const type = q.get('type') ?? 'all'
    if (!['all', 'recursive', 'direct', 'indirect'].includes(type)) {
      throw kuboError(500, `invalid type '${type}', must be one of {direct, indirect, recursive, all}`)
    }
    const stream = q.get('stream') === 'true'
    const matches = (v: number): boolean => type === 'all' || (type === 'recursive' && v === PIN_RECURSIVE) || (type === 'direct' && v === PIN_DIRECT)
    const typeName = (v: number): string => v === PIN_DIRECT ? 'direct' : 'recursive'

    if (args.length > 0) {
      const out: Array<{ Cid: string, Type: string }> = []
      for (const arg of args) {
        const cid = tryParseCid(arg)
        if (cid == null) throw kuboError(400, `invalid path "${arg}"`)
        const v = this.pinset.get(cid.toString())
        if (v == null || !matches(v)) throw kuboError(500, `path '${arg}' is not pinned`)
        const printed = cid.toString() === FIXTURES.Cid4 ? FIXTURES.Cid4Base58 : this.print(cid)
        out.push({ Cid: printed, Type: typeName(v) })
      }
      if (stream) {
        this.startStream(res)
        res.end(out.map((o) => JSON.stringify(o)).join(this.sep()) + this.sep())
      } else {
        const keys: Record<string, { Type: string }> = {}
        for (const o of out) keys[o.Cid] = { Type: o.Type }
        this.json(res, { Keys: keys })
      }
      return
    }

    if (!stream) {
      const keys: Record<string, { Type: string }> = {}
      for (const [k, v] of this.pinset) {
        if (matches(v)) keys[this.printKey(k)] = { Type: typeName(v) }
      }
      this.json(res, { Keys: keys })
      return
    }
    this.startStream(res, true)
    let batch = ''
    const sep = this.sep()
    for (const [k, v] of this.pinset) {
      if (!matches(v)) continue
      batch += `{"Cid":"${this.printKey(k)}","Type":"${typeName(v)}"}${sep}`
      this.pinLsWritten++
      if (batch.length >= 64 * 1024) {
        if (!await this.write(res, batch)) return
        batch = ''
      }
    }
    if (batch !== '' && !await this.write(res, batch)) return
    res.end()
  }

  // blocks ---------------------------------------------------------------------

  private async blockPut (req: http.IncomingMessage, res: http.ServerResponse, q: URLSearchParams, kind: 'block' | 'dag'): Promise<void> {
    const boundary = multipartBoundary(req.headers['content-type'])
    if (boundary == null) throw failure()
    let codecNameParam: string
    let hashNameParam: string
    let version = 1
    if (kind === 'dag') {
      codecNameParam = q.get('store-codec') ?? 'dag-json'
      hashNameParam = q.get('hash') ?? 'sha2-256'
    } else {
      hashNameParam = q.get('mhtype') ?? 'sha2-256'
      const format = q.get('format')
      if (q.get('cid-codec') == null && format != null && format !== '') {
        // Legacy Kubo parameter: v0 for dag-pb with sha2-256.
        codecNameParam = format === 'v0' || format === 'protobuf' ? 'dag-pb' : format === 'cbor' ? 'dag-cbor' : format
        if (codecNameParam === 'dag-pb' && hashNameParam === 'sha2-256') version = 0
      } else {
        codecNameParam = q.get('cid-codec') ?? 'raw'
      }
    }
    if (kind === 'block' && this.opts.jsIpfs) {
      await this.jsBlockPut(req, res, q, boundary)
      return
    }
    const codec = codecCode(codecNameParam)
    const hasher = HASHERS.get(hashNameParam)
    const mhlen = Number(q.get('mhlen') ?? '-1')
    this.startStream(res, true)
    const sep = this.sep()
    try {
      if (codec == null) throw new Error(`unknown codec ${codecNameParam}`)
      if (hasher == null) throw new Error(`unknown multihash type ${hashNameParam}`)
      for await (const part of parseMultipart(req, boundary)) {
        const digest = await hasher.digest(part.body)
        if (mhlen !== -1 && mhlen !== digest.size) {
          throw new Error(`unsupported mhlen ${mhlen} for ${hashNameParam}`)
        }
        const cid = version === 0 ? CID.createV0(digest as never) : CID.createV1(codec, digest)
        this.blockstore.set(mhKey(cid), new Uint8Array(part.body))
        this.events.emit('block')
        const line = kind === 'dag' ? { Cid: { '/': cid.toString() } } : { Key: this.print(cid) }
        if (!await this.write(res, JSON.stringify(line) + sep)) return
      }
    } catch (err) {
      res.addTrailers({ 'X-Stream-Error': (err as Error).message })
    }
    res.end()
  }

  /** js-ipfs block/put: `format` (default dag-pb) and `version` (default 0), last part only, one JSON answer. */
  private async jsBlockPut (req: http.IncomingMessage, res: http.ServerResponse, q: URLSearchParams, boundary: string): Promise<void> {
    let data: Buffer | undefined
    for await (const part of parseMultipart(req, boundary)) {
      data = part.body
    }
    if (data == null) throw kuboError(400, "File argument 'data' is required")
    const format = q.get('format') ?? 'dag-pb'
    const mhtype = q.get('mhtype') ?? 'sha2-256'
    const codecName = format === 'v0' ? 'dag-pb' : format
    const codec = codecCode(codecName)
    const hasher = HASHERS.get(mhtype)
    if (codec == null) throw kuboError(500, `Failed to put block: No codec found for "${format}"`)
    if (hasher == null) throw kuboError(500, `Failed to put block: No hasher found for "${mhtype}"`)
    const version = codecName === 'dag-pb' && mhtype === 'sha2-256' ? Number(q.get('version') ?? '0') : 1
    const digest = await hasher.digest(data)
    const cid = version === 0 ? CID.createV0(digest as never) : CID.createV1(codec, digest)
    this.blockstore.set(mhKey(cid), new Uint8Array(data))
    this.events.emit('block')
    this.json(res, { Key: this.print(cid), Size: data.length })
  }

  private async repoGC (res: http.ServerResponse): Promise<void> {
    this.startStream(res, true)
    if (this.opts.mode === 'mock') {
      const lines = [FIXTURES.Cid1, FIXTURES.Cid2, FIXTURES.Cid3, FIXTURES.Cid4].map((c) => JSON.stringify({ Key: { '/': c } }))
      lines.push(JSON.stringify({ Key: null, Error: 'no link by that name' }))
      res.end(lines.join('\n') + '\n')
      return
    }
    const keep = new Set<string>()
    for (const [k, v] of this.pinset) {
      const root = CID.parse(k)
      const stack = [root]
      let first = true
      while (stack.length > 0) {
        const cid = stack.pop() as CID
        const mk = mhKey(cid)
        if (keep.has(mk)) continue
        const bytes = this.blockstore.get(mk)
        if (bytes == null) continue
        keep.add(mk)
        if (v === PIN_DIRECT && first) { first = false; continue }
        first = false
        stack.push(...links(cid, bytes))
      }
    }
    for (const mk of [...this.blockstore.keys()]) {
      if (keep.has(mk)) continue
      this.blockstore.delete(mk)
      // Blocks are keyed by multihash: like Kubo, report them as raw CIDs.
      const cid = CID.createV1(0x55, Digest.decode(base58btc.baseDecode(mk)))
      if (!await this.write(res, JSON.stringify({ Key: { '/': cid.toString() } }) + '\n')) return
    }
    res.end()
  }

  private repoStat (res: http.ServerResponse, q: URLSearchParams): void {
    const sizeOnly = q.get('size-only') === 'true'
    let repoSize = this.pinset.size * 1000
    if (this.opts.mode === 'store') {
      repoSize = 0
      for (const b of this.blockstore.values()) repoSize += b.length
    }
    const objects = this.opts.mode === 'store' ? this.blockstore.size : this.pinset.size
    res.setHeader('Content-Type', 'application/json')
    if (this.opts.jsIpfs) {
      res.end(`{"NumObjects":"${objects}","RepoSize":"${repoSize}","RepoPath":"/fake","Version":"12","StorageMax":"9007199254740991"}`)
      return
    }
    res.end(`{"RepoSize":${repoSize},"NumObjects":${sizeOnly ? 0 : objects},"StorageMax":10000000000}`)
  }

  private resolve (res: http.ServerResponse, args: string[]): void {
    if (this.opts.mode === 'mock') {
      this.json(res, { Path: `/ipfs/${FIXTURES.CidResolved}` })
      return
    }
    if (args.length === 0) throw failure()
    const m = /^\/ipfs\/([^/]+)(\/.*)?$/.exec(args[0]) ?? /^([^/]+)(\/.*)?$/.exec(args[0])
    if (m == null) throw kuboError(500, `invalid path "${args[0]}"`)
    let cid = tryParseCid(m[1])
    if (cid == null) throw kuboError(500, `invalid path "${args[0]}": invalid cid`)
    for (const name of (m[2] ?? '').split('/').filter((s) => s !== '')) {
      const bytes = this.getBlock(cid)
      if (bytes == null) throw kuboError(500, `block was not found locally (offline): ${cid.toString()}`)
      if (cid.code !== 0x70) throw kuboError(500, `no link named "${name}" under ${cid.toString()}`)
      const link = decodePb(bytes).Links.find((l) => l.Name === name)
      if (link == null) throw kuboError(500, `no link named "${name}" under ${cid.toString()}`)
      cid = link.Hash
    }
    this.json(res, { Path: `/ipfs/${this.print(cid)}` })
  }

  private async refs (res: http.ServerResponse, args: string[]): Promise<void> {
    if (args.length === 0) throw failure()
    const line = JSON.stringify({ Ref: args[0], Err: '' }) + '\n'
    if (args[0] !== FIXTURES.SlowCid1) {
      this.startStream(res)
      res.end(line)
      return
    }
    this.startStream(res)
    for (let i = 0; i < 6; i++) {
      if (!await this.write(res, line)) return
      if (i < 5 && !await this.sleepUnlessClosed(this.opts.slowInterval * 2, res)) return
    }
    res.end()
  }

  // helpers --------------------------------------------------------------------

  /** Writes with backpressure; false when the client went away. */
  private async write (res: http.ServerResponse, data: string): Promise<boolean> {
    if (res.destroyed || res.writableEnded) return false
    if (res.write(data)) return true
    return await new Promise<boolean>((resolve) => {
      const done = (ok: boolean): void => {
        res.off('drain', onDrain)
        res.off('close', onClose)
        resolve(ok)
      }
      const onDrain = (): void => { done(true) }
      const onClose = (): void => { done(false) }
      res.on('drain', onDrain)
      res.on('close', onClose)
    })
  }

  private async untilClosed (res: http.ServerResponse): Promise<void> {
    if (res.destroyed) return
    await new Promise<void>((resolve) => {
      const done = (): void => {
        res.off('close', done)
        this.events.off('stop', done)
        resolve()
      }
      res.on('close', done)
      this.events.on('stop', done)
    })
  }

  private async sleepUnlessClosed (ms: number, res: http.ServerResponse): Promise<boolean> {
    if (res.destroyed) return false
    return await new Promise<boolean>((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer)
        res.off('close', onClose)
        this.events.off('stop', onClose)
        resolve(ok)
      }
      const onClose = (): void => { done(false) }
      const timer = setTimeout(() => { done(true) }, ms)
      res.on('close', onClose)
      this.events.on('stop', onClose)
    })
  }

  /** Waits for a new block; false when the client went away. */
  private async nextBlockEvent (res: http.ServerResponse): Promise<boolean> {
    if (res.destroyed) return false
    return await new Promise<boolean>((resolve) => {
      const done = (ok: boolean): void => {
        res.off('close', onClose)
        this.events.off('stop', onClose)
        this.events.off('block', onBlock)
        resolve(ok)
      }
      const onClose = (): void => { done(false) }
      const onBlock = (): void => { done(true) }
      res.on('close', onClose)
      this.events.on('stop', onClose)
      this.events.on('block', onBlock)
    })
  }
}

function canonical (cid: CID | string): string {
  return typeof cid === 'string' ? parseCid(cid).toString() : cid.toString()
}

/** Blocks are keyed by multihash, as in Kubo. */
function mhKey (cid: CID): string {
  return base58btc.baseEncode(cid.multihash.bytes)
}

/** Links of a block, by codec (dag-pb, dag-cbor, dag-json; none for others). */
function links (cid: CID, bytes: Uint8Array): CID[] {
  try {
    switch (cid.code) {
      case 0x70: return decodePb(bytes).Links.map((l) => l.Hash)
      case 0x71: return collectCids(decodeCbor(bytes))
      case 0x0129: return collectCids(decodeJson(bytes))
      default: return []
    }
  } catch {
    return []
  }
}

function collectCids (value: unknown, out: CID[] = []): CID[] {
  const cid = CID.asCID(value)
  if (cid != null) {
    out.push(cid)
    return out
  }
  if (Array.isArray(value)) {
    for (const v of value) collectCids(v, out)
  } else if (value != null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    for (const v of Object.values(value)) collectCids(v, out)
  }
  return out
}
