/**
 * go-humanize (v1.0.1) `Bytes` and `Time`, and Go `fmt` number/padding
 * helpers, for the text output of ipfs-cluster-ctl (CLI spec §6.4.5/6).
 */

/**
 * Go `strconv.FormatFloat(x, 'f', prec, 64)`: exact decimal value of the
 * double, rounded half to even.
 */
export function goFixed (x: number, prec: number): string {
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : x < 0 ? '-Inf' : 'NaN'
  const neg = x < 0 || Object.is(x, -0)
  const abs = Math.abs(x)
  if (abs >= 1e21) return (neg ? '-' : '') + abs.toFixed(prec)
  // exact decimal expansion (toFixed is exact for up to 100 digits)
  const exact = abs.toFixed(Math.min(100, prec + 30))
  const [intPart, fracPart = ''] = exact.split('.')
  const keep = fracPart.slice(0, prec)
  const next = fracPart.charCodeAt(prec) - 48
  const rest = fracPart.slice(prec + 1)
  let digits = intPart + keep
  let roundUp = false
  if (next > 5) {
    roundUp = true
  } else if (next === 5) {
    if (/[1-9]/.test(rest)) {
      roundUp = true
    } else {
      const last = digits.charCodeAt(digits.length - 1) - 48
      roundUp = last % 2 === 1
    }
  }
  if (roundUp) {
    const arr = digits.split('')
    let i = arr.length - 1
    for (; i >= 0; i--) {
      if (arr[i] === '9') {
        arr[i] = '0'
      } else {
        arr[i] = String.fromCharCode(arr[i].charCodeAt(0) + 1)
        break
      }
    }
    digits = (i < 0 ? '1' : '') + arr.join('')
  }
  const intLen = digits.length - prec
  let out = prec > 0 ? digits.slice(0, intLen) + '.' + digits.slice(intLen) : digits
  if (out.startsWith('.')) out = '0' + out
  return (neg ? '-' : '') + out
}

const SI_SIZES = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB']

/** go-humanize `Bytes` (SI, base 1000): `12 GB`, `9.8 GB`, `512 B`. */
export function humanizeBytes (n: number | bigint): string {
  const s = typeof n === 'bigint' ? n : BigInt(Math.trunc(n))
  if (s < 10n) return `${s.toString()} B`
  const f = Number(BigInt.asUintN(64, s))
  const e = Math.floor(Math.log(f) / Math.log(1000))
  const suffix = SI_SIZES[e] ?? SI_SIZES[SI_SIZES.length - 1]
  const val = Math.floor(f / Math.pow(1000, e) * 10 + 0.5) / 10
  return `${goFixed(val, val < 10 ? 1 : 0)} ${suffix}`
}

const SECOND = 1000000000n
const MINUTE = 60n * SECOND
const HOUR = 60n * MINUTE
const DAY = 24n * HOUR
const WEEK = 7n * DAY
const MONTH = 30n * DAY
const YEAR = 12n * MONTH
const LONG_TIME = 37n * YEAR
const MAX_INT64 = (1n << 63n) - 1n

const MAGNITUDES: Array<[bigint, string, bigint]> = [
  [SECOND, 'now', SECOND],
  [2n * SECOND, '1 second %s', 1n],
  [MINUTE, '%d seconds %s', SECOND],
  [2n * MINUTE, '1 minute %s', 1n],
  [HOUR, '%d minutes %s', MINUTE],
  [2n * HOUR, '1 hour %s', 1n],
  [DAY, '%d hours %s', HOUR],
  [2n * DAY, '1 day %s', 1n],
  [WEEK, '%d days %s', DAY],
  [2n * WEEK, '1 week %s', 1n],
  [MONTH, '%d weeks %s', WEEK],
  [2n * MONTH, '1 month %s', 1n],
  [YEAR, '%d months %s', MONTH],
  [18n * MONTH, '1 year %s', 1n],
  [2n * YEAR, '2 years %s', 1n],
  [LONG_TIME, '%d years %s', YEAR],
  [MAX_INT64, 'a long while %s', 1n]
]

/**
 * go-humanize `Time(then)` relative to `now` (both Unix nanoseconds):
 * `now`, `28 seconds from now`, `3 minutes ago`…
 */
export function humanizeTime (thenNs: bigint, nowNs: bigint): string {
  let lbl = 'ago'
  let diff = nowNs - thenNs
  if (thenNs > nowNs) {
    lbl = 'from now'
    diff = thenNs - nowNs
  }
  let mag = MAGNITUDES[MAGNITUDES.length - 1]
  for (const m of MAGNITUDES) {
    if (m[0] > diff) {
      mag = m
      break
    }
  }
  const [, format, divBy] = mag
  return format.replace('%d', (diff / divBy).toString()).replace('%s', lbl)
}

/** Unix nanoseconds of an RFC 3339 time string (ms precision is enough here). */
export function timeStringToNs (s: string): bigint {
  const ms = Date.parse(s)
  if (Number.isNaN(ms)) return 0n
  const frac = /\.(\d+)/.exec(s)?.[1] ?? ''
  const subMs = frac.length > 3 ? BigInt(frac.slice(3, 9).padEnd(6, '0')) : 0n
  return BigInt(ms) * 1000000n + subMs
}

function runeLength (s: string): number {
  let n = 0
  for (const _ of s) n++
  return n
}

/** Go `%-<w>s`. */
export function padRight (s: string, width: number): string {
  const n = runeLength(s)
  return n >= width ? s : s + ' '.repeat(width - n)
}

/** Go `%<w>s`. */
export function padLeft (s: string, width: number): string {
  const n = runeLength(s)
  return n >= width ? s : ' '.repeat(width - n) + s
}
