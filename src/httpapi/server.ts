/**
 * The common HTTP server of the REST API and the Pinning Service API
 * (HTTP spec §3): listeners, TLS, limits, access log, and the handler chain
 *
 *   access log → auth → CORS → trailing-slash 307 → router (301 path
 *   cleaning, routes, 405, 404) → handler
 *
 * The API components only supply their routes and their error body.
 */
import { lookup } from 'node:dns/promises'
import { readFile, lstat, unlink } from 'node:fs/promises'
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { connect } from 'node:net'
import { AbortError, ConfigError, InvalidArgumentError, NotFoundError, UnauthorizedError } from '../errors.js'
import { anySignal } from '../utils/abort.js'
import { multiaddrToSocket, type SocketAddress } from '../utils/multiaddr.js'
import { AccessLog } from './access-log.js'
import { authenticate, signToken } from './auth.js'
import { CORS } from './cors.js'
import { Exchange, errorMessage, type ErrorBodyFn } from './exchange.js'
import { cleanPath, Router, type RouteDef } from './router.js'
import type { HTTPAPIConfig } from '../config/types.js'
import type { ComponentLogger, Logger, RequestActivity, Startable } from '../interfaces.js'
import type { AddressInfo } from 'node:net'

export type RouteHandler = (ex: Exchange) => Promise<void> | void
export type Route = RouteDef<RouteHandler>

export interface HTTPAPIServerInit {
  /** Go facility of the API (`restapi`, `pinsvcapi`); the access log uses `<name>log`. */
  name: string
  config: HTTPAPIConfig
  logger: ComponentLogger
  /** The API's routes, in matching order (`/token` and `/health` are appended). */
  routes: Route[]
  errorBody: ErrorBodyFn
  /** Requests in flight are counted here (background work gives way to them). */
  activity?: RequestActivity
}

/** Go's `MaxHeaderBytes` lets about 4096 bytes more through. */
const HEADER_SLACK = 4096

/** TLS server parameters of the reference (§3.1). */
const TLS_CIPHERS = [
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-SHA',
  'AES256-GCM-SHA384',
  'AES256-SHA'
].join(':')
const TLS_CURVES = 'P-521:P-384:P-256'

/** A listen address: TCP socket or unix socket path (Go `/unix/<path>` form). */
export function parseListenAddress (addr: string): SocketAddress {
  if (addr.startsWith('/unix/')) {
    const rest = addr.slice('/unix/'.length)
    // `/unix/%2Ftmp%2Fa.sock` (js-multiaddr) or `/unix/tmp/a.sock` (Go).
    const path = /^%2f/i.test(rest) ? decodeURIComponent(rest) : '/' + rest
    if (path === '/') throw new InvalidArgumentError(`${addr}: empty unix socket path`)
    return { kind: 'unix', path }
  }
  return multiaddrToSocket(addr)
}

/** A request target split as Go's net/http does. */
export interface RequestTarget {
  /** The target in origin form (`/path?query`, as sent after any scheme and authority). */
  origin: string
  /** The path as sent (still percent-encoded). */
  rawPath: string
  /** The query string without `?`. */
  rawQuery: string
  /** The decoded path (`rawPath` when it does not decode). */
  path: string
  /** Why the path did not decode (a bad escape), if it did not. */
  badPath?: Error
}

/**
 * Splits a request target (origin form, or absolute form whose scheme and
 * authority are dropped) into path and query. Undefined for the asterisk
 * form (`OPTIONS *`), which {@link answerAsterisk} answers.
 */
export function parseRequestTarget (url: string | undefined): RequestTarget | undefined {
  let target = url ?? '/'
  if (target === '*') return undefined
  const abs = /^[a-z][a-z0-9+.-]*:\/\/[^/?]*/i.exec(target)
  if (abs != null) target = target.slice(abs[0].length) || '/'
  const qi = target.indexOf('?')
  const rawPath = qi < 0 ? target : target.slice(0, qi)
  const rawQuery = qi < 0 ? '' : target.slice(qi + 1)
  try {
    return { origin: target, rawPath, rawQuery, path: decodePath(rawPath) }
  } catch (err) {
    return { origin: target, rawPath, rawQuery, path: rawPath, badPath: err as Error }
  }
}

