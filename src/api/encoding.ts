/**
 * Value encodings shared by every JSON API (HTTP spec §1): CIDs, peer IDs,
 * Go time strings and Go-flavoured JSON output.
 */
import { base32 } from 'multiformats/bases/base32'
import { base36 } from 'multiformats/bases/base36'
import { base58btc } from 'multiformats/bases/base58'
import { base64, base64url } from 'multiformats/bases/base64'
import { base16 } from 'multiformats/bases/base16'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { InvalidArgumentError } from '../errors.js'

const multibaseDecoder = base32.decoder
  .or(base58btc.decoder)
  .or(base36.decoder)
  .or(base64.decoder)
  .or(base64url.decoder)
  .or(base16.decoder)

/**
 * Parses a CID in any multibase (CIDv0 `Qm…` included).
 * Throws InvalidArgumentError with the parser's message.
 */
export function parseCid (s: string): CID {
  if (s.length > 8 && s.charCodeAt(0) === 0x62) { // 'b': base32 lower case, the CIDv1 default
    const bytes = base32LowerDecodeOrNull(s)
    if (bytes != null) {
      try {
        return cidFromBytes(bytes)
      } catch {}
    }
  }
  try {
    if (s.startsWith('Qm') || s.startsWith('1')) {
      return CID.parse(s)
    }
    return CID.decode(multibaseDecoder.decode(s))
  } catch (err) {
    throw new InvalidArgumentError(cidErrorMessage(s, err))
  }
}

function cidErrorMessage (s: string, err: unknown): string {
  if (s.length < 2) {
    return 'cid too short'
  }
  const msg = (err as Error)?.message ?? String(err)
  return msg
}

/** Like {@link parseCid} but returns null instead of throwing. */
export function tryParseCid (s: string): CID | null {
  try {
    return parseCid(s)
  } catch {
    return null
  }
}

/**
 * Canonical string: v0 base58btc, v1 base32 (go-cid `String()`). CIDv1 are
 * encoded here directly (hot in listings of millions of pins: no per-CID
 * cache entry as `CID.toString()` keeps).
 */
export function cidToString (cid: CID): string {
  if (cid.version === 1) return 'b' + base32Encode(cid.bytes, B32_LOWER)
  return cid.toString()
}

/** The datastore key form of a CID: `/` + base32 (RFC4648, upper case, no padding) of the CID bytes. */
export function cidToDsKey (cid: CID): string {
  return '/' + base32Upper(cid.bytes)
}

const B32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
const B32_UPPER = new Uint8Array([...B32_ALPHABET].map((c) => c.charCodeAt(0)))
const B32_LOWER = new Uint8Array([...B32_ALPHABET.toLowerCase()].map((c) => c.charCodeAt(0)))
/** char code → 5-bit value, -1 for characters outside the upper-case alphabet. */
const B32_DECODE = new Int8Array(128).fill(-1)
for (let i = 0; i < 32; i++) B32_DECODE[B32_UPPER[i]] = i
let scratch = Buffer.allocUnsafe(128)

function base32Encode (bytes: Uint8Array, alphabet: Uint8Array): string {
  const need = Math.ceil(bytes.length * 8 / 5)
  if (need > scratch.length) scratch = Buffer.allocUnsafe(need * 2)
  const out = scratch
  let j = 0
  let bits = 0
  let value = 0
  for (let i = 0; i < bytes.length; i++) {
    value = ((value << 8) | bytes[i]) & 0xffff
    bits += 8
    while (bits >= 5) {
      out[j++] = alphabet[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) {
    out[j++] = alphabet[(value << (5 - bits)) & 31]
  }
  return out.toString('latin1', 0, j)
}

/** RFC 4648 base32 without padding, upper case. */
export function base32Upper (bytes: Uint8Array): string {
  return base32Encode(bytes, B32_UPPER)
}

/**
 * Inverse of {@link base32Upper} (of `s` from index `start`). Short results
 * are views on Node's shared buffer pool: a small `new Uint8Array(n)` lives
 * on the JS heap and gets its own ArrayBuffer materialised on first access
 * to `.buffer` (which multiformats does for every CID and digest), several
 * times the cost of the decoding itself.
 */
export function base32UpperDecode (s: string, start = 0): Uint8Array {
  const n = Math.floor((s.length - start) * 5 / 8)
  const pooled = Buffer.allocUnsafe(n)
  const out = new Uint8Array(pooled.buffer, pooled.byteOffset, n)
  let bits = 0
  let value = 0
  let j = 0
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i)
    const v = c < 128 ? B32_DECODE[c] : -1
    if (v < 0) {
      throw new InvalidArgumentError(`invalid base32 character ${String.fromCodePoint(s.codePointAt(i) ?? c)}`)
    }
    value = ((value << 5) | v) & 0xffff
    bits += 5
    if (bits >= 8) {
      out[j++] = (value >>> (bits - 8)) & 255
      bits -= 8
    }
  }
  return out
}

