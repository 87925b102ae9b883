/**
 * HTTP helpers for the API tests: a default API config listening on
 * 127.0.0.1 port 0, and a raw node:http client that returns status,
 * headers, body and trailers.
 */
import { request as httpRequestRaw, type IncomingHttpHeaders } from 'node:http'
import { request as httpsRequestRaw } from 'node:https'
import type { HTTPAPIConfig } from '../../src/config/types.js'
import type { Readable } from 'node:stream'

export function httpConfig (overrides: Partial<HTTPAPIConfig> = {}): HTTPAPIConfig {
  return {
    httpListenMultiaddress: ['/ip4/127.0.0.1/tcp/0'],
    sslCertFile: '',
    sslKeyFile: '',
    readTimeout: 0,
    readHeaderTimeout: 5000,
    writeTimeout: 0,
    idleTimeout: 120000,
    maxHeaderBytes: 4096,
    libp2pListenMultiaddress: [],
    id: '',
    privateKey: '',
    basicAuthCredentials: null,
    httpLogFile: '',
    headers: {},
    corsAllowedOrigins: ['*'],
    corsAllowedMethods: ['GET'],
    corsAllowedHeaders: [],
    corsExposedHeaders: ['Content-Type', 'X-Stream-Output', 'X-Chunked-Output', 'X-Content-Length'],
    corsAllowCredentials: true,
    corsMaxAge: 0,
    ...overrides
  }
}

export interface Target {
  port?: number
  socketPath?: string
  https?: boolean
}

/** `/ip4/127.0.0.1/tcp/1234` → { port: 1234 }, `/unix/…` → { socketPath }. */
export function targetOf (addr: string): Target {
  if (addr.startsWith('/unix/')) return { socketPath: addr.slice('/unix'.length) }
  const m = /\/tcp\/(\d+)$/.exec(addr)
  if (m == null) throw new Error(`no port in ${addr}`)
  return { port: Number(m[1]) }
}

export function baseURL (addr: string): string {
  const t = targetOf(addr)
  return `http://127.0.0.1:${t.port ?? 0}/`
}

export interface HTTPResult {
  status: number
  headers: IncomingHttpHeaders
  rawHeaders: string[]
  body: string
  trailers: NodeJS.Dict<string>
  rawTrailers: string[]
}

export interface RequestOptions {
  method?: string
  path: string
  headers?: Record<string, string | string[]>
  body?: string | Buffer | Readable
}

/** All values of a header in raw order. */
export function headerValues (r: HTTPResult, name: string): string[] {
  const out: string[] = []
  for (let i = 0; i < r.rawHeaders.length; i += 2) {
    if (r.rawHeaders[i].toLowerCase() === name.toLowerCase()) out.push(r.rawHeaders[i + 1])
  }
  return out
}

export function trailerValues (r: HTTPResult, name: string): string[] {
  const out: string[] = []
  for (let i = 0; i < r.rawTrailers.length; i += 2) {
    if (r.rawTrailers[i].toLowerCase() === name.toLowerCase()) out.push(r.rawTrailers[i + 1])
  }
  return out
}

export async function httpRequest (target: Target, opts: RequestOptions): Promise<HTTPResult> {
  const make = target.https === true ? httpsRequestRaw : httpRequestRaw
  return await new Promise<HTTPResult>((resolve, reject) => {
    const req = make({
      host: target.socketPath == null ? '127.0.0.1' : undefined,
      port: target.port,
      socketPath: target.socketPath,
      method: opts.method ?? 'GET',
      path: opts.path,
      headers: opts.headers,
      agent: false,
      rejectUnauthorized: false
    }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body: Buffer.concat(chunks).toString('utf8'),
          trailers: res.trailers,
          rawTrailers: res.rawTrailers
        })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    const body = opts.body
    if (body == null) {
      req.end()
    } else if (typeof body === 'string' || Buffer.isBuffer(body)) {
      req.end(body)
    } else {
      body.pipe(req)
    }
  })
}

/** Parses NDJSON lines. */
export function ndjson (body: string): unknown[] {
  return body.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l))
}
