/**
 * `ipfs-cluster-follow`: runs follower peers of collaborative clusters
 * (CLI spec §7). A follower has a configuration fetched from a `source` URL,
 * runs in follower mode (no writes to the pinset, local status only), and
 * serves its REST API on a unix socket in its folder.
 *
 * ```
 * ipfs-cluster-follow [--config FOLDER] <clusterName> [info | init <url> | run [--init <url>] | list]
 * ```
 */
import '../polyfill.js'
import { mkdir, readdir } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { VERSION, cidToString } from '../api/index.js'
import { createClient } from '../client/index.js'
import { applyIdentityEnv, defaultConfigSet, buildPeerConfig, generateIdentity, loadConfig, saveIdentity, serialiseStates } from '../config/index.js'
import { writeFile0600 } from '../config/files.js'
import { acquireLock } from '../daemon/lock.js'
import { createLogger } from '../logging/index.js'
import { exists } from '../utils/fs.js'
import { isMainModule, onShutdownSignals, tuneDaemonRuntime } from './process.js'
import type { Writer } from '../cli/index.js'
import type { LoadedConfig } from '../config/index.js'

export const PROGRAM_NAME = 'ipfs-cluster-follow'

export interface FollowIO {
  stdout: Writer
  stderr: Writer
  env?: Record<string, string | undefined>
  onSignal?: (handler: (signal: string) => void) => () => void
}

const HELP = `NAME:
   ${PROGRAM_NAME} - Follow IPFS Clusters

USAGE:
   ${PROGRAM_NAME} [global options] <clusterName> [subcommand] [options]

VERSION:
   ${VERSION}

DESCRIPTION:
   ${PROGRAM_NAME} runs follower peers of collaborative clusters: peers that
   replicate a cluster's pinset and cannot modify it. Each cluster has a folder
   in the config folder (default: $HOME/.ipfs-cluster-follow/<clusterName>)
   holding an identity and a configuration fetched from a URL.

   $ ${PROGRAM_NAME} myCluster init <config url>
   $ ${PROGRAM_NAME} myCluster run
   $ ${PROGRAM_NAME} myCluster list

SUBCOMMANDS:
   info        Provides information about the configuration of a follower peer
   init <url>  Initializes the follower peer configuration (identity + source URL)
   run         Runs the follower peer (--init <url> initialises it first)
   list        Lists the items of the pinset and their status on this peer

GLOBAL OPTIONS:
   --config value  path to the followers configuration and data FOLDER (default: "$HOME/.ipfs-cluster-follow") [$IPFS_CLUSTER_PATH]
   --help, -h      show help
   --version, -v   print the version
`

class FollowExit extends Error {
  constructor (message: string, readonly code: number) {
    super(message)
    this.name = 'FollowExit'
  }
}

/** Folder, socket and config paths of one follower. */
function paths (configFolder: string, name: string): { folder: string, service: string, identity: string, socket: string } {
  const folder = join(configFolder, name)
  return { folder, service: join(folder, 'service.json'), identity: join(folder, 'identity.json'), socket: join(folder, 'api-socket') }
}

/** The REST API address of a follower: its unix socket, or CLUSTER_RESTAPI_HTTPLISTENMULTIADDRESS. */
function apiAddress (folder: string, env: Record<string, string | undefined>): string {
  const fromEnv = env.CLUSTER_RESTAPI_HTTPLISTENMULTIADDRESS
  if (fromEnv != null && fromEnv !== '') return fromEnv
  return `/unix${join(folder, 'api-socket')}`
}

function notInitialised (name: string): FollowExit {
  return new FollowExit(`\nThis cluster peer has not been initialized.\n\nTry running "${PROGRAM_NAME} ${name} init <config-url>" first.\n`, 1)
}