const B32_DECODE_LOWER = new Int8Array(128).fill(-1)
for (let i = 0; i < 32; i++) B32_DECODE_LOWER[B32_LOWER[i]] = i

/** `s` minus its first character, decoded as lower-case base32; null when it is not. */
function base32LowerDecodeOrNull (s: string): Uint8Array | null {
  const n = Math.floor((s.length - 1) * 5 / 8)
  const pooled = Buffer.allocUnsafe(n)
  const out = new Uint8Array(pooled.buffer, pooled.byteOffset, n)
  let bits = 0
  let value = 0
  let j = 0
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i)
    const v = c < 128 ? B32_DECODE_LOWER[c] : -1
    if (v < 0) return null
    value = ((value << 5) | v) & 0xffff
    bits += 5
    if (bits >= 8) {
      out[j++] = (value >>> (bits - 8)) & 255
      bits -= 8
    }
  }
  // RFC 4648 without padding: fewer than 5 leftover bits, all zero
  if (bits >= 5 || (value & ((1 << bits) - 1)) !== 0) return null
  return out
}

/**
 * A CID from its binary form. The common shapes (CIDv0; CIDv1 whose codec,
 * hash code and length are one-byte varints) are built directly from
 * `bytes` (no copies); anything else goes through `CID.decode`.
 */
export function cidFromBytes (bytes: Uint8Array): CID {
  if (bytes.length >= 4 && bytes[0] === 1 && bytes[1] < 0x80 && bytes[2] < 0x80 && bytes[3] < 0x80 && bytes.length === 4 + bytes[3]) {
    const digest = new Digest.Digest(bytes[2], bytes[3], bytes.subarray(4), bytes.subarray(2))
    return new CID(1, bytes[1], digest, bytes)
  }
  if (bytes.length === 34 && bytes[0] === 0x12 && bytes[1] === 0x20) {
    return new CID(0, DAG_PB, new Digest.Digest(0x12, 32, bytes.subarray(2), bytes), bytes)
  }
  return CID.decode(bytes)
}

const DAG_PB = 0x70

export function cidFromDsKey (key: string): CID {
  return cidFromBytes(base32UpperDecode(key, key.startsWith('/') ? 1 : 0))
}

/**
 * Validates a peer ID string and returns its canonical base58btc form.
 * Accepts base58 multihashes (`Qm…`, `12D3…`) and libp2p-key CIDs (`k51…`, `bafz…`).
 */
export function parsePeerId (s: string): string {
  if (s === '') {
    throw new InvalidArgumentError('empty peer ID')
  }
  try {
    if (s.startsWith('Qm') || s.startsWith('1')) {
      const mh = base58btc.baseDecode(s)
      if (mh.length < 2) throw new Error('too short')
      // validate multihash framing: code varint + length varint + digest
      const code = mh[0]
      if (code !== 0x12 && code !== 0x00) throw new Error('unknown multihash code')
      const len = mh[1]
      if (mh.length !== len + 2) throw new Error('multihash length inconsistent')
      return s
    }
    const cid = parseCid(s)
    if (cid.code !== 0x72) {
      throw new Error(`can't convert CID of type "${cid.code}" to a peer ID`)
    }
    return base58btc.baseEncode(cid.multihash.bytes)
  } catch (err) {
    throw new InvalidArgumentError(`failed to parse peer ID: ${(err as Error).message}`)
  }
}

export function tryParsePeerId (s: string): string | null {
  try {
    return parsePeerId(s)
  } catch {
    return null
  }
}

/** The Go zero time as printed by encoding/json. */
export const ZERO_TIME = '0001-01-01T00:00:00Z'

function pad (n: number, width = 2): string {
  return String(n).padStart(width, '0')
}

const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'))
/** Go's fraction of a millisecond value: '' for 0, `.1` for 100, `.012` for 12. */
const FRACTION = Array.from({ length: 1000 }, (_, i) => i === 0 ? '' : ('.' + String(i).padStart(3, '0')).replace(/0+$/, ''))

