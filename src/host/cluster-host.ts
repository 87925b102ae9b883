import './xsalsa20-patch.js'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { mdns } from '@libp2p/mdns'
import { noise } from '@libp2p/noise'
import { preSharedKey } from '@libp2p/pnet'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { libp2pLogger } from './libp2p-logger.js'
import { PeerNotInNetworkError, peerIdOfMultiaddr, stripPeerId } from './multiaddrs.js'
import type { ComponentLogger as AppComponentLogger, Logger, PubSub, Startable } from '../interfaces.js'
import type { Libp2p, PeerId, PrivateKey } from '@libp2p/interface'
import type { GossipSub, Message } from '@libp2p/gossipsub'

/** Largest yamux stream window (bytes). */
const MAX_STREAM_WINDOW = 2 * 1024 * 1024

/** mDNS service tag of the reference. */
export const MDNS_SERVICE_TAG = '_ipfs-cluster-discovery._udp'

export interface ClusterHostInit {
  listenMultiaddress: string[]
  announceMultiaddress: string[]
  noAnnounceMultiaddress: string[]
  /** 32 bytes, or empty for an unprotected network. */
  secret: Uint8Array
  connectionManager: { highWater: number, lowWater: number, gracePeriod: number }
  pubsub: { seenMessagesTTL: number, heartbeatInterval: number, dFactor: number, historyGossip: number, historyLength: number, floodPublish: boolean }
  /** 0 disables mDNS. */
  mdnsInterval: number
  dialPeerTimeout: number
}

export interface ClusterHostComponents {
  privateKey: PrivateKey
  logger: AppComponentLogger
}

export interface ClusterHost extends Startable {
  readonly libp2p: Libp2p<{ pubsub: GossipSub }>
  readonly peerId: string
  readonly pubsub: PubSub
  /** Listen addresses with `/p2p/<id>`. */
  addresses(): string[]
  /**
   * Known addresses of a peer with `/p2p/<id>`: its listen addresses from
   * the peer store (learned through identify, bootstrap, the peerstore
   * file), else the remote addresses of open connections.
   */
  peerAddresses(peer: string): Promise<string[]>
  /** Transport addresses (without `/p2p/`) from the peer store. */
  storedAddresses(peer: string): Promise<string[]>
  /** Peers with an open connection. */
  connectedPeers(): string[]
  /** Adds an address to the peer store (with `/p2p/<id>`). */
  addAddress(addr: string, opts?: { permanent?: boolean }): Promise<string>
  /** Dials a multiaddr (with `/p2p/`) or a known peer ID. */
  connect(target: string, options?: { signal?: AbortSignal }): Promise<void>
  /** Called when a peer connects (after identify). */
  onPeerConnect(handler: (peer: string) => void): void
  /** Called when a connected peer subscribes to `topic`. */
  onTopicSubscriber(topic: string, handler: (peer: string) => void): void
}

/**
 * The IPFS Cluster libp2p host: TCP + Noise + Yamux + identify, a private
 * network keyed by the cluster secret, gossipsub, optional mDNS.
 */
class ClusterHostImpl implements ClusterHost {
  libp2p!: Libp2p<{ pubsub: GossipSub }>
  peerId: string
  private readonly log: Logger
  private readonly handlers = new Map<string, Set<(data: Uint8Array, from: string) => void>>()
  private readonly connectHandlers: Array<(peer: string) => void> = []
  private readonly subscriberHandlers: Array<{ topic: string, handler: (peer: string) => void }> = []
  readonly pubsub: PubSub

  constructor (private readonly components: ClusterHostComponents, private readonly init: ClusterHostInit) {
    this.log = components.logger.forComponent('p2p')
    this.peerId = ''
    this.pubsub = {
      publish: async (topic, data) => {
        await this.libp2p.services.pubsub.publish(topic, data)
      },
      subscribe: (topic, handler) => {
        let set = this.handlers.get(topic)
        if (set == null) {
          set = new Set()
          this.handlers.set(topic, set)
          this.libp2p?.services.pubsub.subscribe(topic)
        }
        set.add(handler)
        return () => {
          set?.delete(handler)
          if (set?.size === 0) {
            this.handlers.delete(topic)
            this.libp2p?.services.pubsub.unsubscribe(topic)
          }
        }
      }
    }
  }

