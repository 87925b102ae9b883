/**
 * Runs an {@link App} over an argument vector with urfave/cli v1.22
 * semantics (CLI spec §1).
 */
import { Context, findCommand } from './context.js'
import { ExitError, UsageError } from './errors.js'
import { FlagParseError, FlagSet, reorderArgs } from './flag-set.js'
import { HELP_FLAG, VERSION_FLAG } from './flags.js'
import type { RunningApp } from './context.js'
import type { Flag } from './flags.js'
import type { Action, App, CliIO, Command } from './types.js'

const helpAction: Action = (ctx) => {
  const first = ctx.args[0]
  if (first != null) {
    ctx.showCommandHelp(first)
    return
  }
  ctx.showAppHelp()
}

const helpSubcommandAction: Action = (ctx) => {
  const first = ctx.args[0]
  if (first != null) {
    ctx.showCommandHelp(first)
    return
  }
  ctx.showSubcommandHelp()
}

function helpCommand (): Command {
  return {
    name: 'help',
    aliases: ['h'],
    usage: 'Shows a list of commands or help for one command',
    argsUsage: '[command]',
    action: helpAction
  }
}

function hasName (cmds: Command[], name: string): boolean {
  return findCommand(cmds, name) != null
}

function buildHelpNames (helpName: string, cmds: Command[]): Map<Command, string> {
  return new Map(cmds.map((c) => [c, `${helpName} ${c.name}`]))
}

function setupRoot (spec: App): RunningApp {
  const commands = [...(spec.commands ?? [])]
  const flags: Flag[] = [...(spec.flags ?? [])]
  const hideHelp = spec.hideHelp === true
  if (!hideHelp && !hasName(commands, 'help')) {
    commands.push(helpCommand())
    flags.push(HELP_FLAG)
  }
  const hideVersion = spec.hideVersion === true || spec.version == null || spec.version === ''
  if (!hideVersion) {
    flags.push(VERSION_FLAG)
  }
  const helpName = spec.helpName ?? spec.name
  const app: RunningApp = {
    spec,
    name: spec.name,
    helpName,
    usage: spec.usage,
    usageText: spec.usageText,
    argsUsage: spec.argsUsage,
    version: spec.version,
    hideVersion,
    description: spec.description,
    commands,
    flags,
    isSubcommand: false,
    hideHelp,
    before: spec.before,
    after: spec.after,
    action: spec.action,
    helpNames: buildHelpNames(helpName, commands),
    root: undefined as unknown as RunningApp
  }
  app.root = app
  return app
}

function setupGroup (cmd: Command, parent: RunningApp): RunningApp {
  const name = `${parent.name} ${cmd.name}`
  const commands = [...(cmd.subcommands ?? [])]
  const flags: Flag[] = [...(cmd.flags ?? [])]
  const hideHelp = cmd.hideHelp === true
  if (commands.length > 0 && !hideHelp && !hasName(commands, 'help')) {
    commands.push(helpCommand())
    flags.push(HELP_FLAG)
  }
  return {
    spec: parent.spec,
    name,
    helpName: name,
    usage: cmd.usage,
    usageText: cmd.usageText,
    argsUsage: cmd.argsUsage,
    version: parent.root.version,
    hideVersion: parent.root.hideVersion,
    description: cmd.description,
    commands,
    flags,
    isSubcommand: true,
    hideHelp,
    before: cmd.before,
    after: cmd.after,
    action: cmd.action ?? helpSubcommandAction,
    helpNames: buildHelpNames(name, commands),
    root: parent.root
  }
}

function env (io: CliIO): Record<string, string | undefined> {
  return io.env ?? process.env
}

function newFlagSet (flags: Flag[], io: CliIO): FlagSet {
  try {
    return new FlagSet(flags, env(io))
  } catch (err) {
    // an env value that cannot be parsed (urfave returns it from Run, unprinted)
    throw new UsageError((err as Error).message)
  }
}

async function withAfter (after: Action | undefined, ctx: Context, fn: () => Promise<void>): Promise<void> {
  if (after == null) {
    await fn()
    return
  }
  let failed = false
  try {
    await fn()
  } catch (err) {
    failed = true
    throw err
  } finally {
    if (failed) {
      try { await after(ctx) } catch {}
    }
  }
  await after(ctx)
}

