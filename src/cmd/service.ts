/**
 * `ipfs-cluster-service`: runs a cluster peer and manages its folder
 * (CLI spec §2). {@link runService} runs it with injected streams; the module
 * runs it on the process when executed as the program.
 */
import '../polyfill.js'
import { createReadStream, createWriteStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { request } from 'node:http'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { VERSION, tryParsePeerId } from '../api/index.js'
import { ExitError, runApp } from '../cli/index.js'
import { initPeerFolder, loadConfig, parseMultiaddr } from '../config/index.js'
import { acquireLock } from '../daemon/lock.js'
import type { OfflineState } from '../daemon/offline.js'
import { CLUSTER_FACILITIES, createLogger, LogLevelFormatError, parseLogLevels } from '../logging/index.js'
import { multiaddrToSocket } from '../utils/multiaddr.js'
import { exists } from '../utils/fs.js'
import { isMainModule, onShutdownSignals, tuneDaemonRuntime } from './process.js'
import type { App, Context, Writer } from '../cli/index.js'
import type { LoadedConfig } from '../config/index.js'
import type { ExecutionLock } from '../daemon/lock.js'
import type { ConfigurableLogger, LogLevels } from '../logging/index.js'

export const PROGRAM_NAME = 'ipfs-cluster-service'
const DEFAULT_KUBO_API = '/ip4/127.0.0.1/tcp/5001'

export interface ServiceIO {
  stdout: Writer
  stderr: Writer
  stdin?: NodeJS.ReadableStream
  env?: Record<string, string | undefined>
  /** Registers a handler for shutdown signals; returns an unregister function. */
  onSignal?: (handler: (signal: string) => void) => () => void
  /** Hard exit (third signal). */
  exit?: (code: number) => void
}

const DESCRIPTION = `
${PROGRAM_NAME} runs an IPFS Cluster peer. A cluster is a set of peers that
share one secret and agree on one pinset; each peer makes its IPFS daemon
pin what the pinset allocates to it.

Before running the peer for the first time, initialise its folder (default:
$HOME/.ipfs-cluster, or $IPFS_CLUSTER_PATH, or --config):

  $ ${PROGRAM_NAME} init

This writes service.json (the configuration), identity.json (the peer's
key) and an empty peerstore. The peer uses the Kubo RPC API given with
--ipfs-api, CLUSTER_IPFSHTTP_NODEMULTIADDRESS or IPFS_API, else a local
Kubo daemon's API when one answers (at the address in $IPFS_PATH/api, or
${DEFAULT_KUBO_API}), and otherwise an IPFS node embedded in the peer.

Then run the peer:

  $ ${PROGRAM_NAME} daemon

To join an existing cluster, give every peer the same secret and bootstrap
to a running peer:

  $ ${PROGRAM_NAME} daemon --bootstrap /ip4/192.168.1.2/tcp/9096/p2p/<peerID>

Its address is then kept in the peerstore file, so restarts need no
--bootstrap. Logging: --loglevel info,cluster:debug,pintracker:debug.
`

/** Reads one whitespace-delimited token from stdin (or '' at EOF). */
function readToken (stdin: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolvePromise) => {
    let buf = ''
    const onData = (chunk: Buffer | string): void => {
      buf += chunk.toString()
      const m = /^\s*(\S+)\s/.exec(buf)
      if (m != null) {
        cleanup()
        resolvePromise(m[1])
      }
    }
    const onEnd = (): void => { cleanup(); resolvePromise(buf.trim().split(/\s+/)[0] ?? '') }
    const cleanup = (): void => {
      stdin.removeListener('data', onData)
      stdin.removeListener('end', onEnd)
      stdin.pause?.()
    }
    stdin.on('data', onData)
    stdin.on('end', onEnd)
    stdin.resume?.()
  })
}

