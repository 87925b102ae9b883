/**
 * @packageDocumentation
 *
 * A small command-line framework with the observable behaviour of
 * urfave/cli v1.22 (CLI spec §1), used by `ipfs-cluster-ctl` and
 * `ipfs-cluster-service`.
 *
 * - An {@link App} has global flags (they must precede the command name) and
 *   a tree of {@link Command}s. A command with `subcommands` is a group; a
 *   group without an action shows its help; unknown sub-commands print
 *   `No help topic for '<x>'` on stderr and exit 3.
 * - Flag syntax is Go's: `-name value`, `--name value`, `-name=value`,
 *   `--name=value`; booleans take no separate value (`--https=false` works);
 *   ints use `strconv.ParseInt(v, 0, 64)` syntax; durations Go syntax (values
 *   in milliseconds); string slices are repeatable; `--` ends flags. Leaf
 *   commands accept flags after positional arguments.
 * - `--help`/`-h`, a `help`/`h` command at every level, `--version`/`-v` (when
 *   `version` is set) print to stdout. Usage errors print
 *   `Incorrect Usage. <err>` (app/group) or `Incorrect Usage: <err>` (leaf)
 *   and the help to stdout, then resolve to `errorExitCode` (default 1).
 * - The framework never touches the process: {@link runApp} gets writers
 *   and an environment and resolves to an exit code. Actions end the program
 *   early by throwing {@link ExitError} (message → stderr).
 *
 * @example
 * ```ts
 * import { runApp, ExitError } from '../cli/index.js'
 *
 * const code = await runApp({
 *   name: 'ipfs-cluster-service',
 *   usage: 'IPFS Cluster peer',
 *   version: '1.1.6',
 *   flags: [
 *     { type: 'string', name: 'config', aliases: ['c'], usage: 'path to the configuration and data `FOLDER`', envVar: 'IPFS_CLUSTER_PATH' },
 *     { type: 'bool', name: 'debug', aliases: ['d'], usage: 'enable full debug logging' }
 *   ],
 *   // usage errors and errors from hooks exit 0 in the service (quirk)
 *   errorExitCode: 0,
 *   before: async (ctx) => { ... ctx.string('config') ... },
 *   // no command: help + exit 1
 *   action: (ctx) => { ctx.showAppHelp(); throw new ExitError('', 1) },
 *   commands: [{
 *     name: 'daemon',
 *     usage: 'Runs the IPFS Cluster peer (default)',
 *     flags: [{ type: 'string', name: 'bootstrap', aliases: ['j'], usage: '...' }],
 *     action: async (ctx) => {
 *       const config = ctx.globalString('config') // global flags via global*()
 *       const bootstrap = ctx.string('bootstrap')
 *       ...
 *       throw new ExitError('error starting cluster: ...', 1)
 *     }
 *   }]
 * }, process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env })
 * process.exitCode = code
 * ```
 */
export { runApp, commandPaths } from './app.js'
export { Context, findCommand } from './context.js'
export { ExitError, UsageError } from './errors.js'
export { FlagParseError } from './flag-set.js'
export { parseGoBool, parseGoInt, parseGoUint, stringifyFlag, HELP_FLAG, VERSION_FLAG } from './flags.js'
export { formatGoDuration, formatGoDurationNs, parseGoDuration, parseGoDurationNs } from './go-duration.js'
export { renderAppHelp, renderCommandHelp, renderSubcommandHelp } from './help.js'
export { tabwrite } from './tabwriter.js'
export type { Flag, FlagValue, StringFlag, BoolFlag, IntFlag, Uint64Flag, DurationFlag, StringSliceFlag } from './flags.js'
export type { Action, App, CliIO, Command, Writer } from './types.js'
export type { RunningApp } from './context.js'
