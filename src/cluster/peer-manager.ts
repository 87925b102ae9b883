/**
 * Peer addresses and joining (reference §9): imports `peer_addresses` and the
 * `peerstore` file at start and dials known peers, keeps reconnecting in the
 * background, joins clusters given with `--bootstrap`, and writes the
 * peerstore file on graceful shutdown so that a restart needs no bootstrap.
 */
import { normalizePeerAddr, peerIdOfMultiaddr } from '../host/index.js'
import { repeatingTask } from '../utils/repeating-task.js'
import type { ClusterHost } from '../host/index.js'
import type { AbortOptions, ComponentLogger, Logger, Startable } from '../interfaces.js'
import type { RPC } from '../rpc/index.js'
import type { RepeatingTask } from '../utils/repeating-task.js'

/** How many known peers are dialled at start (reference: 3). */
const INITIAL_DIALS = 3
const REBOOTSTRAP_INTERVAL = 30_000

export interface PeerManagerComponents {
  host: ClusterHost & { storedAddresses(peer: string): Promise<string[]> }
  rpc: RPC
  logger: ComponentLogger
  /** Reads the peerstore file (one multiaddr per line). */
  readPeerstore: () => Promise<string[]>
  /** Writes the peerstore file. */
  writePeerstore: (addrs: string[]) => Promise<void>
  /** Called after a successful join (metrics, recover…). */
  onJoined?: (remote: string) => Promise<void>
}

export interface PeerManagerInit {
  peerAddresses: string[]
  lowWater: number
}

export class PeerManager implements Startable {
  private readonly log: Logger
  /** Peers in priority order (peer_addresses, then peerstore file order, then joined ones). */
  private readonly priority: string[] = []
  private task?: RepeatingTask

  constructor (private readonly components: PeerManagerComponents, private readonly init: PeerManagerInit) {
    this.log = components.logger.forComponent('pstoremgr')
  }

  async start (): Promise<void> {
    const { host } = this.components
    const fromConfig = this.init.peerAddresses.map(normalizePeerAddr)
    let fromFile: string[] = []
    try {
      fromFile = (await this.components.readPeerstore()).map(normalizePeerAddr)
    } catch (err) {
      this.log.warn('could not read the peerstore file: %s', (err as Error).message)
    }
    for (const addr of [...fromConfig, ...fromFile]) {
      try {
        const peer = await host.addAddress(addr, { permanent: fromConfig.includes(addr) })
        if (peer !== host.peerId && !this.priority.includes(peer)) this.priority.push(peer)
      } catch (err) {
        this.log.warn('ignoring peer address %s: %s', addr, (err as Error).message)
      }
    }
    void this.dialKnown(INITIAL_DIALS)
    this.task = repeatingTask(async () => {
      if (host.connectedPeers().length < this.init.lowWater) {
        await this.dialKnown(Infinity)
      }
    }, REBOOTSTRAP_INTERVAL)
    this.task.start()
  }

  async stop (): Promise<void> {
    await this.task?.stop()
  }

  /** Dials up to `max` known, unconnected peers in priority order. */
  private async dialKnown (max: number): Promise<void> {
    const { host } = this.components
    const connected = new Set(host.connectedPeers())
    const targets = this.priority.filter((p) => !connected.has(p)).slice(0, max)
    await Promise.all(targets.map(async (peer) => {
      try {
        await host.connect(peer)
      } catch (err) {
        this.log.debug('could not connect to %s: %s', peer, (err as Error).message)
      }
    }))
  }

  /**
   * Joins the cluster of the peer at `addr` (`/p2p/<id>` or legacy
   * `/ipfs/<id>`): connects, asks it to add us, then runs `onJoined`.
   */
  async join (addr: string, options?: AbortOptions): Promise<void> {
    const { host, rpc } = this.components
    const normalized = normalizePeerAddr(addr)
    const remote = peerIdOfMultiaddr(normalized)
    if (remote == null) {
      throw new Error(`bootstrap address ${addr} has no /p2p/ peer ID`)
    }
    if (remote === host.peerId) return
    await host.addAddress(normalized, { permanent: true })
    if (!this.priority.includes(remote)) this.priority.unshift(remote)
    try {
      await host.connect(remote, options)
    } catch (err) {
      throw new Error(`could not connect to ${normalized}: ${explainDialError(err as Error)}`)
    }
    await rpc.call(remote, 'Cluster.PeerAdd', host.peerId, options)
    await this.components.onJoined?.(remote)
    this.log.info(`${host.peerId}: joined ${remote}'s cluster`)
  }

  /** Writes every known peer with addresses (except self) to the peerstore file. */
  async savePeerstore (): Promise<void> {
    const { host } = this.components
    const peers = [...this.priority]
    for (const p of host.connectedPeers()) {
      if (!peers.includes(p)) peers.push(p)
    }
    const lines: string[] = []
    for (const peer of peers) {
      if (peer === host.peerId) continue
      const addrs = await host.storedAddresses(peer)
      const dns = addrs.filter((a) => /^\/dns(4|6|addr)?\//.test(a))
      for (const a of (dns.length > 0 ? dns : addrs)) {
        lines.push(`${a}/p2p/${peer}`)
      }
    }
    await this.components.writePeerstore(lines)
  }
}

/** Turns libp2p dial failures into advice an operator can act on. */
export function explainDialError (err: Error): string {
  const msg = err.message ?? String(err)
  if (/EncryptionFailed|handshake|ECONNRESET|Message length/i.test(`${err.name} ${msg}`)) {
    return `${msg} (check that both peers use the same cluster secret)`
  }
  if (/ECONNREFUSED/.test(msg)) {
    return `${msg} (nothing listens there: is the peer running and its cluster port 9096 reachable?)`
  }
  return msg
}
