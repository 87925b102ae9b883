import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { commandPaths, ExitError, runApp } from '../../src/cli/index.js'
import type { App, Context } from '../../src/cli/index.js'

class Buf {
  text = ''
  write (c: string): boolean {
    this.text += c
    return true
  }
}

interface Seen {
  cmd: string
  args: string[]
  flags: Record<string, unknown>
  globals: Record<string, unknown>
}

function demo (seen: Seen[], extra: Partial<App> = {}): App {
  const record = (cmd: string, names: string[]) => (ctx: Context) => {
    const flags: Record<string, unknown> = {}
    for (const n of names) flags[n] = ctx.value(n)
    seen.push({ cmd, args: ctx.args, flags, globals: { host: ctx.globalString('host'), https: ctx.globalBool('https'), auth: ctx.globalString('basic-auth') } })
  }
  return {
    name: 'demo',
    usage: 'Demo app',
    version: '1.2.3',
    description: 'A demo.',
    flags: [
      { type: 'string', name: 'host', aliases: ['l'], value: '/ip4/127.0.0.1/tcp/9094', usage: 'API endpoint' },
      { type: 'bool', name: 'https', aliases: ['s'], usage: 'use https' },
      { type: 'string', name: 'basic-auth', usage: 'credentials', envVar: 'DEMO_CREDENTIALS' },
      { type: 'int', name: 'timeout', aliases: ['t'], usage: 'seconds' }
    ],
    commands: [
      { name: 'id', usage: 'Show the id', action: record('id', []) },
      {
        name: 'pin',
        usage: 'Pin things',
        description: 'Pin and unpin things',
        subcommands: [
          {
            name: 'add',
            usage: 'Pin an item',
            argsUsage: '<CID>',
            flags: [
              { type: 'int', name: 'replication-min', aliases: ['rmin'], usage: 'min' },
              { type: 'bool', name: 'wait', aliases: ['w'], usage: 'wait' },
              { type: 'duration', name: 'wait-timeout', aliases: ['wt'], usage: 'timeout' },
              { type: 'stringSlice', name: 'metadata', usage: 'key=value' },
              { type: 'string', name: 'name', aliases: ['n'], usage: 'name' }
            ],
            action: record('pin add', ['replication-min', 'wait', 'wait-timeout', 'metadata', 'name'])
          },
          { name: 'ls', usage: 'List pins', action: record('pin ls', []) }
        ]
      },
      { name: 'hidden-cmd', usage: 'secret', hidden: true, action: record('hidden', []) }
    ],
    ...extra
  }
}

async function run (app: App, argv: string[], env: Record<string, string> = {}): Promise<{ code: number, out: string, err: string }> {
  const out = new Buf()
  const err = new Buf()
  const code = await runApp(app, argv, { stdout: out, stderr: err, env })
  return { code, out: out.text, err: err.text }
}

const APP_HELP = `NAME:
   demo - Demo app

USAGE:
   demo [global options] command [command options] [arguments...]

VERSION:
   1.2.3

DESCRIPTION:
   A demo.

COMMANDS:
   id       Show the id
   pin      Pin things
   help, h  Shows a list of commands or help for one command

GLOBAL OPTIONS:
   --host value, -l value     API endpoint (default: "/ip4/127.0.0.1/tcp/9094")
   --https, -s                use https
   --basic-auth value         credentials [$DEMO_CREDENTIALS]
   --timeout value, -t value  seconds (default: 0)
   --help, -h                 show help
   --version, -v              print the version
`

const PIN_ADD_HELP = `NAME:
   demo pin add - Pin an item

USAGE:
   demo pin add [command options] <CID>

OPTIONS:
   --replication-min value, --rmin value  min (default: 0)
   --wait, -w                             wait
   --wait-timeout value, --wt value       timeout (default: 0s)
   --metadata value                       key=value
   --name value, -n value                 name
   
`

const PIN_GROUP_HELP = `NAME:
   demo pin - Pin and unpin things

USAGE:
   demo pin command [command options] [arguments...]

COMMANDS:
   add      Pin an item
   ls       List pins
   help, h  Shows a list of commands or help for one command

OPTIONS:
   --help, -h  show help
   
`