async function readLine (stdin: NodeJS.ReadableStream): Promise<string> {
  return await new Promise((resolvePromise) => {
    let buf = ''
    const onData = (chunk: Buffer | string): void => {
      buf += chunk.toString()
      const i = buf.indexOf('\n')
      if (i >= 0) { cleanup(); resolvePromise(buf.slice(0, i)) }
    }
    const onEnd = (): void => { cleanup(); resolvePromise(buf) }
    const cleanup = (): void => {
      stdin.removeListener('data', onData)
      stdin.removeListener('end', onEnd)
      stdin.pause?.()
    }
    stdin.on('data', onData)
    stdin.on('end', onEnd)
    stdin.resume?.()
  })
}

/** The yes/no prompt of the reference (3 tries; anything but y is no). */
async function yesNo (io: ServiceIO, prompt: string): Promise<boolean> {
  const stdin = io.stdin ?? process.stdin
  for (let i = 0; i < 3; i++) {
    io.stdout.write(`${prompt} `)
    const answer = await readToken(stdin)
    if (answer === 'y' || answer === 'Y') return true
    if (answer === 'n' || answer === 'N' || answer === '') return false
    io.stdout.write("Please press either 'y' or 'n'\n")
  }
  return false
}

/** Does a Kubo RPC API answer at this multiaddr? (loopback probe, 1 s) */
async function kuboAnswers (addr: string): Promise<boolean> {
  let socket
  try {
    socket = multiaddrToSocket(addr)
  } catch {
    return false
  }
  return await new Promise((resolvePromise) => {
    const opts = socket.kind === 'unix'
      ? { socketPath: socket.path }
      : { host: socket.host, port: socket.port }
    const req = request({ ...opts, method: 'POST', path: '/api/v0/version', timeout: 1000 }, (res) => {
      res.resume()
      resolvePromise(res.statusCode === 200)
    })
    req.on('timeout', () => { req.destroy(); resolvePromise(false) })
    req.on('error', () => { resolvePromise(false) })
    req.end()
  })
}

/**
 * Where a local Kubo daemon's RPC API may be: the address in
 * `$IPFS_PATH/api` (default `~/.ipfs/api`, written by a running Kubo
 * daemon, as Kubo's own CLI finds it) when that file holds one, then the
 * default address.
 */
async function kuboCandidates (env: Record<string, string | undefined>): Promise<string[]> {
  const repo = (env.IPFS_PATH ?? '') !== '' ? env.IPFS_PATH as string : join(env.HOME ?? homedir(), '.ipfs')
  const out: string[] = []
  try {
    const addr = (await readFile(join(repo, 'api'), 'utf8')).trim()
    parseMultiaddr(addr)
    out.push(addr)
  } catch {}
  if (!out.includes(DEFAULT_KUBO_API)) out.push(DEFAULT_KUBO_API)
  return out
}

async function firstAnswering (addrs: string[]): Promise<string | undefined> {
  for (const a of addrs) {
    if (await kuboAnswers(a)) return a
  }
  return undefined
}

function fatal (doing: string, err: unknown): ExitError {
  const msg = err instanceof Error ? err.message : String(err)
  return new ExitError(`error ${doing}: ${msg}`, 1)
}

/** `doing` attached by the config layer, or the given default. */
function doingOf (err: unknown, dflt: string): string {
  const d = (err as { doing?: unknown })?.doing
  return typeof d === 'string' ? d : dflt
}

interface ServiceState {
  folder: string
  logger: ConfigurableLogger
  levels: LogLevels
}

