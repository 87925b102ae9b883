/**
 * @packageDocumentation
 *
 * The cluster peer orchestrator: pin/unpin with allocation and
 * replication rules, cluster-wide status/recover fan-out, expiry, repinning
 * on peer loss, and the RPC handlers other peers call.
 *
 * ```ts
 * const cluster = createCluster({ peerId, consensus, tracker, ipfs, monitor, informers, rpc, allocate, closestPeer, logger }, init)
 * await cluster.start()
 * await cluster.ready()
 * ```
 */
import { Cluster } from './cluster.js'
import type { ClusterComponents, ClusterInit } from './cluster.js'

export type { ClusterComponents, ClusterInit, ClusterHostInfo, AllocateFn, Adder, ClosestPeerFn } from './cluster.js'
export { Cluster, validateReplication } from './cluster.js'

export function createCluster (components: ClusterComponents, init: ClusterInit): Cluster {
  return new Cluster(components, init)
}
