/**
 * Headers of hijacked responses (HTTP spec §6.3):
 *
 * 1. CORS as the IPFS daemon would answer: an `OPTIONS` to the daemon for
 *    the same path with the client's `Origin` and
 *    `Access-Control-Request-Method`; `Access-Control-Allow-Origin`, `Vary`
 *    and `Access-Control-Allow-Credentials` are copied (absent there →
 *    absent here). On every hijacked request; failures are logged.
 * 2. Extracted headers (`Access-Control-Expose-Headers` +
 *    `extract_headers_extra`), cached for `extract_headers_ttl` (0 = once
 *    filled, forever) and refreshed with a `POST <extract_headers_path>`.
 * 3. Our own: `Content-Type: application/json`, `Server`.
 */
import { errorMessage } from '../httpapi/exchange.js'
import type { Upstream } from './upstream.js'
import type { Logger } from '../interfaces.js'
import type { IncomingMessage, ServerResponse } from 'node:http'

const CORS_HEADERS = ['Access-Control-Allow-Origin', 'Vary', 'Access-Control-Allow-Credentials']
const EXTRACT_DEFAULT = ['Access-Control-Expose-Headers']

/** Upper bound of each header request to the daemon. */
const HEADER_REQUEST_TIMEOUT = 30_000

export interface HeaderInit {
  upstream: Upstream
  extractExtra: string[]
  extractPath: string
  /** ms; 0 = never expires once filled. */
  ttl: number
  /** `Server` header value. */
  server: string
  logger: Logger
  now?: () => number
}

/** Values of a header in a response (all of them, raw order), or undefined. */
function valuesOf (res: IncomingMessage, name: string): string[] | undefined {
  const lower = name.toLowerCase()
  const out: string[] = []
  for (let i = 0; i < res.rawHeaders.length; i += 2) {
    if (res.rawHeaders[i].toLowerCase() === lower) out.push(res.rawHeaders[i + 1])
  }
  return out.length > 0 ? out : undefined
}

function setValues (dest: ServerResponse, name: string, values: string[] | undefined): void {
  if (values == null || values.length === 0) {
    dest.removeHeader(name)
  } else {
    dest.setHeader(name, values.length === 1 ? values[0] : values)
  }
}

export class HijackHeaders {
  private readonly init: HeaderInit
  private readonly names: string[]
  /** name → cached values (undefined: the daemon did not send it). */
  private readonly cache = new Map<string, string[] | undefined>()
  private cachedAt?: number
  private readonly now: () => number

  constructor (init: HeaderInit) {
    this.init = init
    this.names = [...EXTRACT_DEFAULT, ...init.extractExtra]
    this.now = init.now ?? Date.now
  }

  /** Sets the three groups of headers on `res` for the client request `req`. */
  async apply (req: IncomingMessage, res: ServerResponse, rawPath: string, signal: AbortSignal): Promise<void> {
    const sig = AbortSignal.any([signal, AbortSignal.timeout(HEADER_REQUEST_TIMEOUT)])
    await this.cors(req, res, rawPath, sig)
    await this.extracted(res, sig)
    this.own(res)
  }

  /** Only our own headers (no daemon to ask: embedded mode). */
  own (res: ServerResponse): void {
    res.setHeader('Content-Type', 'application/json')
    res.setHeader('Server', this.init.server)
  }

  private async cors (req: IncomingMessage, res: ServerResponse, rawPath: string, signal: AbortSignal): Promise<void> {
    const headers: Array<[string, string]> = []
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      if (req.rawHeaders[i].toLowerCase() === 'origin') headers.push(['Origin', req.rawHeaders[i + 1]])
    }
    headers.push(['Access-Control-Request-Method', req.method ?? 'GET'])
    try {
      const r = await this.init.upstream.request({ method: 'OPTIONS', path: rawPath, headers, signal })
      r.resume()
      for (const h of CORS_HEADERS) setValues(res, h, valuesOf(r, h))
    } catch (err) {
      this.init.logger.error('error making request for header extraction to ipfs: %s', errorMessage(err))
    }
  }

  private withinTTL (): boolean {
    if (this.init.ttl === 0) return true
    if (this.cachedAt == null) return false
    return this.now() - this.cachedAt < this.init.ttl
  }

  private async extracted (res: ServerResponse, signal: AbortSignal): Promise<void> {
    let complete = this.withinTTL()
    for (const h of this.names) {
      if (!this.cache.has(h)) {
        complete = false
        continue
      }
      // stale values are still the best we have if the daemon is down
      setValues(res, h, this.cache.get(h))
    }
    if (complete) return
    try {
      const r = await this.init.upstream.request({ method: 'POST', path: this.init.extractPath, signal })
      r.resume()
      for (const h of this.names) setValues(res, h, valuesOf(r, h))
    } catch (err) {
      this.init.logger.error('error making request for header extraction to ipfs: %s', errorMessage(err))
    }
    for (const h of this.names) {
      const v = res.getHeader(h)
      this.cache.set(h, v == null ? undefined : Array.isArray(v) ? v.map(String) : [String(v)])
    }
    this.cachedAt = this.now()
  }
}
