/**
 * A fake IPFS Cluster REST API for client and ctl tests: an HTTP (or HTTPS,
 * or unix-socket) server on 127.0.0.1:0 answering canned wire JSON per
 * route, recording every request (method, path, query, headers, body), with
 * optional basic auth (REST 401 bodies), NDJSON streams with
 * `X-Stream-Error` trailers, and raw responses.
 */
import http from 'node:http'
import https from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RecordedRequest {
  method: string
  /** Raw request target (`/pins?local=false&filter=&cids=`). */
  url: string
  /** Path without the query. */
  path: string
  /** Raw query string (without `?`). */
  rawQuery: string
  query: URLSearchParams
  headers: http.IncomingHttpHeaders
  body: Buffer
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>

export interface FakeRestServerInit {
  /** Serve HTTPS with this key/cert. */
  tls?: { key: string, cert: string }
  /** Require basic auth with these user → password pairs. */
  basicAuth?: Record<string, string>
  /** Listen on a unix socket instead of TCP. */
  socketPath?: string
}

/** Writes `{"code":…,"message":…}` like the REST API. */
export function sendError (res: ServerResponse, code: number, message: string): void {
  sendJSON(res, code, { code, message })
}

/** Writes a JSON body followed by a newline (Go encoder style). */
export function sendJSON (res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body) + '\n'
  res.writeHead(status, { 'Content-Type': 'application/json' })
  res.end(text)
}

/**
 * Streams NDJSON items with a declared `X-Stream-Error` trailer; the
 * trailer carries `errors` (an empty value when there is none, as the
 * reference does). No items → 204.
 */
export async function sendStream (res: ServerResponse, items: unknown[], errors: string[] = [], opts: { pauseMs?: number } = {}): Promise<void> {
  if (items.length === 0 && errors.length === 0) {
    res.writeHead(204, { 'Content-Type': 'application/json' })
    res.end()
    return
  }
  res.writeHead(200, { 'Content-Type': 'application/json', Trailer: 'X-Stream-Error' })
  for (const item of items) {
    res.write(JSON.stringify(item) + '\n')
    if (opts.pauseMs != null) await new Promise((resolve) => setTimeout(resolve, opts.pauseMs))
  }
  const trailers: Array<[string, string]> = [['X-Stream-Error', '']]
  for (const e of errors) trailers.push(['X-Stream-Error', e])
  res.addTrailers(trailers)
  res.end()
}

interface Route {
  method: string
  path: string | RegExp
  handler: Handler
}

export class FakeRestServer {
  readonly requests: RecordedRequest[] = []
  private readonly routes: Route[] = []
  private server!: http.Server
  private readonly sockets = new Set<import('node:net').Socket>()

  private constructor (private readonly init: FakeRestServerInit) {}

  static async start (init: FakeRestServerInit = {}): Promise<FakeRestServer> {
    const s = new FakeRestServer(init)
    await s.listen()
    return s
  }

  private async listen (): Promise<void> {
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => { void this.handle(req, res) }
    this.server = this.init.tls != null
      ? https.createServer({ key: this.init.tls.key, cert: this.init.tls.cert }, onRequest)
      : http.createServer(onRequest)
    this.server.on('connection', (sock) => {
      this.sockets.add(sock)
      sock.on('close', () => this.sockets.delete(sock))
    })
    this.server.on('secureConnection', (sock) => {
      this.sockets.add(sock)
      sock.on('close', () => this.sockets.delete(sock))
    })
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      if (this.init.socketPath != null) {
        this.server.listen(this.init.socketPath, resolve)
      } else {
        this.server.listen(0, '127.0.0.1', resolve)
      }
    })
  }

  get port (): number {
    return (this.server.address() as AddressInfo).port
  }

  /** The API multiaddr (`/ip4/127.0.0.1/tcp/<port>` or `/unix/<path>`). */
  get multiaddr (): string {
    if (this.init.socketPath != null) return `/unix${this.init.socketPath}`
    return `/ip4/127.0.0.1/tcp/${this.port}`
  }

  /** Registers a handler; later registrations win. `path` matches the path without query. */
  on (method: string, path: string | RegExp, handler: Handler): this {
    this.routes.unshift({ method, path, handler })
    return this
  }

  /** Shortcut: always answer `status` with `body` as JSON. */
  json (method: string, path: string | RegExp, body: unknown, status = 200): this {
    return this.on(method, path, (_req, res) => { sendJSON(res, status, body) })
  }

  /** Shortcut: answer with an NDJSON stream. */
  stream (method: string, path: string | RegExp, items: unknown[], errors: string[] = []): this {
    return this.on(method, path, async (_req, res) => { await sendStream(res, items, errors) })
  }

  /** Requests whose path equals (or matches) `path`. */
  requestsTo (path: string | RegExp): RecordedRequest[] {
    return this.requests.filter((r) => typeof path === 'string' ? r.path === path : path.test(r.path))
  }

  private checkAuth (req: IncomingMessage, res: ServerResponse): boolean {
    const creds = this.init.basicAuth
    if (creds == null) return true
    if (req.method === 'OPTIONS' || (req.method === 'GET' && (req.url ?? '').split('?')[0] === '/health')) return true
    const h = req.headers.authorization ?? ''
    const m = /^basic (.*)$/i.exec(h)
    if (m != null) {
      const decoded = Buffer.from(m[1], 'base64').toString('utf8')
      const i = decoded.indexOf(':')
      const user = i < 0 ? decoded : decoded.slice(0, i)
      const pass = i < 0 ? '' : decoded.slice(i + 1)
      if (user !== '' && pass !== '' && creds[user] === pass) return true
      res.setHeader('WWW-Authenticate', 'Basic realm="Restricted IPFS Cluster API"')
      sendError(res, 401, 'unauthorized: access denied')
      return false
    }
    res.setHeader('WWW-Authenticate', ['Bearer realm="Restricted IPFS Cluster API"', 'Basic realm="Restricted IPFS Cluster API"'])
    sendError(res, 401, 'unauthorized: no auth provided')
    return false
  }

  private async handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const path = q < 0 ? url : url.slice(0, q)
    const rawQuery = q < 0 ? '' : url.slice(q + 1)
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      url,
      path,
      rawQuery,
      query: new URLSearchParams(rawQuery),
      headers: req.headers,
      body: Buffer.alloc(0)
    }
    this.requests.push(rec)
    if (!this.checkAuth(req, res)) {
      req.resume()
      return
    }
    const route = this.routes.find((r) => r.method === rec.method && (typeof r.path === 'string' ? r.path === path : r.path.test(path)))
    try {
      for await (const c of req) chunks.push(c as Buffer)
      rec.body = Buffer.concat(chunks)
      if (route == null) {
        sendError(res, 404, 'not found')
        return
      }
      await route.handler(rec, res)
    } catch (err) {
      if (!res.headersSent) sendError(res, 500, (err as Error).message)
      else res.destroy()
    }
  }

  async stop (): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>((resolve) => this.server.close(() => { resolve() }))
  }
}