  async start (): Promise<void> {
    const { init } = this
    const psk = init.secret.length > 0
      ? new TextEncoder().encode(`/key/swarm/psk/1.0.0/\n/base16/\n${Buffer.from(init.secret).toString('hex')}`)
      : undefined
    const d = Math.max(1, init.pubsub.dFactor)
    const heartbeat = init.pubsub.heartbeatInterval
    const peerDiscovery = init.mdnsInterval > 0
      ? [mdns({ interval: init.mdnsInterval, serviceTag: MDNS_SERVICE_TAG })]
      : []
    this.libp2p = await createLibp2p({
      privateKey: this.components.privateKey,
      addresses: {
        listen: init.listenMultiaddress.filter(isServedTransport),
        announce: init.announceMultiaddress,
        appendAnnounce: []
      },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      logger: libp2pLogger({ log: this.log, privateNetwork: psk != null }),
      // a stream window below the muxer's 4 MiB read buffer limit: a paused
      // reader (see the RPC transport) never overflows
      streamMuxers: [yamux({ streamOptions: { maxStreamWindowSize: MAX_STREAM_WINDOW } })],
      ...(psk != null ? { connectionProtector: preSharedKey({ psk }) } : {}),
      connectionManager: {
        maxConnections: Math.max(init.connectionManager.highWater, 10),
        dialTimeout: init.dialPeerTimeout
      },
      peerDiscovery,
      connectionGater: {
        // a remote peer's loopback (or otherwise shared) address that is one
        // of our own listen addresses leads back to us: never dial it (the
        // handshake would fail on both sides and look like a secret mismatch)
        denyDialMultiaddr: (ma) => this.isOwnAddress(ma.toString())
      },
      services: {
        identify: identify(),
        pubsub: gossipsub({
          allowPublishToZeroTopicPeers: true,
          // CRDT broadcasts may carry a delta block (up to ~2 MiB) inline
          maxInboundDataLength: 8 * 1024 * 1024,
          emitSelf: false,
          floodPublish: init.pubsub.floodPublish,
          heartbeatInterval: heartbeat,
          seenTTL: init.pubsub.seenMessagesTTL,
          mcacheGossip: init.pubsub.historyGossip,
          mcacheLength: init.pubsub.historyLength,
          D: 6 * d,
          Dlo: 5 * d,
          Dhi: 12 * d,
          Dout: 2 * d,
          Dlazy: 6 * d
        })
      }
    })
    this.peerId = this.libp2p.peerId.toString()
    this.libp2p.services.pubsub.addEventListener('message', (evt) => { this.onMessage(evt.detail) })
    for (const topic of this.handlers.keys()) {
      this.libp2p.services.pubsub.subscribe(topic)
    }
    this.libp2p.addEventListener('peer:identify', (evt) => {
      const peer = evt.detail.peerId.toString()
      for (const h of this.connectHandlers) {
        try {
          h(peer)
        } catch (err) {
          this.log.debug('peer connect handler failed: %s', (err as Error).message)
        }
      }
    })
    this.libp2p.services.pubsub.addEventListener('subscription-change', (evt) => {
      const peer = evt.detail.peerId.toString()
      for (const sub of evt.detail.subscriptions) {
        if (!sub.subscribe) continue
        for (const { topic, handler } of this.subscriberHandlers) {
          if (topic !== sub.topic) continue
          try {
            handler(peer)
          } catch (err) {
            this.log.debug('topic subscriber handler failed: %s', (err as Error).message)
          }
        }
      }
    })
    this.libp2p.addEventListener('peer:discovery', (evt) => {
      // mDNS discoveries: dial them (the reference adds them with a "connected" TTL)
      const peer = evt.detail.id
      if (peer.equals(this.libp2p.peerId)) return
      if (this.libp2p.getConnections(peer).length > 0) return
      this.libp2p.dial(peer).catch((err: Error) => {
        this.log.debug('could not dial discovered peer %s: %s', peer.toString(), err.message)
      })
    })
    if (init.secret.length === 0) {
      this.log.warn('Cluster secret is empty, cluster will start on unprotected network.')
    }
  }

