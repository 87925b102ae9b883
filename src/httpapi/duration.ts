/**
 * Go `time.ParseDuration` (query parameter `expire-in`), with Go's error
 * messages.
 */
import { InvalidArgumentError } from '../errors.js'

const UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3, // U+00B5
  'μs': 1e3, // U+03BC
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9
}

function quote (s: string): string {
  return JSON.stringify(s)
}

/**
 * Parses a Go duration string (`1h30m`, `1.5s`, `-2m`, `0`) and returns
 * nanoseconds. Throws InvalidArgumentError with Go's message
 * (`time: invalid duration "x"`).
 */
export function parseGoDuration (input: string): number {
  const orig = input
  let s = input
  let neg = false
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-'
    s = s.slice(1)
  }
  if (s === '0') {
    return 0
  }
  if (s === '') {
    throw new InvalidArgumentError(`time: invalid duration ${quote(orig)}`)
  }
  let total = 0
  while (s !== '') {
    const num = /^(\d*)(\.(\d*))?/.exec(s)
    const intPart = num?.[1] ?? ''
    const fracPart = num?.[3] ?? ''
    if (num == null || (intPart === '' && fracPart === '') || num[0] === '.') {
      throw new InvalidArgumentError(`time: invalid duration ${quote(orig)}`)
    }
    s = s.slice(num[0].length)
    const unitMatch = /^[^\d.]*/.exec(s)
    const unit = unitMatch?.[0] ?? ''
    if (unit === '') {
      throw new InvalidArgumentError(`time: missing unit in duration ${quote(orig)}`)
    }
    const scale = UNITS[unit]
    if (scale == null) {
      throw new InvalidArgumentError(`time: unknown unit ${quote(unit)} in duration ${quote(orig)}`)
    }
    s = s.slice(unit.length)
    const value = Number(`${intPart === '' ? '0' : intPart}.${fracPart === '' ? '0' : fracPart}`)
    total += value * scale
    if (total > 9223372036854775807) {
      throw new InvalidArgumentError(`time: invalid duration ${quote(orig)}`)
    }
  }
  return neg ? -total : total
}
