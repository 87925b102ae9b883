/**
 * The allocation rules of the reference (`allocate.go`, CLI spec §10.3):
 * which peers a CID goes to, given replication factors, current and user
 * allocations, a blacklist, trust filters and the latest metrics.
 */
import { InvalidPinError, NotEnoughPeersError } from '../errors.js'
import { comparePeers, metricDiscard, nowNs } from '../monitor/metric.js'
import type { Metric, PeerIdString } from '../api/types.js'
import type { AbortOptions, Logger, PeerMonitor, PinAllocator } from '../interfaces.js'
import type { CID } from 'multiformats/cid'

export interface AllocateParams {
  cid: CID
  replicationFactorMin: number
  replicationFactorMax: number
  /** Allocations of the existing pin, if any (kept in this order). */
  current?: PeerIdString[] | null
  /** User allocations: preferred peers, tried first, in this order. */
  priority?: PeerIdString[] | null
  /** Peers that must not be used (re-pinning away from them). */
  blacklist?: PeerIdString[] | null
  /** `cluster.pin_only_on_trusted_peers`: leave out untrusted peers. */
  pinOnlyOnTrustedPeers?: boolean
  /** `cluster.pin_only_on_untrusted_peers`: leave out trusted peers. */
  pinOnlyOnUntrustedPeers?: boolean
  /** Required with either trust filter (`Consensus.isTrustedPeer`). */
  isTrusted?: (peer: PeerIdString) => boolean
  /**
   * The monitor's latest metrics for every name of `allocator.metrics()`
   * (see {@link gatherMetrics}). Invalid or expired ones are ignored.
   */
  metrics: Map<string, Metric[]> | Record<string, Metric[]>
  allocator: PinAllocator
  logger?: Logger
}

/** Latest metrics of every name the allocator needs. */
export async function gatherMetrics (monitor: Pick<PeerMonitor, 'latestMetrics'>, allocator: Pick<PinAllocator, 'metrics'>, options?: AbortOptions): Promise<Map<string, Metric[]>> {
  const out = new Map<string, Metric[]>()
  for (const name of new Set(allocator.metrics())) {
    out.set(name, await monitor.latestMetrics(name, options))
  }
  return out
}

/** The error of the reference when too few peers can take a CID. */
export function notEnoughPeersError (needed: number, wanted: number, available: number): Error {
  return new NotEnoughPeersError(`not enough peers to allocate CID. Needed at least: ${needed}. Wanted at most: ${wanted}. Available candidates: ${available}. See logs for more info.`)
}

interface Classified {
  peers: PeerIdString[]
  metrics: Map<PeerIdString, Metric[]>
}

/**
 * Allocations for a CID (CLI spec §10.3):
 *
 * - `min + max == 0` → InvalidPinError `bad replication factors: <min>/<max>`;
 *   both negative → `[]` (pin everywhere).
 * - Peers with a valid metric for every allocator metric, minus blacklisted
 *   and trust-filtered peers, are split into current (already allocated),
 *   priority (user allocations) and candidates.
 * - needed = min − |current|, wanted = max − |current|. wanted < 0 → the
 *   first `max` current peers; needed ≤ 0 → the current allocations
 *   unchanged; fewer priority + candidate peers than needed →
 *   NotEnoughPeersError; else current peers followed by the first
 *   min(wanted, n) peers the allocator orders (priority first).
 */
