/**
 * A Go `flag.FlagSet` look-alike: parses `-name value`, `--name value`,
 * `-name=value`, `--name=value`, stops at the first positional argument or
 * after `--`, and reports errors with Go's messages.
 */
import { flagDefaultFromEnv, flagNames, FlagValueError, parseFlagValue, parseGoBool } from './flags.js'
import type { Flag, FlagValue } from './flags.js'

export class FlagParseError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'FlagParseError'
  }
}

export class FlagSet {
  private readonly byName = new Map<string, Flag>()
  private readonly values = new Map<Flag, FlagValue>()
  /** Flag → names it was given with on the command line. */
  private readonly seen = new Map<Flag, string[]>()
  args: string[] = []

  constructor (readonly flags: Flag[], env: Record<string, string | undefined>) {
    for (const f of flags) {
      for (const n of flagNames(f)) {
        this.byName.set(n, f)
      }
      this.values.set(f, flagDefaultFromEnv(f, env))
    }
  }

  lookup (name: string): Flag | undefined {
    return this.byName.get(name)
  }

  has (name: string): boolean {
    return this.byName.has(name)
  }

  /** The current value of a flag (default if not given). */
  value (name: string): FlagValue | undefined {
    const f = this.byName.get(name)
    if (f == null) return undefined
    return this.values.get(f)
  }

  /** True when the flag was given on the command line. */
  isSet (name: string): boolean {
    const f = this.byName.get(name)
    return f != null && this.seen.has(f)
  }

  /**
   * urfave/cli `normalizeFlags`: giving two names of the same flag is an error.
   */
  checkAliases (): void {
    for (const [f, names] of this.seen) {
      const distinct = [...new Set(names)]
      if (distinct.length > 1 && flagNames(f).length > 1) {
        throw new FlagParseError(`cannot use two forms of the same flag: ${distinct[0]} ${distinct[1]}`)
      }
    }
  }

  /** Parses `args`; the remaining positional arguments end up in `this.args`. */
  parse (args: string[]): void {
    let rest = [...args]
    for (;;) {
      if (rest.length === 0) break
      const s = rest[0]
      if (s.length < 2 || s[0] !== '-') break
      let minuses = 1
      if (s[1] === '-') {
        minuses = 2
        if (s.length === 2) {
          rest = rest.slice(1)
          break
        }
      }
      let name = s.slice(minuses)
      if (name.length === 0 || name[0] === '-' || name[0] === '=') {
        throw new FlagParseError(`bad flag syntax: ${s}`)
      }
      rest = rest.slice(1)
      let hasValue = false
      let value = ''
      const eq = name.indexOf('=', 1)
      if (eq > 0) {
        value = name.slice(eq + 1)
        hasValue = true
        name = name.slice(0, eq)
      }
      const f = this.byName.get(name)
      if (f == null) {
        throw new FlagParseError(`flag provided but not defined: -${name}`)
      }
      if (f.type === 'bool') {
        if (hasValue) {
          try {
            this.values.set(f, parseGoBool(value))
          } catch (err) {
            throw new FlagParseError(`invalid boolean value ${JSON.stringify(value)} for -${name}: ${(err as Error).message}`)
          }
        } else {
          this.values.set(f, true)
        }
      } else {
        if (!hasValue && rest.length > 0) {
          hasValue = true
          value = rest[0]
          rest = rest.slice(1)
        }
        if (!hasValue) {
          throw new FlagParseError(`flag needs an argument: -${name}`)
        }
        let parsed: FlagValue
        try {
          parsed = parseFlagValue(f, value)
        } catch (err) {
          const msg = err instanceof FlagValueError ? err.message : 'parse error'
          throw new FlagParseError(`invalid value ${JSON.stringify(value)} for flag -${name}: ${msg}`)
        }
        if (f.type === 'stringSlice') {
          // given values are appended (urfave/cli v1 keeps defaults in front)
          const prev = this.seen.has(f) ? this.values.get(f) as string[] : [...(f.value ?? [])]
          this.values.set(f, [...prev, ...(parsed as string[])])
        } else {
          this.values.set(f, parsed)
        }
      }
      const names = this.seen.get(f) ?? []
      names.push(name)
      this.seen.set(f, names)
    }
    this.args = rest
  }
}

/**
 * urfave/cli v1 `reorderArgs`, made type-aware: the flags of a leaf command
 * (and their values) are moved in front of the positional arguments so that
 * flags may follow positionals. Everything after `--` stays positional.
 *
 * Deviation from v1.22 (deliberate): after a *boolean* flag the next
 * argument is not taken as its value, so `add -r dir --name x` works instead
 * of stopping flag parsing at `dir`.
 */
export function reorderArgs (flags: Flag[], args: string[]): string[] {
  const byName = new Map<string, Flag>()
  for (const f of flags) {
    for (const n of flagNames(f)) byName.set(n, f)
  }
  const flagOf = (arg: string): Flag | undefined => {
    if (arg === '-' || arg === '--' || !arg.startsWith('-')) return undefined
    let name = arg.startsWith('--') ? arg.slice(2) : arg.slice(1)
    name = name.split('=')[0]
    return byName.get(name)
  }
  const reordered: string[] = []
  let remaining: string[] = []
  let expectValue = false
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (expectValue && flagOf(arg) == null) {
      expectValue = false
      reordered.push(arg)
    } else if (arg === '--') {
      remaining = ['--', ...remaining, ...args.slice(i + 1)]
      break
    } else {
      const f = flagOf(arg)
      if (f != null) {
        reordered.push(arg)
        expectValue = f.type !== 'bool' && !arg.includes('=')
      } else {
        expectValue = false
        remaining.push(arg)
      }
    }
  }
  return [...reordered, ...remaining]
}
