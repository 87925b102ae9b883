/**
 * Go `strconv` parsers as used by envconfig (spec §5.1 item 4): ints with
 * base prefixes (`10`, `0x1f`, `0o17`, `017`, `0b101`, `1_000`), bools
 * (`1 t T TRUE true True 0 f F FALSE false False`), floats. Errors carry
 * Go's messages (`strconv.ParseInt: parsing "x": invalid syntax`).
 */
import { goQuote } from './duration.js'

export class NumError extends Error {
  static override name = 'NumError'
  constructor (fn: string, num: string, reason: 'invalid syntax' | 'value out of range') {
    super(`strconv.${fn}: parsing ${goQuote(num)}: ${reason}`)
    this.name = 'NumError'
  }
}

function lower (c: string): string {
  return c.toLowerCase()
}

function underscoreOK (str: string): boolean {
  let saw = '^'
  let i = 0
  let s = str
  if (s.length >= 1 && (s[0] === '-' || s[0] === '+')) s = s.slice(1)
  let hex = false
  if (s.length >= 2 && s[0] === '0' && ['b', 'o', 'x'].includes(lower(s[1]))) {
    i = 2
    saw = '0'
    hex = lower(s[1]) === 'x'
  }
  for (; i < s.length; i++) {
    const c = s[i]
    if ((c >= '0' && c <= '9') || (hex && lower(c) >= 'a' && lower(c) <= 'f')) {
      saw = '0'
      continue
    }
    if (c === '_') {
      if (saw !== '0') return false
      saw = '_'
      continue
    }
    if (saw === '_') return false
    saw = '!'
  }
  return saw !== '_'
}

/** `strconv.ParseUint(s, 0, bits)` → BigInt. */
function parseUintBig (s0: string, bits: number, fn: string, numForErr: string): bigint {
  if (s0 === '') throw new NumError(fn, numForErr, 'invalid syntax')
  let s = s0
  let base = 10
  if (s[0] === '0') {
    if (s.length >= 3 && lower(s[1]) === 'b') { base = 2; s = s.slice(2) } else if (s.length >= 3 && lower(s[1]) === 'o') { base = 8; s = s.slice(2) } else if (s.length >= 3 && lower(s[1]) === 'x') { base = 16; s = s.slice(2) } else { base = 8; s = s.slice(1) }
  }
  const max = (1n << BigInt(bits)) - 1n
  let n = 0n
  let underscores = false
  let range = false
  for (const c of s) {
    let d: number
    if (c === '_') { underscores = true; continue }
    if (c >= '0' && c <= '9') d = c.charCodeAt(0) - 48
    else if (lower(c) >= 'a' && lower(c) <= 'z') d = lower(c).charCodeAt(0) - 97 + 10
    else throw new NumError(fn, numForErr, 'invalid syntax')
    if (d >= base) throw new NumError(fn, numForErr, 'invalid syntax')
    if (!range) {
      n = n * BigInt(base) + BigInt(d)
      if (n > max) range = true
    }
  }
  if (range) throw new NumError(fn, numForErr, 'value out of range')
  if (underscores && !underscoreOK(s0)) throw new NumError(fn, numForErr, 'invalid syntax')
  return n
}

/** Go `strconv.ParseInt(s, 0, 64)`. */
export function parseGoInt (s: string, bits = 64): number {
  if (s === '') throw new NumError('ParseInt', s, 'invalid syntax')
  let body = s
  let neg = false
  if (s[0] === '+') body = s.slice(1)
  else if (s[0] === '-') { neg = true; body = s.slice(1) }
  let un: bigint
  try {
    un = parseUintBig(body, bits, 'ParseInt', s)
  } catch (err) {
    if ((err as Error).message.endsWith('value out of range')) {
      throw new NumError('ParseInt', s, 'value out of range')
    }
    throw err
  }
  const cutoff = 1n << BigInt(bits - 1)
  if (!neg && un >= cutoff) throw new NumError('ParseInt', s, 'value out of range')
  if (neg && un > cutoff) throw new NumError('ParseInt', s, 'value out of range')
  return Number(neg ? -un : un)
}

/** Go `strconv.ParseUint(s, 0, 64)`. */
export function parseGoUint (s: string, bits = 64): number {
  return Number(parseUintBig(s, bits, 'ParseUint', s))
}

/** Go `strconv.ParseBool`. */
export function parseGoBool (s: string): boolean {
  switch (s) {
    case '1': case 't': case 'T': case 'TRUE': case 'true': case 'True':
      return true
    case '0': case 'f': case 'F': case 'FALSE': case 'false': case 'False':
      return false
    default:
      throw new NumError('ParseBool', s, 'invalid syntax')
  }
}

/** Go `strconv.ParseFloat(s, 64)` (decimal forms, inf, nan). */
export function parseGoFloat (s: string): number {
  const l = s.toLowerCase()
  const sign = l.startsWith('-') ? -1 : 1
  const body = l.replace(/^[+-]/, '')
  if (body === 'inf' || body === 'infinity') return sign * Infinity
  if (body === 'nan') return NaN
  if (!/^(\d+(_\d+)*)?(\.(\d+(_\d+)*)?)?(e[+-]?\d+)?$/.test(body) || !/\d/.test(body.split('e')[0]) || body.includes('_')) {
    throw new NumError('ParseFloat', s, 'invalid syntax')
  }
  const v = Number(l)
  if (!Number.isFinite(v)) throw new NumError('ParseFloat', s, 'value out of range')
  return v
}
