/**
 * The REST API client (Go `api/rest/client` with the fail-over load
 * balancer): HTTP/HTTPS/unix-socket transport, basic auth, per-request
 * timeout, `{code, message}` errors, NDJSON streams with `X-Stream-Error`
 * trailers, and every method of HTTP spec §10.
 */
import http from 'node:http'
import https from 'node:https'
import { parseCid } from '../api/encoding.js'
import { trackerStatusToString, PinType } from '../api/enums.js'
import { UnsupportedOperationError } from '../errors.js'
import { toAbortError } from '../utils/abort.js'
import { parseApiAddress } from './address.js'
import { ApiError, isApiError } from './errors.js'
import { JSONValueSplitter, parseJSONLossless, UNPARSED } from './json-stream.js'
import { entryFromPath, entryFromURL, isWebArgument, multipartBody, randomBoundary, totalSize } from './multipart.js'
import { toIpfsPath } from './paths.js'
import { addParamsToQuery, pathEscape, pinOptionsToQuery, queryEscape } from './query.js'
import { normalizeAddedOutput, normalizeAlert, normalizeBandwidth, normalizeConnectGraph, normalizeGlobalPinInfo, normalizeId, normalizeList, normalizeMetric, normalizePin, normalizeRepoGC, normalizeStringList, normalizeVersion } from './wire.js'
import type { ApiAddress } from './address.js'
import type { AddEntry } from './multipart.js'
import type { AddParams, ClientInit, PinOptionsInput, UploadProgress } from './types.js'
import type { BandwidthByProtocolJSON, VersionJSON } from './wire.js'
import type { AddedOutputJSON, AlertJSON, ConnectGraphJSON, GlobalPinInfoJSON, GlobalRepoGCJSON, IDJSON, MetricJSON, PinJSON } from '../api/json.js'
import type { AbortOptions, Logger } from '../interfaces.js'
import type { IncomingMessage } from 'node:http'
import type { CID } from 'multiformats/cid'

const DEFAULT_HOST = '/ip4/127.0.0.1/tcp/9094'

export interface AddOptions extends AbortOptions {
  /** Called as file bytes are uploaded. */
  onUploadProgress?: (p: UploadProgress) => void
}

type CidLike = CID | string

function cidString (c: CidLike): string {
  return typeof c === 'string' ? parseCid(c).toString() : c.toString()
}

interface RequestSpec {
  method: string
  path: string
  headers?: Record<string, string>
  /** A small body, or a streamed one. */
  body?: Uint8Array | (() => AsyncIterable<Uint8Array>)
  signal?: AbortSignal
}

interface Exchange {
  res: IncomingMessage
  url: string
  /** Releases the timeout timer and aborts the request if still running. */
  done: () => void
  /** Signal aborted on timeout. */
  timedOut: () => boolean
}

const nullLogger: Logger = { debug () {}, info () {}, warn () {}, error () {}, debugEnabled: false }

function goMethod (m: string): string {
  return m.charAt(0) + m.slice(1).toLowerCase()
}

export class RestClient {
  private readonly addrs: ApiAddress[]
  private readonly ssl: boolean
  private readonly username: string
  private readonly password: string
  private readonly timeout: number
  private readonly agent: http.Agent
  private readonly log: Logger

  constructor (init: ClientInit = {}) {
    this.log = init.logger?.forComponent('apiclient') ?? nullLogger
    const hosts = init.hosts != null && init.hosts.length > 0 ? init.hosts : [DEFAULT_HOST]
    this.addrs = hosts.map((h) => {
      const a = parseApiAddress(h)
      if (a.kind === 'libp2p') {
        throw new UnsupportedOperationError(`libp2p-http API endpoints are not supported by this client yet: ${h}`)
      }
      return a
    })
    this.username = init.username ?? ''
    this.password = init.password ?? ''
    let ssl = init.ssl === true
    if (this.username !== '' && !ssl && init.forceHttp !== true) {
      this.log.warn('SSL automatically enabled with basic auth credentials. Set "force-http" to disable')
      ssl = true
    }
    this.ssl = ssl
    this.timeout = init.timeout ?? 0
    this.agent = ssl
      ? new https.Agent({
        keepAlive: true,
        rejectUnauthorized: init.noVerifyCert !== true,
        minVersion: 'TLSv1.2',
        ca: init.ca
      })
      : new http.Agent({ keepAlive: true })
  }