export async function runService (argv: string[], io: ServiceIO): Promise<number> {
  const env = io.env ?? process.env
  const state: ServiceState = {
    folder: '',
    logger: createLogger({ sink: (line) => { io.stderr.write(line + '\n') } }),
    levels: { default: 'info', facilities: new Map() }
  }
  const log = state.logger.forComponent('service')

  const withLock = async <T>(fn: () => Promise<T>): Promise<T> => {
    let lock: ExecutionLock
    try {
      lock = await acquireLock(state.folder)
    } catch (err) {
      throw fatal('obtaining execution lock', err)
    }
    try {
      return await fn()
    } finally {
      await lock.release()
    }
  }

  /** Runs `fn` on the offline state, holding the lock. */
  const withOffline = async (fn: (st: OfflineState) => Promise<void>): Promise<void> => {
    await withLock(async () => {
      const st = await openOffline(load)
      try {
        await fn(st)
      } finally {
        await st.close()
      }
    })
  }

  const load = async (): Promise<LoadedConfig> => {
    try {
      const loaded = await loadConfig({ folder: state.folder, env, logger: state.logger })
      for (const n of loaded.notices) io.stderr.write(n)
      return loaded
    } catch (err) {
      throw fatal(doingOf(err, 'loading configurations'), err)
    }
  }

  const app: App = {
    name: PROGRAM_NAME,
    usage: 'IPFS Cluster peer',
    version: VERSION,
    description: DESCRIPTION,
    flags: [
      { type: 'string', name: 'config', aliases: ['c'], value: join(env.HOME ?? homedir(), '.ipfs-cluster'), usage: 'path to the configuration and data `FOLDER`', envVar: 'IPFS_CLUSTER_PATH' },
      { type: 'bool', name: 'force', aliases: ['f'], usage: 'forcefully proceed with some actions. i.e. overwriting configuration' },
      { type: 'bool', name: 'debug', aliases: ['d'], usage: 'enable full debug logging (very verbose)' },
      { type: 'string', name: 'loglevel', aliases: ['l'], envVar: 'IPFS_CLUSTER_LOG_LEVEL', usage: 'set overall and component-wise log levels' }
    ],
    before: async (ctx) => {
      state.folder = resolve(ctx.string('config'))
      if (ctx.bool('debug')) {
        state.levels = { default: 'debug', facilities: new Map([['*', 'debug']]) }
      } else {
        try {
          state.levels = parseLogLevels(ctx.string('loglevel'), (facility) => {
            io.stdout.write(`overwriting existing ${facility} log level\n`)
          })
        } catch (err) {
          if (err instanceof LogLevelFormatError) throw new ExitError(`error parsing log level: ${err.message}`, 1)
          throw err
        }
      }
      state.logger.setLevels(state.levels)
    },
    action: (ctx) => {
      // no command (or an unknown one): help and exit 1, as the reference
      ctx.showAppHelp()
      throw new ExitError('', 1)
    },
    commands: [
      {
        name: 'init',
        usage: 'Creates a configuration and generates an identity',
        argsUsage: '[http-source-url]',
        description: `
This command will initialize a new ${'`'}service.json${'`'} configuration file, a new
identity.json (unless one exists already) and a peerstore in the config
folder. Configuration values from CLUSTER_* environment variables are
written into service.json. The first argument, if given, is a URL: the
configuration is then fetched from it on every start.

The IPFS connector is chosen automatically: "ipfshttp" when a Kubo RPC API
address is given (--ipfs-api, CLUSTER_IPFSHTTP_NODEMULTIADDRESS or IPFS_API)
or when a Kubo RPC API answers at the address of $IPFS_PATH/api (default
~/.ipfs/api, written by a running Kubo daemon) or at ${DEFAULT_KUBO_API};
otherwise "embedded" (an IPFS node inside the peer). --ipfs-connector
forces either.`,
        flags: [
          { type: 'string', name: 'consensus', value: 'crdt', usage: 'select consensus component: \'crdt\' or \'raft\'' },
          { type: 'string', name: 'datastore', value: 'pebble', usage: 'select datastore: \'leveldb\', \'badger\', \'badger3\' or \'pebble\'' },
          { type: 'bool', name: 'custom-secret', aliases: ['s'], usage: 'prompt for the cluster secret (when no source is specified)' },
          { type: 'string', name: 'peers', usage: 'comma-separated list of multiaddresses to init with (see help)' },
          { type: 'bool', name: 'force', aliases: ['f'], usage: 'overwrite configuration without prompting' },
          { type: 'bool', name: 'randomports', usage: 'configure random ports to listen on instead of defaults' },
          { type: 'string', name: 'ipfs-connector', usage: 'IPFS connector: \'ipfshttp\' (Kubo RPC) or \'embedded\' (default: detect)' },
          { type: 'string', name: 'ipfs-api', usage: 'multiaddress of the Kubo RPC API to use (implies --ipfs-connector ipfshttp)' }
        ],
        action: async (ctx) => { await initCommand(ctx, io, state, env) }
      },
      {
        name: 'daemon',
        usage: 'Runs the IPFS Cluster peer (default)',
        description: 'Runs the peer until interrupted (SIGINT, SIGTERM or SIGHUP shut it down gracefully).',
        flags: [
          { type: 'bool', name: 'upgrade', aliases: ['u'], usage: 'accepted for compatibility: there are no state migrations to run, so it has no effect' },
          { type: 'string', name: 'bootstrap', aliases: ['j'], usage: 'join a cluster providing a comma-separated list of existing peers multiaddress(es)' },
          { type: 'bool', name: 'leave', aliases: ['x'], usage: 'remove peer from cluster on exit. Overrides "leave_on_shutdown"', hidden: true },
          { type: 'bool', name: 'stats', usage: 'enable stats collection' },
          { type: 'bool', name: 'tracing', usage: 'enable tracing collection' },
          { type: 'bool', name: 'no-trust', usage: 'do not trust bootstrap peers (only for "crdt" consensus)' }
        ],
        action: async (ctx) => { await daemonCommand(ctx, io, state, env, withLock, load, log) }
      },
      {
        name: 'state',
        usage: 'Manages the peer\'s consensus state (pinset)',
        subcommands: [
          {
            name: 'crdt',
            usage: 'CRDT-state commands',
            before: async () => {
              const loaded = await load()
              if (loaded.config.consensus.crdt == null) {
                throw new ExitError('error : crdt subcommands can only be run on peers initialized with crdt consensus', 1)
              }
            },
            subcommands: [
              {
                name: 'info',
                usage: 'Print information about the CRDT store',
                action: async () => {
                  await withOffline(async (st) => {
                    io.stdout.write(await st.info())
                  })
                }
              },
              {
                name: 'dot',
                usage: 'Write the CRDT-DAG as DOT file',
                flags: [{ type: 'string', name: 'file', aliases: ['f'], usage: 'writes to an output file' }],
                action: async (ctx) => {
                  await withOffline(async (st) => {
                    try {
                      const out = ctx.string('file') === '' ? io.stdout : createWriteStream(ctx.string('file'))
                      await st.dot((s) => { out.write(s) })
                      if (out !== io.stdout) await new Promise<void>((r) => { (out as NodeJS.WritableStream).end(() => { r() }) })
                    } catch (err) {
                      throw fatal('generating graph', err)
                    }
                  })
                }
              },
              {
                name: 'mark-dirty',
                usage: 'Marks the CRDT-store as dirty',
                action: async () => {
                  await withOffline(async (st) => {
                    await st.markDirty()
                    io.stdout.write("Datastore marked 'dirty'\n")
                  })
                }
              },
              {
                name: 'mark-clean',
                usage: 'Marks the CRDT-store as clean',
                action: async () => {
                  await withOffline(async (st) => {
                    await st.markClean()
                    io.stdout.write("Datastore marked 'clean'\n")
                  })
                }
              }
            ]
          },
          {
            name: 'export',
            usage: 'Export the state to a JSON file',
            flags: [{ type: 'string', name: 'file', aliases: ['f'], usage: 'writes to an output file' }],
            action: async (ctx) => {
              await withOffline(async (st) => {
                const file = ctx.string('file')
                let out: NodeJS.WritableStream = io.stdout as unknown as NodeJS.WritableStream
                if (file !== '') {
                  try {
                    out = createWriteStream(file)
                  } catch (err) {
                    throw fatal('creating output file', err)
                  }
                }
                try {
                  const n = await st.exportTo(out, (count) => { log.debug(`exported ${count} pins`) })
                  if (file !== '') await new Promise<void>((r) => { out.end(() => { r() }) })
                  log.info(`state successfully exported (${n} pins)`)
                } catch (err) {
                  throw fatal('exporting state', err)
                }
              })
            }
          },
          {
            name: 'import',
            usage: 'Import a saved state from a JSON file',
            argsUsage: '[file]',
            flags: [
              { type: 'bool', name: 'force', aliases: ['f'], usage: 'skips confirmation prompt' },
              { type: 'int', name: 'replication-min', aliases: ['rmin'], usage: 'Overwrite replication-factor-min for all pins on import (0 = keep)' },
              { type: 'int', name: 'replication-max', aliases: ['rmax'], usage: 'Overwrite replication-factor-max for all pins on import (0 = keep)' },
              { type: 'string', name: 'allocations', aliases: ['allocs'], usage: 'Overwrite allocations for all pins on import. Comma-separated list of peer IDs' }
            ],
            action: async (ctx) => {
              if (!ctx.bool('force') && !await yesNo(io, 'The pinset (state) of this peer will be replaced. Continue? [y/n]:')) {
                return
              }
              await withOffline(async (st) => {
                const file = ctx.args[0]
                let input: NodeJS.ReadableStream
                if (file != null && file !== '') {
                  if (!await exists(file)) throw fatal('reading import file', new Error(`open ${file}: no such file or directory`))
                  input = createReadStream(file)
                } else {
                  io.stdout.write('reading from stdin, Ctrl-D to finish\n')
                  input = io.stdin ?? process.stdin
                }
                const allocations = ctx.string('allocations') === ''
                  ? []
                  : ctx.string('allocations').split(',').map((s) => tryParsePeerId(s.trim())).filter((p): p is string => p != null)
                try {
                  const n = await st.importFrom(input, {
                    replicationFactorMin: ctx.int('replication-min'),
                    replicationFactorMax: ctx.int('replication-max'),
                    allocations,
                    onProgress: (count, phase) => { log.debug(`${phase === 'validate' ? 'validated' : 'imported'} ${count} pins`) }
                  })
                  log.info(`state successfully imported (${n} pins).  Make sure all peers have consistent states`)
                } catch (err) {
                  throw fatal('importing state', err)
                }
              })
            }
          },
          {
            name: 'cleanup',
            usage: 'Cleanup persistent consensus state',
            flags: [{ type: 'bool', name: 'force', aliases: ['f'], usage: 'skip confirmation prompt' }],
            action: async (ctx) => {
              if (!ctx.bool('force') && !await yesNo(io, 'The peer state will be removed.  Existing pins may be lost. Continue? [y/n]:')) {
                return
              }
              await withOffline(async (st) => {
                try {
                  await st.cleanup()
                  log.info('data correctly cleaned up')
                } catch (err) {
                  throw fatal('cleaning state', err)
                }
              })
            }
          }
        ]
      },
      {
        name: 'version',
        usage: 'Prints the ipfs-cluster version',
        action: () => { io.stdout.write(`${VERSION}\n`) }
      }
    ]
  }

  return await runApp(app, argv, { stdout: io.stdout, stderr: io.stderr, env })
}

