/**
 * Go `time.Duration` text format (spec §4.0.4): `time.ParseDuration` and
 * `Duration.String()`, exact to the nanosecond.
 *
 * Internally durations are nanosecond BigInts (Go's int64); the helpers
 * that take/return milliseconds are what components use.
 */

const NS = 1n
const US = 1000n * NS
const MS = 1000n * US
const SECOND = 1000n * MS
const MINUTE = 60n * SECOND
const HOUR = 60n * MINUTE

const UNITS: Record<string, bigint> = {
  ns: NS,
  us: US,
  'µs': US, // U+00B5 micro sign
  'μs': US, // U+03BC greek mu
  ms: MS,
  s: SECOND,
  m: MINUTE,
  h: HOUR
}

const MAX_INT64 = (1n << 63n) - 1n
const OVERFLOW = 1n << 63n

/** The error thrown for unparsable durations, with Go's message. */
export class DurationParseError extends Error {
  static override name = 'DurationParseError'
  constructor (message: string) {
    super(message)
    this.name = 'DurationParseError'
  }
}

/** Go's `strconv.Quote` for the strings that appear in duration errors. */
export function goQuote (s: string): string {
  let out = '"'
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0
    if (ch === '"') out += '\\"'
    else if (ch === '\\') out += '\\\\'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (ch === '\u0007') out += '\\a'
    else if (ch === '\b') out += '\\b'
    else if (ch === '\f') out += '\\f'
    else if (ch === '\v') out += '\\v'
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0')
    else if (c === 0xfffd && ch !== '\ufffd') out += '\\ufffd'
    else out += ch
  }
  return out + '"'
}

function isDigit (c: string | undefined): boolean {
  return c != null && c >= '0' && c <= '9'
}

/**
 * Parses a Go duration string to nanoseconds. Throws DurationParseError
 * with Go's messages (`time: invalid duration "x"`, `time: missing unit in
 * duration "1"`, `time: unknown unit "d" in duration "1d"`).
 */
export function parseDurationNs (orig: string): bigint {
  let s = orig
  let neg = false
  const invalid = (): DurationParseError => new DurationParseError('time: invalid duration ' + goQuote(orig))
  if (s !== '') {
    const c = s[0]
    if (c === '-' || c === '+') {
      neg = c === '-'
      s = s.slice(1)
    }
  }
  if (s === '0') {
    return 0n
  }
  if (s === '') {
    throw invalid()
  }
  let d = 0n
  while (s !== '') {
    let v = 0n
    let f = 0n
    let scale = 1n
    if (!(s[0] === '.' || isDigit(s[0]))) {
      throw invalid()
    }
    // leading integer
    let i = 0
    while (i < s.length && isDigit(s[i])) {
      v = v * 10n + BigInt(s.charCodeAt(i) - 48)
      if (v > OVERFLOW) throw invalid()
      i++
    }
    const pre = i > 0
    s = s.slice(i)
    let post = false
    if (s !== '' && s[0] === '.') {
      s = s.slice(1)
      let j = 0
      let overflow = false
      while (j < s.length && isDigit(s[j])) {
        if (!overflow) {
          if (f > (MAX_INT64 - 9n) / 10n) {
            overflow = true
          } else {
            f = f * 10n + BigInt(s.charCodeAt(j) - 48)
            scale *= 10n
          }
        }
        j++
      }
      post = j > 0
      s = s.slice(j)
    }
    if (!pre && !post) {
      throw invalid()
    }
    // unit
    let k = 0
    while (k < s.length && s[k] !== '.' && !isDigit(s[k])) k++
    if (k === 0) {
      throw new DurationParseError('time: missing unit in duration ' + goQuote(orig))
    }
    const u = s.slice(0, k)
    s = s.slice(k)
    const unit = UNITS[u]
    if (unit == null) {
      throw new DurationParseError('time: unknown unit ' + goQuote(u) + ' in duration ' + goQuote(orig))
    }
    if (v > OVERFLOW / unit) {
      throw invalid()
    }
    v *= unit
    if (f > 0n) {
      // Go: v += uint64(float64(f) * (float64(unit) / scale))
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / Number(scale))))
      if (v > OVERFLOW) throw invalid()
    }
    d += v
    if (d > OVERFLOW) throw invalid()
  }
  if (neg) {
    return -d
  }
  if (d > MAX_INT64) {
    throw invalid()
  }
  return d
}

/** Appends the fraction of v/10^prec without trailing zeros (Go fmtFrac). */
function fmtFrac (v: bigint, prec: number): { text: string, rest: bigint } {
  let text = ''
  let print = false
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n
    print = print || digit !== 0n
    if (print) {
      text = digit.toString() + text
    }
    v /= 10n
  }
  if (print) {
    text = '.' + text
  }
  return { text, rest: v }
}

/** Formats nanoseconds like Go's `Duration.String()`. */
export function formatDurationNs (d: bigint): string {
  if (d === 0n) {
    return '0s'
  }
  const neg = d < 0n
  let u = neg ? -d : d
  let out: string
  if (u < SECOND) {
    let prec: number
    let unit: string
    if (u < US) {
      prec = 0
      unit = 'ns'
    } else if (u < MS) {
      prec = 3
      unit = 'µs'
    } else {
      prec = 6
      unit = 'ms'
    }
    const { text, rest } = fmtFrac(u, prec)
    out = rest.toString() + text + unit
  } else {
    const { text, rest } = fmtFrac(u, 9)
    u = rest
    out = (u % 60n).toString() + text + 's'
    u /= 60n
    if (u > 0n) {
      out = (u % 60n).toString() + 'm' + out
      u /= 60n
      if (u > 0n) {
        out = u.toString() + 'h' + out
      }
    }
  }
  return neg ? '-' + out : out
}

/** Milliseconds (possibly fractional) to Go nanoseconds. */
export function msToNs (ms: number): bigint {
  return BigInt(Math.round(ms * 1e6))
}

/** Go nanoseconds to milliseconds. */
export function nsToMs (ns: bigint): number {
  return Number(ns) / 1e6
}

/** Parses a Go duration string to milliseconds. */
export function parseDuration (s: string): number {
  return nsToMs(parseDurationNs(s))
}

/** Formats milliseconds as a Go duration string (`2m0s`, `1.5ms`, `0s`). */
export function formatDuration (ms: number): string {
  return formatDurationNs(msToNs(ms))
}
