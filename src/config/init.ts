/**
 * `ipfs-cluster-service init` as a library function (spec §2.4 steps
 * 5–13). The CLI does the prompting, locking and printing: this returns
 * what was written and throws ConfigErrors carrying the reference `doing`.
 */
import { hostname } from 'node:os'
import { join, resolve } from 'node:path'
import { ensureFolder, writeFile0600 } from './files.js'
import { applyIdentityEnv, generateIdentity, saveIdentity } from './identity.js'
import { applyEnvToSet, configError, effectiveEnv, serialiseStates, splitPeerList } from './manager.js'
import { parseMultiaddr, splitP2pAddr } from './multiaddr.js'
import { addrInfosFromP2pAddrs, peerstoreLines, writePeerstore } from './peerstore.js'
import { randomizePorts } from './random-ports.js'
import { defaultState } from './schema.js'
import { parseSecret } from './secret.js'
import { exists } from '../utils/fs.js'
import {
  ALL_SECTIONS, CONNECTOR_NAMES, CONSENSUS_NAMES, DATASTORE_NAMES, sectionKey
} from './sections/index.js'
import type { ConfigSet } from './manager.js'
import type { Env, SectionDef, SectionState } from './schema.js'
import type { ConnectorName, ConsensusName, DatastoreName } from './sections/index.js'
import type { Identity } from './types.js'

export interface DefaultConfigOptions {
  /** `crdt` (default) or `raft`. */
  consensus?: string
  /** `pebble` (default), `badger`, `badger3`, `leveldb`; ignored for raft. */
  datastore?: string
  /** Which connector section is written: `ipfshttp` (default, the reference) or `embedded`. */
  connector?: string
  /** Default: the OS hostname. */
  peername?: string
  /** Hex secret; default: 32 new random bytes. */
  secret?: string
}

function checkChoices (opts: DefaultConfigOptions): { consensus: ConsensusName, datastore: DatastoreName, connector: ConnectorName } {
  const consensus = opts.consensus ?? 'crdt'
  if (!(CONSENSUS_NAMES as readonly string[]).includes(consensus)) {
    throw configError(`flag value must be set to 'raft' or 'crdt' (got ${JSON.stringify(consensus)})`, 'choosing consensus')
  }
  const datastore = opts.datastore ?? 'pebble'
  if (!(DATASTORE_NAMES as readonly string[]).includes(datastore)) {
    throw configError(`flag value must be set to 'leveldb', 'badger', 'badger3' or 'pebble' (got ${JSON.stringify(datastore)})`, 'choosing datastore')
  }
  const connector = opts.connector ?? 'ipfshttp'
  if (!(CONNECTOR_NAMES as readonly string[]).includes(connector)) {
    throw configError(`connector must be 'ipfshttp' or 'embedded' (got ${JSON.stringify(connector)})`, 'choosing connector')
  }
  return { consensus: consensus as ConsensusName, datastore: datastore as DatastoreName, connector: connector as ConnectorName }
}

/** The sections `init` registers for the given choices (step 2). */
export function initSections (opts: DefaultConfigOptions = {}): SectionDef[] {
  const { consensus, datastore, connector } = checkChoices(opts)
  return ALL_SECTIONS.filter((d) => {
    switch (d.section) {
      case 'consensus': return d.name === consensus
      case 'datastore': return consensus === 'crdt' && d.name === datastore
      case 'ipfs_connector': return d.name === connector
      default: return true
    }
  })
}

/** The default configuration set of `init` (step 6). */
export function defaultConfigSet (opts: DefaultConfigOptions = {}, baseDir = process.cwd()): ConfigSet {
  const set: ConfigSet = { states: new Map(), present: new Set(), baseDir }
  for (const def of initSections(opts)) {
    const state = defaultState(def)
    set.states.set(sectionKey(def), state)
    set.present.add(sectionKey(def))
  }
  const cluster = set.states.get('cluster') as SectionState
  cluster.values.peername = opts.peername ?? hostname()
  if (opts.secret != null) {
    try {
      cluster.values.secret = parseSecret(opts.secret)
    } catch (err) {
      throw configError((err as Error).message, 'parsing user-provided secret')
    }
  }
  return set
}

/**
 * The default service.json text (`ipfs-cluster-service init` without env
 * or flags): crdt + pebble by default, 2-space indentation, no trailing
 * newline.
 */
export function defaultServiceJSON (opts: DefaultConfigOptions = {}): string {
  return serialiseStates([...defaultConfigSet(opts).states.values()])
}

/** Listen addresses `--randomports` rewrites: [section key, field]. */
const RANDOM_PORT_FIELDS: Array<[string, string]> = [
  ['cluster', 'listen_multiaddress'],
  ['api.restapi', 'http_listen_multiaddress'],
  ['api.ipfsproxy', 'listen_multiaddress'],
  ['api.pinsvcapi', 'http_listen_multiaddress'],
  ['ipfs_connector.embedded', 'listen_multiaddress']
]

async function applyRandomPorts (set: ConfigSet): Promise<void> {
  for (const [key, field] of RANDOM_PORT_FIELDS) {
    const state = set.states.get(key)
    if (state == null) continue
    const addrs = state.values[field] as string[]
    const out: string[] = []
    for (const a of addrs) out.push(await randomizePorts(a))
    state.values[field] = out
  }
}