describe('cli: runApp', () => {
  it('prints the app help with --help, -h, help and h (stdout, exit 0), without running before', async () => {
    for (const argv of [['--help'], ['-h'], ['help'], ['h'], []]) {
      let before = 0
      const r = await run(demo([], { before: () => { before++ } }), argv)
      assert.equal(r.code, 0, argv.join(' '))
      assert.equal(r.out, APP_HELP, argv.join(' '))
      assert.equal(r.err, '')
      // help/h/no command are commands: the before hook runs for them
      assert.equal(before, argv[0]?.startsWith('-') === true ? 0 : 1)
    }
  })

  it('prints the version with --version and -v', async () => {
    for (const argv of [['--version'], ['-v']]) {
      const r = await run(demo([]), argv)
      assert.deepEqual(r, { code: 0, out: 'demo version 1.2.3\n', err: '' })
    }
  })

  it('prints command help with --help after the command and with help <cmd>', async () => {
    const r = await run(demo([]), ['pin', 'add', '--help'])
    assert.deepEqual(r, { code: 0, out: PIN_ADD_HELP, err: '' })
    const r2 = await run(demo([]), ['pin', 'help', 'add'])
    assert.deepEqual(r2, { code: 0, out: PIN_ADD_HELP, err: '' })
    const r3 = await run(demo([]), ['pin', 'add', 'Qm', '-h'])
    assert.equal(r3.out, PIN_ADD_HELP)
  })

  it('prints the group help for a group without sub-command and for group --help', async () => {
    for (const argv of [['pin'], ['pin', '--help'], ['pin', '-h']]) {
      const r = await run(demo([]), argv)
      assert.deepEqual(r, { code: 0, out: PIN_GROUP_HELP, err: '' }, argv.join(' '))
    }
  })

  it('exits 3 with "No help topic" on stderr for unknown commands', async () => {
    for (const [argv, name] of [[['foo'], 'foo'], [['pin', 'foo'], 'foo'], [['help', 'nope'], 'nope'], [['pin', 'help', 'x'], 'x']] as const) {
      const r = await run(demo([]), [...argv])
      assert.deepEqual(r, { code: 3, out: '', err: `No help topic for '${name}'\n` }, argv.join(' '))
    }
  })

  it('accepts every Go flag syntax for global and command flags', async () => {
    const forms = [
      ['--host', '/ip4/1.2.3.4/tcp/1', 'pin', 'add', '--rmin', '2', 'Qm'],
      ['-host', '/ip4/1.2.3.4/tcp/1', 'pin', 'add', '-rmin', '2', 'Qm'],
      ['--host=/ip4/1.2.3.4/tcp/1', 'pin', 'add', '--rmin=2', 'Qm'],
      ['-host=/ip4/1.2.3.4/tcp/1', 'pin', 'add', '-rmin=2', 'Qm'],
      ['-l', '/ip4/1.2.3.4/tcp/1', 'pin', 'add', '--replication-min', '0x2', 'Qm'],
      ['--l=/ip4/1.2.3.4/tcp/1', 'pin', 'add', '--replication-min=0b10', 'Qm']
    ]
    for (const argv of forms) {
      const seen: Seen[] = []
      const r = await run(demo(seen), argv)
      assert.equal(r.code, 0, argv.join(' ') + r.out)
      assert.equal(seen[0].globals.host, '/ip4/1.2.3.4/tcp/1', argv.join(' '))
      assert.equal(seen[0].flags['replication-min'], 2, argv.join(' '))
      assert.deepEqual(seen[0].args, ['Qm'])
    }
  })

  it('moves leaf-command flags given after positional arguments in front', async () => {
    const seen: Seen[] = []
    const r = await run(demo(seen), ['pin', 'add', 'QmA', '--rmin', '-1', '-w', 'QmB', '--metadata', 'a=b', '--metadata=c=d', '--wt', '2s', '-n', 'x'])
    assert.equal(r.code, 0)
    assert.deepEqual(seen[0], {
      cmd: 'pin add',
      args: ['QmA', 'QmB'],
      flags: { 'replication-min': -1, wait: true, 'wait-timeout': 2000, metadata: ['a=b', 'c=d'], name: 'x' },
      globals: { host: '/ip4/127.0.0.1/tcp/9094', https: false, auth: '' }
    })
  })

  it('stops flag parsing at -- and keeps dash arguments positional', async () => {
    const seen: Seen[] = []
    const r = await run(demo(seen), ['pin', 'add', '-w', '--', '--rmin', '-x'])
    assert.equal(r.code, 0)
    assert.deepEqual(seen[0].args, ['--rmin', '-x'])
    assert.equal(seen[0].flags.wait, true)
    assert.equal(seen[0].flags['replication-min'], 0)
  })

  it('accepts --bool=false and treats a separate value after a bool as positional', async () => {
    const seen: Seen[] = []
    await run(demo(seen), ['--https=false', 'id'])
    assert.equal(seen[0].globals.https, false)
    await run(demo(seen), ['-s', 'id'])
    assert.equal(seen[1].globals.https, true)
    const r = await run(demo(seen), ['--https', 'false', 'id'])
    assert.deepEqual(r, { code: 3, out: '', err: "No help topic for 'false'\n" })
  })

  it('does not recognise command flags before the command (global position)', async () => {
    const r = await run(demo([]), ['--rmin', '2', 'pin', 'add'])
    assert.equal(r.code, 1)
    assert.equal(r.out, 'Incorrect Usage. flag provided but not defined: -rmin\n\n' + APP_HELP)
    assert.equal(r.err, '')
  })

  it('reports usage errors on stdout with the help and exits with errorExitCode', async () => {
    let r = await run(demo([]), ['pin', 'add', '--rmin', 'x', 'Qm'])
    assert.equal(r.code, 1)
    assert.equal(r.out, 'Incorrect Usage: invalid value "x" for flag -rmin: parse error\n\n' + PIN_ADD_HELP)
    r = await run(demo([]), ['pin', 'add', '--wt', '2'])
    assert.equal(r.out.split('\n')[0], 'Incorrect Usage: invalid value "2" for flag -wt: parse error')
    r = await run(demo([]), ['pin', 'add', '--name'])
    assert.equal(r.out.split('\n')[0], 'Incorrect Usage: flag needs an argument: -name')
    r = await run(demo([]), ['pin', 'add', '--wait=maybe'])
    assert.equal(r.out.split('\n')[0], 'Incorrect Usage: invalid boolean value "maybe" for -wait: parse error')
    r = await run(demo([]), ['pin', '--bogus'])
    assert.equal(r.out, 'Incorrect Usage. flag provided but not defined: -bogus\n\n' + PIN_GROUP_HELP)
    r = await run(demo([]), ['---x', 'id'])
    assert.equal(r.out.split('\n')[0], 'Incorrect Usage. bad flag syntax: ---x')
    // the service's convention: usage errors exit 0
    r = await run(demo([], { errorExitCode: 0 }), ['--timeout', 'abc', 'id'])
    assert.equal(r.code, 0)
    assert.equal(r.out.split('\n')[0], 'Incorrect Usage. invalid value "abc" for flag -timeout: parse error')
  })

  it('rejects two forms of the same flag', async () => {
    const r = await run(demo([]), ['pin', 'add', '--rmin', '1', '--replication-min', '2'])
    assert.equal(r.code, 1)
    assert.equal(r.out.split('\n')[0], 'Incorrect Usage: cannot use two forms of the same flag: rmin replication-min')
  })

  it('reads env-backed flag defaults; the command line wins', async () => {
    const seen: Seen[] = []
    await run(demo(seen), ['id'], { DEMO_CREDENTIALS: 'user:pw' })
    assert.equal(seen[0].globals.auth, 'user:pw')
    await run(demo(seen), ['--basic-auth', 'other', 'id'], { DEMO_CREDENTIALS: 'user:pw' })
    assert.equal(seen[1].globals.auth, 'other')
  })

  it('runs before hooks in order (app, group) and maps ExitError to stderr + code', async () => {
    const order: string[] = []
    const app = demo([], { before: () => { order.push('app') } })
    const pin = app.commands?.find((c) => c.name === 'pin')
    if (pin == null) throw new Error('no pin')
    pin.before = () => { order.push('group') }
    const add = pin.subcommands?.find((c) => c.name === 'add')
    if (add == null) throw new Error('no add')
    add.action = () => {
      order.push('action')
      throw new ExitError('error doing: boom', 62)
    }
    const r = await run(app, ['pin', 'add', 'Qm'])
    assert.deepEqual(order, ['app', 'group', 'action'])
    assert.deepEqual(r, { code: 62, out: '', err: 'error doing: boom\n' })
    // --help of a group does not run the group hook
    order.length = 0
    await run(app, ['pin', '--help'])
    assert.deepEqual(order, ['app'])
  })

  it('passes other errors to errorExitCode', async () => {
    const errors: unknown[] = []
    const app = demo([], {
      errorExitCode: (err) => { errors.push(err); return 7 },
      action: () => { throw new Error('plain') }
    })
    const r = await run(app, [])
    assert.equal(r.code, 7)
    assert.equal((errors[0] as Error).message, 'plain')
  })

  it('lists every command path, hidden ones included and help last', () => {
    assert.deepEqual(commandPaths(demo([])), [
      'demo id', 'demo pin', 'demo pin add', 'demo pin ls', 'demo hidden-cmd', 'demo help'
    ])
  })

  it('keeps hidden commands runnable but out of the help', async () => {
    const seen: Seen[] = []
    const r = await run(demo(seen), ['hidden-cmd'])
    assert.equal(r.code, 0)
    assert.equal(seen[0].cmd, 'hidden')
    assert.ok(!APP_HELP.includes('hidden'))
  })
})
