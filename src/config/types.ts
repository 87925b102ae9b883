/**
 * Typed configuration of every component, as the components receive it.
 * The JSON schema of each section (snake_case keys, defaults, validation,
 * env overrides) lives in `src/config/sections/*.ts`; these are the parsed
 * values. Durations are milliseconds; absolute paths are already resolved
 * against the config folder where the spec says so.
 */

export interface ConnectionManagerConfig {
  highWater: number
  lowWater: number
  gracePeriod: number
}

export interface ResourceManagerConfig {
  enabled: boolean
  memoryLimitBytes: number
  fileDescriptorsLimit: number
}

export interface PubsubConfig {
  seenMessagesTTL: number
  heartbeatInterval: number
  dFactor: number
  historyGossip: number
  historyLength: number
  floodPublish: boolean
}

/** `cluster` section. */
export interface ClusterConfig {
  peername: string
  /** 32 bytes, or empty for no private network. */
  secret: Uint8Array
  leaveOnShutdown: boolean
  listenMultiaddress: string[]
  announceMultiaddress: string[]
  noAnnounceMultiaddress: string[]
  enableRelayHop: boolean
  connectionManager: ConnectionManagerConfig
  resourceManager: ResourceManagerConfig
  pubsub: PubsubConfig
  dialPeerTimeout: number
  stateSyncInterval: number
  pinRecoverInterval: number
  replicationFactorMin: number
  replicationFactorMax: number
  monitorPingInterval: number
  peerWatchInterval: number
  mdnsInterval: number
  pinOnlyOnTrustedPeers: boolean
  pinOnlyOnUntrustedPeers: boolean
  disableRepinning: boolean
  followerMode: boolean
  /** Absolute path of the peerstore file. */
  peerstorePath: string
  peerAddresses: string[]
  /** Absolute config folder. */
  baseDir: string
}

/** `consensus.crdt` section. */
export interface CRDTConfig {
  clusterName: string
  /** Peer IDs; `trustAll` is set when the list contains `*`. */
  trustedPeers: string[]
  trustAll: boolean
  batching: {
    maxBatchSize: number
    maxBatchAge: number
    maxQueueSize: number
  }
  repairInterval: number
  rebroadcastInterval: number
  peersetMetric: string
  datastoreNamespace: string
}

/** `consensus.raft` section (accepted and preserved; see docs/ARCHITECTURE.md). */
export interface RaftConfig {
  dataFolder: string
  initPeerset: string[]
  waitForLeaderTimeout: number
  networkTimeout: number
  commitRetries: number
  commitRetryDelay: number
  backupsRotate: number
  heartbeatTimeout: number
  electionTimeout: number
  commitTimeout: number
  maxAppendEntries: number
  trailingLogs: number
  snapshotInterval: number
  snapshotThreshold: number
  leaderLeaseTimeout: number
}

/** `api.restapi` and `api.pinsvcapi` sections (shared schema). */
export interface HTTPAPIConfig {
  httpListenMultiaddress: string[]
  /** Absolute paths, or '' when TLS is off. */
  sslCertFile: string
  sslKeyFile: string
  readTimeout: number
  readHeaderTimeout: number
  writeTimeout: number
  idleTimeout: number
  maxHeaderBytes: number
  libp2pListenMultiaddress: string[]
  id: string
  privateKey: string
  /** null = no authentication. */
  basicAuthCredentials: Record<string, string> | null
  /** Absolute path or ''. */
  httpLogFile: string
  headers: Record<string, string[]>
  corsAllowedOrigins: string[] | null
  corsAllowedMethods: string[] | null
  corsAllowedHeaders: string[] | null
  corsExposedHeaders: string[] | null
  corsAllowCredentials: boolean
  corsMaxAge: number
}

/** `api.ipfsproxy` section. */
export interface IPFSProxyConfig {
  listenMultiaddress: string[]
  nodeMultiaddress: string
  nodeHttps: boolean
  logFile: string
  readTimeout: number
  readHeaderTimeout: number
  writeTimeout: number
  idleTimeout: number
  maxHeaderBytes: number
  extractHeadersExtra: string[]
  extractHeadersPath: string
  extractHeadersTTL: number
}

/** `ipfs_connector.ipfshttp` section. */
export interface IPFSHTTPConfig {
  nodeMultiaddress: string
  connectSwarmsDelay: number
  ipfsRequestTimeout: number
  pinTimeout: number
  unpinTimeout: number
  repogcTimeout: number
  informerTriggerInterval: number
  unpinDisable: boolean
}

/**
 * `ipfs_connector.embedded` section (our extension: an IPFS node inside the
 * peer, used when no Kubo is configured).
 */
export interface EmbeddedIPFSConfig {
  /** Swarm listen addresses of the embedded node. */
  listenMultiaddress: string[]
  announceMultiaddress: string[]
  /** Absolute folder holding blocks, pins and the node key. */
  folder: string
  /** Reported as StorageMax by repo/stat (bytes). */
  storageMax: number
  pinTimeout: number
  unpinTimeout: number
  ipfsRequestTimeout: number
  connectSwarmsDelay: number
}

/** `pin_tracker.stateless` section. */
export interface StatelessTrackerConfig {
  maxPinQueueSize: number
  concurrentPins: number
  priorityPinMaxAge: number
  priorityPinMaxRetries: number
}

/** `monitor.pubsubmon` section. */
export interface PubsubMonConfig {
  checkInterval: number
}

/** `allocator.balanced` section. */
export interface BalancedAllocatorConfig {
  allocateBy: string[]
}

export interface DiskInformerConfig {
  metricTTL: number
  metricType: 'freespace' | 'reposize'
}

export interface TagsInformerConfig {
  metricTTL: number
  tags: Record<string, string>
}

export interface PinQueueInformerConfig {
  metricTTL: number
  weightBucketSize: number
}

export interface MetricsConfig {
  enableStats: boolean
  prometheusEndpoint: string
  reportingInterval: number
}

export interface TracingConfig {
  enableTracing: boolean
  jaegerAgentEndpoint: string
  samplingProb: number
  serviceName: string
}

/** `datastore.<backend>` section: only the folder matters to us. */
export interface DatastoreConfig {
  backend: 'pebble' | 'badger' | 'badger3' | 'leveldb'
  /** Absolute datastore folder. */
  folder: string
}

/** The identity of a peer (`identity.json`). */
export interface Identity {
  /** base58 peer ID. */
  id: string
  /** base64 protobuf-encoded libp2p private key. */
  privateKey: string
}

/** The loaded configuration of a peer: present sections only. */
export interface PeerConfig {
  cluster: ClusterConfig
  consensus: { crdt?: CRDTConfig, raft?: RaftConfig }
  api: { restapi?: HTTPAPIConfig, pinsvcapi?: HTTPAPIConfig, ipfsproxy?: IPFSProxyConfig }
  ipfsConnector: { ipfshttp?: IPFSHTTPConfig, embedded?: EmbeddedIPFSConfig }
  pinTracker: { stateless: StatelessTrackerConfig }
  monitor: { pubsubmon: PubsubMonConfig }
  allocator: { balanced: BalancedAllocatorConfig }
  informer: { disk?: DiskInformerConfig, tags?: TagsInformerConfig, pinqueue?: PinQueueInformerConfig }
  observations: { metrics: MetricsConfig, tracing: TracingConfig }
  datastore?: DatastoreConfig
}