export interface InitPeerFolderOptions extends Omit<DefaultConfigOptions, 'secret'> {
  /** The config folder (made absolute). */
  folder: string
  /** `--randomports`. */
  randomPorts?: boolean
  /** The secret typed at the `--custom-secret` prompt (hex). */
  customSecret?: string
  /** `--peers` (comma-separated string or list); `CLUSTER_PEERS` is used when not given. */
  peers?: string | string[]
  /** The `init <http-source-url>` argument: service.json then only holds `{"source": <url>}`. */
  sourceUrl?: string
  /** Default `process.env`. */
  env?: Env
}

export interface InitPeerFolderResult {
  folder: string
  configPath: string
  identityPath: string
  peerstorePath: string
  /** True when a new identity was generated (identity.json did not exist). */
  identityCreated: boolean
  /** The new identity, when one was created. */
  identity?: Identity
  /** Number of `--peers` addresses (the N of the peerstore message). */
  peerstoreEntries: number
  /** The peerstore lines written. */
  peerstoreLines: string[]
  /** The reference stderr lines, in order, for the CLI to print. */
  messages: string[]
}

function wrap (doing: string, err: unknown): Error {
  if ((err as { doing?: string })?.doing != null) return err as Error
  return configError((err as Error).message, doing, err)
}

/**
 * Creates a peer folder: service.json (defaults, `--randomports`, env,
 * custom secret, `--peers`), identity.json if absent, and the peerstore.
 */
export async function initPeerFolder (opts: InitPeerFolderOptions): Promise<InitPeerFolderResult> {
  const folder = resolve(opts.folder)
  const env = opts.env ?? process.env
  const configPath = join(folder, 'service.json')
  const identityPath = join(folder, 'identity.json')
  const identityExisted = await exists(identityPath)

  // 6. defaults (new random secret)
  const set = defaultConfigSet({ consensus: opts.consensus, datastore: opts.datastore, connector: opts.connector, peername: opts.peername }, folder)
  const ctx = { baseDir: folder, warn: () => {} }

  // 7. --randomports
  if (opts.randomPorts === true) {
    try {
      await applyRandomPorts(set)
    } catch (err) {
      throw wrap('randomizing ports', err)
    }
  }

  // 8. environment, baked into the file
  try {
    applyEnvToSet(set, effectiveEnv(env), ctx)
  } catch (err) {
    throw wrap('applying environment variables to configuration', err)
  }

  // 9. --custom-secret
  const cluster = set.states.get('cluster') as SectionState
  if (opts.customSecret != null && (opts.sourceUrl == null || opts.sourceUrl === '')) {
    try {
      cluster.values.secret = parseSecret(opts.customSecret.trim())
    } catch (err) {
      throw wrap('parsing user-provided secret', err)
    }
  }

  // 10. --peers (or CLUSTER_PEERS)
  const peerAddrs = splitPeerList(opts.peers != null && splitPeerList(opts.peers).length > 0 ? opts.peers : env.CLUSTER_PEERS)
  if (peerAddrs.length > 0) {
    const ids: string[] = []
    for (const a of peerAddrs) {
      try {
        parseMultiaddr(a)
      } catch (err) {
        throw configError((err as Error).message, `parsing peer multiaddress: ${a}`, err)
      }
      const { id } = splitP2pAddr(a)
      if (id != null && !ids.includes(id)) ids.push(id)
    }
    const crdt = set.states.get('consensus.crdt')
    if (crdt != null) crdt.values.trusted_peers = [...ids]
    const raft = set.states.get('consensus.raft')
    if (raft != null) raft.values.init_peerset = [...ids]
  }

  // 11. service.json
  const messages: string[] = []
  try {
    await ensureFolder(folder)
    await writeFile0600(configPath, serialiseStates([...set.states.values()], { source: opts.sourceUrl }))
  } catch (err) {
    throw wrap('saving default configuration', err)
  }
  messages.push(`configuration written to ${configPath}.`)

  // 12. identity.json, only if it did not exist
  let identity: Identity | undefined
  if (!identityExisted) {
    try {
      identity = await generateIdentity()
    } catch (err) {
      throw wrap('generating an identity', err)
    }
    try {
      identity = applyIdentityEnv(identity, env)
    } catch (err) {
      throw wrap('applying environment variables to the identity', err)
    }
    try {
      await saveIdentity(identityPath, identity)
    } catch (err) {
      throw wrap('saving identity.json', err)
    }
    messages.push(`new identity written to ${identityPath}`)
  }

  // 13. peerstore
  const peerstoreFile = cluster.values.peerstore_file as string
  const peerstorePath = join(folder, peerstoreFile === '' ? 'peerstore' : peerstoreFile)
  let lines: string[]
  try {
    lines = peerstoreLines(addrInfosFromP2pAddrs(peerAddrs))
  } catch (err) {
    throw wrap('getting AddrInfos from peer multiaddresses', err)
  }
  try {
    await writePeerstore(peerstorePath, lines)
  } catch (err) {
    throw wrap('saving peers to peerstore', err)
  }
  messages.push(peerAddrs.length > 0
    ? `peerstore written to ${peerstorePath} with ${peerAddrs.length} entries.`
    : `new empty peerstore written to ${peerstorePath}.`)

  const result: InitPeerFolderResult = {
    folder,
    configPath,
    identityPath,
    peerstorePath,
    identityCreated: !identityExisted,
    peerstoreEntries: peerAddrs.length,
    peerstoreLines: lines,
    messages
  }
  if (identity != null) result.identity = identity
  return result
}
