/**
 * Every contract between the components of a cluster peer.
 *
 * Conventions (see docs/ARCHITECTURE.md):
 * - Every async method takes an `AbortOptions` last.
 * - Streams are AsyncGenerators; pinsets are never returned as arrays.
 * - Errors are the classes of `./errors.ts`, matched by `name`.
 * - Long-lived components are {@link Startable}.
 */
import type { AddedOutput, Alert, BandwidthByProtocol, BlockWithCid, ConnectGraph, GlobalPinInfo, GlobalRepoGC, ID, IPFSID, IPFSPinInfo, IPFSRepoGC, IPFSRepoStat, Metric, PeerIdString, Pin, PinInfo, PinOptions, RepoGC, Version } from './api/types.js'
import type { CID } from 'multiformats/cid'

export interface AbortOptions {
  signal?: AbortSignal
}

/** A progress callback, fired with a named event and its detail. */
export interface ProgressEvent<T = unknown> {
  type: string
  detail: T
}

export interface ProgressOptions<T = unknown> {
  onProgress?: (evt: ProgressEvent<T>) => void
}

/**
 * A long-lived component. `start` must not assume other components have
 * started; `stop` must be idempotent and release every resource.
 */
export interface Startable {
  start(): Promise<void>
  stop(): Promise<void>
}

/**
 * Requests in flight at the peer's user-facing servers (REST API, Pinning
 * Service API, IPFS proxy). Background work (the pin tracker's IPFS pins)
 * gives way while they are busy.
 */
export interface RequestActivity {
  /** A request started; call the returned function once when it ends. */
  begin(): () => void
  /** Whether any request is in flight. */
  readonly busy: boolean
}

// ---------------------------------------------------------------------------
// Logging
// ---------------------------------------------------------------------------

/** Levels of go-log, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'dpanic' | 'panic' | 'fatal'

/**
 * A logger for one facility (Go facility names: `cluster`, `restapi`,
 * `ipfshttp`, `crdt`, `pintracker`, …). Arguments are formatted with
 * `util.format` semantics.
 */
export interface Logger {
  debug(msg: string, ...args: unknown[]): void
  info(msg: string, ...args: unknown[]): void
  warn(msg: string, ...args: unknown[]): void
  error(msg: string, ...args: unknown[]): void
  /** True when debug messages would be printed (guard expensive formatting). */
  readonly debugEnabled: boolean
}

export interface ComponentLogger {
  forComponent(facility: string): Logger
}

// ---------------------------------------------------------------------------
// Datastore
// ---------------------------------------------------------------------------

export interface QueryOptions extends AbortOptions {
  /** Resumes a listing: only keys sorting strictly after this one. */
  after?: string
}

/**
 * An ordered, persistent key-value store (keys are strings, values bytes).
 * Keys use `/`-separated namespaces (`/c/s/k/<key>/v`).
 */
export interface KVStore extends Startable {
  get(key: string, options?: AbortOptions): Promise<Uint8Array | undefined>
  has(key: string, options?: AbortOptions): Promise<boolean>
  /** Optional bulk read (one round-trip); same order as `keys`. */
  getMany?(keys: string[], options?: AbortOptions): Promise<Array<Uint8Array | undefined>>
  put(key: string, value: Uint8Array, options?: AbortOptions): Promise<void>
  delete(key: string, options?: AbortOptions): Promise<void>
  /** Atomic batch of puts (value) and deletes (value undefined). */
  batch(ops: Array<{ key: string, value?: Uint8Array }>, options?: AbortOptions): Promise<void>
  /** Entries whose key starts with `prefix` (and sorts after `after`, when given), in key order. */
  query(prefix: string, options?: QueryOptions & { keysOnly?: boolean, limit?: number }): AsyncGenerator<{ key: string, value: Uint8Array }>
  /**
   * Optional: the entries of `query(prefix)` in chunks (arrays of up to a
   * thousand entries, never empty), for consumers of millions of entries
   * that process a chunk synchronously.
   */
  queryChunks?(prefix: string, options?: QueryOptions): AsyncGenerator<Array<{ key: string, value: Uint8Array }>>
  /** Deletes every key starting with `prefix`; returns how many. */
  deletePrefix(prefix: string, options?: AbortOptions): Promise<number>
  /** Optional: deletes every key starting with `prefix` without counting them (faster). */
  clearPrefix?(prefix: string, options?: AbortOptions): Promise<void>
  /** Flushes writes to disk. */
  sync(options?: AbortOptions): Promise<void>
}