/** Stops listening and closes every connection, idle or not, of each server. */
export async function closeHttpServers (servers: Server[]): Promise<void> {
  await Promise.all(servers.map(async (s) => {
    await new Promise<void>((resolve) => {
      if (!s.listening) { resolve(); return }
      s.close(() => { resolve() })
      s.closeAllConnections()
    })
  }))
}

/**
 * The bookkeeping every request of the API servers and the IPFS proxy gets:
 * a write timeout that drops a response not finished in time, an abort
 * signal that fires when the client goes away or the server stops, and an
 * access-log line once the response is closed (`bytesWritten` is read then).
 */
export function superviseRequest (req: IncomingMessage, res: ServerResponse, opts: {
  writeTimeout: number
  shutdown: AbortSignal
  accessLog: AccessLog
  bytesWritten: () => number
  /** Counts the request as in flight until its response closes. */
  activity?: RequestActivity
}): AbortSignal {
  const started = new Date()
  const ended = opts.activity?.begin()
  const ac = new AbortController()
  let writeTimer: ReturnType<typeof setTimeout> | undefined
  if (opts.writeTimeout > 0) {
    writeTimer = setTimeout(() => { if (!res.writableFinished) res.destroy() }, opts.writeTimeout)
  }
  res.once('close', () => {
    ended?.()
    clearTimeout(writeTimer)
    if (!res.writableFinished) ac.abort(new AbortError('client disconnected'))
    opts.accessLog.write({
      host: req.socket.remoteAddress ?? '@',
      time: started,
      method: req.method ?? '',
      uri: req.url ?? '',
      proto: `HTTP/${req.httpVersion}`,
      status: res.statusCode,
      size: opts.bytesWritten()
    })
  })
  return anySignal(ac.signal, opts.shutdown)
}

/** Answers `<method> *` as Go's net/http itself does: 200 for OPTIONS, else 400. */
export function answerAsterisk (req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(req.method === 'OPTIONS' ? 200 : 400, { 'Content-Length': '0' })
  res.end()
}

/** Percent-decodes a URL path (bytes → UTF-8), failing on bad escapes. */
export function decodePath (raw: string): string {
  if (!raw.includes('%')) return raw
  const bytes: number[] = []
  const enc = Buffer.from(raw, 'utf8')
  for (let i = 0; i < enc.length; i++) {
    const c = enc[i]
    if (c === 0x25) {
      const hex = enc.subarray(i + 1, i + 3).toString('latin1')
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
        throw new InvalidArgumentError(`invalid URL escape "%${hex}"`)
      }
      bytes.push(parseInt(hex, 16))
      i += 2
    } else {
      bytes.push(c)
    }
  }
  return Buffer.from(bytes).toString('utf8')
}

/** Escapes a decoded path for a Location header (Go `EscapedPath`). */
export function encodePath (path: string): string {
  return path.split('/').map((seg) => encodeURIComponent(seg).replace(/%(3A|40|21|24|26|27|28|29|2A|2B|2C|3B|3D)/gi, (m) => decodeURIComponent(m))).join('/')
}

function htmlEscape (s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' }[c] as string))
}

async function removeStaleSocket (path: string): Promise<void> {
  let st
  try {
    st = await lstat(path)
  } catch {
    return
  }
  if (!st.isSocket()) return
  const inUse = await new Promise<boolean>((resolve) => {
    const s = connect(path)
    s.once('connect', () => { s.destroy(); resolve(true) })
    s.once('error', () => { resolve(false) })
  })
  if (!inUse) {
    await unlink(path).catch(() => {})
  }
}

/**
 * Binds `server` to a TCP or unix socket address (a stale unix socket file
 * is removed first; DNS names are resolved) and returns the bound address
 * as a multiaddr (port 0 resolved).
 */
export async function listenServer (server: Server, sock: SocketAddress): Promise<string> {
  if (sock.kind === 'unix') {
    await removeStaleSocket(sock.path)
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(sock.path, () => { server.off('error', reject); resolve() })
    })
    return `/unix${sock.path}`
  }
  let host = sock.host
  if (sock.dns) {
    host = (await lookup(sock.host, { family: sock.family })).address
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ port: sock.port, host, ipv6Only: sock.family === 6 }, () => { server.off('error', reject); resolve() })
  })
  const a = server.address() as AddressInfo
  return `/${a.family === 'IPv6' ? 'ip6' : 'ip4'}/${a.address}/tcp/${a.port}`
}

