/**
 * In-process cluster peers for multi-peer tests: each peer is a real
 * `startPeer` (libp2p host on 127.0.0.1, RPC, CRDT over gossipsub + bitswap,
 * monitor, allocator, REST API) with an embedded IPFS node and a LevelDB
 * datastore in its own temporary folder. Intervals are short so that the
 * tests wait on conditions for a few seconds at most.
 */
import '../../src/polyfill.js'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { applyClusterPeersEnv, buildPeerConfig, defaultConfigSet, generateIdentity } from '../../src/config/index.js'
import { createLogger, parseLogLevels } from '../../src/logging/index.js'
import { startPeer } from '../../src/daemon/peer.js'
import type { Identity, PeerConfig } from '../../src/config/types.js'
import type { RunningPeer } from '../../src/daemon/peer.js'
import type { LogLevels } from '../../src/logging/index.js'

export interface TestPeerOptions {
  /** Peer name (default `peer<n>`). */
  name?: string
  /** Hex cluster secret shared by the cluster ('' = no private network). */
  secret: string
  /** Reuse a folder (restart); default: a new temporary folder. */
  folder?: string
  identity?: Identity
  /** Changes to the config before start. */
  configure?: (config: PeerConfig) => void
  /** Log levels (default: info everywhere). */
  levels?: LogLevels
  /** Also echo log lines to stderr (debugging). */
  echo?: boolean
  /** A `CLUSTER_PEERS` value applied as at load time (peer_addresses + trusted_peers). */
  clusterPeers?: string
}

export interface TestPeer {
  name: string
  folder: string
  identity: Identity
  config: PeerConfig
  peer: RunningPeer
  /** Every log line of this peer. */
  lines: string[]
  /** `http://127.0.0.1:<port>` of the REST API. */
  restURL: string
  /** The cluster host address with `/p2p/<id>`. */
  address: string
  stop: () => Promise<void>
}

/** A 32-byte hex secret. */
export function newSecret (): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex')
}

/** Builds the typed config of a test peer (embedded IPFS, leveldb, short intervals). */
export function testPeerConfig (folder: string, name: string, secret: string, clusterPeers?: string): { config: PeerConfig, present: Set<string> } {
  const set = defaultConfigSet({ connector: 'embedded', datastore: 'leveldb', peername: name, secret }, folder)
  if (clusterPeers != null) applyClusterPeersEnv(set, { CLUSTER_PEERS: clusterPeers })
  const config = buildPeerConfig(set)
  const c = config.cluster
  c.listenMultiaddress = ['/ip4/127.0.0.1/tcp/0']
  c.announceMultiaddress = []
  c.mdnsInterval = 0
  c.monitorPingInterval = 400
  c.peerWatchInterval = 1000
  c.stateSyncInterval = 2000
  c.pinRecoverInterval = 60_000
  c.dialPeerTimeout = 3000
  c.pubsub.heartbeatInterval = 100
  c.disableRepinning = true
  const crdt = config.consensus.crdt
  if (crdt == null) throw new Error('no crdt section')
  crdt.rebroadcastInterval = 1000
  crdt.repairInterval = 60_000
  config.monitor.pubsubmon.checkInterval = 250
  const rest = config.api.restapi
  if (rest != null) rest.httpListenMultiaddress = ['/ip4/127.0.0.1/tcp/0']
  const pinsvc = config.api.pinsvcapi
  if (pinsvc != null) pinsvc.httpListenMultiaddress = ['/ip4/127.0.0.1/tcp/0']
  const proxy = config.api.ipfsproxy
  if (proxy != null) proxy.listenMultiaddress = ['/ip4/127.0.0.1/tcp/0']
  const emb = config.ipfsConnector.embedded
  if (emb == null) throw new Error('no embedded section')
  emb.listenMultiaddress = ['/ip4/127.0.0.1/tcp/0']
  emb.announceMultiaddress = []
  emb.connectSwarmsDelay = 1000
  if (config.informer.disk != null) config.informer.disk.metricTTL = 2000
  if (config.informer.tags != null) config.informer.tags.metricTTL = 2000
  if (config.informer.pinqueue != null) config.informer.pinqueue.metricTTL = 2000
  return { config, present: set.present }
}

let counter = 0

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort (): Promise<number> {
  const { createServer } = await import('node:net')
  return await new Promise((resolve, reject) => {
    const srv = createServer()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => { resolve(port) })
    })
  })
}

/** Starts one peer; call `stop()` (or `stopAll`) when done. */
export async function startTestPeer (opts: TestPeerOptions): Promise<TestPeer> {
  const name = opts.name ?? `peer${counter++}`
  const folder = opts.folder ?? await mkdtemp(join(tmpdir(), `cluster-${name}-`))
  const identity = opts.identity ?? await generateIdentity()
  const { config, present } = testPeerConfig(folder, name, opts.secret, opts.clusterPeers)
  opts.configure?.(config)
  const lines: string[] = []
  const logger = createLogger({
    levels: opts.levels ?? parseLogLevels('info'),
    prefix: `${name} `,
    sink: (l) => {
      lines.push(l)
      if (opts.echo === true) process.stderr.write(l + '\n')
    }
  })
  const peer = await startPeer({ config, identity, present, logger })
  const rest = peer.apiAddresses().restapi?.[0] ?? ''
  const m = /\/ip4\/([^/]+)\/tcp\/(\d+)/.exec(rest)
  let stopped = false
  return {
    name,
    folder,
    identity,
    config,
    peer,
    lines,
    restURL: m != null ? `http://${m[1]}:${m[2]}` : '',
    address: peer.addresses()[0],
    stop: async () => {
      if (stopped) return
      stopped = true
      await peer.stop()
    }
  }
}

/**
 * Stops peers and removes their folders. With `TEST_PEER_LOGS=<dir>`, each
 * peer's log is written there first (debugging).
 */
export async function cleanupPeers (peers: TestPeer[]): Promise<void> {
  await Promise.all(peers.map(async (p) => { await p.stop().catch(() => {}) }))
  const dir = process.env.TEST_PEER_LOGS
  if (dir != null && dir !== '') {
    await mkdir(dir, { recursive: true })
    for (const p of peers) {
      await writeFile(join(dir, `${p.name}-${p.peer.peerId.slice(-6)}.log`), p.lines.join('\n') + '\n')
    }
  }
  await Promise.all(peers.map(async (p) => { await rm(p.folder, { recursive: true, force: true }) }))
}

/**
 * Log lines at ERROR level, but those matching `allowed` (errors a test
 * provokes on purpose, like the REST API's `sending error response` lines).
 */
export function errorLines (peers: TestPeer[], allowed: RegExp[] = []): string[] {
  return peers.flatMap((p) => p.lines.filter((l) => l.includes('\tERROR\t') && !allowed.some((re) => re.test(l))))
}
