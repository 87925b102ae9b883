/**
 * In-memory store of the latest metric per (name, peer).
 */
import { compareMetrics, metricDiscard, nowNs } from './metric.js'
import type { Metric, PeerIdString } from '../api/types.js'

export class MetricStore {
  private readonly byName = new Map<string, Map<PeerIdString, Metric>>()

  /** Stores `m` as the latest metric of its name for its peer. */
  add (m: Metric): void {
    let byPeer = this.byName.get(m.name)
    if (byPeer == null) {
      byPeer = new Map()
      this.byName.set(m.name, byPeer)
    }
    byPeer.set(m.peer, m)
  }

  /** Latest metric of a peer, valid or not. */
  peerLatest (name: string, peer: PeerIdString): Metric | undefined {
    return this.byName.get(name)?.get(peer)
  }

  /**
   * Latest valid, non-expired metric of that name for every peer, sorted by
   * peer then expiry.
   */
  latestValid (name: string, now: bigint = nowNs()): Metric[] {
    const byPeer = this.byName.get(name)
    if (byPeer == null) return []
    const out: Metric[] = []
    for (const m of byPeer.values()) {
      if (!metricDiscard(m, now)) out.push({ ...m })
    }
    return out.sort(compareMetrics)
  }

  /** Latest metric of every name and peer (valid or not). */
  * all (): Generator<Metric> {
    for (const byPeer of this.byName.values()) {
      yield * byPeer.values()
    }
  }

  /** Every metric name ever stored. */
  names (): string[] {
    return [...this.byName.keys()]
  }

  /** Forgets the metric of that name for a peer. */
  remove (name: string, peer: PeerIdString): void {
    this.byName.get(name)?.delete(peer)
  }
}