async function runLevel (app: RunningApp, args: string[], parent: Context | undefined, io: CliIO): Promise<void> {
  const set = newFlagSet(app.flags, io)
  let parseErr: Error | undefined
  try {
    set.parse(args)
  } catch (err) {
    parseErr = err as Error
  }
  let aliasErr: Error | undefined
  try {
    set.checkAliases()
  } catch (err) {
    aliasErr = err as Error
  }
  const ctx = new Context(app, set, parent, io)

  if (aliasErr != null) {
    io.stdout.write(aliasErr.message + '\n')
    if (app.isSubcommand) {
      io.stdout.write('\n')
      ctx.showCommandHelp('')
    } else {
      ctx.showAppHelp()
    }
    throw new UsageError(aliasErr.message)
  }
  if (parseErr != null) {
    if (!(parseErr instanceof FlagParseError)) throw parseErr
    io.stdout.write(`Incorrect Usage. ${parseErr.message}\n\n`)
    if (app.isSubcommand) {
      ctx.showCommandHelp('')
    } else {
      ctx.showAppHelp()
    }
    throw new UsageError(parseErr.message)
  }

  if (app.isSubcommand) {
    if (!app.hideHelp && (ctx.bool('help') || ctx.bool('h'))) {
      ctx.showCommandHelp('')
      return
    }
  } else {
    if (!app.hideHelp && (ctx.bool('help') || ctx.bool('h'))) {
      ctx.showAppHelp()
      return
    }
    if (app.hideVersion !== true && (ctx.bool('version') || ctx.bool('v'))) {
      ctx.showVersion()
      return
    }
  }

  await withAfter(app.after, ctx, async () => {
    if (app.before != null) {
      await app.before(ctx)
    }
    const first = ctx.args[0]
    if (first != null) {
      const cmd = findCommand(app.commands, first)
      if (cmd != null) {
        await runCommand(cmd, ctx, io)
        return
      }
    }
    const action = app.action ?? helpAction
    await action(ctx)
  })
}

async function runCommand (cmd: Command, parentCtx: Context, io: CliIO): Promise<void> {
  const parentApp = parentCtx.app
  if ((cmd.subcommands ?? []).length > 0) {
    await runLevel(setupGroup(cmd, parentApp), parentCtx.args.slice(1), parentCtx, io)
    return
  }
  const flags: Flag[] = [...(cmd.flags ?? [])]
  if (cmd.hideHelp !== true) flags.push(HELP_FLAG)
  const set = newFlagSet(flags, io)
  let args = parentCtx.args.slice(1)
  let parseErr: Error | undefined
  try {
    if (cmd.skipFlagParsing === true) {
      set.parse(['--', ...args])
    } else {
      if (cmd.skipArgReorder !== true) args = reorderArgs(flags, args)
      set.parse(args)
      set.checkAliases()
    }
  } catch (err) {
    parseErr = err as Error
  }
  const ctx = new Context(parentApp, set, parentCtx, io, cmd)
  if (parseErr != null) {
    if (!(parseErr instanceof FlagParseError)) throw parseErr
    io.stdout.write(`Incorrect Usage: ${parseErr.message}\n\n`)
    ctx.showCommandHelp(cmd.name)
    throw new UsageError(parseErr.message)
  }
  if (cmd.hideHelp !== true && (ctx.bool('help') || ctx.bool('h'))) {
    ctx.showCommandHelp(cmd.name)
    return
  }
  await withAfter(cmd.after, ctx, async () => {
    if (cmd.before != null) {
      try {
        await cmd.before(ctx)
      } catch (err) {
        ctx.showCommandHelp(cmd.name)
        throw err
      }
    }
    await (cmd.action ?? helpSubcommandAction)(ctx)
  })
}

/**
 * Runs `app` with `argv` (the arguments after the program name) and resolves
 * to the exit code. `ExitError` messages go to stderr; help, version and
 * usage errors go to stdout. Nothing else is printed by the framework.
 */
export async function runApp (app: App, argv: string[], io: CliIO): Promise<number> {
  try {
    await runLevel(setupRoot(app), argv, undefined, io)
    return 0
  } catch (err) {
    if (err instanceof ExitError) {
      if (err.message !== '') io.stderr.write(err.message + '\n')
      return err.exitCode
    }
    const code = app.errorExitCode
    if (typeof code === 'function') return code(err)
    return code ?? 1
  }
}

/**
 * Every command path of `app`, depth-first in declaration order, as
 * `ipfs-cluster-ctl commands` prints them (`<app> <cmd> [<sub>]`). The
 * top-level `help` command is included last, hidden commands too.
 */
export function commandPaths (app: App): string[] {
  const root = setupRoot(app)
  const out: string[] = []
  const walk = (cmds: Command[], prefix: string): void => {
    for (const c of cmds) {
      const name = `${prefix} ${c.name}`
      out.push(name)
      walk(c.subcommands ?? [], name)
    }
  }
  walk(root.commands, root.helpName)
  return out
}
