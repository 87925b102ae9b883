/**
 * Peer addresses, joining and staying connected (reference §9).
 *
 * - At start: imports `peer_addresses` (permanent) and the `peerstore` file
 *   and dials up to 3 known peers in priority order.
 * - Joins clusters given with `--bootstrap` (`join`).
 * - Watches the peerset (every `watchInterval`): peers that enter it are
 *   reported (`onNewPeers`), and every cluster peer that is not connected
 *   is dialled, with a per-peer backoff. A peer we have no address for
 *   (it joined through another peer) is looked up in the `Cluster.ID` of
 *   connected peers (`cluster_peers_addresses`, an open RPC method): the
 *   reference finds such peers through its DHT.
 * - Writes the peerstore file on graceful shutdown so that a restart needs
 *   no bootstrap.
 */
import { connect } from 'node:net'
import { normalizePeerAddr, peerIdOfMultiaddr, stripPeerId } from '../host/index.js'
import { multiaddrToSocket } from '../utils/multiaddr.js'
import { repeatingTask } from '../utils/repeating-task.js'
import type { ClusterHost } from '../host/index.js'
import type { AbortOptions, ComponentLogger, Logger, Startable } from '../interfaces.js'
import type { RPC } from '../rpc/index.js'
import type { RepeatingTask } from '../utils/repeating-task.js'

/** How many known peers are dialled at start (reference: 3). */
const INITIAL_DIALS = 3
/** Default period of the peerset watch. */
const DEFAULT_WATCH_INTERVAL = 1000
/** First and largest delay between two dials of an unreachable peer. */
const MIN_BACKOFF = 1000
const MAX_BACKOFF = 15_000
/** Timeout of one address lookup (`Cluster.ID`) on a connected peer. */
const EXCHANGE_TIMEOUT = 5000
/** Connected peers asked for addresses per watch round. */
const EXCHANGE_FANOUT = 3
/** Least time between two address lookups for the same missing peers. */
const EXCHANGE_INTERVAL = 5000

export interface PeerManagerComponents {
  host: ClusterHost
  rpc: RPC
  logger: ComponentLogger
  /** Reads the peerstore file (one multiaddr per line). */
  readPeerstore: () => Promise<string[]>
  /** Writes the peerstore file. */
  writePeerstore: (addrs: string[]) => Promise<void>
  /** Called after a successful join (metrics, recover…). */
  onJoined?: (remote: string) => Promise<void>
  /** The current peerset (the consensus peers; self may be included). */
  peerset?: (options?: AbortOptions) => Promise<string[]>
  /** Peers that entered the peerset since the previous watch round. */
  onNewPeers?: (peers: string[]) => void
  /**
   * A known peer dialled at start answered (the reference logs a ping
   * metric for it so it is in the peerset at once).
   */
  onStartupConnect?: (peer: string) => void
}

export interface PeerManagerInit {
  peerAddresses: string[]
  /**
   * Explicitly trusted peer IDs (crdt `trusted_peers` without `*`): their
   * known addresses are kept permanently and they are dialled, and written
   * to the peerstore file, right after the `peer_addresses` peers.
   */
  trustedPeers?: string[]
  lowWater: number
  /** Period of the peerset watch in ms (default 1 s). */
  watchInterval?: number
}

interface Backoff {
  /** Earliest time of the next dial. */
  next: number
  delay: number
}

