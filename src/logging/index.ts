/**
 * @packageDocumentation
 *
 * go-log compatible logging: one logger per facility, levels set with the
 * `--loglevel` grammar of ipfs-cluster-service (`info,cluster:debug`).
 * Output goes to an injected sink (stderr in the daemon), one line each:
 * `<RFC3339 time>\t<LEVEL>\t<facility>\t<message>`.
 */
import { format } from 'node:util'
import type { ComponentLogger, Logger, LogLevel } from '../interfaces.js'

const LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error', 'dpanic', 'panic', 'fatal']

function rank (level: LogLevel): number {
  return LEVELS.indexOf(level)
}

export function isLogLevel (s: string): s is LogLevel {
  return (LEVELS as string[]).includes(s.toLowerCase())
}

/** Facilities of the Go reference (default INFO). */
export const CLUSTER_FACILITIES = [
  'cluster', 'restapi', 'restapilog', 'pinsvcapi', 'pinsvcapilog', 'ipfsproxy', 'ipfsproxylog', 'ipfshttp',
  'monitor', 'dsstate', 'raft', 'crdt', 'pintracker', 'diskinfo', 'tags', 'apitypes', 'config', 'shardingdags',
  'singledags', 'adder', 'optracker', 'pstoremgr', 'allocator', 'service', 'embedded', 'rpc', 'p2p'
]

export interface LogLevels {
  /** Level for facilities without an explicit entry. */
  default: LogLevel
  facilities: Map<string, LogLevel>
}

export class LogLevelFormatError extends Error {
  static override name = 'LogLevelFormatError'
  constructor (message = 'log level not in expected format "identifier:loglevel" or "loglevel"') {
    super(message)
    this.name = 'LogLevelFormatError'
  }
}

/**
 * Parses the `--loglevel` grammar: comma-separated `level` or
 * `facility:level` items. `onOverwrite` is told about facilities given twice.
 */
export function parseLogLevels (spec: string, onOverwrite?: (facility: string) => void): LogLevels {
  const out: LogLevels = { default: 'info', facilities: new Map() }
  for (const raw of spec.split(',')) {
    const item = raw.trim()
    if (item === '') continue
    const parts = item.split(':')
    if (parts.length > 2) {
      throw new LogLevelFormatError()
    }
    if (parts.length === 1) {
      if (!isLogLevel(parts[0])) throw new LogLevelFormatError(`invalid log level: ${parts[0]}`)
      out.default = parts[0].toLowerCase() as LogLevel
      continue
    }
    const [facility, level] = parts
    if (!isLogLevel(level)) throw new LogLevelFormatError(`invalid log level: ${level}`)
    if (out.facilities.has(facility)) onOverwrite?.(facility)
    out.facilities.set(facility, level.toLowerCase() as LogLevel)
  }
  return out
}

export interface LoggerInit {
  levels?: LogLevels
  /** Where lines go; defaults to process.stderr. */
  sink?: (line: string) => void
  /** Prefix for every line (e.g. a peer name in multi-peer tests). */
  prefix?: string
  /** Clock, for tests. */
  now?: () => Date
}

class FacilityLogger implements Logger {
  constructor (private readonly root: RootLogger, private readonly facility: string) {}

  get debugEnabled (): boolean {
    return this.root.enabled(this.facility, 'debug')
  }

  debug (msg: string, ...args: unknown[]): void { this.root.write(this.facility, 'debug', msg, args) }
  info (msg: string, ...args: unknown[]): void { this.root.write(this.facility, 'info', msg, args) }
  warn (msg: string, ...args: unknown[]): void { this.root.write(this.facility, 'warn', msg, args) }
  error (msg: string, ...args: unknown[]): void { this.root.write(this.facility, 'error', msg, args) }
}

class RootLogger implements ComponentLogger {
  private levels: LogLevels
  private readonly sink: (line: string) => void
  private readonly prefix: string
  private readonly now: () => Date

  constructor (init: LoggerInit) {
    this.levels = init.levels ?? { default: 'info', facilities: new Map() }
    this.sink = init.sink ?? ((line) => { process.stderr.write(line + '\n') })
    this.prefix = init.prefix ?? ''
    this.now = init.now ?? (() => new Date())
  }

  setLevels (levels: LogLevels): void {
    this.levels = levels
  }

  forComponent (facility: string): Logger {
    return new FacilityLogger(this, facility)
  }

  enabled (facility: string, level: LogLevel): boolean {
    const min = this.levels.facilities.get(facility) ?? this.levels.facilities.get('*') ?? this.levels.default
    return rank(level) >= rank(min)
  }

  write (facility: string, level: LogLevel, msg: string, args: unknown[]): void {
    if (!this.enabled(facility, level)) return
    const text = args.length > 0 ? format(msg, ...args) : msg
    this.sink(`${this.prefix}${this.now().toISOString()}\t${level.toUpperCase()}\t${facility}\t${text}`)
  }
}

export interface ConfigurableLogger extends ComponentLogger {
  setLevels(levels: LogLevels): void
}

export function createLogger (init: LoggerInit = {}): ConfigurableLogger {
  return new RootLogger(init)
}

/** A logger that drops everything (tests that do not care about logs). */
export function silentLogger (): ComponentLogger {
  return createLogger({ sink: () => {}, levels: { default: 'fatal', facilities: new Map() } })
}
