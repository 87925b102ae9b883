/**
 * An in-memory network for CRDT tests: a pubsub hub (with message drops,
 * delivery jitter and partitions) and DAG syncers that fetch blocks from the
 * other replicas' local stores.
 */
import { NotFoundError } from '../../src/errors.js'
import { throwIfAborted } from '../../src/utils/abort.js'
import type { AbortOptions, CRDTBroadcaster, DAGSyncer, PubSub } from '../../src/interfaces.js'
import type { CID } from 'multiformats/cid'

export type BlockSource = (cid: CID) => Promise<Uint8Array | undefined>

export interface CRDTTestNetworkInit {
  /** Probability that a message is not delivered to a given receiver. */
  dropProbability?: number
  /** Random delivery delay in ms (0 = next tick). */
  maxDelay?: number
  /** PRNG seed (reproducible drops). */
  seed?: number
}

interface Peer {
  id: string
  subscriptions: Map<string, Set<(data: Uint8Array, from: string) => void>>
  blockSource?: BlockSource
}

export interface NetworkEndpoint {
  pubsub: PubSub
  /** A broadcaster on the fixed topic `crdt-test`. */
  broadcaster: CRDTBroadcaster
  dagSyncer: DAGSyncer
}

function mulberry32 (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export class CRDTTestNetwork {
  dropProbability: number
  maxDelay: number
  /** Return false to make a fetch by `peer` of `cid` fail. */
  fetchFilter?: (peer: string, cid: CID) => boolean
  /** Awaited before each fetch (e.g. to make fetches hang until aborted). */
  fetchHook?: (peer: string, cid: CID, signal?: AbortSignal) => Promise<void>
  readonly stats = { published: 0, delivered: 0, dropped: 0, fetches: 0 }
  private readonly peers = new Map<string, Peer>()
  private readonly blocked = new Set<string>()
  private readonly random: () => number
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()

  constructor (init: CRDTTestNetworkInit = {}) {
    this.dropProbability = init.dropProbability ?? 0
    this.maxDelay = init.maxDelay ?? 0
    this.random = mulberry32(init.seed ?? 42)
  }

  /** Registers a peer; `blockSource` serves its DAG blocks to the others. */
  join (id: string, blockSource?: BlockSource): NetworkEndpoint {
    const peer: Peer = { id, subscriptions: new Map(), blockSource }
    this.peers.set(id, peer)
    const pubsub: PubSub = {
      publish: async (topic, data) => { this.publish(id, topic, data) },
      subscribe: (topic, handler) => {
        let set = peer.subscriptions.get(topic)
        if (set == null) peer.subscriptions.set(topic, set = new Set())
        set.add(handler)
        return () => { set?.delete(handler) }
      }
    }
    const broadcaster: CRDTBroadcaster = {
      broadcast: async (data) => { this.publish(id, 'crdt-test', data) },
      onMessage: (handler) => { pubsub.subscribe('crdt-test', handler) }
    }
    const dagSyncer: DAGSyncer = {
      get: async (cid, options) => await this.fetch(id, cid, options),
      put: async () => {},
      has: async (cid) => {
        for (const other of this.others(id)) {
          if (await other.blockSource?.(cid).catch(() => undefined) != null) return true
        }
        return false
      }
    }
    return { pubsub, broadcaster, dagSyncer }
  }

  setBlockSource (id: string, source: BlockSource): void {
    const p = this.peers.get(id)
    if (p != null) p.blockSource = source
  }

  leave (id: string): void {
    this.peers.delete(id)
  }

  /** Peers in different groups cannot exchange messages nor blocks. */
  partition (...groups: string[][]): void {
    for (let i = 0; i < groups.length; i++) {
      for (let j = 0; j < groups.length; j++) {
        if (i === j) continue
        for (const a of groups[i]) for (const b of groups[j]) this.blocked.add(`${a}|${b}`)
      }
    }
  }

  heal (): void {
    this.blocked.clear()
  }

  reachable (a: string, b: string): boolean {
    return !this.blocked.has(`${a}|${b}`)
  }

  /** Cancels pending deliveries. */
  close (): void {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
  }

  private others (id: string): Peer[] {
    return [...this.peers.values()].filter((p) => p.id !== id && this.reachable(id, p.id))
  }

  private publish (from: string, topic: string, data: Uint8Array): void {
    this.stats.published++
    for (const peer of this.peers.values()) {
      if (peer.id === from) continue
      const handlers = peer.subscriptions.get(topic)
      if (handlers == null || handlers.size === 0) continue
      if (!this.reachable(from, peer.id) || this.random() < this.dropProbability) {
        this.stats.dropped++
        continue
      }
      const copy = data.slice()
      const deliver = (): void => {
        if (!this.peers.has(peer.id) || !this.reachable(from, peer.id)) return
        this.stats.delivered++
        for (const h of handlers) h(copy, from)
      }
      if (this.maxDelay <= 0) {
        setImmediate(deliver)
      } else {
        const t = setTimeout(() => {
          this.timers.delete(t)
          deliver()
        }, Math.floor(this.random() * this.maxDelay))
        this.timers.add(t)
      }
    }
  }

  private async fetch (id: string, cid: CID, options?: AbortOptions): Promise<Uint8Array> {
    throwIfAborted(options?.signal)
    this.stats.fetches++
    await this.fetchHook?.(id, cid, options?.signal)
    throwIfAborted(options?.signal)
    if (this.fetchFilter != null && !this.fetchFilter(id, cid)) {
      throw new NotFoundError(`fetch of ${cid.toString()} failed (test filter)`)
    }
    const others = this.others(id)
    // random order, like asking the swarm
    for (let i = others.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1))
      const t = others[i]
      others[i] = others[j]
      others[j] = t
    }
    for (const other of others) {
      let b: Uint8Array | undefined
      try {
        b = await other.blockSource?.(cid)
      } catch {
        continue // that replica is down
      }
      if (b != null) return b
    }
    throw new NotFoundError(`block ${cid.toString()} not found on any reachable peer`)
  }
}
