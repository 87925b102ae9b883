/**
 * Balanced allocator (reference `allocator/balanced`): partitions peers by
 * the `allocate_by` metrics in order and picks round-robin across
 * partitions, so that allocations spread across e.g. tag groups, and within
 * a group go to the peers with the best metric (e.g. most free space).
 */
import { ConfigError } from '../errors.js'
import { comparePeers } from '../monitor/metric.js'
import type { BalancedAllocatorComponents } from './index.js'
import type { Metric, PeerIdString } from '../api/types.js'
import type { BalancedAllocatorConfig } from '../config/types.js'
import type { AbortOptions, Logger, PinAllocator } from '../interfaces.js'
import type { CID } from 'multiformats/cid'

interface Partition {
  value: string
  /** Sum of the weights of this partition's metrics. */
  weight: bigint
  /** `weight` plus the aggregated weights of all sub-partitions. */
  aggregatedWeight: bigint
  /** Sorted by peer ID; `next` indexes the first one not yet chosen. */
  peers: PeerIdString[]
  next: number
  sub?: PartitionedMetric
}

/** The partitions of one metric, with a round-robin cursor. */
class PartitionedMetric {
  private cursor = 0
  private exhausted = false

  constructor (readonly name: string, readonly partitions: Partition[]) {}

  /**
   * The next peer, never taken from the same partition twice in a row
   * while another partition still has peers. Undefined when all are used.
   */
  chooseNext (): PeerIdString | undefined {
    const n = this.partitions.length
    if (n === 0 || this.exhausted) return undefined
    for (let tried = 0; tried < n; tried++) {
      const p = this.partitions[this.cursor]
      this.cursor = (this.cursor + 1) % n
      let peer: PeerIdString | undefined
      if (p.sub != null) {
        peer = p.sub.chooseNext()
      } else if (p.next < p.peers.length) {
        peer = p.peers[p.next++]
      }
      if (peer != null) return peer
    }
    this.exhausted = true
    return undefined
  }

  sortedPeers (): PeerIdString[] {
    const out: PeerIdString[] = []
    for (let p = this.chooseNext(); p != null; p = this.chooseNext()) {
      out.push(p)
    }
    return out
  }

  describe (indent = 2): string {
    let s = ''
    for (const p of this.partitions) {
      s += `${' '.repeat(indent)}| ${this.name}:${p.value} - ${p.weight} - [${p.peers.join(', ')}]\n`
      if (p.sub != null) s += p.sub.describe(indent + 2)
    }
    return s
  }
}

function comparePartitions (a: Partition, b: Partition): number {
  // Heavier first; then heavier sub-partitions; then by value; then by peer
  // (the last one only makes the order deterministic).
  if (a.weight !== b.weight) return a.weight > b.weight ? -1 : 1
  if (a.aggregatedWeight !== b.aggregatedWeight) return a.aggregatedWeight > b.aggregatedWeight ? -1 : 1
  if (a.value !== b.value) return a.value < b.value ? -1 : 1
  return comparePeers(a.peers[0] ?? '', b.peers[0] ?? '')
}

/**
 * Partitionable metrics (tags) put peers with the same value in one
 * partition whose weight is the sum of theirs; every other metric gives one
 * partition per peer, even for equal values.
 */
function partitionValues (metrics: Metric[]): Partition[] {
  const out: Partition[] = []
  const byValue = new Map<string, Partition>()
  for (const m of metrics) {
    if (!m.partitionable) {
      out.push({ value: m.value, weight: m.weight, aggregatedWeight: m.weight, peers: [m.peer], next: 0 })
      continue
    }
    const p = byValue.get(m.value)
    if (p != null) {
      p.peers.push(m.peer)
      p.weight += m.weight
      p.aggregatedWeight += m.weight
    } else {
      const np: Partition = { value: m.value, weight: m.weight, aggregatedWeight: m.weight, peers: [m.peer], next: 0 }
      byValue.set(m.value, np)
      out.push(np)
    }
  }
  for (const p of out) p.peers.sort(comparePeers)
  return out
}

function partitionMetrics (set: Map<string, Metric[]>, by: string[]): PartitionedMetric {
  const [root, ...rest] = by
  const partitions = partitionValues(set.get(root) ?? [])
  if (rest.length > 0) {
    for (const p of partitions) {
      const members = new Set(p.peers)
      const filtered = new Map<string, Metric[]>()
      for (const [name, metrics] of set) {
        if (name === root) continue
        filtered.set(name, metrics.filter((m) => members.has(m.peer)))
      }
      p.sub = partitionMetrics(filtered, rest)
      for (const sp of p.sub.partitions) p.aggregatedWeight += sp.aggregatedWeight
    }
  }
  partitions.sort(comparePartitions)
  return new PartitionedMetric(root, partitions)
}

/** Regroups per-peer metrics by metric name (one metric per peer and name). */
function byName (perPeer: Map<PeerIdString, Metric[]>, names: Set<string>): Map<string, Metric[]> {
  const chosen = new Map<string, Map<PeerIdString, Metric>>()
  for (const [peer, metrics] of perPeer) {
    for (const m of metrics) {
      if (!names.has(m.name)) continue
      let byPeer = chosen.get(m.name)
      if (byPeer == null) {
        byPeer = new Map()
        chosen.set(m.name, byPeer)
      }
      const prev = byPeer.get(peer)
      if (prev == null || m.expire > prev.expire) byPeer.set(peer, { ...m, peer })
    }
  }
  const out = new Map<string, Metric[]>()
  for (const [name, byPeer] of chosen) out.set(name, [...byPeer.values()])
  return out
}

export class BalancedAllocator implements PinAllocator {
  private readonly log?: Logger
  private readonly allocateBy: string[]

  constructor (components: BalancedAllocatorComponents, init: BalancedAllocatorConfig) {
    if (!Array.isArray(init.allocateBy) || init.allocateBy.length === 0 || init.allocateBy.some((n) => typeof n !== 'string' || n === '')) {
      throw new ConfigError('metricalloc.allocate_by is invalid')
    }
    this.log = components.logger?.forComponent('allocator')
    this.allocateBy = [...new Set(init.allocateBy)]
  }

  /**
   * Priority peers first, then candidates, each list ordered by the
   * partitions of the `allocate_by` metrics. `current` is not used. Peers
   * lacking a metric of `allocate_by` may be left out: callers pass only
   * peers that have them all (see `allocate`).
   */
  async allocate (cid: CID, current: Map<PeerIdString, Metric[]>, candidates: Map<PeerIdString, Metric[]>, priority: Map<PeerIdString, Metric[]>, options?: AbortOptions): Promise<PeerIdString[]> {
    const names = new Set(this.allocateBy)
    const candidatePartition = partitionMetrics(byName(candidates, names), this.allocateBy)
    const priorityPartition = partitionMetrics(byName(priority, names), this.allocateBy)
    if (this.log?.debugEnabled === true) {
      this.log.debug('Balanced allocator partitions:\n%s', candidatePartition.describe())
    }
    return [...priorityPartition.sortedPeers(), ...candidatePartition.sortedPeers()]
  }

  metrics (): string[] {
    return [...this.allocateBy]
  }
}
