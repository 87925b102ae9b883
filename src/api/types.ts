/**
 * The IPFS Cluster data model (HTTP spec §2), as plain TypeScript objects.
 *
 * Conventions:
 * - CIDs are `multiformats` CID objects; `null` is an undefined CID.
 * - Peer IDs are canonical base58btc strings.
 * - Multiaddrs are strings in canonical text form.
 * - Times are `Date` objects; `null` is Go's zero time.
 * - Enumerations are the numeric values of `./enums.ts`.
 */
import type { PinMode } from './enums.js'
import type { CID } from 'multiformats/cid'

export type PeerIdString = string
export type MultiaddrString = string

/** Options of a pin, flattened into {@link Pin}. */
export interface PinOptions {
  /** -1 = everywhere; 0 = cluster default (requests only). */
  replicationFactorMin: number
  replicationFactorMax: number
  name: string
  mode: PinMode
  shardSize: number
  /** Request-only: preferred allocations. Never stored. */
  userAllocations: PeerIdString[] | null
  /** Expiry, or null for never. */
  expireAt: Date | null
  metadata: Record<string, string> | null
  /** Request-only: CID of an existing pin to copy options from. */
  pinUpdate: CID | null
  /** Multiaddrs (each with /p2p/) IPFS should connect to before pinning. */
  origins: MultiaddrString[] | null
}

export interface Pin extends PinOptions {
  cid: CID
  /** A PinType value. */
  type: number
  /** Peers that must pin it; empty = everywhere. */
  allocations: PeerIdString[]
  /** -1 recursive, 0 direct, >0 limited depth (shards). */
  maxDepth: number
  reference: CID | null
  /** When the pin was submitted to consensus. */
  timestamp: Date | null
}

export interface IPFSID {
  /** Empty when IPFS is unreachable. */
  id: PeerIdString
  addresses: MultiaddrString[] | null
  error: string
}

/** A cluster peer (REST `GET /id`, `GET /peers`). */
export interface ID {
  id: PeerIdString
  addresses: MultiaddrString[] | null
  clusterPeers: PeerIdString[] | null
  clusterPeersAddresses: MultiaddrString[] | null
  version: string
  commit: string
  rpcProtocolVersion: string
  error: string
  ipfs: IPFSID
  peername: string
}

export interface Version {
  version: string
}

/** Per-peer status entry of a GlobalPinInfo (`peer_map` values). */
export interface PinInfoShort {
  peername: string
  ipfsPeerId: PeerIdString
  ipfsPeerAddresses: MultiaddrString[]
  /** A TrackerStatus value. */
  status: number
  timestamp: Date | null
  error: string
  attemptCount: number
  priorityPin: boolean
}

/** Status of one CID on one peer. */
export interface PinInfo extends PinInfoShort {
  cid: CID
  name: string
  peer: PeerIdString
  allocations: PeerIdString[] | null
  origins: MultiaddrString[] | null
  created: Date | null
  metadata: Record<string, string> | null
}

/** Status of one CID on every peer. */
export interface GlobalPinInfo {
  cid: CID
  name: string
  allocations: PeerIdString[] | null
  origins: MultiaddrString[] | null
  created: Date | null
  metadata: Record<string, string> | null
  peerMap: Map<PeerIdString, PinInfoShort>
}

/** A Kubo `pin ls` entry. */
export interface IPFSPinInfo {
  cid: CID
  /** An IPFSPinStatus value. */
  type: number
}

export interface Metric {
  name: string
  peer: PeerIdString
  value: string
  /** Unix nanoseconds (as a JS number of nanoseconds may lose precision: use bigint). */
  expire: bigint
  valid: boolean
  weight: bigint
  partitionable: boolean
  /** Unix nanoseconds. */
  receivedAt: bigint
}

export interface Alert extends Metric {
  triggeredAt: Date | null
}

export interface AddedOutput {
  name: string
  cid: CID | null
  bytes: number
  size: number
  allocations: PeerIdString[]
}

export interface IPFSRepoStat {
  repoSize: bigint
  storageMax: bigint
}

export interface IPFSRepoGC {
  key: CID | null
  error: string
}

export interface RepoGC {
  peer: PeerIdString
  peername: string
  keys: IPFSRepoGC[]
  error: string
}

export interface GlobalRepoGC {
  peerMap: Map<PeerIdString, RepoGC>
}

export interface ConnectGraph {
  clusterId: PeerIdString
  idToPeername: Map<PeerIdString, string>
  ipfsLinks: Map<PeerIdString, PeerIdString[]>
  clusterLinks: Map<PeerIdString, PeerIdString[]>
  clusterTrustLinks: Map<PeerIdString, boolean>
  clusterToIpfs: Map<PeerIdString, PeerIdString>
}

export interface BandwidthEntry {
  totalIn: number
  totalOut: number
  rateIn: number
  rateOut: number
}

export type BandwidthByProtocol = Map<string, BandwidthEntry> | null

/** A block to store in IPFS (adders, block streaming). */
export interface BlockWithCid {
  cid: CID
  bytes: Uint8Array
}

/** Value of the `ping` metric. */
export interface PingValue {
  peerName?: string
  ipfsId?: PeerIdString
  ipfsAddresses?: MultiaddrString[]
}