// ---------------------------------------------------------------------------
// State and consensus
// ---------------------------------------------------------------------------

export interface StateListOptions extends AbortOptions {
  /**
   * Resumes a listing where an earlier one stopped: only the pins whose
   * state key sorts after this CID's (stored pins are listed in key order).
   */
  after?: CID
}

export interface ReadOnlyState {
  /** Throws PinNotFoundError when absent. */
  get(cid: CID, options?: AbortOptions): Promise<Pin>
  has(cid: CID, options?: AbortOptions): Promise<boolean>
  /** Streams the whole pinset (never loads it in memory). */
  list(options?: StateListOptions): AsyncGenerator<Pin>
}

export interface WriteOnlyState {
  add(pin: Pin, options?: AbortOptions): Promise<void>
  rm(cid: CID, options?: AbortOptions): Promise<void>
}

export interface State extends ReadOnlyState, WriteOnlyState {}

/** A state whose writes are buffered until `commit`. */
export interface BatchingState extends State {
  commit(options?: AbortOptions): Promise<void>
}

export interface CRDTInfo {
  heads: CID[]
  maxHeight: bigint
  dirty: boolean
}

/**
 * Agreement on the shared pinset. For CRDT, a write is durable on local disk
 * and visible locally when `logPin` resolves, and is then replicated.
 */
export interface Consensus extends Startable {
  /** Resolves when the component can take writes. */
  ready(options?: AbortOptions): Promise<void>
  logPin(pin: Pin, options?: AbortOptions): Promise<void>
  logUnpin(pin: Pin, options?: AbortOptions): Promise<void>
  /** CRDT: no-op. */
  addPeer(peer: PeerIdString, options?: AbortOptions): Promise<void>
  /** CRDT: throws UnsupportedOperationError('crdt consensus component cannot remove peers'). */
  rmPeer(peer: PeerIdString, options?: AbortOptions): Promise<void>
  state(): ReadOnlyState
  /** Current peerset, self included, sorted. */
  peers(options?: AbortOptions): Promise<PeerIdString[]>
  /** Must be fast: called for every remote RPC request. */
  isTrustedPeer(peer: PeerIdString): boolean
  trust(peer: PeerIdString, options?: AbortOptions): Promise<void>
  distrust(peer: PeerIdString, options?: AbortOptions): Promise<void>
  /** Deletes all consensus state (used by leave_on_shutdown, state cleanup). */
  clean(options?: AbortOptions): Promise<void>
}

/**
 * Topic-based publish/subscribe among cluster peers (gossipsub on the
 * cluster host; an in-memory hub in tests).
 */
export interface PubSub {
  publish(topic: string, data: Uint8Array, options?: AbortOptions): Promise<void>
  /** Returns an unsubscribe function. `from` is the publisher's peer ID. */
  subscribe(topic: string, handler: (data: Uint8Array, from: PeerIdString) => void): () => void
}

/** Pluggable network side of the Merkle-CRDT. */
export interface CRDTBroadcaster {
  broadcast(data: Uint8Array, options?: AbortOptions): Promise<void>
  /** Registers the receiver of payloads from other peers (`from` = sender peer ID). */
  onMessage(handler: (data: Uint8Array, from: PeerIdString) => void): void
}

/** Fetches and stores the Merkle-DAG blocks of the CRDT. */
export interface DAGSyncer {
  get(cid: CID, options?: AbortOptions): Promise<Uint8Array>
  put(cid: CID, bytes: Uint8Array, options?: AbortOptions): Promise<void>
  has(cid: CID, options?: AbortOptions): Promise<boolean>
}

// ---------------------------------------------------------------------------
// IPFS
// ---------------------------------------------------------------------------

export interface PinProgress {
  /** Number of blocks fetched so far (Kubo `Progress`). */
  blocks: number
}

/**
 * The cluster's view of one IPFS daemon. Two implementations: `ipfshttp`
 * (Kubo RPC) and `embedded` (Helia in the peer). Both pass
 * test/compliance/ipfs-connector.ts.
 */
