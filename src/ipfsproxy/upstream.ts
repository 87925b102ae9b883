/**
 * The IPFS daemon behind the proxy (`node_multiaddress`, HTTP spec §6.2):
 * plain requests (CORS and header extraction, `block/put` forwarding) and
 * the single-host reverse proxy every non-hijacked call goes through
 * (Go `httputil.ReverseProxy` semantics).
 */
import http from 'node:http'
import https from 'node:https'
import { IPFSUnreachableError } from '../errors.js'
import { errorMessage } from '../httpapi/exchange.js'
import { multiaddrToSocket, type SocketAddress } from '../utils/multiaddr.js'
import type { Logger } from '../interfaces.js'

/** Headers that apply to one connection only (RFC 9110 §7.6.1, Go's list). */
const HOP_BY_HOP = new Set([
  'connection', 'proxy-connection', 'keep-alive', 'proxy-authenticate',
  'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade'
])

/** Lower-cased names listed in `Connection` headers. */
function connectionTokens (raw: string[]): Set<string> {
  const out = new Set<string>()
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].toLowerCase() !== 'connection') continue
    for (const t of raw[i + 1].split(',')) {
      const n = t.trim().toLowerCase()
      if (n !== '') out.add(n)
    }
  }
  return out
}

/**
 * Raw header pairs minus hop-by-hop headers (and those named by
 * `Connection`). `keepTeTrailers` keeps `TE: trailers` (requests).
 */
export function endToEndHeaders (raw: string[], keepTeTrailers = false): Array<[string, string]> {
  const named = connectionTokens(raw)
  const out: Array<[string, string]> = []
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]
    const lower = name.toLowerCase()
    if (named.has(lower)) continue
    if (HOP_BY_HOP.has(lower)) {
      if (keepTeTrailers && lower === 'te' && raw[i + 1].toLowerCase().split(',').some((t) => t.trim() === 'trailers')) {
        out.push([name, 'trailers'])
      }
      continue
    }
    out.push([name, raw[i + 1]])
  }
  return out
}

export interface UpstreamInit {
  nodeMultiaddress: string
  https: boolean
  /** Extra TLS trust for `node_https` (tests with a private CA). */
  ca?: string | Buffer | Array<string | Buffer>
  logger: Logger
}

export interface UpstreamRequest {
  method: string
  /** Raw path and query (`/api/v0/version?x=1`). */
  path: string
  /** Header pairs (a name may repeat). */
  headers?: Array<[string, string]>
  /** Streamed request body (piped); none when absent. */
  body?: NodeJS.ReadableStream
  signal?: AbortSignal
}

/** The IPFS daemon's HTTP RPC endpoint. */
export class Upstream {
  private readonly socket: SocketAddress
  private readonly https: boolean
  private readonly ca?: UpstreamInit['ca']
  private readonly agent: http.Agent
  private readonly log: Logger
  /** `host:port` (or the socket path) for logs. */
  readonly address: string

  constructor (init: UpstreamInit) {
    this.socket = multiaddrToSocket(init.nodeMultiaddress)
    this.https = init.https
    this.ca = init.ca
    this.log = init.logger
    this.agent = init.https ? new https.Agent({ keepAlive: true, ca: init.ca }) : new http.Agent({ keepAlive: true })
    this.address = this.socket.kind === 'unix'
      ? this.socket.path
      : `${this.socket.family === 6 && !this.socket.dns ? `[${this.socket.host}]` : this.socket.host}:${this.socket.port}`
  }

  /** Closes idle keep-alive connections. */
  close (): void {
    this.agent.destroy()
  }