export async function allocate (params: AllocateParams, options?: AbortOptions): Promise<PeerIdString[]> {
  const { cid, replicationFactorMin: rmin, replicationFactorMax: rmax, allocator, logger } = params
  if (rmin + rmax === 0) {
    throw new InvalidPinError(`bad replication factors: ${rmin}/${rmax}`)
  }
  if (rmin < 0 && rmax < 0) {
    return []
  }
  const currentAllocs = params.current ?? []
  const priorityList = params.priority ?? []
  const blacklist = new Set(params.blacklist ?? [])
  const currentSet = new Set(currentAllocs)
  const prioritySet = new Set(priorityList)
  const isTrusted = params.isTrusted ?? (() => true)

  const names = [...new Set(allocator.metrics())]
  const metricsByName = params.metrics instanceof Map ? params.metrics : new Map(Object.entries(params.metrics))
  const now = nowNs()

  // peer → name → metric, per class.
  const cur = new Map<PeerIdString, Map<string, Metric>>()
  const prio = new Map<PeerIdString, Map<string, Metric>>()
  const cand = new Map<PeerIdString, Map<string, Metric>>()
  for (const name of names) {
    for (const m of metricsByName.get(name) ?? []) {
      if (m.name !== name || m.peer === '' || metricDiscard(m, now)) continue
      const peer = m.peer
      if (blacklist.has(peer)) continue
      if (params.pinOnlyOnTrustedPeers === true && !isTrusted(peer)) continue
      if (params.pinOnlyOnUntrustedPeers === true && isTrusted(peer)) continue
      const target = currentSet.has(peer) ? cur : prioritySet.has(peer) ? prio : cand
      let byName = target.get(peer)
      if (byName == null) {
        byName = new Map()
        target.set(peer, byName)
      }
      const prev = byName.get(name)
      if (prev == null || m.expire > prev.expire) byName.set(name, m)
    }
  }

  // Keep only peers that have every metric.
  const complete = (group: Map<PeerIdString, Map<string, Metric>>, order: (peers: PeerIdString[]) => PeerIdString[]): Classified => {
    const metrics = new Map<PeerIdString, Metric[]>()
    for (const [peer, byName] of group) {
      if (byName.size === names.length) metrics.set(peer, [...byName.values()])
    }
    return { peers: order([...metrics.keys()]), metrics }
  }
  const inListOrder = (list: PeerIdString[]) => (peers: PeerIdString[]): PeerIdString[] => {
    const have = new Set(peers)
    return [...new Set(list)].filter((p) => have.has(p))
  }
  const current = complete(cur, inListOrder(currentAllocs))
  const priority = complete(prio, inListOrder(priorityList))
  const candidates = complete(cand, (peers) => peers.sort(comparePeers))

  const nCurrent = current.peers.length
  const nAvailable = candidates.peers.length + priority.peers.length
  const needed = rmin - nCurrent
  const wanted = rmax - nCurrent
  if (logger?.debugEnabled === true) {
    logger.debug('allocate %s: current: %d, available: %d (candidates: %d, priority: %d), needed: %d, wanted: %d',
      cid.toString(), nCurrent, nAvailable, candidates.peers.length, priority.peers.length, needed, wanted)
  }

  if (wanted < 0) {
    // Over the maximum: drop some of the current allocations.
    return current.peers.slice(0, rmax)
  }
  if (needed <= 0) {
    // At or above the minimum: no new allocations.
    return [...currentAllocs]
  }
  if (nAvailable < needed) {
    throw allocationError(cid, needed, wanted, [...priority.peers, ...candidates.peers], logger)
  }

  const ordered = await allocator.allocate(cid, current.metrics, candidates.metrics, priority.metrics, options)
  const currentValid = new Set(current.peers)
  const finalAllocs = [...new Set(ordered)].filter((p) => !currentValid.has(p) && !blacklist.has(p))
  if (logger?.debugEnabled === true) {
    logger.debug('allocate %s: allocator: %s', cid.toString(), finalAllocs.join(', '))
  }
  if (finalAllocs.length < needed) {
    throw allocationError(cid, needed, wanted, finalAllocs, logger)
  }
  return [...current.peers, ...finalAllocs.slice(0, Math.min(wanted, finalAllocs.length))]
}

function allocationError (cid: CID, needed: number, wanted: number, available: PeerIdString[], logger?: Logger): Error {
  if (logger != null) {
    logger.error('Not enough candidates to allocate %s:', cid.toString())
    logger.error('  Needed: %d', needed)
    logger.error('  Wanted: %d', wanted)
    logger.error('  Available candidates: %d:', available.length)
    for (const p of available) logger.error('    - %s', p)
  }
  return notEnoughPeersError(needed, wanted, available.length)
}