export interface IPFSConnector extends Startable {
  /** Resolves once the daemon answered `id` once. */
  ready(options?: AbortOptions): Promise<void>
  /** Never throws: failures fill `IPFSID.error`. */
  id(options?: AbortOptions): Promise<IPFSID>
  /**
   * Pins `pin.cid` with `pin.maxDepth`. Fails after `pin_timeout` without
   * progress (a stall timeout that resets on progress).
   */
  pin(pin: Pin, options?: AbortOptions & ProgressOptions<PinProgress>): Promise<void>
  /** Unpinning something not pinned is a success. */
  unpin(cid: CID, options?: AbortOptions): Promise<void>
  /** IPFSPinStatus of one CID for the pin's mode (`Unpinned` when not pinned). */
  pinLsCid(pin: Pin, options?: AbortOptions): Promise<number>
  /** Streams the daemon's pins of the given types (`recursive`, `direct`). */
  pinLs(typeFilters: string[], options?: AbortOptions): AsyncGenerator<IPFSPinInfo>
  /** Asks the daemon to connect to other peers' IPFS daemons. */
  connectSwarms(addrs: string[], options?: AbortOptions): Promise<void>
  swarmPeers(options?: AbortOptions): Promise<PeerIdString[]>
  configKey(key: string, options?: AbortOptions): Promise<unknown>
  repoStat(options?: AbortOptions): Promise<IPFSRepoStat>
  repoGC(options?: AbortOptions): AsyncGenerator<IPFSRepoGC>
  /** Resolves an IPFS path to a CID (no IPFS call for `/ipfs/<cid>`). */
  resolve(path: string, options?: AbortOptions): Promise<CID>
  /** Stores blocks (all blocks share a CID prefix). */
  blockStream(blocks: AsyncIterable<BlockWithCid>, options?: AbortOptions): Promise<void>
  blockGet(cid: CID, options?: AbortOptions): Promise<Uint8Array>
}

// ---------------------------------------------------------------------------
// Pin tracking
// ---------------------------------------------------------------------------

/**
 * Makes the local IPFS daemon follow the shared pinset (stateless tracker:
 * status is computed from operations in flight, the state and IPFS).
 */
export interface PinTracker extends Startable {
  /** Queues a pin (or unpin when not allocated here). Never waits for IPFS. */
  track(pin: Pin, options?: AbortOptions): Promise<void>
  untrack(cid: CID, options?: AbortOptions): Promise<void>
  status(cid: CID, options?: AbortOptions): Promise<PinInfo>
  /** Local statuses matching a TrackerStatus filter (0 = all). */
  statusAll(filter: number, options?: AbortOptions): AsyncGenerator<PinInfo>
  /** Re-queues errored items; returns the resulting status. */
  recover(cid: CID, options?: AbortOptions): Promise<PinInfo>
  /** Re-queues every errored item; yields only the re-queued ones. */
  recoverAll(options?: AbortOptions): AsyncGenerator<PinInfo>
  pinQueueSize(options?: AbortOptions): Promise<number>
}

// ---------------------------------------------------------------------------
// Metrics, monitoring, allocation
// ---------------------------------------------------------------------------

export interface Informer {
  /** The metric name it produces (`freespace`, `tag:group`, `pinqueue`, …). */
  readonly name: string
  /** Must return at least one metric. */
  getMetrics(options?: AbortOptions): Promise<Metric[]>
}

export interface PeerMonitorEvents {
  alert: Alert
}

export interface PeerMonitor extends Startable {
  /** Stores a metric locally. */
  logMetric(metric: Metric, options?: AbortOptions): Promise<void>
  /** Publishes a metric to every peer (and logs it locally). */
  publishMetric(metric: Metric, options?: AbortOptions): Promise<void>
  /** Latest valid metric of that name for each current peer. */
  latestMetrics(name: string, options?: AbortOptions): Promise<Metric[]>
  /** Latest metrics (valid or not) of a peer. */
  latestForPeer(name: string, peer: PeerIdString): Metric | undefined
  metricNames(): string[]
  /** Recent alerts, newest first. */
  alerts(): Alert[]
  onAlert(handler: (alert: Alert) => void): void
}

export interface PinAllocator {
  /**
   * Peers to allocate `cid` to, in order of preference.
   * `current`: peers already allocated; `candidates`: others;
   * `priority`: user allocations. Each map gives the peer's metrics.
   */
  allocate(cid: CID, current: Map<PeerIdString, Metric[]>, candidates: Map<PeerIdString, Metric[]>, priority: Map<PeerIdString, Metric[]>, options?: AbortOptions): Promise<PeerIdString[]>
  /** Metric names this allocator needs. */
  metrics(): string[]
}

