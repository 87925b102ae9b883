/**
 * Declarative description of a command-line application (urfave/cli v1
 * model: an app with global flags and a tree of commands).
 */
import type { Context } from './context.js'
import type { Flag } from './flags.js'

/** Something text can be written to (`process.stdout`, a test buffer). */
export interface Writer {
  write(chunk: string): unknown
}

/** The process streams and environment a run works with. */
export interface CliIO {
  stdout: Writer
  stderr: Writer
  /** Environment for env-backed flags. @default process.env */
  env?: Record<string, string | undefined>
}

/** An action or hook. Throw `ExitError` to end the program with a code. */
export type Action = (ctx: Context) => void | Promise<void>

export interface Command {
  name: string
  aliases?: string[]
  /** One-line summary (command lists, `NAME:` line). */
  usage?: string
  /** Replaces the generated `USAGE:` line. */
  usageText?: string
  /** Long text of the `DESCRIPTION:` section. */
  description?: string
  /** Shown after the options in the `USAGE:` line (`<path>`). @default '[arguments...]' */
  argsUsage?: string
  category?: string
  /** Not listed in help (still runnable). */
  hidden?: boolean
  /** No `--help` flag / `help` sub-command for this command. */
  hideHelp?: boolean
  flags?: Flag[]
  /** A command with sub-commands is run as a nested app. */
  subcommands?: Command[]
  /** For a group: runs after the help checks, before a sub-command is dispatched. */
  before?: Action
  after?: Action
  /** Without an action a leaf shows its help; a group shows its sub-command help. */
  action?: Action
  /** Everything after the command name is positional. */
  skipFlagParsing?: boolean
  /** Do not move flags given after positional arguments in front. */
  skipArgReorder?: boolean
}

export interface App {
  name: string
  /** Name used in `USAGE:` lines. @default name */
  helpName?: string
  usage?: string
  usageText?: string
  argsUsage?: string
  /** Enables `--version, -v` when set. */
  version?: string
  hideVersion?: boolean
  hideHelp?: boolean
  description?: string
  /** Global flags (must precede the command name). */
  flags?: Flag[]
  commands?: Command[]
  /** Runs for every command (including `help`), after `--help`/`--version` handling. */
  before?: Action
  after?: Action
  /** Runs when no command is given. @default shows the app help (or `No help topic` for an unknown command) */
  action?: Action
  /**
   * Exit code for usage errors (`UsageError`, already printed) and for any
   * other error thrown by hooks or actions (not printed by the framework).
   * @default 1
   */
  errorExitCode?: number | ((err: unknown) => number)
}
