/**
 * Go `time.Duration` text format: `time.ParseDuration` and
 * `Duration.String()` (CLI spec §4.0.4). Durations are exchanged as
 * milliseconds (possibly fractional) like the rest of the code base.
 */

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  'µs': 1000n, // U+00B5 micro sign
  'μs': 1000n, // U+03BC Greek small letter mu
  ms: 1000000n,
  s: 1000000000n,
  m: 60000000000n,
  h: 3600000000000n
}

const MAX_INT64 = (1n << 63n) - 1n

/** A Go-style `strconv.Quote` for the ASCII cases that matter in messages. */
export function goQuote (s: string): string {
  return JSON.stringify(s)
}

export class GoDurationError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'InvalidArgumentError'
  }
}

/**
 * Parses a Go duration (`1h30m`, `2.5s`, `-1m`, `0`) to nanoseconds.
 * Errors carry Go's messages (`time: invalid duration "x"`,
 * `time: missing unit in duration "2"`, `time: unknown unit "d" in duration "2d"`).
 */
export function parseGoDurationNs (orig: string): bigint {
  let s = orig
  let neg = false
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
    throw new GoDurationError(`time: invalid duration ${goQuote(orig)}`)
  }
  let total = 0n
  while (s !== '') {
    // integer part
    let i = 0
    while (i < s.length && s[i] >= '0' && s[i] <= '9') i++
    const intPart = s.slice(0, i)
    s = s.slice(i)
    let fracPart = ''
    if (s.startsWith('.')) {
      s = s.slice(1)
      let j = 0
      while (j < s.length && s[j] >= '0' && s[j] <= '9') j++
      fracPart = s.slice(0, j)
      s = s.slice(j)
      if (intPart === '' && fracPart === '') {
        throw new GoDurationError(`time: invalid duration ${goQuote(orig)}`)
      }
    } else if (intPart === '') {
      throw new GoDurationError(`time: invalid duration ${goQuote(orig)}`)
    }
    // unit
    let k = 0
    while (k < s.length && s[k] !== '.' && !(s[k] >= '0' && s[k] <= '9')) k++
    if (k === 0) {
      throw new GoDurationError(`time: missing unit in duration ${goQuote(orig)}`)
    }
    const unitName = s.slice(0, k)
    s = s.slice(k)
    const unit = UNIT_NS[unitName]
    if (unit == null) {
      throw new GoDurationError(`time: unknown unit ${goQuote(unitName)} in duration ${goQuote(orig)}`)
    }
    let v = BigInt(intPart === '' ? '0' : intPart) * unit
    if (fracPart !== '') {
      // fraction * unit, truncated like Go (it rounds down)
      const scale = 10n ** BigInt(fracPart.length)
      v += (BigInt(fracPart) * unit) / scale
    }
    total += v
    if (total > MAX_INT64 + (neg ? 1n : 0n)) {
      throw new GoDurationError(`time: invalid duration ${goQuote(orig)}`)
    }
  }
  return neg ? -total : total
}

/** Parses a Go duration to milliseconds (fractional for sub-ms values). */
export function parseGoDuration (s: string): number {
  return Number(parseGoDurationNs(s)) / 1e6
}

function fmtFrac (v: bigint, prec: number): { text: string, rest: bigint } {
  // Formats the low `prec` digits of v as a fraction (trailing zeros trimmed).
  let digits = ''
  let print = false
  let w = v
  for (let i = 0; i < prec; i++) {
    const d = w % 10n
    print = print || d !== 0n
    if (print) digits = d.toString() + digits
    w /= 10n
  }
  return { text: print ? '.' + digits : '', rest: w }
}

/** Go's `Duration.String()` for a value in nanoseconds. */
export function formatGoDurationNs (ns: bigint): string {
  if (ns === 0n) return '0s'
  const neg = ns < 0n
  let u = neg ? -ns : ns
  let out: string
  if (u < 1000000000n) {
    // sub-second: ns, µs or ms with a fraction
    let prec: number
    let unit: string
    if (u < 1000n) {
      return (neg ? '-' : '') + u.toString() + 'ns'
    } else if (u < 1000000n) {
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
    let s = (u % 60n).toString() + text + 's'
    u /= 60n
    if (u > 0n) {
      s = (u % 60n).toString() + 'm' + s
      u /= 60n
      if (u > 0n) {
        s = u.toString() + 'h' + s
      }
    }
    out = s
  }
  return (neg ? '-' : '') + out
}

/** Go's `Duration.String()` for a value in milliseconds. */
export function formatGoDuration (ms: number): string {
  return formatGoDurationNs(BigInt(Math.round(ms * 1e6)))
}
