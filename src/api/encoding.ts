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

/** Canonical string: v0 base58btc, v1 base32 (go-cid `String()`). */
export function cidToString (cid: CID): string {
  return cid.toString()
}

/** The datastore key form of a CID: `/` + base32 (RFC4648, upper case, no padding) of the CID bytes. */
export function cidToDsKey (cid: CID): string {
  return '/' + base32Upper(cid.bytes)
}

const B32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

/** RFC 4648 base32 without padding, upper case. */
export function base32Upper (bytes: Uint8Array): string {
  let out = ''
  let bits = 0
  let value = 0
  for (let i = 0; i < bytes.length; i++) {
    value = (value << 8) | bytes[i]
    bits += 8
    while (bits >= 5) {
      out += B32_ALPHABET[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) {
    out += B32_ALPHABET[(value << (5 - bits)) & 31]
  }
  return out
}

const B32_LOOKUP = new Map([...B32_ALPHABET].map((c, i) => [c, i]))

/** Inverse of {@link base32Upper}. */
export function base32UpperDecode (s: string): Uint8Array {
  const out = new Uint8Array(Math.floor(s.length * 5 / 8))
  let bits = 0
  let value = 0
  let j = 0
  for (const c of s) {
    const v = B32_LOOKUP.get(c)
    if (v == null) {
      throw new InvalidArgumentError(`invalid base32 character ${c}`)
    }
    value = (value << 5) | v
    bits += 5
    if (bits >= 8) {
      out[j++] = (value >>> (bits - 8)) & 255
      bits -= 8
    }
  }
  return out
}

export function cidFromDsKey (key: string): CID {
  return CID.decode(base32UpperDecode(key.startsWith('/') ? key.slice(1) : key))
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
  const local = new Date(date.getTime() + offsetMin * 60000)
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
export function goEscape (json: string): string {
  // Fast path (hot in streaming responses): nothing to escape.
  if (json.indexOf('<') < 0 && json.indexOf('>') < 0 && json.indexOf('&') < 0 && json.indexOf('\u2028') < 0 && json.indexOf('\u2029') < 0) {
    return json
  }
  return json.replace(/[<>&\u2028\u2029]/g, (c) => {
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
