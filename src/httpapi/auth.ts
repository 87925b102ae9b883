/**
 * Authentication of the HTTP APIs (HTTP spec §3.3, §3.4): HTTP Basic with
 * constant-time comparison, and HMAC-signed JWT bearer tokens whose `iss`
 * names a configured user and whose key is that user's password.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { goJSON } from '../api/encoding.js'

export const AUTH_REALM = 'Restricted IPFS Cluster API'

const HMAC_ALGS: Record<string, string> = {
  HS256: 'sha256',
  HS384: 'sha384',
  HS512: 'sha512'
}

/** Algorithms golang-jwt knows but that are not HMAC (rejected as such). */
const OTHER_ALGS = new Set(['none', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'])

function b64url (data: Buffer | string): string {
  return Buffer.from(data).toString('base64url')
}

function decodeSegment (seg: string): Buffer {
  // RawURLEncoding: URL alphabet, no padding.
  if (!/^[A-Za-z0-9_-]*$/.test(seg) || seg.length % 4 === 1) {
    throw new Error('illegal base64 data')
  }
  return Buffer.from(seg, 'base64url')
}

/** Compares two strings in time independent of where they differ. */
export function constantTimeEqual (a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8')
  const bb = Buffer.from(b, 'utf8')
  // Compare against a same-length buffer so that the length check does not
  // short-circuit the comparison of contents.
  const same = timingSafeEqual(ab.length === bb.length ? bb : ab, ab)
  return same && ab.length === bb.length
}

/**
 * Issues the token of `POST /token`: HS256, header `{"alg":"HS256","typ":"JWT"}`,
 * payload `{"iss":"<user>"}`, keyed with the user's password.
 */
export function signToken (issuer: string, password: string): string {
  const header = b64url(goJSON({ alg: 'HS256', typ: 'JWT' }))
  const payload = b64url(goJSON({ iss: issuer }))
  const signingInput = `${header}.${payload}`
  const sig = createHmac('sha256', Buffer.from(password, 'utf8')).update(signingInput).digest()
  return `${signingInput}.${b64url(sig)}`
}

function numericDate (v: unknown, claim: string): number | undefined {
  if (v == null) return undefined
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new Error(`${claim} claim is not a number`)
  }
  // golang-jwt truncates NumericDates to whole seconds.
  return Math.trunc(v) * 1000
}

/**
 * Verifies a bearer token against the credentials and returns its issuer.
 * Throws an Error (the reason, for debug logs) when the token is invalid.
 */
export function verifyToken (token: string, credentials: Record<string, string>, now: number = Date.now()): string {
  const parts = token.split('.')
  if (parts.length !== 3) {
    throw new Error('token contains an invalid number of segments')
  }
  const [h, p, s] = parts
  let header: unknown
  let claims: unknown
  try {
    header = JSON.parse(decodeSegment(h).toString('utf8'))
    claims = JSON.parse(decodeSegment(p).toString('utf8'))
  } catch (err) {
    throw new Error(`malformed token: ${(err as Error).message}`)
  }
  if (header == null || typeof header !== 'object' || Array.isArray(header)) {
    throw new Error('malformed token header')
  }
  if (claims == null || typeof claims !== 'object' || Array.isArray(claims)) {
    throw new Error('malformed token claims')
  }
  const alg = (header as Record<string, unknown>).alg
  if (typeof alg !== 'string') {
    throw new Error('signing method (alg) is unspecified')
  }
  const hash = HMAC_ALGS[alg]
  if (hash == null) {
    throw new Error(OTHER_ALGS.has(alg) ? 'unexpected token signing method (not HMAC)' : 'signing method (alg) is unavailable')
  }
  const c = claims as Record<string, unknown>
  const iss = c.iss
  if (iss != null && typeof iss !== 'string') {
    throw new Error('iss claim is not a string')
  }
  if (typeof iss !== 'string' || iss === '' || !Object.prototype.hasOwnProperty.call(credentials, iss)) {
    throw new Error('issuer not found')
  }
  const key = credentials[iss]
  if (key === '') {
    throw new Error('empty key')
  }
  const exp = numericDate(c.exp, 'exp')
  const nbf = numericDate(c.nbf, 'nbf')
  const iat = numericDate(c.iat, 'iat')
  if (exp !== undefined && !(now < exp)) {
    throw new Error('token is expired')
  }
  if (iat !== undefined && now < iat) {
    throw new Error('token used before issued')
  }
  if (nbf !== undefined && now < nbf) {
    throw new Error('token is not valid yet')
  }
  let sig: Buffer
  try {
    sig = decodeSegment(s)
  } catch {
    throw new Error('signature is invalid')
  }
  const expected = createHmac(hash, Buffer.from(key, 'utf8')).update(`${h}.${p}`).digest()
  if (sig.length !== expected.length || !timingSafeEqual(sig, expected)) {
    throw new Error('signature is invalid')
  }
  return iss
}

export interface BasicCredentials {
  user: string
  password: string
}

/**
 * Go `Request.BasicAuth`: `Basic ` (case-insensitive) + standard base64 of
 * `user:password`. Undefined when the header is not valid Basic auth.
 */
export function parseBasicAuth (header: string | undefined): BasicCredentials | undefined {
  if (header == null) return undefined
  const prefix = 'basic '
  if (header.length < prefix.length || header.slice(0, prefix.length).toLowerCase() !== prefix) {
    return undefined
  }
  const encoded = header.slice(prefix.length)
  if (encoded.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) {
    return undefined
  }
  const decoded = Buffer.from(encoded, 'base64').toString('utf8')
  const i = decoded.indexOf(':')
  if (i < 0) return undefined
  return { user: decoded.slice(0, i), password: decoded.slice(i + 1) }
}

/** `Bearer ` (case-insensitive) prefix; the token is the rest. */
export function parseBearer (header: string | undefined): string | undefined {
  if (header == null) return undefined
  const prefix = 'bearer '
  if (header.length < prefix.length || header.slice(0, prefix.length).toLowerCase() !== prefix) {
    return undefined
  }
  return header.slice(prefix.length)
}

/** True when user and password are non-empty and match a configured pair. */
export function verifyBasic (creds: BasicCredentials, credentials: Record<string, string>): boolean {
  if (creds.user === '' || creds.password === '') return false
  let ok = false
  // Walk every entry so that timing does not reveal which users exist.
  for (const [user, password] of Object.entries(credentials)) {
    const userOk = constantTimeEqual(creds.user, user)
    const passOk = constantTimeEqual(creds.password, password)
    if (userOk && passOk && password !== '') ok = true
  }
  return ok
}

export type AuthResult =
  | { ok: true, user?: string }
  | { ok: false, message: string, wwwAuthenticate: string[] }

/**
 * The authentication step of the handler chain for one request. `OPTIONS`
 * and `GET /health` bypass it.
 */
export function authenticate (method: string, path: string, authorization: string | undefined, credentials: Record<string, string> | null, now?: number): AuthResult {
  if (credentials == null) return { ok: true }
  if (method === 'OPTIONS') return { ok: true }
  if (method === 'GET' && path === '/health') return { ok: true }
  const basic = parseBasicAuth(authorization)
  if (basic != null) {
    if (verifyBasic(basic, credentials)) {
      return { ok: true, user: basic.user }
    }
    return { ok: false, message: 'unauthorized: access denied', wwwAuthenticate: [`Basic realm="${AUTH_REALM}"`] }
  }
  const token = parseBearer(authorization)
  if (token != null) {
    try {
      return { ok: true, user: verifyToken(token, credentials, now) }
    } catch {
      return { ok: false, message: 'unauthorized: invalid token', wwwAuthenticate: [`Bearer realm="${AUTH_REALM}", error="invalid_token"`] }
    }
  }
  return {
    ok: false,
    message: 'unauthorized: no auth provided',
    wwwAuthenticate: [`Bearer realm="${AUTH_REALM}"`, `Basic realm="${AUTH_REALM}"`]
  }
}