  private isOwnAddress (addr: string): boolean {
    if (this.libp2p == null) return false
    const target = stripPeerId(addr)
    return this.libp2p.getMultiaddrs().some((own) => stripPeerId(own.toString()) === target)
  }

  private onMessage (msg: Message): void {
    const set = this.handlers.get(msg.topic)
    if (set == null || msg.type !== 'signed') return
    const from = msg.from.toString()
    for (const h of set) {
      try {
        h(msg.data, from)
      } catch (err) {
        this.log.debug('pubsub handler failed: %s', (err as Error).message)
      }
    }
  }

  async stop (): Promise<void> {
    await this.libp2p?.stop()
  }

  addresses (): string[] {
    return this.libp2p.getMultiaddrs().map((ma) => ma.toString()).sort()
  }

  async peerAddresses (peer: string): Promise<string[]> {
    let addrs = await this.storedAddresses(peer)
    if (addrs.length === 0) addrs = this.connectionAddrs(peer)
    return addrs.map((a) => `${a}/p2p/${peer}`)
  }

  private connectionAddrs (peer: string): string[] {
    let conns
    try {
      conns = this.libp2p.getConnections(peerIdFromString(peer))
    } catch {
      return []
    }
    const out = new Set<string>()
    for (const c of conns) out.add(stripPeerId(c.remoteAddr.toString()))
    return [...out].sort()
  }

  /** Addresses from the peer store (async, complete). */
  async storedAddresses (peer: string): Promise<string[]> {
    try {
      const p = await this.libp2p.peerStore.get(peerIdFromString(peer))
      return p.addresses.map((a) => stripPeerId(a.multiaddr.toString())).sort()
    } catch {
      return []
    }
  }

  connectedPeers (): string[] {
    return this.libp2p.getPeers().map((p) => p.toString())
  }

  async addAddress (addr: string, opts: { permanent?: boolean } = {}): Promise<string> {
    const peer = peerIdOfMultiaddr(addr)
    if (peer == null) throw new PeerNotInNetworkError(`multiaddress ${addr} has no /p2p/ peer ID`)
    if (peer === this.peerId) return peer
    const transport = stripPeerId(addr)
    const peerId: PeerId = peerIdFromString(peer)
    await this.libp2p.peerStore.merge(peerId, {
      multiaddrs: transport === '' ? [] : [multiaddr(transport)],
      ...(opts.permanent === true ? { tags: { 'cluster:permanent': { value: 100 } } } : {})
    })
    return peer
  }

  async connect (target: string, options?: { signal?: AbortSignal }): Promise<void> {
    if (target.startsWith('/')) {
      const peer = await this.addAddress(target)
      if (peer === this.peerId) return
      await this.libp2p.dial(peerIdFromString(peer), options)
      return
    }
    await this.libp2p.dial(peerIdFromString(target), options)
  }

  onPeerConnect (handler: (peer: string) => void): void {
    this.connectHandlers.push(handler)
  }

  onTopicSubscriber (topic: string, handler: (peer: string) => void): void {
    this.subscriberHandlers.push({ topic, handler })
  }
}

/** The reference writes a QUIC address in default configs but only serves TCP. */
function isServedTransport (addr: string): boolean {
  return !addr.includes('/udp/') && !addr.includes('/quic')
}

export function createClusterHost (components: ClusterHostComponents, init: ClusterHostInit): ClusterHost {
  return new ClusterHostImpl(components, init)
}