// ---------------------------------------------------------------------------
// The cluster, as seen by the APIs
// ---------------------------------------------------------------------------

export interface AddParams {
  // UnixFS importer parameters
  chunker: string
  rawLeaves: boolean
  cidVersion: number
  hashFun: string
  layout: '' | 'balanced' | 'trickle'
  wrapWithDirectory: boolean
  format: 'unixfs' | 'car'
  progress: boolean
  noCopy: boolean
  // cluster parameters
  local: boolean
  recursive: boolean
  hidden: boolean
  shard: boolean
  streamChannels: boolean
  noPin: boolean
  pinOptions: PinOptions
}

/** One entry of an upload (file, directory or symlink), parents first. */
export interface AddEntry {
  /** Path relative to the upload root, `/`-separated, cleaned, no leading `/`. */
  path: string
  type: 'file' | 'directory' | 'symlink'
  /** File content (files) or link target (symlinks). */
  content?: AsyncIterable<Uint8Array>
  mode?: number
  mtime?: { secs: bigint, nsecs?: number }
}

/**
 * Everything the HTTP APIs and the proxy need from a cluster peer.
 * Global calls fan out to peers; `…Local` calls stay on this peer.
 */
export interface ClusterAPI {
  id(options?: AbortOptions): Promise<ID>
  version(): Version
  /** Every peer's ID, failures included as IDs with `error`. */
  peers(options?: AbortOptions): AsyncGenerator<ID>
  peerAdd(peer: PeerIdString, options?: AbortOptions): Promise<ID>
  peerRemove(peer: PeerIdString, options?: AbortOptions): Promise<void>

  pin(cid: CID, opts: PinOptions, options?: AbortOptions): Promise<Pin>
  /** Pins a full Pin object as is (adders: meta, shard, clusterdag pins). */
  pinObject(pin: Pin, options?: AbortOptions): Promise<Pin>
  pinPath(path: string, opts: PinOptions, options?: AbortOptions): Promise<Pin>
  unpin(cid: CID, options?: AbortOptions): Promise<Pin>
  unpinPath(path: string, options?: AbortOptions): Promise<Pin>
  /** The pinset, filtered by PinType bits. */
  pins(typeFilter: number, options?: AbortOptions): AsyncGenerator<Pin>
  pinGet(cid: CID, options?: AbortOptions): Promise<Pin>

  status(cid: CID, options?: AbortOptions): Promise<GlobalPinInfo>
  statusLocal(cid: CID, options?: AbortOptions): Promise<PinInfo>
  statusAll(filter: number, options?: AbortOptions): AsyncGenerator<GlobalPinInfo>
  statusAllLocal(filter: number, options?: AbortOptions): AsyncGenerator<PinInfo>
  recover(cid: CID, options?: AbortOptions): Promise<GlobalPinInfo>
  recoverLocal(cid: CID, options?: AbortOptions): Promise<PinInfo>
  recoverAll(options?: AbortOptions): AsyncGenerator<GlobalPinInfo>
  recoverAllLocal(options?: AbortOptions): AsyncGenerator<PinInfo>

  repoGC(options?: AbortOptions): Promise<GlobalRepoGC>
  repoGCLocal(options?: AbortOptions): Promise<RepoGC>
  /** Sum of RepoStat over every peer (proxy `repo/stat`). */
  repoStat(options?: AbortOptions): Promise<IPFSRepoStat>
  connectGraph(options?: AbortOptions): Promise<ConnectGraph>
  alerts(): Alert[]
  bandwidthByProtocol(): BandwidthByProtocol
  latestMetrics(name: string, options?: AbortOptions): Promise<Metric[]>
  metricNames(): string[]
  /** Cached IPFS identity of a peer from its ping metric (self when ''). */
  ipfsID(peer: PeerIdString): IPFSID

  /** Allocations for the blocks of an add. */
  blockAllocate(pin: Pin, options?: AbortOptions): Promise<PeerIdString[]>
  /** Imports content and pins it (REST `/add`, proxy `add`). */
  add(entries: AsyncIterable<AddEntry>, params: AddParams, options?: AbortOptions & ProgressOptions<AddedOutput>): AsyncGenerator<AddedOutput>
  /** Resolves an IPFS path through the local daemon. */
  resolve(path: string, options?: AbortOptions): Promise<CID>
  /** The local IPFS connector (proxy forwarding decisions, embedded reads). */
  ipfsConnector(): IPFSConnector
}
