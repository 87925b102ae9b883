/**
 * The RPC access policy between cluster peers (rpc_policy.go of the
 * reference). A missing entry is a compile error where the table is used
 * as a type. Closed = local only; Trusted = trusted peers (CRDT
 * `trusted_peers`, self always); Open = anyone connected.
 */
export type RPCPolicy = 'open' | 'trusted' | 'closed'

export const RPC_POLICY = {
  'Cluster.ID': 'open',
  'Cluster.IDStream': 'open',
  'Cluster.Version': 'open',
  'Cluster.PeerAdd': 'open',
  'Cluster.PeerRemove': 'trusted',
  'Cluster.Peers': 'trusted',
  'Cluster.RecoverAllLocal': 'trusted',
  'Cluster.RecoverLocal': 'trusted',
  'Cluster.RepoGCLocal': 'trusted',
  'Cluster.SendInformersMetrics': 'closed',
  'PinTracker.Recover': 'trusted',
  'PinTracker.Status': 'trusted',
  'PinTracker.StatusAll': 'trusted',
  'PinTracker.Track': 'closed',
  'PinTracker.Untrack': 'closed',
  'PinTracker.PinQueueSize': 'closed',
  'IPFSConnector.BlockStream': 'trusted',
  'IPFSConnector.RepoStat': 'trusted',
  'IPFSConnector.SwarmPeers': 'trusted',
  'IPFSConnector.BlockGet': 'closed',
  'Consensus.AddPeer': 'trusted',
  'Consensus.RmPeer': 'trusted',
  'Consensus.Peers': 'closed',
  'PeerMonitor.LatestMetrics': 'closed',
  'PeerMonitor.MetricNames': 'closed'
} as const satisfies Record<string, RPCPolicy>

export type RPCMethod = keyof typeof RPC_POLICY

export function policyOf (method: string): RPCPolicy | undefined {
  return (RPC_POLICY as Record<string, RPCPolicy>)[method]
}
