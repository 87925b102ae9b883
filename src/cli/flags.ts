/**
 * Flag definitions with the value syntaxes of Go's `flag` package as used by
 * urfave/cli v1 (CLI spec §1), and their help rendering.
 */
import { parseGoBool as goParseBool } from '../config/strconv.js'
import { formatGoDuration, parseGoDuration } from './go-duration.js'

interface FlagBase {
  /** Long name, without dashes (`host`). */
  name: string
  /** Other names (`l` for `-l`). A one-letter name renders with one dash. */
  aliases?: string[]
  /** Help text. A word in backquotes becomes the value placeholder (`` `FOLDER` ``). */
  usage?: string
  /** Environment variable(s) giving the default value (comma-separated list, first set wins). */
  envVar?: string
  /** Not shown in help. */
  hidden?: boolean
}

export interface StringFlag extends FlagBase {
  type: 'string'
  /** Default value. @default '' */
  value?: string
}

export interface BoolFlag extends FlagBase {
  type: 'bool'
}

export interface IntFlag extends FlagBase {
  type: 'int'
  /** Default value. @default 0 */
  value?: number
}

export interface Uint64Flag extends FlagBase {
  type: 'uint64'
  /** Default value. @default 0n */
  value?: bigint
}

export interface DurationFlag extends FlagBase {
  type: 'duration'
  /** Default value in milliseconds. @default 0 */
  value?: number
}

export interface StringSliceFlag extends FlagBase {
  type: 'stringSlice'
  /** Default values (shown in help; given values are appended, as in urfave/cli v1). */
  value?: string[]
}

export type Flag = StringFlag | BoolFlag | IntFlag | Uint64Flag | DurationFlag | StringSliceFlag

export type FlagValue = string | boolean | number | bigint | string[]

/** All names of a flag (long name first). */
export function flagNames (f: Flag): string[] {
  return [f.name, ...(f.aliases ?? [])]
}

export class FlagValueError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'FlagValueError'
  }
}

/** Go `strconv.ParseBool` (errors as FlagValueError). */
export function parseGoBool (s: string): boolean {
  try {
    return goParseBool(s)
  } catch {
    throw new FlagValueError('parse error')
  }
}

function parseGoUintBody (s: string, base: number, allowUnderscores: boolean): bigint {
  if (s === '') throw new FlagValueError('parse error')
  let body = s
  if (allowUnderscores && body.includes('_')) {
    // Go syntax: underscores only between digits (and after the base prefix)
    if (body.startsWith('_') || body.endsWith('_') || body.includes('__')) {
      throw new FlagValueError('parse error')
    }
    body = body.replace(/_/g, '')
  } else if (body.includes('_')) {
    throw new FlagValueError('parse error')
  }
  const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, base)
  let v = 0n
  const b = BigInt(base)
  for (const ch of body.toLowerCase()) {
    const d = digits.indexOf(ch)
    if (d < 0) throw new FlagValueError('parse error')
    v = v * b + BigInt(d)
  }
  return v
}

/** Go `strconv.ParseUint(s, 0, 64)` semantics (base prefixes, underscores). */
function parseGoUnsigned (s: string): bigint {
  if (s === '') throw new FlagValueError('parse error')
  let base = 10
  let body = s
  let prefixed = false
  if (s[0] === '0') {
    const p = s.slice(0, 2).toLowerCase()
    if (s.length >= 3 && p === '0x') { base = 16; body = s.slice(2); prefixed = true } else if (s.length >= 3 && p === '0o') { base = 8; body = s.slice(2); prefixed = true } else if (s.length >= 3 && p === '0b') { base = 2; body = s.slice(2); prefixed = true } else if (s.length > 1) { base = 8; body = s.slice(1); prefixed = true }
  }
  if (prefixed && body.startsWith('_')) body = body.slice(1)
  return parseGoUintBody(body, base, prefixed || base === 10)
}

const MAX_INT64 = (1n << 63n) - 1n
const MAX_UINT64 = (1n << 64n) - 1n

/** Go `strconv.ParseInt(s, 0, 64)` (decimal, `0x`, `0o`/`0`, `0b`, signs, underscores). */
export function parseGoInt (s: string): bigint {
  let neg = false
  let body = s
  if (body.startsWith('+') || body.startsWith('-')) {
    neg = body[0] === '-'
    body = body.slice(1)
  }
  const v = parseGoUnsigned(body)
  if ((!neg && v > MAX_INT64) || (neg && v > MAX_INT64 + 1n)) {
    throw new FlagValueError('value out of range')
  }
  return neg ? -v : v
}

/** Go `strconv.ParseUint(s, 0, 64)`. */
export function parseGoUint (s: string): bigint {
  const v = parseGoUnsigned(s)
  if (v > MAX_UINT64) throw new FlagValueError('value out of range')
  return v
}

