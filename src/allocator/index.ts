/**
 * @packageDocumentation
 *
 * Allocation: which peers pin a CID.
 *
 * - {@link createBalancedAllocator}: the `balanced` allocator, which orders
 *   candidate peers by the `allocate_by` metrics (partitionable metrics such
 *   as `tag:group` group peers, round-robin across groups; numeric metrics
 *   such as `freespace` order peers inside groups, heaviest first).
 * - {@link allocate}: the replication-factor rules of the reference (needed
 *   / wanted, keep current allocations, trim to max, user allocations first,
 *   blacklist and trust filters, `not enough peers…` error).
 * - {@link DistanceChecker}: the "closest peer to a CID" decision used for
 *   expiry and re-pinning.
 *
 * @example
 *
 * ```ts
 * const allocator = createBalancedAllocator({ logger }, { allocateBy: ['tag:group', 'freespace'] })
 * const peers = await allocate({
 *   cid, replicationFactorMin: 2, replicationFactorMax: 3,
 *   current: existing?.allocations, priority: opts.userAllocations,
 *   metrics: await gatherMetrics(monitor, allocator), allocator
 * })
 * ```
 */
import { BalancedAllocator } from './balanced-allocator.js'
import type { BalancedAllocatorConfig } from '../config/types.js'
import type { ComponentLogger } from '../interfaces.js'

export interface BalancedAllocatorComponents {
  logger?: ComponentLogger
}

export function createBalancedAllocator (init: BalancedAllocatorConfig, components: BalancedAllocatorComponents = {}): BalancedAllocator {
  return new BalancedAllocator(components, init)
}

export { BalancedAllocator }
export * from './allocate.js'
export * from './distance.js'
