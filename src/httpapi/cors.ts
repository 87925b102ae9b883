/**
 * CORS with the semantics of rs/cors v1.11.1 as configured by IPFS Cluster
 * (HTTP spec §3.5). Pre-flights are answered here (204, never reaching the
 * routes); actual requests get their headers and continue.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

export interface CORSOptions {
  /** null/empty = every origin. */
  allowedOrigins: string[] | null
  /** null/empty = GET, POST, HEAD. */
  allowedMethods: string[] | null
  /** null/empty = accept, content-type, x-requested-with. */
  allowedHeaders: string[] | null
  exposedHeaders: string[] | null
  allowCredentials: boolean
  /** Seconds; 0 = no Max-Age header. */
  maxAge: number
}

interface Wildcard { prefix: string, suffix: string }

const MAX_OWS_BYTES = 1
const MAX_EMPTY_ELEMENTS = 16

/** Go `http.CanonicalHeaderKey`. */
export function canonicalHeaderKey (h: string): string {
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(h)) return h
  return h.toLowerCase().replace(/(^|-)([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase())
}

export class CORS {
  private readonly originsAll: boolean
  private readonly origins: string[]
  private readonly wildcards: Wildcard[]
  private readonly methods: string[]
  private readonly headersAll: boolean
  /** Allowed header name → position in sorted order. */
  private readonly headers: Map<string, number>
  private readonly headersMaxLen: number
  private readonly exposed: string
  private readonly allowCredentials: boolean
  private readonly maxAge: string

  constructor (opts: CORSOptions) {
    const origins = opts.allowedOrigins ?? []
    this.origins = []
    this.wildcards = []
    this.originsAll = origins.length === 0
    for (const raw of origins) {
      const o = raw.toLowerCase()
      if (o === '*') {
        this.originsAll = true
        this.origins = []
        this.wildcards = []
        break
      }
      const i = o.indexOf('*')
      if (i >= 0) {
        this.wildcards.push({ prefix: o.slice(0, i), suffix: o.slice(i + 1) })
      } else {
        this.origins.push(o)
      }
    }

    const methods = opts.allowedMethods ?? []
    this.methods = methods.length === 0 ? ['GET', 'POST', 'HEAD'] : methods.map((m) => m.toUpperCase())

    const headers = opts.allowedHeaders ?? []
    let names = headers.length === 0 ? ['accept', 'content-type', 'x-requested-with'] : headers.map((h) => h.toLowerCase())
    this.headersAll = headers.includes('*')
    if (this.headersAll) names = []
    names = [...new Set(names)].sort()
    this.headers = new Map(names.map((n, i) => [n, i]))
    this.headersMaxLen = names.reduce((m, n) => Math.max(m, n.length), 0)

    this.exposed = (opts.exposedHeaders ?? []).map(canonicalHeaderKey).join(', ')
    this.allowCredentials = opts.allowCredentials
    this.maxAge = opts.maxAge > 0 ? String(Math.floor(opts.maxAge)) : opts.maxAge < 0 ? '0' : ''
  }

  /** True for a pre-flight: OPTIONS with a non-empty Access-Control-Request-Method. */
  isPreflight (req: IncomingMessage): boolean {
    return req.method === 'OPTIONS' && headerValue(req, 'access-control-request-method') !== ''
  }

  /** Answers a pre-flight (always 204, no body). */
  handlePreflight (req: IncomingMessage, res: ServerResponse): void {
    appendVary(res, 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers')
    const origin = headerValue(req, 'origin')
    if (origin !== '' && this.originAllowed(origin)) {
      const reqMethod = headerValue(req, 'access-control-request-method')
      const rawReqHeaders = req.headersDistinct['access-control-request-headers']
      if (this.methodAllowed(reqMethod) && (rawReqHeaders == null || this.headersAll || this.headersAccepted(rawReqHeaders))) {
        res.setHeader('Access-Control-Allow-Origin', this.originsAll ? '*' : origin)
        res.setHeader('Access-Control-Allow-Methods', reqMethod)
        if (rawReqHeaders != null && rawReqHeaders[0] !== '') {
          res.setHeader('Access-Control-Allow-Headers', rawReqHeaders)
        }
        if (this.allowCredentials) {
          res.setHeader('Access-Control-Allow-Credentials', 'true')
        }
        if (this.maxAge !== '') {
          res.setHeader('Access-Control-Max-Age', this.maxAge)
        }
      }
    }
    res.writeHead(204)
    res.end()
  }

  /** Sets the headers of an actual (non pre-flight) request. */
  handleActual (req: IncomingMessage, res: ServerResponse): void {
    appendVary(res, 'Origin')
    const origin = headerValue(req, 'origin')
    if (origin === '' || !this.originAllowed(origin)) return
    if (!this.methodAllowed(req.method ?? '')) return
    res.setHeader('Access-Control-Allow-Origin', this.originsAll ? '*' : origin)
    if (this.exposed !== '') {
      res.setHeader('Access-Control-Expose-Headers', this.exposed)
    }
    if (this.allowCredentials) {
      res.setHeader('Access-Control-Allow-Credentials', 'true')
    }
  }

  private originAllowed (origin: string): boolean {
    if (this.originsAll) return true
    const o = origin.toLowerCase()
    if (this.origins.includes(o)) return true
    return this.wildcards.some((w) => o.length >= w.prefix.length + w.suffix.length && o.startsWith(w.prefix) && o.endsWith(w.suffix))
  }

  private methodAllowed (method: string): boolean {
    if (this.methods.length === 0) return false
    if (method === 'OPTIONS') return true
    return this.methods.includes(method)
  }

  /**
   * rs/cors `SortedSet.Accepts`: the request header names, across every
   * header line, must be allowed, lower-case, sorted and unique.
   */
  private headersAccepted (values: string[]): boolean {
    let lastPos = -1
    let empty = 0
    const maxLen = MAX_OWS_BYTES + this.headersMaxLen + MAX_OWS_BYTES + 1
    for (const value of values) {
      for (const raw of value.split(',')) {
        if (raw.length > maxLen) return false
        const name = trimOWS(raw)
        if (name === undefined) return false
        if (name === '') {
          empty++
          if (empty > MAX_EMPTY_ELEMENTS) return false
          continue
        }
        const pos = this.headers.get(name)
        if (pos === undefined || pos <= lastPos) return false
        lastPos = pos
      }
    }
    return true
  }
}

/** Trims at most one space/tab on each side; undefined when there is more. */
function trimOWS (s: string): string | undefined {
  let start = 0
  let end = s.length
  let n = 0
  while (start < end && (s[start] === ' ' || s[start] === '\t')) { start++; n++ }
  if (n > MAX_OWS_BYTES) return undefined
  n = 0
  while (end > start && (s[end - 1] === ' ' || s[end - 1] === '\t')) { end--; n++ }
  if (n > MAX_OWS_BYTES) return undefined
  return s.slice(start, end)
}

function headerValue (req: IncomingMessage, name: string): string {
  const v = req.headersDistinct[name]
  return v?.[0] ?? ''
}

function appendVary (res: ServerResponse, value: string): void {
  const prev = res.getHeader('Vary')
  if (prev == null) {
    res.setHeader('Vary', value)
  } else {
    res.setHeader('Vary', [...(Array.isArray(prev) ? prev : [String(prev)]), value])
  }
}
