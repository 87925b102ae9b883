/**
 * The context handed to actions and hooks: parsed flags of this level,
 * positional arguments, the parent context, and help helpers.
 */
import { ExitError } from './errors.js'
import { renderAppHelp, renderCommandHelp, renderSubcommandHelp } from './help.js'
import type { FlagSet } from './flag-set.js'
import type { FlagValue } from './flags.js'
import type { HelpApp } from './help.js'
import type { App, CliIO, Command } from './types.js'

/** An app or a command group being run as an app. */
export interface RunningApp extends HelpApp {
  spec: App
  /** True for a command group run as a nested app. */
  isSubcommand: boolean
  hideHelp: boolean
  before?: App['before']
  after?: App['after']
  action?: App['action']
  /** `USAGE:` name of each command of this level. */
  helpNames: Map<Command, string>
  root: RunningApp
}

export class Context {
  constructor (
    /** The app (or command group) this context belongs to. */
    readonly app: RunningApp,
    readonly flagSet: FlagSet,
    readonly parent: Context | undefined,
    readonly io: CliIO,
    /** The leaf command being run (undefined at app/group level). */
    readonly command?: Command
  ) {}

  /** Positional arguments left after flag parsing. */
  get args (): string[] {
    return this.flagSet.args
  }

  /** Value of a flag of this level (undefined when the flag does not exist here). */
  value (name: string): FlagValue | undefined {
    return this.flagSet.value(name)
  }

  /** Value of a flag of an enclosing level (nearest first; urfave `Global*`). */
  globalValue (name: string): FlagValue | undefined {
    for (let c = this.parent; c != null; c = c.parent) {
      if (c.flagSet.has(name)) return c.flagSet.value(name)
    }
    return undefined
  }

  /** Value of a flag of this level, else of the nearest enclosing level that defines it. */
  lookup (name: string): FlagValue | undefined {
    if (this.flagSet.has(name)) return this.flagSet.value(name)
    return this.globalValue(name)
  }

  string (name: string): string { return asString(this.value(name)) }
  bool (name: string): boolean { return this.value(name) === true }
  int (name: string): number { return asNumber(this.value(name)) }
  uint64 (name: string): bigint { return asBigint(this.value(name)) }
  /** Milliseconds. */
  duration (name: string): number { return asNumber(this.value(name)) }
  stringSlice (name: string): string[] { return asSlice(this.value(name)) }
  /** True when the flag was given on the command line at this level. */
  isSet (name: string): boolean { return this.flagSet.isSet(name) }

  globalString (name: string): string { return asString(this.globalValue(name)) }
  globalBool (name: string): boolean { return this.globalValue(name) === true }
  globalInt (name: string): number { return asNumber(this.globalValue(name)) }
  globalDuration (name: string): number { return asNumber(this.globalValue(name)) }
  globalStringSlice (name: string): string[] { return asSlice(this.globalValue(name)) }
  globalIsSet (name: string): boolean {
    for (let c = this.parent; c != null; c = c.parent) {
      if (c.flagSet.has(name)) return c.flagSet.isSet(name)
    }
    return false
  }

  /** The top-level context. */
  root (): Context {
    let c: Context = this
    while (c.parent != null) c = c.parent
    return c
  }

  /** Prints the app help of this level (`AppHelpTemplate`). */
  showAppHelp (): void {
    this.io.stdout.write(renderAppHelp(this.app))
  }

  /**
   * Prints the help of command `name` of this level; `''` prints the help of
   * this level as a command group. Unknown name → `ExitError('No help topic for …', 3)`.
   */
  showCommandHelp (name: string): void {
    if (name === '') {
      this.io.stdout.write(renderSubcommandHelp(this.app))
      return
    }
    const cmd = findCommand(this.app.commands, name)
    if (cmd == null) {
      throw new ExitError(`No help topic for '${name}'`, 3)
    }
    this.io.stdout.write(renderCommandHelp(cmd, this.app.helpNames.get(cmd) ?? `${this.app.helpName} ${cmd.name}`))
  }

  /** Help of the current command, or of this level as a group. */
  showSubcommandHelp (): void {
    this.showCommandHelp(this.command?.name ?? '')
  }

  /** Prints `<name> version <version>`. */
  showVersion (): void {
    this.io.stdout.write(`${this.app.root.name} version ${this.app.root.version ?? ''}\n`)
  }
}

export function findCommand (cmds: Command[], name: string): Command | undefined {
  return cmds.find((c) => c.name === name || (c.aliases ?? []).includes(name))
}

function asString (v: FlagValue | undefined): string {
  if (v == null) return ''
  if (Array.isArray(v)) return v.join(',')
  return String(v)
}

function asNumber (v: FlagValue | undefined): number {
  if (typeof v === 'number') return v
  if (typeof v === 'bigint') return Number(v)
  return 0
}

function asBigint (v: FlagValue | undefined): bigint {
  if (typeof v === 'bigint') return v
  if (typeof v === 'number') return BigInt(Math.trunc(v))
  return 0n
}

function asSlice (v: FlagValue | undefined): string[] {
  return Array.isArray(v) ? [...v] : []
}