  /**
   * Sends a request; resolves with the response head (the body is the
   * caller's to consume). Transport failures reject with
   * IPFSUnreachableError.
   */
  async request (r: UpstreamRequest): Promise<http.IncomingMessage> {
    const headers: Record<string, string | string[]> = {}
    for (const [k, v] of r.headers ?? []) {
      const prev = headers[k]
      headers[k] = prev == null ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]
    }
    const opts: https.RequestOptions = {
      agent: this.agent,
      method: r.method,
      path: r.path,
      headers
    }
    if (this.socket.kind === 'unix') {
      opts.socketPath = this.socket.path
    } else {
      opts.host = this.socket.host
      opts.port = this.socket.port
      if (!this.socket.dns) opts.family = this.socket.family
      if (this.https) {
        opts.ca = this.ca
        opts.servername = this.socket.dns ? this.socket.host : undefined
      }
    }
    const signal = r.signal
    signal?.throwIfAborted()
    return await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = (this.https ? https.request : http.request)(opts)
      let settled = false
      const onAbort = (): void => { req.destroy(signal?.reason as Error) }
      signal?.addEventListener('abort', onAbort, { once: true })
      req.once('response', (res) => {
        settled = true
        // consumers iterate the body (and see its errors) or drop it
        res.on('error', () => {})
        res.once('close', () => { signal?.removeEventListener('abort', onAbort) })
        resolve(res)
      })
      req.once('error', (err) => {
        signal?.removeEventListener('abort', onAbort)
        if (settled) return
        settled = true
        if (signal?.aborted === true) {
          reject(signal.reason)
          return
        }
        reject(new IPFSUnreachableError(`${r.method} ${this.https ? 'https' : 'http'}://${this.address}${r.path}: ${errorMessage(err)}`))
      })
      const body = r.body
      if (body == null) {
        req.end()
        return
      }
      body.once('error', (err) => { req.destroy(err as Error) })
      body.pipe(req)
    })
  }

  /**
   * Reverse-proxies a client request (HTTP spec §6.2): same method, path and
   * query, body streamed, hop-by-hop headers removed, `X-Forwarded-For`
   * appended, the client's `Host` kept; the response status, headers,
   * body and trailers relayed as they come. Connection failure → 502.
   * Returns the number of body bytes relayed.
   */
  async forward (req: http.IncomingMessage, res: http.ServerResponse, target: string, signal: AbortSignal): Promise<number> {
    const headers = endToEndHeaders(req.rawHeaders, true)
    const clientIP = req.socket.remoteAddress
    if (clientIP != null && clientIP !== '') {
      const prior = headers.filter(([k]) => k.toLowerCase() === 'x-forwarded-for').map(([, v]) => v)
      const rest = headers.filter(([k]) => k.toLowerCase() !== 'x-forwarded-for')
      rest.push(['X-Forwarded-For', [...prior, clientIP].join(', ')])
      headers.length = 0
      headers.push(...rest)
    }
    const hasBody = req.headers['content-length'] != null ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] != null
    let upstream: http.IncomingMessage
    try {
      upstream = await this.request({ method: req.method ?? 'GET', path: target, headers, body: hasBody ? req : undefined, signal })
    } catch (err) {
      if (signal.aborted) return 0
      this.log.error('http: proxy error: %s', errorMessage(err))
      if (!res.headersSent) {
        res.writeHead(502)
        res.end()
      } else {
        res.destroy()
      }
      return 0
    }

    const out = endToEndHeaders(upstream.rawHeaders)
    const announced = upstream.headers.trailer
    const chunked = upstream.headers['content-length'] == null
    const flat: string[] = []
    for (const [k, v] of out) flat.push(k, v)
    if (announced != null && announced !== '' && chunked) flat.push('Trailer', announced)
    res.writeHead(upstream.statusCode ?? 502, flat)
    res.flushHeaders()
    let bytes = 0
    try {
      for await (const chunk of upstream) {
        if (res.destroyed) break
        bytes += (chunk as Buffer).length
        if (!res.write(chunk)) {
          await new Promise<void>((resolve) => {
            const done = (): void => { res.off('drain', done); res.off('close', done); resolve() }
            res.on('drain', done)
            res.on('close', done)
          })
        }
      }
    } catch (err) {
      // The daemon broke the response off: abort ours the same way.
      if (!signal.aborted) this.log.error('http: proxy error reading the response: %s', errorMessage(err))
      res.destroy()
      return bytes
    }
    if (res.destroyed) {
      upstream.destroy()
      return bytes
    }
    if (chunked && upstream.rawTrailers.length > 0) {
      const trailers: Array<[string, string]> = []
      for (let i = 0; i < upstream.rawTrailers.length; i += 2) trailers.push([upstream.rawTrailers[i], upstream.rawTrailers[i + 1]])
      res.addTrailers(trailers)
    }
    res.end()
    return bytes
  }
}