async function openOffline (load: () => Promise<LoadedConfig>): Promise<OfflineState> {
  const loaded = await load()
  try {
    // loaded on demand: the daemon's module graph is not needed here
    const { offlineState } = await import('../daemon/offline.js')
    return await offlineState(loaded.config)
  } catch (err) {
    throw fatal(doingOf(err, 'opening datastore'), err)
  }
}

async function initCommand (ctx: Context, io: ServiceIO, state: ServiceState, env: Record<string, string | undefined>): Promise<void> {
  const consensus = ctx.string('consensus')
  if (consensus !== 'crdt' && consensus !== 'raft') {
    throw new ExitError("error choosing consensus: flag value must be set to 'raft' or 'crdt'", 1)
  }
  const datastore = ctx.string('datastore')
  if (!['leveldb', 'badger', 'badger3', 'pebble'].includes(datastore)) {
    throw new ExitError("error choosing datastore: flag value must be set to 'leveldb', 'badger', 'badger3' or 'pebble'", 1)
  }
  const folder = state.folder
  const configPath = join(folder, 'service.json')
  const hadConfig = await exists(configPath)
  const hadIdentity = await exists(join(folder, 'identity.json'))
  let lock: ExecutionLock | undefined
  if (hadConfig || hadIdentity) {
    try {
      lock = await acquireLock(folder)
    } catch (err) {
      throw fatal('obtaining execution lock', err)
    }
  }
  try {
    if (hadConfig && !ctx.bool('force')) {
      if (!await yesNo(io, 'The configuration file will be overwritten. Continue? [y/n]:')) return
    }

    // the IPFS connector
    let connector = ctx.string('ipfs-connector')
    const apiFlag = ctx.string('ipfs-api')
    const initEnv = { ...env }
    if (apiFlag !== '') {
      try {
        parseMultiaddr(apiFlag)
      } catch (err) {
        throw new ExitError(`error parsing --ipfs-api multiaddress ${JSON.stringify(apiFlag)}: ${(err as Error).message}`, 1)
      }
      initEnv.CLUSTER_IPFSHTTP_NODEMULTIADDRESS = apiFlag
      if (initEnv.CLUSTER_IPFSPROXY_NODEMULTIADDRESS == null) initEnv.CLUSTER_IPFSPROXY_NODEMULTIADDRESS = apiFlag
    }
    const explicitApi = apiFlag !== '' || (env.CLUSTER_IPFSHTTP_NODEMULTIADDRESS ?? '') !== '' || (env.IPFS_API ?? '') !== ''
    if (connector !== '' && connector !== 'ipfshttp' && connector !== 'embedded') {
      throw new ExitError(`error choosing IPFS connector: flag value must be set to 'ipfshttp' or 'embedded' (got ${JSON.stringify(connector)})`, 1)
    }
    let reason: string
    let found: string | undefined
    if (connector !== '') {
      reason = 'chosen with --ipfs-connector'
    } else if (explicitApi) {
      connector = 'ipfshttp'
      reason = `Kubo RPC API address given: ${apiFlag !== '' ? apiFlag : (env.CLUSTER_IPFSHTTP_NODEMULTIADDRESS ?? env.IPFS_API ?? '')}`
    } else if ((found = await firstAnswering(await kuboCandidates(env))) != null) {
      connector = 'ipfshttp'
      reason = `a Kubo RPC API answers at ${found}`
      if (found !== DEFAULT_KUBO_API) {
        initEnv.CLUSTER_IPFSHTTP_NODEMULTIADDRESS = found
        if (initEnv.CLUSTER_IPFSPROXY_NODEMULTIADDRESS == null) initEnv.CLUSTER_IPFSPROXY_NODEMULTIADDRESS = found
      }
    } else {
      connector = 'embedded'
      reason = `no Kubo RPC API answered at ${DEFAULT_KUBO_API}; use --ipfs-api or CLUSTER_IPFSHTTP_NODEMULTIADDRESS to use one`
    }

    let customSecret: string | undefined
    const sourceUrl = ctx.args[0]
    if (ctx.bool('custom-secret') && (sourceUrl == null || sourceUrl === '')) {
      io.stdout.write('Enter cluster secret (32-byte hex string): ')
      customSecret = (await readLine(io.stdin ?? process.stdin)).trim()
    }

    let result
    try {
      result = await initPeerFolder({
        folder,
        consensus,
        datastore,
        connector,
        randomPorts: ctx.bool('randomports'),
        customSecret,
        peers: ctx.string('peers'),
        sourceUrl,
        env: initEnv
      })
    } catch (err) {
      throw fatal(doingOf(err, 'generating default configuration'), err)
    }
    for (const m of result.messages) io.stderr.write(m + '\n')
    if (sourceUrl == null || sourceUrl === '') {
      io.stderr.write(`IPFS connector: ${connector} (${reason}).\n`)
    }
  } finally {
    await lock?.release()
  }
}