/** Limits and timeouts of a Go `http.Server`, as node:http server options. */
export interface ServerLimits {
  readTimeout: number
  readHeaderTimeout: number
  idleTimeout: number
  maxHeaderBytes: number
}

/** node:http server options for the Go server settings (HTTP spec §3.1). */
export function httpServerOptions (cfg: ServerLimits): { maxHeaderSize: number, keepAlive: boolean, requestTimeout: number, headersTimeout: number, keepAliveTimeout: number, connectionsCheckingInterval: number } {
  const opts = {
    maxHeaderSize: Math.max(cfg.maxHeaderBytes, 4096) + HEADER_SLACK,
    keepAlive: true,
    requestTimeout: cfg.readTimeout,
    headersTimeout: cfg.readHeaderTimeout > 0 ? cfg.readHeaderTimeout : cfg.readTimeout,
    keepAliveTimeout: cfg.idleTimeout > 0 ? cfg.idleTimeout : cfg.readTimeout,
    connectionsCheckingInterval: 1000
  }
  if (opts.requestTimeout > 0 && (opts.headersTimeout === 0 || opts.headersTimeout > opts.requestTimeout)) {
    opts.headersTimeout = opts.requestTimeout
  }
  return opts
}

export class HTTPAPIServer implements Startable {
  private readonly name: string
  private readonly config: HTTPAPIConfig
  private readonly log: Logger
  private readonly accessLog: AccessLog
  private readonly router: Router<RouteHandler>
  private readonly cors: CORS
  private readonly errorBody: ErrorBodyFn
  private readonly activity: RequestActivity | undefined
  private servers: Server[] = []
  private bound: string[] = []
  private shutdown = new AbortController()
  private started = false

  constructor (init: HTTPAPIServerInit) {
    this.name = init.name
    this.config = init.config
    this.log = init.logger.forComponent(init.name)
    this.accessLog = new AccessLog(init.config.httpLogFile, init.logger.forComponent(`${init.name}log`))
    this.errorBody = init.errorBody
    this.activity = init.activity
    this.router = new Router<RouteHandler>([
      ...init.routes,
      { method: 'POST', path: '/token', handler: (ex) => { this.tokenHandler(ex) } },
      { method: 'GET', path: '/health', handler: (ex) => { ex.sendEmpty(204) } }
    ])
    this.cors = new CORS({
      allowedOrigins: init.config.corsAllowedOrigins,
      allowedMethods: init.config.corsAllowedMethods,
      allowedHeaders: init.config.corsAllowedHeaders,
      exposedHeaders: init.config.corsExposedHeaders,
      allowCredentials: init.config.corsAllowCredentials,
      maxAge: Math.floor(init.config.corsMaxAge / 1000)
    })
  }

  /** The bound listen addresses (multiaddrs), known after `start()`. */
  addresses (): string[] {
    return [...this.bound]
  }

  async start (): Promise<void> {
    if (this.started) return
    this.shutdown = new AbortController()
    const cfg = this.config
    let tls: { cert: Buffer, key: Buffer } | undefined
    if (cfg.sslCertFile !== '' || cfg.sslKeyFile !== '') {
      try {
        tls = { cert: await readFile(cfg.sslCertFile), key: await readFile(cfg.sslKeyFile) }
      } catch (err) {
        throw new ConfigError(`error loading TLS certificate/key: ${errorMessage(err)}`)
      }
    }
    this.accessLog.open()
    try {
      for (const addr of cfg.httpListenMultiaddress) {
        let sock: SocketAddress
        try {
          sock = parseListenAddress(addr)
        } catch (err) {
          throw new ConfigError(`error parsing ${this.name}.http_listen_multiaddress: ${errorMessage(err)}`)
        }
        const server = this.createServer(tls)
        this.servers.push(server)
        this.bound.push(await listenServer(server, sock))
      }
    } catch (err) {
      await this.closeServers()
      await this.accessLog.close()
      throw err
    }
    this.started = true
    for (const a of this.bound) {
      this.log.info('%s listening on: %s', this.name === 'pinsvcapi' ? 'Pinning Service API' : 'REST API (HTTP)', a)
    }
  }

  async stop (): Promise<void> {
    this.shutdown.abort(new AbortError('server stopping'))
    await this.closeServers()
    await this.accessLog.close()
    this.started = false
  }

  private async closeServers (): Promise<void> {
    const servers = this.servers
    this.servers = []
    this.bound = []
    await closeHttpServers(servers)
  }