  /** Closes idle connections. */
  close (): void {
    this.agent.destroy()
  }

  /** The endpoints in fail-over order. */
  get endpoints (): string[] {
    return this.addrs.map((a) => a.multiaddr)
  }

  private urlFor (a: ApiAddress, path: string): string {
    const scheme = this.ssl ? 'https' : 'http'
    if (a.kind === 'unix') return `${scheme}://unix${path}`
    if (a.kind === 'tcp') {
      const host = a.host.includes(':') ? `[${a.host}]` : a.host
      return `${scheme}://${host}:${a.port}${path}`
    }
    return `${scheme}://libp2p${path}`
  }

  private transportError (spec: RequestSpec, a: ApiAddress, url: string, err: unknown, timedOut: boolean, phase: 'headers' | 'body'): ApiError {
    const prefix = `${goMethod(spec.method)} ${JSON.stringify(url)}: `
    if (timedOut) {
      return new ApiError(0, prefix + (phase === 'headers'
        ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)'
        : 'context deadline exceeded (Client.Timeout or context cancellation while reading body)'))
    }
    const e = err as NodeJS.ErrnoException
    const where = a.kind === 'unix' ? `unix ${a.path}` : a.kind === 'tcp' ? `tcp ${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}` : 'libp2p'
    let detail: string
    switch (e?.code) {
      case 'ECONNREFUSED':
        detail = `dial ${where}: connect: connection refused`
        break
      case 'ENOENT':
        detail = `dial ${where}: connect: no such file or directory`
        break
      case 'EACCES':
        detail = `dial ${where}: connect: permission denied`
        break
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        detail = `dial tcp: lookup ${a.kind === 'tcp' ? a.host : ''}: no such host`
        break
      case 'ECONNRESET':
        detail = phase === 'headers' ? 'EOF' : 'unexpected EOF'
        break
      case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      case 'SELF_SIGNED_CERT_IN_CHAIN':
      case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
        detail = `tls: failed to verify certificate: x509: certificate signed by unknown authority (${e.message})`
        break
      case 'CERT_HAS_EXPIRED':
        detail = `tls: failed to verify certificate: x509: certificate has expired or is not yet valid (${e.message})`
        break
      case 'EPROTO':
        detail = /wrong version number|packet length too long|http request/i.test(e.message)
          ? 'http: server gave HTTP response to HTTPS client'
          : e.message
        break
      default:
        detail = e?.message ?? String(err)
    }
    return new ApiError(0, prefix + detail, { cause: err })
  }

  /** One request to one endpoint; resolves when the response headers arrive. */
  private async exchange (a: ApiAddress, spec: RequestSpec): Promise<Exchange> {
    const url = this.urlFor(a, spec.path)
    this.log.debug('Request: %s %s', spec.method, url)
    const controller = new AbortController()
    let timedOut = false
    let timer: ReturnType<typeof setTimeout> | undefined
    if (this.timeout > 0) {
      timer = setTimeout(() => {
        timedOut = true
        controller.abort()
      }, this.timeout)
    }
    const onOuterAbort = (): void => { controller.abort() }
    spec.signal?.addEventListener('abort', onOuterAbort, { once: true })
    let response: IncomingMessage | undefined
    const done = (): void => {
      clearTimeout(timer)
      spec.signal?.removeEventListener('abort', onOuterAbort)
      if (response == null) {
        controller.abort()
      } else if (!response.complete) {
        response.destroy()
      }
    }
    const headers: Record<string, string> = { ...spec.headers }
    if (this.username !== '') {
      headers.Authorization = 'Basic ' + Buffer.from(`${this.username}:${this.password}`).toString('base64')
    }
    if (spec.body instanceof Uint8Array) {
      headers['Content-Length'] = String(spec.body.length)
    }
    const options: https.RequestOptions = {
      method: spec.method,
      path: spec.path,
      headers,
      agent: this.agent,
      signal: controller.signal
    }
    if (a.kind === 'unix') {
      options.socketPath = a.path
    } else if (a.kind === 'tcp') {
      options.host = a.host
      options.port = a.port
      if (a.family !== 0) options.family = a.family
      if (this.ssl && a.dns) options.servername = a.host
    }
    const mod = this.ssl ? https : http
    if (spec.signal?.aborted === true) throw toAbortError(spec.signal)
    return await new Promise<Exchange>((resolve, reject) => {
      let responded = false
      const req = mod.request(options)
      req.on('error', (err) => {
        if (!responded) {
          done()
          reject(spec.signal?.aborted === true ? toAbortError(spec.signal) : this.transportError(spec, a, url, err, timedOut, 'headers'))
        }
      })
      req.on('response', (res) => {
        responded = true
        response = res
        resolve({ res, url, done, timedOut: () => timedOut })
      })
      if (spec.body == null) {
        req.end()
      } else if (spec.body instanceof Uint8Array) {
        req.end(spec.body)
      } else {
        const body = spec.body
        void (async () => {
          try {
            for await (const chunk of body()) {
              if (req.destroyed) return
              if (!req.write(chunk)) {
                await new Promise<void>((resolve) => {
                  const finish = (): void => {
                    req.off('drain', finish)
                    req.off('close', finish)
                    resolve()
                  }
                  req.on('drain', finish)
                  req.on('close', finish)
                })
              }
            }
            if (!req.destroyed) req.end()
          } catch (err) {
            if (!responded) {
              done()
              req.destroy()
              reject(new ApiError(0, `${goMethod(spec.method)} ${JSON.stringify(url)}: ${(err as Error).message}`, { cause: err }))
            } else {
              req.destroy(err as Error)
            }
          }
        })()
      }
    })
  }

  /** Runs `fn` against each endpoint in turn while it fails with a transport error (code 0). */
  private async failover<T> (fn: (a: ApiAddress) => Promise<T>): Promise<T> {
    let last: unknown
    for (const a of this.addrs) {
      try {
        return await fn(a)
      } catch (err) {
        last = err
        if (!isApiError(err) || err.code !== 0) throw err
      }
    }
    throw last
  }

  private async readBody (ex: Exchange, spec: RequestSpec, a: ApiAddress): Promise<Buffer> {
    const chunks: Buffer[] = []
    try {
      for await (const chunk of ex.res) chunks.push(chunk as Buffer)
    } catch (err) {
      if (spec.signal?.aborted === true) throw toAbortError(spec.signal)
      throw this.transportError(spec, a, ex.url, err, ex.timedOut(), 'body')
    }
    return Buffer.concat(chunks)
  }

  private errorFromBody (status: number, body: Buffer): ApiError {
    const text = body.toString('utf8')
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      return new ApiError(status, text)
    }
    if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed))) {
      return new ApiError(status, text)
    }
    const o = (parsed ?? {}) as Record<string, unknown>
    const code = typeof o.code === 'number' ? o.code : 0
    const message = typeof o.message === 'string' ? o.message : ''
    return new ApiError(code, message)
  }

  /** A non-streaming call: resolves to the decoded body (undefined for 202/204). */
  private async call<T> (spec: RequestSpec, decode?: (raw: unknown) => T, lossless = false): Promise<T | undefined> {
    return await this.failover(async (a) => {
      const ex = await this.exchange(a, spec)
      try {
        const body = await this.readBody(ex, spec, a)
        const status = ex.res.statusCode ?? 0
        if (this.log.debugEnabled) this.log.debug('Response body: %s', body.toString('utf8'))
        if (status === 202 || status === 204) return undefined
        if (status > 399 && status < 600) throw this.errorFromBody(status, body)
        if (decode == null) return undefined
        let raw: unknown
        try {
          raw = lossless ? parseJSONLossless(body.toString('utf8')) : JSON.parse(body.toString('utf8'))
        } catch (err) {
          throw new ApiError(status, body.length === 0 ? 'unexpected end of JSON input' : (err as Error).message)
        }
        try {
          return decode(raw)
        } catch (err) {
          throw new ApiError(status, (err as Error).message)
        }
      } finally {
        ex.done()
      }
    })
  }

  private async callRequired<T> (spec: RequestSpec, decode: (raw: unknown) => T, lossless = false): Promise<T> {
    const v = await this.call(spec, decode, lossless)
    if (v === undefined) {
      // 202/204 where an object was expected: the Go client keeps the zero value
      return decode({}) as T
    }
    return v
  }

  /**
   * A streaming call: yields decoded items as they arrive; a non-empty
   * `X-Stream-Error` trailer ends it with an ApiError of code 500.
   */
  private async * stream<T> (spec: RequestSpec, decode: (raw: unknown) => T): AsyncGenerator<T> {
    let ex: Exchange | undefined
    let addr: ApiAddress | undefined
    ex = await this.failover(async (a) => {
      addr = a
      return await this.exchange(a, spec)
    })
    const a = addr as ApiAddress
    try {
      const res = ex.res
      const status = res.statusCode ?? 0
      if (status > 399 && status < 600) {
        const body = await this.readBody(ex, spec, a)
        if (this.log.debugEnabled) this.log.debug('Response body: %s', body.toString('utf8'))
        throw this.errorFromBody(status, body)
      }
      if (status !== 200 && status !== 204) {
        res.resume()
        throw new ApiError(status, 'expected streaming response with code 200/204')
      }
      const splitter = new JSONValueSplitter()
      const decodeText = (text: string, parsed: unknown = UNPARSED): T => {
        if (this.log.debugEnabled) this.log.debug('Response item: %s', text)
        let raw: unknown = parsed
        if (raw === UNPARSED) {
          try {
            raw = JSON.parse(text)
          } catch (err) {
            throw new ApiError(status, (err as Error).message)
          }
        }
        try {
          return decode(raw)
        } catch (err) {
          throw new ApiError(status, (err as Error).message)
        }
      }
      try {
        for await (const chunk of res) {
          for (const item of splitter.pushValues(chunk as Buffer)) {
            yield decodeText(item.text, item.value)
          }
        }
      } catch (err) {
        if (isApiError(err)) throw err
        if (spec.signal?.aborted === true) throw toAbortError(spec.signal)
        throw this.transportError(spec, a, ex.url, err, ex.timedOut(), 'body')
      }
      let rest: string[]
      try {
        rest = splitter.end()
      } catch (err) {
        throw new ApiError(status, (err as Error).message)
      }
      for (const text of rest) yield decodeText(text)
      const errs: string[] = []
      const raw = res.rawTrailers
      for (let i = 0; i + 1 < raw.length; i += 2) {
        if (raw[i].toLowerCase() === 'x-stream-error' && raw[i + 1] !== '') errs.push(raw[i + 1])
      }
      if (errs.length > 0) {
        throw new ApiError(500, errs.join('; '))
      }
    } finally {
      ex.done()
    }
  }

  // -------------------------------------------------------------------------
  // API methods (HTTP spec §10)
  // -------------------------------------------------------------------------

  /** `GET /id`. */
  async id (options?: AbortOptions): Promise<IDJSON> {
    return await this.callRequired({ method: 'GET', path: '/id', signal: options?.signal }, normalizeId)
  }

  /** `GET /version`. */
  async version (options?: AbortOptions): Promise<VersionJSON> {
    return await this.callRequired({ method: 'GET', path: '/version', signal: options?.signal }, normalizeVersion)
  }

  /** `GET /peers` (stream). */
  peers (options?: AbortOptions): AsyncGenerator<IDJSON> {
    return this.stream({ method: 'GET', path: '/peers', signal: options?.signal }, normalizeId)
  }

  /** `POST /peers` with `{"peer_id": …}`. */
  async peerAdd (peerId: string, options?: AbortOptions): Promise<IDJSON> {
    const body = Buffer.from(JSON.stringify({ peer_id: peerId }) + '\n')
    return await this.callRequired({ method: 'POST', path: '/peers', body, signal: options?.signal }, normalizeId)
  }

  /** `DELETE /peers/<id>`. */
  async peerRm (peerId: string, options?: AbortOptions): Promise<void> {
    await this.call({ method: 'DELETE', path: `/peers/${pathEscape(peerId)}`, signal: options?.signal })
  }

  /** `POST /pins/<cid>?<pin options>`. */
  async pin (cid: CidLike, opts: PinOptionsInput = {}, options?: AbortOptions): Promise<PinJSON> {
    return await this.callRequired({ method: 'POST', path: `/pins/${cidString(cid)}?${pinOptionsToQuery(opts)}`, signal: options?.signal }, normalizePin)
  }

  /** `DELETE /pins/<cid>`. */
  async unpin (cid: CidLike, options?: AbortOptions): Promise<PinJSON> {
    return await this.callRequired({ method: 'DELETE', path: `/pins/${cidString(cid)}`, signal: options?.signal }, normalizePin)
  }

  /** `POST /pins/<ipfs|ipns|ipld>/<rest>?<pin options>` (a bare CID is `/ipfs/<cid>`). Invalid paths throw locally. */
  async pinPath (path: string, opts: PinOptionsInput = {}, options?: AbortOptions): Promise<PinJSON> {
    const p = toIpfsPath(path)
    return await this.callRequired({ method: 'POST', path: `/pins${pathEscape(p)}?${pinOptionsToQuery(opts)}`, signal: options?.signal }, normalizePin)
  }

  /** `DELETE /pins/<ipfs|ipns|ipld>/<rest>`. */
  async unpinPath (path: string, options?: AbortOptions): Promise<PinJSON> {
    const p = toIpfsPath(path)
    return await this.callRequired({ method: 'DELETE', path: `/pins${pathEscape(p)}`, signal: options?.signal }, normalizePin)
  }

  /**
   * `GET /allocations?filter=…` (stream). `filter` is a PinType bit mask
   * (`PinType.All` → `all`).
   */
  allocations (filter: number = PinType.All, options?: AbortOptions): AsyncGenerator<PinJSON> {
    let f: string
    if (filter === PinType.All) {
      f = 'all'
    } else {
      const names: string[] = []
      for (const [bit, name] of [[PinType.Data, 'pin'], [PinType.Meta, 'meta-pin'], [PinType.ClusterDAG, 'clusterdag-pin'], [PinType.Shard, 'shard-pin']] as const) {
        if ((filter & bit) !== 0) names.push(name)
      }
      f = names.join(',')
    }
    return this.stream({ method: 'GET', path: `/allocations?filter=${queryEscape(f)}`, signal: options?.signal }, normalizePin)
  }

  /** `GET /allocations/<cid>`. */
  async allocation (cid: CidLike, options?: AbortOptions): Promise<PinJSON> {
    return await this.callRequired({ method: 'GET', path: `/allocations/${cidString(cid)}`, signal: options?.signal }, normalizePin)
  }

  /** `GET /pins/<cid>?local=<b>`. */
  async status (cid: CidLike, local = false, options?: AbortOptions): Promise<GlobalPinInfoJSON> {
    return await this.callRequired({ method: 'GET', path: `/pins/${cidString(cid)}?local=${String(local)}`, signal: options?.signal }, normalizeGlobalPinInfo)
  }

  /** `GET /pins?local=<b>&filter=&cids=<c1,c2>` (stream). */
  statusCids (cids: CidLike[], local = false, options?: AbortOptions): AsyncGenerator<GlobalPinInfoJSON> {
    const list = cids.map(cidString).join(',')
    return this.stream({ method: 'GET', path: `/pins?local=${String(local)}&filter=&cids=${list}`, signal: options?.signal }, normalizeGlobalPinInfo)
  }

  /** `GET /pins?local=<b>&filter=<f>&cids=` (stream). `filter` is a TrackerStatus bit mask (0 = all). */
  statusAll (filter = 0, local = false, options?: AbortOptions): AsyncGenerator<GlobalPinInfoJSON> {
    const f = filter === 0 ? '' : trackerStatusToString(filter)
    return this.stream({ method: 'GET', path: `/pins?local=${String(local)}&filter=${queryEscape(f)}&cids=`, signal: options?.signal }, normalizeGlobalPinInfo)
  }

  /** `POST /pins/<cid>/recover?local=<b>`. */
  async recover (cid: CidLike, local = false, options?: AbortOptions): Promise<GlobalPinInfoJSON> {
    return await this.callRequired({ method: 'POST', path: `/pins/${cidString(cid)}/recover?local=${String(local)}`, signal: options?.signal }, normalizeGlobalPinInfo)
  }

  /** `POST /pins/recover?local=<b>` (stream). */
  recoverAll (local = false, options?: AbortOptions): AsyncGenerator<GlobalPinInfoJSON> {
    return this.stream({ method: 'POST', path: `/pins/recover?local=${String(local)}`, signal: options?.signal }, normalizeGlobalPinInfo)
  }

  /** `GET /health/alerts`. */
  async alerts (options?: AbortOptions): Promise<AlertJSON[]> {
    return await this.callRequired({ method: 'GET', path: '/health/alerts', signal: options?.signal }, (raw) => normalizeList(raw, normalizeAlert, '[]api.Alert'), true)
  }

  /** `GET /health/bandwidth` (null when the reporter is disabled). */
  async bandwidthByProtocol (options?: AbortOptions): Promise<BandwidthByProtocolJSON> {
    const v = await this.call({ method: 'GET', path: '/health/bandwidth', signal: options?.signal }, normalizeBandwidth, true)
    return v ?? null
  }

  /** `GET /health/graph`. */
  async connectGraph (options?: AbortOptions): Promise<ConnectGraphJSON> {
    return await this.callRequired({ method: 'GET', path: '/health/graph', signal: options?.signal }, normalizeConnectGraph)
  }

  /** `GET /monitor/metrics/<name>`. */
  async metrics (name: string, options?: AbortOptions): Promise<MetricJSON[]> {
    return await this.callRequired({ method: 'GET', path: `/monitor/metrics/${pathEscape(name)}`, signal: options?.signal }, (raw) => normalizeList(raw, normalizeMetric, '[]api.Metric'), true)
  }

  /** `GET /monitor/metrics`. */
  async metricNames (options?: AbortOptions): Promise<string[]> {
    return await this.callRequired({ method: 'GET', path: '/monitor/metrics', signal: options?.signal }, normalizeStringList)
  }

  /** `POST /ipfs/gc?local=<b>`. */
  async repoGC (local = false, options?: AbortOptions): Promise<GlobalRepoGCJSON> {
    return await this.callRequired({ method: 'POST', path: `/ipfs/gc?local=${String(local)}`, signal: options?.signal }, normalizeRepoGC)
  }

  /** `GET /health` (resolves when the API answers 2xx). */
  async health (options?: AbortOptions): Promise<void> {
    await this.call({ method: 'GET', path: '/health', signal: options?.signal })
  }

  /**
   * `POST /add` with local paths and/or `http(s)://` URLs (Go client `Add`).
   * Local problems (missing path, directory without `recursive`, `noCopy`
   * with a local path) throw before any request is made.
   */
  async * add (paths: string[], params: AddParams, options: AddOptions = {}): AsyncGenerator<AddedOutputJSON> {
    const entries: AddEntry[] = []
    for (const p of paths) {
      if (isWebArgument(p)) {
        entries.push(entryFromURL(p))
      } else {
        if (params.noCopy) {
          throw new UnsupportedOperationError('nocopy option is only valid for URLs')
        }
        entries.push(await entryFromPath(p, { recursive: params.recursive, hidden: params.hidden }))
      }
    }
    yield * this.addEntries(entries, params, options)
  }

  /** `POST /add` with prepared entries (files, directories, symlinks; in memory or streamed). */
  async * addEntries (entries: AddEntry[], params: AddParams, options: AddOptions = {}): AsyncGenerator<AddedOutputJSON> {
    const onProgress = options.onUploadProgress
    const total = onProgress != null ? await totalSize(entries) : -1
    const query = addParamsToQuery(params)
    const self = this
    async function * items (): AsyncGenerator<AddedOutputJSON> {
      const boundary = randomBoundary()
      let sent = 0
      const body = (): AsyncIterable<Uint8Array> => multipartBody(entries, boundary, (n) => {
        sent += n
        onProgress?.({ bytes: sent, total })
      })
      yield * self.stream({
        method: 'POST',
        path: `/add?${query}`,
        headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
        body,
        signal: options.signal
      }, normalizeAddedOutput)
    }
    yield * items()
  }
}

export type { ApiAddress }