async function daemonCommand (
  ctx: Context,
  io: ServiceIO,
  state: ServiceState,
  _env: Record<string, string | undefined>,
  withLock: <T>(fn: () => Promise<T>) => Promise<T>,
  load: () => Promise<LoadedConfig>,
  log: ReturnType<ConfigurableLogger['forComponent']>
): Promise<void> {
  const clusterLog = state.logger.forComponent('cluster')
  clusterLog.info('Initializing. For verbose output run with "-l debug". Please wait...')
  // loaded here: libp2p is heavy, and the other commands do not need it
  const { peerIdOfMultiaddr, normalizePeerAddr } = await import('../host/index.js')
  const bootstrap: string[] = []
  for (const raw of ctx.string('bootstrap').split(',')) {
    const addr = raw.trim()
    if (addr === '') continue
    try {
      parseMultiaddr(addr)
      if (peerIdOfMultiaddr(addr) == null) throw new Error('no /p2p/ (or /ipfs/) peer ID in the address')
    } catch (err) {
      throw new ExitError(`error error parsing bootstrap multiaddress (${addr}): ${(err as Error).message}`, 1)
    }
    bootstrap.push(normalizePeerAddr(addr))
  }

  await withLock(async () => {
    const loaded = await load()
    const { config } = loaded
    if (ctx.bool('leave')) config.cluster.leaveOnShutdown = true
    if (ctx.bool('stats')) config.observations.metrics.enableStats = true
    if (ctx.bool('tracing')) config.observations.tracing.enableTracing = true
    const crdt = config.consensus.crdt
    if (crdt != null && bootstrap.length > 0 && !ctx.bool('no-trust')) {
      for (const addr of bootstrap) {
        const id = peerIdOfMultiaddr(addr)
        if (id != null && !crdt.trustedPeers.includes(id)) crdt.trustedPeers.push(id)
      }
    }

    // signals are handled from the start: one that arrives while the peer
    // starts shuts it down as soon as it is up
    let signals = 0
    let stopRequested: ((signal: string) => void) | undefined
    const stopWanted = new Promise<string>((resolvePromise) => { stopRequested = resolvePromise })
    const unregister = (io.onSignal ?? onShutdownSignals)((signal: string) => {
      signals++
      if (signals === 1) {
        log.info(`received ${signal}: shutting down`)
        stopRequested?.(signal)
      } else if (signals === 2) {
        io.stderr.write('\n\n' + '!'.repeat(73) + '\nShutdown is taking too long! Press Ctrl-c again to manually kill cluster.\nNote that this may corrupt the local cluster state.\n' + '!'.repeat(73) + '\n\n\n')
      } else {
        io.stderr.write('exiting cluster NOW\n')
        ;(io.exit ?? process.exit)(1)
      }
    })
    try {
      let peer
      try {
        const { startPeer } = await import('../daemon/peer.js')
        peer = await startPeer({ config, identity: loaded.identity, present: loaded.present, logger: state.logger })
      } catch (err) {
        throw fatal(doingOf(err, 'starting cluster'), err)
      }
      if (bootstrap.length > 0 && signals === 0) {
        void peer.bootstrap(bootstrap)
      }
      await stopWanted
      try {
        await peer.stop()
      } catch (err) {
        throw new ExitError(`error shutting down cluster: ${(err as Error).message}`, 1)
      }
    } finally {
      unregister()
    }
  })
}

export { CLUSTER_FACILITIES }


if (isMainModule(PROGRAM_NAME, import.meta.url)) {
  tuneDaemonRuntime()
  const code = await runService(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env })
  process.exitCode = code
  // do not wait for lingering sockets or timers
  setTimeout(() => process.exit(code), 100).unref()
}