export async function runFollow (argv: string[], io: FollowIO): Promise<number> {
  const env = io.env ?? process.env
  const out = (s: string): void => { io.stdout.write(s) }
  let configFolder = env.IPFS_CLUSTER_PATH != null && env.IPFS_CLUSTER_PATH !== '' ? env.IPFS_CLUSTER_PATH : join(env.HOME ?? homedir(), '.ipfs-cluster-follow')
  const args = [...argv]
  try {
    // global options
    while (args.length > 0 && args[0].startsWith('-')) {
      const a = args.shift() as string
      if (a === '--help' || a === '-h') { out(HELP); return 0 }
      if (a === '--version' || a === '-v') { out(`${PROGRAM_NAME} version ${VERSION}\n`); return 0 }
      if (a === '--config' || a === '-config') {
        const v = args.shift()
        if (v == null) throw new FollowExit('Incorrect Usage: flag needs an argument: -config\n', 1)
        configFolder = v
      } else if (a.startsWith('--config=') || a.startsWith('-config=')) {
        configFolder = a.slice(a.indexOf('=') + 1)
      } else {
        throw new FollowExit(`Incorrect Usage: flag provided but not defined: ${a}\n`, 1)
      }
    }
    configFolder = resolve(configFolder)
    const name = args.shift()
    if (name == null) {
      await listClusters(configFolder, out)
      return 0
    }
    if (name === 'help' || name === 'h') { out(HELP); return 0 }
    const sub = args.shift()
    switch (sub) {
      case undefined:
        await info(configFolder, name, env, out)
        out(`Additional help:\n\n-------------------------------------------------\n\n${HELP}`)
        return 0
      case 'info':
        await info(configFolder, name, env, out)
        return 0
      case 'init': {
        const { url } = parseSubFlags(args, ['gateway'])
        await init(configFolder, name, url, env, out, false)
        return 0
      }
      case 'run': {
        const flags = parseSubFlags(args, ['init', 'gateway'])
        if (flags.values.init != null) {
          await init(configFolder, name, flags.values.init, env, out, true)
        }
        return await run(configFolder, name, env, io)
      }
      case 'list':
        await list(configFolder, name, env, out)
        return 0
      default:
        io.stderr.write(`No help topic for '${sub}'\n`)
        return 3
    }
  } catch (err) {
    if (err instanceof FollowExit) {
      io.stderr.write(err.message)
      return err.code
    }
    io.stderr.write(`${(err as Error).message}\n`)
    return 1
  }
}

function parseSubFlags (args: string[], known: string[]): { url?: string, values: Record<string, string> } {
  const values: Record<string, string> = {}
  const positional: string[] = []
  while (args.length > 0) {
    const a = args.shift() as string
    const m = /^--?([a-z-]+)(?:=(.*))?$/.exec(a)
    if (m == null) { positional.push(a); continue }
    if (!known.includes(m[1])) throw new FollowExit(`Incorrect Usage: flag provided but not defined: -${m[1]}\n`, 1)
    const v = m[2] ?? args.shift()
    if (v == null) throw new FollowExit(`Incorrect Usage: flag needs an argument: -${m[1]}\n`, 1)
    values[m[1]] = v
  }
  return { url: positional[0], values }
}

async function listClusters (configFolder: string, out: (s: string) => void): Promise<void> {
  const names: string[] = []
  try {
    for (const e of await readdir(configFolder, { withFileTypes: true })) {
      if (e.isDirectory() && await exists(join(configFolder, e.name, 'service.json'))) names.push(e.name)
    }
  } catch {}
  if (names.length === 0) {
    out(`No clusters configured yet!\n\nIf this is the first time you are running ${PROGRAM_NAME},\nbe sure to check out the usage documentation. Here are some\nexamples to get you going:\n\n$ ${PROGRAM_NAME} --help                     - general description and usage help\n$ ${PROGRAM_NAME} <clusterName> --help       - Help and subcommands for the <clusterName>'s follower peer\n$ ${PROGRAM_NAME} <clusterName> info --help  - Help for the "info" subcommand (same for others).\n`)
    return
  }
  out(`Configurations found for ${names.length} follower peers. For info and help, try running:\n\n`)
  for (const n of names.sort()) out(`${PROGRAM_NAME} "${n}"\n`)
  out(`\nTip: "${PROGRAM_NAME} --help" for help and examples.\n`)
}

async function init (configFolder: string, name: string, url: string | undefined, env: Record<string, string | undefined>, out: (s: string) => void, fromRun: boolean): Promise<void> {
  const p = paths(configFolder, name)
  if (await exists(p.folder)) {
    if (fromRun) {
      out(`Configuration for this cluster already exists. Skipping initialization.\nIf you wish to re-initialize, simply delete ${p.folder}\n\n`)
      return
    }
    throw new FollowExit(`Configuration for this cluster already exists.\nPlease delete ${p.folder} if you wish to re-initialize.\n`, 1)
  }
  if (url == null || url === '') throw new FollowExit('configuration URL not provided\n', 1)
  if (!url.startsWith('http://') && !url.startsWith('https://')) {
    const gateway = env.IPFS_GATEWAY ?? '127.0.0.1:8080'
    const rewritten = `${gateway.includes('://') ? gateway : `http://${gateway}`}/ipns/${url}`
    out(`${url} will be assumed to be an DNSLink-powered address: ${rewritten}.\nIt will be resolved using the local IPFS daemon's gateway (${gateway}).\nIf this is not the case, specify the full url starting with http:// or https://.\n(You can override the gateway URL by setting IPFS_GATEWAY)\n\n`)
    url = rewritten
  }
  await mkdir(p.folder, { recursive: true, mode: 0o700 })
  const identity = applyIdentityEnv(await generateIdentity(), env)
  await saveIdentity(p.identity, identity)
  out(`Identity written to ${p.identity}.\n`)
  await writeFile0600(p.service, serialiseStates([], { source: url }))
  out(`Configuration written to ${p.service}.\n`)
  out(`Cluster "${name}" follower peer initialized.\n\nYou can now use "${PROGRAM_NAME} ${name} run" to start a follower peer for this cluster.\n(Remember to start your IPFS daemon before)\n`)
}

