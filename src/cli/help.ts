/**
 * Help texts rendered like the urfave/cli v1.22 templates
 * (`AppHelpTemplate`, `CommandHelpTemplate`, `SubcommandHelpTemplate`),
 * aligned with a Go tabwriter.
 */
import { stringifyFlag } from './flags.js'
import { tabwrite } from './tabwriter.js'
import type { Flag } from './flags.js'
import type { Command } from './types.js'

/** What the app-level templates need (an app or a command group run as an app). */
export interface HelpApp {
  name: string
  helpName: string
  usage?: string
  usageText?: string
  argsUsage?: string
  version?: string
  hideVersion?: boolean
  description?: string
  commands: Command[]
  /** Visible flags, in order (help/version flags included). */
  flags: Flag[]
}

function visibleFlags (flags: Flag[]): Flag[] {
  return flags.filter((f) => f.hidden !== true)
}

function visibleCommands (cmds: Command[]): Command[] {
  return cmds.filter((c) => c.hidden !== true)
}

function commandLines (cmds: Command[]): string {
  let s = ''
  for (const c of visibleCommands(cmds)) {
    s += '\n   ' + [c.name, ...(c.aliases ?? [])].join(', ') + '\t' + (c.usage ?? '')
  }
  return s
}

function nonEmpty (s: string | undefined): s is string {
  return s != null && s !== ''
}

/** `AppHelpTemplate`. */
export function renderAppHelp (app: HelpApp): string {
  const flags = visibleFlags(app.flags)
  let s = 'NAME:\n   ' + app.name + (nonEmpty(app.usage) ? ' - ' + app.usage : '') + '\n\nUSAGE:\n   '
  if (nonEmpty(app.usageText)) {
    s += app.usageText
  } else {
    s += app.helpName + ' ' + (flags.length > 0 ? '[global options]' : '') +
      (app.commands.length > 0 ? ' command [command options]' : '') + ' ' +
      (nonEmpty(app.argsUsage) ? app.argsUsage : '[arguments...]')
  }
  if (nonEmpty(app.version) && app.hideVersion !== true) {
    s += '\n\nVERSION:\n   ' + app.version
  }
  if (nonEmpty(app.description)) {
    s += '\n\nDESCRIPTION:\n   ' + app.description
  }
  if (visibleCommands(app.commands).length > 0) {
    s += '\n\nCOMMANDS:' + commandLines(app.commands)
  }
  if (flags.length > 0) {
    s += '\n\nGLOBAL OPTIONS:\n   ' + flags.map(stringifyFlag).join('\n   ')
  }
  s += '\n'
  return tabwrite(s)
}

/** `CommandHelpTemplate` (help of one command, as listed in its parent). */
export function renderCommandHelp (cmd: Command, helpName: string): string {
  const flags = visibleFlags(cmd.flags ?? [])
  let s = 'NAME:\n   ' + helpName + ' - ' + (cmd.usage ?? '') + '\n\nUSAGE:\n   '
  if (nonEmpty(cmd.usageText)) {
    s += cmd.usageText
  } else {
    s += helpName + (flags.length > 0 ? ' [command options]' : '') + ' ' +
      (nonEmpty(cmd.argsUsage) ? cmd.argsUsage : '[arguments...]')
  }
  if (nonEmpty(cmd.category)) {
    s += '\n\nCATEGORY:\n   ' + cmd.category
  }
  if (nonEmpty(cmd.description)) {
    s += '\n\nDESCRIPTION:\n   ' + cmd.description
  }
  if (flags.length > 0) {
    s += '\n\nOPTIONS:\n   ' + flags.map((f) => stringifyFlag(f) + '\n   ').join('')
  }
  s += '\n'
  return tabwrite(s)
}

/** `SubcommandHelpTemplate` (a command group run as an app). */
export function renderSubcommandHelp (app: HelpApp): string {
  const flags = visibleFlags(app.flags)
  let s = 'NAME:\n   ' + app.helpName + ' - ' + (nonEmpty(app.description) ? app.description : (app.usage ?? '')) + '\n\nUSAGE:\n   '
  if (nonEmpty(app.usageText)) {
    s += app.usageText
  } else {
    s += app.helpName + ' command' + (flags.length > 0 ? ' [command options]' : '') + ' ' +
      (nonEmpty(app.argsUsage) ? app.argsUsage : '[arguments...]')
  }
  s += '\n\nCOMMANDS:' + commandLines(app.commands)
  if (flags.length > 0) {
    s += '\n\nOPTIONS:\n   ' + flags.map((f) => stringifyFlag(f) + '\n   ').join('')
  }
  s += '\n'
  return tabwrite(s)
}