  private createServer (tls?: { cert: Buffer, key: Buffer }): Server {
    const opts = httpServerOptions(this.config)
    const handler = (req: IncomingMessage, res: ServerResponse): void => { this.handle(req, res) }
    if (tls != null) {
      return createHttpsServer({
        ...opts,
        cert: tls.cert,
        key: tls.key,
        minVersion: 'TLSv1.2',
        ciphers: TLS_CIPHERS,
        ecdhCurve: TLS_CURVES,
        honorCipherOrder: true
      }, handler) as unknown as Server
    }
    return createHttpServer(opts, handler)
  }

  private handle (req: IncomingMessage, res: ServerResponse): void {
    let ex: Exchange | undefined
    const signal = superviseRequest(req, res, {
      writeTimeout: this.config.writeTimeout,
      shutdown: this.shutdown.signal,
      accessLog: this.accessLog,
      bytesWritten: () => ex?.bytesWritten ?? 0,
      activity: this.activity
    })

    const target = parseRequestTarget(req.url)
    if (target === undefined) {
      answerAsterisk(req, res)
      return
    }
    const { rawPath, rawQuery, path, badPath } = target
    const exchange = new Exchange(req, res, path, rawQuery, signal, {
      headers: this.config.headers ?? {},
      errorBody: this.errorBody,
      logger: this.log
    })
    ex = exchange
    void this.dispatch(exchange, rawPath, badPath).catch((err) => {
      if (!res.headersSent) {
        exchange.sendError(err)
      } else {
        this.log.error('error handling %s %s: %s', req.method, req.url, errorMessage(err))
        res.destroy()
      }
    })
  }

  private async dispatch (ex: Exchange, rawPath: string, badPath?: Error): Promise<void> {
    const { req, res } = ex
    const method = ex.method

    // Authentication (before CORS: 401s carry no CORS headers).
    const auth = authenticate(method, ex.path, req.headers.authorization, this.config.basicAuthCredentials)
    if (!auth.ok) {
      res.setHeader('WWW-Authenticate', auth.wwwAuthenticate)
      ex.sendError(new UnauthorizedError(auth.message), 401)
      return
    }
    ex.user = auth.user

    // CORS.
    if (this.cors.isPreflight(req)) {
      this.cors.handlePreflight(req, res)
      return
    }
    this.cors.handleActual(req, res)

    if (badPath != null) {
      ex.sendError(badPath, 400)
      return
    }

    // Trailing slash: 307 to the same URL with one `/` less (not for `/`).
    if (ex.path.length > 1 && ex.path.endsWith('/')) {
      const base = rawPath.endsWith('/') ? rawPath.slice(0, -1) : encodePath(ex.path.slice(0, -1))
      this.redirect(ex, 307, 'Temporary Redirect', base + (ex.rawQuery !== '' ? `?${ex.rawQuery}` : ''), true)
      return
    }

    // Router: canonical paths only.
    const clean = cleanPath(ex.path)
    if (clean !== ex.path) {
      this.redirect(ex, 301, 'Moved Permanently', encodePath(clean) + (ex.rawQuery !== '' ? `?${ex.rawQuery}` : ''), false)
      return
    }

    const m = this.router.match(method, ex.path)
    switch (m.kind) {
      case 'found':
        ex.params = m.params
        await m.handler(ex)
        return
      case 'method-not-allowed':
        res.writeHead(405)
        res.end()
        return
      default:
        ex.sendError(new NotFoundError('not found'), 404)
    }
  }

  private redirect (ex: Exchange, status: number, text: string, location: string, htmlBody: boolean): void {
    const res = ex.res
    res.setHeader('Location', location)
    if (htmlBody && (ex.method === 'GET' || ex.method === 'HEAD')) {
      res.setHeader('Content-Type', 'text/html; charset=utf-8')
    }
    res.writeHead(status)
    if (htmlBody && ex.method === 'GET') {
      ex.end(`<a href="${htmlEscape(location)}">${text}</a>.\n\n`)
    } else {
      ex.end()
    }
  }

  private tokenHandler (ex: Exchange): void {
    const creds = this.config.basicAuthCredentials
    const user = ex.user
    if (creds == null || user == null || !Object.prototype.hasOwnProperty.call(creds, user)) {
      ex.sendError(new UnauthorizedError('unauthorized'), 401)
      return
    }
    ex.sendJSON({ token: signToken(user, creds[user]) })
  }
}