async function info (configFolder: string, name: string, env: Record<string, string | undefined>, out: (s: string) => void): Promise<void> {
  const p = paths(configFolder, name)
  if (!await exists(p.service)) throw notInitialised(name)
  out(`Information about follower peer for Cluster "${name}":\n\n`)
  out(`Config folder: ${p.folder}\n`)
  let loaded: LoadedConfig | undefined
  try {
    loaded = await loadConfig({ folder: p.folder, env, logger: silent() })
    out(`Config source URL: Available (${loaded.source ?? ''})\n`)
  } catch {
    out('Config source URL: failed retrieving configuration source\n')
  }
  const client = createClient({ hosts: [apiAddress(p.folder, env)], timeout: 5000 })
  let online = false
  try {
    await client.version()
    online = true
  } catch {}
  client.close()
  out(`Cluster Peer online: ${online}\n`)
  let ipfsOnline = false
  if (loaded != null && online) {
    try {
      const id = await createClient({ hosts: [apiAddress(p.folder, env)], timeout: 5000 }).id()
      ipfsOnline = (id.ipfs.error ?? '') === '' && (id.ipfs.id ?? '') !== ''
    } catch {}
  }
  out(`IPFS peer online: ${ipfsOnline}\n`)
}

function silent (): ReturnType<typeof createLogger> {
  return createLogger({ sink: () => {}, levels: { default: 'fatal', facilities: new Map() } })
}

async function run (configFolder: string, name: string, env: Record<string, string | undefined>, io: FollowIO): Promise<number> {
  const p = paths(configFolder, name)
  if (!await exists(p.service)) throw notInitialised(name)
  io.stdout.write(`Starting the IPFS Cluster follower peer for "${name}".\nCTRL-C to stop it.\n`)
  const logger = createLogger({
    sink: (line) => { io.stderr.write(line + '\n') },
    levels: { default: 'info', facilities: new Map([['restapilog', 'error']]) }
  })
  const lock = await acquireLock(p.folder).catch((err: Error) => { throw new FollowExit(`error obtaining execution lock: ${err.message}\n`, 1) })
  try {
    const loaded = await loadConfig({ folder: p.folder, env, logger })
    const { config, present } = loaded
    if (config.consensus.crdt == null) throw new FollowExit('follower peers need a crdt configuration\n', 1)
    config.cluster.followerMode = true
    config.observations.metrics.enableStats = false
    config.observations.tracing.enableTracing = false
    // the REST API listens on the folder's unix socket (or the env address)
    const defaults = buildPeerConfig(defaultConfigSet({}, p.folder))
    const rest = defaults.api.restapi
    if (rest == null) throw new Error('no default REST API configuration')
    rest.httpListenMultiaddress = [apiAddress(p.folder, env)]
    config.api = { restapi: rest }
    for (const k of ['api.pinsvcapi', 'api.ipfsproxy']) present.delete(k)
    present.add('api.restapi')
    const { startPeer } = await import('../daemon/peer.js')
    const peer = await startPeer({ config, identity: loaded.identity, present, logger })
    await new Promise<void>((resolvePromise) => {
      const register = io.onSignal ?? onShutdownSignals
      const unregister = register(() => {
        unregister()
        peer.stop().then(() => { resolvePromise() }, () => { resolvePromise() })
      })
    })
    return 0
  } finally {
    await lock.release()
  }
}

async function list (configFolder: string, name: string, env: Record<string, string | undefined>, out: (s: string) => void): Promise<void> {
  const p = paths(configFolder, name)
  if (!await exists(p.service)) throw notInitialised(name)
  const client = createClient({ hosts: [apiAddress(p.folder, env)] })
  try {
    for await (const g of client.statusAll(0, true)) {
      for (const info of Object.values(g.peer_map)) {
        const suffix = info.error !== '' ? ` (${info.error})` : ''
        out(`${info.status.toUpperCase().padEnd(20)} ${g.cid ?? ''} ${g.name}${suffix}\n`)
      }
    }
    return
  } catch (err) {
    const e = err as { code?: number, message?: string }
    if (e.code != null && e.code !== 0) {
      throw new FollowExit(`The Peer API seems to be running but returned with code ${e.code}: ${e.message ?? ''}\n`, 1)
    }
  } finally {
    client.close()
  }
  // offline: read the pinset from the datastore
  const loaded = await loadConfig({ folder: p.folder, env, logger: silent() })
  const { offlineState } = await import('../daemon/offline.js')
  const st = await offlineState(loaded.config)
  try {
    for await (const pin of st.list()) {
      out(`${'offline'.padEnd(20)} ${cidToString(pin.cid)} ${pin.name}\n`)
    }
  } finally {
    await st.close()
  }
}


if (isMainModule(PROGRAM_NAME, import.meta.url)) {
  tuneDaemonRuntime()
  const code = await runFollow(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env })
  process.exitCode = code
  setTimeout(() => process.exit(code), 100).unref()
}