/**
 * Formats a Date as Go's RFC3339Nano in the local time zone
 * (`Z` when the local offset is zero). `null` is the zero time.
 * `secondsOnly` drops the fraction (times read back from the state).
 */
export function formatTime (date: Date | null, secondsOnly = false): string {
  if (date == null) {
    return ZERO_TIME
  }
  const offsetMin = -date.getTimezoneOffset()
  const local = offsetMin === 0 ? date : new Date(date.getTime() + offsetMin * 60000)
  const year = local.getUTCFullYear()
  if (year >= 1000 && year <= 9999) {
    // fast path (hot in listings): table lookups instead of padding
    const ms = local.getUTCMilliseconds()
    const s = year + '-' + PAD2[local.getUTCMonth() + 1] + '-' + PAD2[local.getUTCDate()] + 'T' + PAD2[local.getUTCHours()] + ':' +
      PAD2[local.getUTCMinutes()] + ':' + PAD2[local.getUTCSeconds()] + (secondsOnly ? '' : FRACTION[ms])
    if (offsetMin === 0) return s + 'Z'
    const abs = Math.abs(offsetMin)
    return s + (offsetMin > 0 ? '+' : '-') + PAD2[Math.floor(abs / 60)] + ':' + PAD2[abs % 60]
  }
  let s = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`
  const ms = local.getUTCMilliseconds()
  if (!secondsOnly && ms !== 0) {
    s += '.' + pad(ms, 3).replace(/0+$/, '')
  }
  if (offsetMin === 0) {
    return s + 'Z'
  }
  const sign = offsetMin > 0 ? '+' : '-'
  const abs = Math.abs(offsetMin)
  return `${s}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
}

/** Parses an RFC 3339 time; the Go zero time gives null. */
export function parseTime (s: string): Date | null {
  if (s === ZERO_TIME || s === '' || s.startsWith('0001-01-01T00:00:00')) {
    return null
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(s)) {
    throw new InvalidArgumentError(`parsing time "${s}" as "2006-01-02T15:04:05Z07:00": cannot parse`)
  }
  const d = new Date(s)
  if (Number.isNaN(d.getTime())) {
    throw new InvalidArgumentError(`parsing time "${s}": out of range`)
  }
  return d
}

/** Truncates a Date to whole seconds (what the state stores). */
export function truncateToSeconds (d: Date): Date {
  return new Date(Math.floor(d.getTime() / 1000) * 1000)
}

/**
 * Go's encoding/json escapes `<`, `>`, `&`, U+2028 and U+2029 in strings.
 * Applying it to JSON text is safe because those characters can only occur
 * inside strings.
 */
const GO_ESCAPED = /[<>&\u2028\u2029]/
const GO_ESCAPED_ALL = /[<>&\u2028\u2029]/g

export function goEscape (json: string): string {
  // Fast path (hot in streaming responses): nothing to escape.
  if (!GO_ESCAPED.test(json)) return json
  return json.replace(GO_ESCAPED_ALL, (c) => {
    switch (c) {
      case '<': return '\\u003c'
      case '>': return '\\u003e'
      case '&': return '\\u0026'
      case '\u2028': return '\\u2028'
      default: return '\\u2029'
    }
  })
}

/** Compact Go-style JSON (no trailing newline). */
export function goJSON (value: unknown): string {
  return goEscape(JSON.stringify(value))
}

/** Indented Go-style JSON (`json.MarshalIndent(v, "", indent)`). */
export function goJSONIndent (value: unknown, indent: string | number): string {
  return goEscape(JSON.stringify(value, null, indent))
}

/**
 * Case-insensitive property lookup, as Go's encoding/json does when decoding.
 * Exact match wins; otherwise the last case-insensitive match.
 */
export function getCI (obj: Record<string, unknown>, key: string): unknown {
  if (Object.prototype.hasOwnProperty.call(obj, key)) {
    return obj[key]
  }
  const lower = key.toLowerCase()
  let found: unknown
  for (const k of Object.keys(obj)) {
    if (k.toLowerCase() === lower) {
      found = obj[k]
    }
  }
  return found
}

export function hasCI (obj: Record<string, unknown>, key: string): boolean {
  if (Object.prototype.hasOwnProperty.call(obj, key)) return true
  const lower = key.toLowerCase()
  return Object.keys(obj).some((k) => k.toLowerCase() === lower)
}
