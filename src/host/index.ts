/**
 * @packageDocumentation
 *
 * The cluster's libp2p host (swarm port 9096): TCP, Noise, Yamux, identify,
 * a private network keyed by `cluster.secret`, gossipsub (pubsub for CRDT
 * heads and metrics) and optional mDNS discovery.
 */
export { createClusterHost, MDNS_SERVICE_TAG } from './cluster-host.js'
export type { ClusterHost, ClusterHostComponents, ClusterHostInit } from './cluster-host.js'
export { normalizePeerAddr, peerIdOfMultiaddr, stripPeerId, PeerNotInNetworkError } from './multiaddrs.js'