/** Parses one value given on the command line for a non-bool flag. */
export function parseFlagValue (f: Flag, raw: string): FlagValue {
  switch (f.type) {
    case 'string':
      return raw
    case 'bool':
      return parseGoBool(raw)
    case 'int':
      return Number(parseGoInt(raw))
    case 'uint64':
      return parseGoUint(raw)
    case 'duration':
      try {
        return parseGoDuration(raw)
      } catch {
        throw new FlagValueError('parse error')
      }
    case 'stringSlice':
      return [raw]
  }
}

/** The default value of a flag (before environment variables). */
export function flagDefault (f: Flag): FlagValue {
  switch (f.type) {
    case 'string': return f.value ?? ''
    case 'bool': return false
    case 'int': return f.value ?? 0
    case 'uint64': return f.value ?? 0n
    case 'duration': return f.value ?? 0
    case 'stringSlice': return [...(f.value ?? [])]
  }
}

/**
 * The default value of a flag after applying its environment variable, as
 * urfave/cli v1 does when building the flag set. Throws on unparsable values.
 */
export function flagDefaultFromEnv (f: Flag, env: Record<string, string | undefined>): FlagValue {
  const def = flagDefault(f)
  if (f.envVar == null || f.envVar === '') return def
  for (const raw of f.envVar.split(',')) {
    const name = raw.trim()
    const val = env[name]
    if (val === undefined) continue
    switch (f.type) {
      case 'string':
        return val
      case 'bool':
        if (val === '') return false
        try {
          return parseGoBool(val)
        } catch {
          throw new FlagValueError(`could not parse ${val} as bool value for flag ${f.name}: strconv.ParseBool: parsing ${JSON.stringify(val)}: invalid syntax`)
        }
      case 'stringSlice': {
        const out: string[] = []
        for (const part of val.split(',')) {
          out.push(part.trim())
        }
        return out
      }
      default:
        if (val === '') return def
        try {
          return parseFlagValue(f, val)
        } catch (err) {
          throw new FlagValueError(`could not parse ${JSON.stringify(val)} as ${f.type} value from ${name} for flag ${f.name}: ${(err as Error).message}`)
        }
    }
  }
  return def
}

/** urfave/cli `unquoteUsage`: the first backquoted word is the placeholder. */
export function unquoteUsage (usage: string): { placeholder: string, usage: string } {
  const i = usage.indexOf('`')
  if (i >= 0) {
    const j = usage.indexOf('`', i + 1)
    if (j >= 0) {
      const name = usage.slice(i + 1, j)
      return { placeholder: name, usage: usage.slice(0, i) + name + usage.slice(j + 1) }
    }
  }
  return { placeholder: '', usage }
}

function prefixedNames (names: string[], placeholder: string): string {
  return names.map((n) => {
    let s = (n.length === 1 ? '-' : '--') + n
    if (placeholder !== '') s += ' ' + placeholder
    return s
  }).join(', ')
}

function withEnvHint (envVar: string | undefined, s: string): string {
  if (envVar == null || envVar === '') return s
  return s + ' [$' + envVar.split(',').map((e) => e.trim()).join(', $') + ']'
}

/** Go `%q` for the help default of string flags. */
function goQuoted (s: string): string {
  return JSON.stringify(s)
}

/**
 * The help line of a flag, urfave/cli v1 style: `<names>\t<usage> (default: x) [$ENV]`.
 * The tab is aligned by the help renderer.
 */
export function stringifyFlag (f: Flag): string {
  const { placeholder: ph, usage } = unquoteUsage(f.usage ?? '')
  if (f.type === 'stringSlice') {
    const placeholder = ph === '' ? 'value' : ph
    const defs = (f.value ?? []).filter((v) => v !== '').map(goQuoted)
    const def = defs.length > 0 ? ` (default: ${defs.join(', ')})` : ''
    return withEnvHint(f.envVar, `${prefixedNames(flagNames(f), placeholder)}\t${(usage + def).trim()}`)
  }
  let placeholder = ph
  let def = ''
  let needsPlaceholder = false
  switch (f.type) {
    case 'bool':
      break
    case 'string':
      needsPlaceholder = true
      def = (f.value ?? '') !== '' ? ` (default: ${goQuoted(f.value ?? '')})` : ''
      break
    case 'int':
      needsPlaceholder = true
      def = ` (default: ${f.value ?? 0})`
      break
    case 'uint64':
      needsPlaceholder = true
      def = ` (default: ${(f.value ?? 0n).toString()})`
      break
    case 'duration':
      needsPlaceholder = true
      def = ` (default: ${formatGoDuration(f.value ?? 0)})`
      break
  }
  if (needsPlaceholder && placeholder === '') placeholder = 'value'
  return withEnvHint(f.envVar, `${prefixedNames(flagNames(f), placeholder)}\t${(usage + def).trim()}`)
}

export const HELP_FLAG: BoolFlag = { type: 'bool', name: 'help', aliases: ['h'], usage: 'show help' }
export const VERSION_FLAG: BoolFlag = { type: 'bool', name: 'version', aliases: ['v'], usage: 'print the version' }