export class PeerManager implements Startable {
  private readonly log: Logger
  /** Peers in priority order (peer_addresses, then peerstore file order, then joined ones). */
  private readonly priority: string[] = []
  /** Every cluster peer seen (priority peers, peerset members, connected peers). */
  private readonly known = new Set<string>()
  private lastPeerset = new Set<string>()
  private readonly backoff = new Map<string, Backoff>()
  private readonly dialing = new Set<string>()
  private lastExchange = { at: 0, wanted: '' }
  private task?: RepeatingTask
  private readonly controller = new AbortController()

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
    const trusted = new Set(this.init.trustedPeers ?? [])
    const configured = new Set<string>()
    for (const addr of [...fromConfig, ...fromFile]) {
      try {
        const fromConfigFile = fromConfig.includes(addr)
        const peer = await host.addAddress(addr, { permanent: fromConfigFile || trusted.has(peerIdOfMultiaddr(addr) ?? '') })
        if (fromConfigFile) configured.add(peer)
        if (peer !== host.peerId && !this.priority.includes(peer)) {
          this.priority.push(peer)
          this.known.add(peer)
        }
      } catch (err) {
        this.log.warn('ignoring peer address %s: %s', addr, (err as Error).message)
      }
    }
    // priority: peer_addresses, then trusted peers, then the peerstore file order
    const rank = (p: string): number => configured.has(p) ? 0 : trusted.has(p) ? 1 : 2
    const ordered = this.priority.map((p, i) => ({ p, i })).sort((a, b) => rank(a.p) - rank(b.p) || a.i - b.i).map(({ p }) => p)
    this.priority.splice(0, this.priority.length, ...ordered)
    host.onPeerConnect((peer) => {
      this.backoff.delete(peer)
    })
    void this.dialKnown(INITIAL_DIALS)
    this.task = repeatingTask(async (signal) => { await this.watch(signal) }, this.init.watchInterval ?? DEFAULT_WATCH_INTERVAL, {
      onError: (err) => { this.log.debug('peer watch: %s', (err as Error).message) }
    })
    this.task.start()
  }

  async stop (): Promise<void> {
    this.controller.abort()
    await this.task?.stop()
  }

  /** Dials up to `max` known, unconnected peers in priority order. */
  private async dialKnown (max: number): Promise<void> {
    const connected = new Set(this.components.host.connectedPeers())
    const targets = this.priority.filter((p) => !connected.has(p)).slice(0, max)
    await Promise.all(targets.map(async (peer) => {
      if (await this.dial(peer)) this.components.onStartupConnect?.(peer)
    }))
  }

  /**
   * Dials a peer unless a dial is running or its backoff is not over.
   * True when the dial succeeded.
   */
  private async dial (peer: string): Promise<boolean> {
    const { host } = this.components
    if (this.dialing.has(peer) || this.controller.signal.aborted) return false
    const b = this.backoff.get(peer)
    if (b != null && Date.now() < b.next) return false
    this.dialing.add(peer)
    try {
      await host.connect(peer, { signal: this.controller.signal })
      this.backoff.delete(peer)
      return true
    } catch (err) {
      const delay = b == null ? MIN_BACKOFF : Math.min(b.delay * 2, MAX_BACKOFF)
      this.backoff.set(peer, { next: Date.now() + delay, delay })
      this.log.debug('could not connect to %s: %s', peer, (err as Error).message)
      return false
    } finally {
      this.dialing.delete(peer)
    }
  }

  /**
   * One round of the peerset watch: reports new peers, dials cluster peers
   * that are not connected, and looks up addresses it does not have.
   */
  private async watch (signal: AbortSignal): Promise<void> {
    const { host, peerset } = this.components
    const self = host.peerId
    const connected = new Set(host.connectedPeers())
    let members: string[] = []
    if (peerset != null) {
      members = (await peerset({ signal })).filter((p) => p !== self)
      const current = new Set(members)
      const fresh = members.filter((p) => !this.lastPeerset.has(p))
      this.lastPeerset = current
      for (const p of members) this.known.add(p)
      if (fresh.length > 0) {
        try {
          this.components.onNewPeers?.(fresh)
        } catch (err) {
          this.log.debug('new peers handler failed: %s', (err as Error).message)
        }
      }
    }
    for (const p of connected) {
      if (this.lastPeerset.has(p)) this.known.add(p)
    }

    const missing = [...this.known].filter((p) => p !== self && !connected.has(p))
    if (missing.length === 0) return
    const unknownAddrs: string[] = []
    for (const p of missing) {
      if ((await host.storedAddresses(p)).length === 0) unknownAddrs.push(p)
    }
    const wanted = unknownAddrs.sort().join()
    if (unknownAddrs.length > 0 && connected.size > 0 &&
        (wanted !== this.lastExchange.wanted || Date.now() - this.lastExchange.at >= EXCHANGE_INTERVAL)) {
      this.lastExchange = { at: Date.now(), wanted }
      await this.exchangeAddresses(unknownAddrs, [...connected].filter((p) => this.known.has(p)), signal)
    }
    const dialable: string[] = []
    for (const p of missing) {
      if (!unknownAddrs.includes(p) || (await host.storedAddresses(p)).length > 0) dialable.push(p)
    }
    void Promise.all(dialable.map(async (p) => { await this.dial(p) }))
  }

  /** Asks connected cluster peers for the addresses of `wanted` peers. */
  private async exchangeAddresses (wanted: string[], connected: string[], signal: AbortSignal): Promise<void> {
    const { host, rpc } = this.components
    const want = new Set(wanted)
    const asked = connected.sort(() => Math.random() - 0.5).slice(0, EXCHANGE_FANOUT)
    await Promise.all(asked.map(async (peer) => {
      try {
        const id = await rpc.call(peer, 'Cluster.ID', null, { signal: AbortSignal.any([signal, AbortSignal.timeout(EXCHANGE_TIMEOUT)]) })
        for (const addr of id.clusterPeersAddresses ?? []) {
          const p = peerIdOfMultiaddr(addr)
          if (p == null || !want.has(p) || stripPeerId(addr) === '') continue
          await host.addAddress(normalizePeerAddr(addr))
          this.log.debug('learned address %s from %s', addr, peer)
        }
      } catch (err) {
        this.log.debug('address lookup on %s failed: %s', peer, (err as Error).message)
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
    this.known.add(remote)
    try {
      await host.connect(remote, options)
    } catch (err) {
      throw new Error(`could not connect to ${normalized}: ${await explainJoinError(err as Error, normalized)}`)
    }
    await rpc.call(remote, 'Cluster.PeerAdd', host.peerId, options)
    await this.components.onJoined?.(remote)
    this.log.info(`${host.peerId}: joined ${remote}'s cluster`)
  }

  /**
   * Writes every known peer with addresses (except self) to the peerstore
   * file: priority peers first, then the other cluster peers; DNS
   * addresses only when a peer has some.
   */
  async savePeerstore (): Promise<void> {
    const { host } = this.components
    const peers = [...this.priority]
    let members: string[] = []
    try {
      members = await this.components.peerset?.() ?? []
    } catch {}
    for (const p of [...this.known, ...members, ...host.connectedPeers()]) {
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

/**
 * Like {@link explainDialError}; when the dial timed out, also checks
 * whether the address accepts TCP connections: if it does, the secure
 * handshake is what did not complete. With private networks keyed by
 * different secrets both sides just read garbage until their timeouts, so
 * this is how a peer with another secret shows up on the dialling side.
 */
export async function explainJoinError (err: Error, addr: string): Promise<string> {
  const msg = err.message ?? String(err)
  if (/abort|timeout|timed out/i.test(`${err.name} ${msg}`) && await acceptsTCP(stripPeerId(addr))) {
    return `${msg} (the peer accepted the connection but the secure handshake did not complete: check that both peers use the same cluster secret)`
  }
  return explainDialError(err)
}

/** True when a TCP connection to the multiaddr succeeds within 2 s. */
async function acceptsTCP (addr: string): Promise<boolean> {
  let target
  try {
    target = multiaddrToSocket(addr)
  } catch {
    return false
  }
  if (target.kind !== 'tcp') return false
  const { host, port } = target
  return await new Promise<boolean>((resolve) => {
    const sock = connect({ host, port, timeout: 2000 })
    const done = (ok: boolean): void => {
      sock.destroy()
      resolve(ok)
    }
    sock.once('connect', () => { done(true) })
    sock.once('timeout', () => { done(false) })
    sock.once('error', () => { done(false) })
  })
}

/** Turns libp2p dial failures into advice an operator can act on. */
export function explainDialError (err: Error): string {
  const msg = err.message ?? String(err)
  if (/EncryptionFailed|handshake|ECONNRESET|Message length|stream ended|pnet|protector/i.test(`${err.name} ${msg}`)) {
    return `${msg} (check that both peers use the same cluster secret)`
  }
  if (/ECONNREFUSED/.test(msg)) {
    return `${msg} (nothing listens there: is the peer running and its cluster port 9096 reachable?)`
  }
  return msg
}
