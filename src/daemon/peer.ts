/**
 * Builds and runs a whole cluster peer from its loaded configuration:
 * datastore, libp2p host, RPC, consensus, IPFS connector, tracker, monitor,
 * informers, allocator, cluster orchestrator, HTTP APIs and the peer
 * manager. Start and stop follow the reference order (CLI spec §2.5).
 */
import '../polyfill.js'
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { VERSION } from '../api/index.js'
import { createAdder } from '../adder/index.js'
import { allocate, closestPeer, createBalancedAllocator, gatherMetrics } from '../allocator/index.js'
import { createCluster } from '../cluster/index.js'
import { PeerManager } from '../cluster/peer-manager.js'
import { readPeerstore, writePeerstore } from '../config/index.js'
import { createCRDTConsensus } from '../consensus/crdt/index.js'
import { createBitswapDAGSyncer } from '../consensus/network/index.js'
import { createKVStore } from '../datastore/index.js'
import { createClusterHost } from '../host/index.js'
import { createDiskInformer, createPinQueueInformer, createTagsInformer } from '../informer/index.js'
import { createIPFSHTTPConnector } from '../ipfsconn/ipfshttp/index.js'
import { createMetricsPusher, createPubsubMonitor, METRICS_TOPIC, newPingMetric } from '../monitor/index.js'
import { createIPFSProxy } from '../ipfsproxy/index.js'
import { createPinningServiceAPI } from '../pinsvcapi/index.js'
import { createStatelessPinTracker } from '../pintracker/index.js'
import { createRequestActivity } from '../utils/activity.js'
import { createRESTAPI } from '../restapi/index.js'
import { createRPC, multiCall } from '../rpc/index.js'
import { Libp2pRPCTransport } from '../rpc/libp2p-transport.js'
import { crdtSettings } from './consensus-config.js'
import type { Cluster } from '../cluster/index.js'
import type { RPC } from '../rpc/index.js'
import type { Identity, PeerConfig } from '../config/types.js'
import type { AbortOptions, ComponentLogger, Consensus, Informer, IPFSConnector, KVStore, PinTracker, Startable } from '../interfaces.js'
import type { IPFSID } from '../api/index.js'

export interface PeerOptions {
  config: PeerConfig
  identity: Identity
  /** Sections present in service.json (`api.restapi`, `informer.disk`…). */
  present: Set<string>
  logger: ComponentLogger
  /** `daemon --bootstrap` addresses. */
  bootstrap?: string[]
}

export interface RunningPeer {
  readonly peerId: string
  readonly cluster: Cluster
  /** The peer's RPC (calls to other peers go through the libp2p host). */
  readonly rpc: RPC
  /** Resolves when consensus and IPFS are ready. */
  ready(): Promise<void>
  /** Joins the clusters of the `--bootstrap` addresses (logs failures). */
  bootstrap(addrs: string[]): Promise<void>
  /** Graceful shutdown in the reference order. */
  stop(): Promise<void>
  /** Bound addresses of the HTTP APIs, by section. */
  apiAddresses(): Record<string, string[]>
  /** The cluster host's listen addresses, each with `/p2p/<id>`. */
  addresses(): string[]
}

/** Creates and starts every component of a peer. */
export async function startPeer (opts: PeerOptions): Promise<RunningPeer> {
  const { config, identity, present, logger } = opts
  const log = logger.forComponent('cluster')
  const settings = crdtSettings(config)
  const crdtConfig = settings.crdt
  if (settings.kind === 'raft') {
    log.warn('raft consensus is not implemented: this peer runs the CRDT consensus with the raft data folder (all peers trusted). Re-initialise with --consensus crdt to silence this warning.')
  }
  const started: Startable[] = []
  const peername = config.cluster.peername

  // datastore
  const store: KVStore = createKVStore({ path: settings.folder })
  try {
    await store.start()
  } catch (err) {
    throw Object.assign(err as Error, { doing: 'opening datastore' })
  }
  started.push(store)
  log.info(`Datastore backend: ${settings.backend}`)

  // libp2p host
  const privateKey = privateKeyFromProtobuf(Buffer.from(identity.privateKey, 'base64'))
  const host = createClusterHost({ privateKey, logger }, {
    listenMultiaddress: config.cluster.listenMultiaddress,
    announceMultiaddress: config.cluster.announceMultiaddress,
    noAnnounceMultiaddress: config.cluster.noAnnounceMultiaddress,
    secret: config.cluster.secret,
    connectionManager: config.cluster.connectionManager,
    pubsub: config.cluster.pubsub,
    mdnsInterval: config.cluster.mdnsInterval,
    dialPeerTimeout: config.cluster.dialPeerTimeout
  })
  await host.start()
  started.push(host)
  const peerId = host.peerId

  // consensus needs the tracker and the monitor; they are created below and
  // referenced lazily through these holders
  let consensus!: Consensus
  let tracker!: PinTracker
  let ipfsIdCache: IPFSID = { id: '', addresses: [], error: '' }

  const rpc = createRPC({ peerId, isTrusted: (p) => consensus.isTrustedPeer(p), logger })
  const transport = new Libp2pRPCTransport({ libp2p: host.libp2p, logger: logger.forComponent('rpc') })
  await transport.start()
  started.push(transport)
  rpc.setTransport(transport)

  const monitor = createPubsubMonitor({ pubsub: host.pubsub, peerId, logger }, config.monitor.pubsubmon)

  // IPFS connector
  // the IPFS addresses of the other peers' daemons, from their IDs (RPC)
  const otherPeersIPFSAddrs = async (options?: AbortOptions): Promise<string[]> => {
    const out: string[] = []
    const peers = (await consensus.peers(options)).filter((p) => p !== peerId)
    for (const r of await multiCall(rpc, peers, 'Cluster.ID', null, { signal: options?.signal, timeout: 15_000 })) {
      const ipfs = r.result?.ipfs
      if (ipfs == null || ipfs.error !== '' || ipfs.id === '') continue
      for (const a of ipfs.addresses ?? []) out.push(a.includes('/p2p/') ? a : `${a}/p2p/${ipfs.id}`)
    }
    return out
  }
  let ipfs: IPFSConnector
  if (config.ipfsConnector.embedded != null && present.has('ipfs_connector.embedded')) {
    // loaded only when used (its module graph costs about half a second)
    const { createEmbeddedIPFS } = await import('../ipfsconn/embedded/index.js')
    ipfs = createEmbeddedIPFS({ logger, swarmPeerAddresses: otherPeersIPFSAddrs }, config.ipfsConnector.embedded)
  } else {
    const httpConfig = config.ipfsConnector.ipfshttp
    if (httpConfig == null) throw new Error('no IPFS connector configured')
    ipfs = createIPFSHTTPConnector({
      logger,
      peersIPFSAddresses: otherPeersIPFSAddrs,
      onMetricRelevantOp: () => { void pusher.pushNow().catch(() => {}) }
    }, httpConfig)
  }

  // DAG blocks live in the CRDT's store; bitswap serves them to other peers
  // and fetches missing ones (fetched blocks are stored by the CRDT engine)
  const dagSyncer = createBitswapDAGSyncer({
    libp2p: host.libp2p,
    blocks: {
      get: async (cid, o) => await crdtConsensus.getBlock(cid, o),
      put: async () => {},
      has: async (cid, o) => (await crdtConsensus.getBlock(cid, o)) != null
    },
    logger: logger.forComponent('crdt')
  })
  const crdtConsensus = createCRDTConsensus({
    store,
    peerId,
    logger,
    pubsub: host.pubsub,
    dagSyncer,
    peersetProvider: async () => {
      const peers = new Set<string>([peerId])
      for (const m of await monitor.latestMetrics(crdtConfig.peersetMetric)) peers.add(m.peer)
      return [...peers].sort()
    },
    onPin: async (pin) => { await tracker.track(pin) },
    onUnpin: async (cid) => { await tracker.untrack(cid) }
  }, crdtConfig)
  consensus = crdtConsensus
  await dagSyncer.start()
  started.push(dagSyncer)

  const activity = createRequestActivity()
  tracker = createStatelessPinTracker({
    ipfs,
    state: () => consensus.state(),
    peerId,
    peerName: () => peername,
    ipfsId: () => ({ id: ipfsIdCache.id, addresses: ipfsIdCache.addresses ?? [] }),
    logger,
    activity
  }, config.pinTracker.stateless)

  // informers
  const informers: Informer[] = []
  if (present.has('informer.disk') && config.informer.disk != null) {
    informers.push(createDiskInformer({ logger, repoStat: async (o) => await ipfs.repoStat(o) }, config.informer.disk))
  }
  if (present.has('informer.tags') && config.informer.tags != null) {
    informers.push(createTagsInformer({ logger }, config.informer.tags))
  }
  if (present.has('informer.pinqueue') && config.informer.pinqueue != null) {
    informers.push(createPinQueueInformer({ logger, pinQueueSize: async (o) => await tracker.pinQueueSize(o) }, config.informer.pinqueue))
  }
  if (informers.length === 0) {
    throw new Error('no informers are passed')
  }

  const allocator = createBalancedAllocator(config.allocator.balanced)
  const pusher = createMetricsPusher({
    monitor,
    peerId,
    logger,
    informers,
    pingValue: async () => ({ peerName: peername, ipfsId: ipfsIdCache.id, ipfsAddresses: ipfsIdCache.addresses ?? [] })
  }, { monitorPingInterval: config.cluster.monitorPingInterval })

  const cluster = createCluster({
    peerId,
    logger,
    consensus,
    tracker,
    ipfs,
    monitor,
    informers,
    rpc,
    host,
    allocate: async (args, options) => await allocate({
      ...args,
      pinOnlyOnTrustedPeers: config.cluster.pinOnlyOnTrustedPeers,
      pinOnlyOnUntrustedPeers: config.cluster.pinOnlyOnUntrustedPeers,
      isTrusted: (p) => consensus.isTrustedPeer(p),
      metrics: await gatherMetrics(monitor, allocator, options),
      allocator,
      logger: logger.forComponent('allocator')
    }, options),
    closestPeer,
    adder: createAdder({
      peerId,
      logger,
      allocate: async (pin, o) => await cluster.blockAllocate(pin, o),
      pin: async (pin, o) => await cluster.pinObject(pin, o),
      putBlocks: async (peer, blocks, o) => { await rpc.sink(peer, 'IPFSConnector.BlockStream', blocks, o) }
    }),
    pushMetrics: async () => { await pusher.pushNow() }
  }, config.cluster)

  // HTTP APIs come up first: they answer /version before the peer is ready
  const apis: Record<string, { start(): Promise<void>, stop(): Promise<void>, addresses(): string[] }> = {}
  if (present.has('api.restapi') && config.api.restapi != null) {
    apis.restapi = createRESTAPI({ cluster, logger, activity }, config.api.restapi)
  }
  if (present.has('api.pinsvcapi') && config.api.pinsvcapi != null) {
    apis.pinsvcapi = createPinningServiceAPI({ cluster, logger, activity }, config.api.pinsvcapi)
  }
  if (present.has('api.ipfsproxy') && config.api.ipfsproxy != null) {
    apis.ipfsproxy = createIPFSProxy({ cluster, logger, activity }, config.api.ipfsproxy)
  }
  for (const api of Object.values(apis)) {
    await api.start()
  }

  log.info(`IPFS Cluster v${VERSION} listening on:`)
  for (const a of host.addresses()) log.info(`        ${a}`)

  await ipfs.start()
  await consensus.start()
  await tracker.start()
  await monitor.start()
  await pusher.start()
  await cluster.start()

  // IPFS daemons of cluster peers connect to each other (what
  // `connect_swarms` does once after start): also as soon as a cluster peer
  // connects or enters the peerset, retrying while its IPFS is not ready.
  const shutdown = new AbortController()
  const ipfsLinked = new Map<string, number>()
  const connectIPFSTo = (remote: string, attempt = 0): void => {
    if (shutdown.signal.aborted || remote === peerId) return
    const last = ipfsLinked.get(remote)
    if (attempt === 0 && last != null && Date.now() - last < 5000) return
    ipfsLinked.set(remote, Date.now())
    void (async () => {
      const signal = AbortSignal.any([shutdown.signal, AbortSignal.timeout(15_000)])
      const id = await rpc.call(remote, 'Cluster.ID', null, { signal })
      const addrs = id.ipfs.error === '' && id.ipfs.id !== ''
        ? (id.ipfs.addresses ?? []).map((a) => a.includes('/p2p/') ? a : `${a}/p2p/${id.ipfs.id}`)
        : []
      if (addrs.length === 0) throw new Error(`IPFS of ${remote} is not ready`)
      await ipfs.connectSwarms(addrs, { signal })
    })().catch((err: Error) => {
      log.debug('connecting IPFS to the IPFS of %s: %s', remote, err.message)
      if (attempt < 5 && !shutdown.signal.aborted) {
        const t = setTimeout(() => { connectIPFSTo(remote, attempt + 1) }, 1000 * 2 ** attempt)
        t.unref?.()
      }
    })
  }
  host.onPeerConnect((remote) => { if (cluster.isReady) connectIPFSTo(remote) })

  // a peer that (re)subscribes to the metrics topic gets our ping and
  // metrics at once (not after monitor_ping_interval), and the CRDT heads
  // when it subscribes to the consensus topic
  let pingSoon: ReturnType<typeof setTimeout> | undefined
  host.onTopicSubscriber(METRICS_TOPIC, () => {
    if (pingSoon != null || shutdown.signal.aborted) return
    pingSoon = setTimeout(() => {
      pingSoon = undefined
      if (shutdown.signal.aborted) return
      void pusher.pushPing().catch(() => {})
      void pusher.pushNow().catch(() => {})
    }, 100)
  })
  let headsSoon: ReturnType<typeof setTimeout> | undefined
  host.onTopicSubscriber(crdtConsensus.topicName, () => {
    if (headsSoon != null || shutdown.signal.aborted) return
    headsSoon = setTimeout(() => {
      headsSoon = undefined
      if (shutdown.signal.aborted) return
      void crdtConsensus.rebroadcast().catch(() => {})
    }, 200)
  })

  const peerManager = new PeerManager({
    host,
    rpc,
    logger,
    readPeerstore: async () => await readPeerstore(config.cluster.peerstorePath),
    writePeerstore: async (addrs) => { await writePeerstore(config.cluster.peerstorePath, addrs) },
    onJoined: async (remote) => {
      // as the reference: a fake ping for the remote so it is in our peerset
      // now, and our own ping and informer metrics so we are in theirs
      await monitor.logMetric(newPingMetric(remote, 2 * config.cluster.monitorPingInterval))
      await pusher.pushPing().catch(() => {})
      await pusher.pushNow().catch(() => {})
      void (async () => {
        for await (const _ of tracker.recoverAll()) {}
      })().catch(() => {})
    },
    peerset: async (o) => await consensus.peers(o),
    onStartupConnect: (remote) => {
      void monitor.logMetric(newPingMetric(remote, 2 * config.cluster.monitorPingInterval)).catch(() => {})
    },
    onNewPeers: (peers) => {
      if (!cluster.isReady) return
      for (const p of peers) connectIPFSTo(p)
    }
  }, {
    peerAddresses: config.cluster.peerAddresses,
    trustedPeers: crdtConfig.trustAll ? [] : crdtConfig.trustedPeers.filter((p) => p !== '*'),
    lowWater: config.cluster.connectionManager.lowWater,
    watchInterval: Math.min(1000, config.cluster.monitorPingInterval)
  })
  await peerManager.start()

  const refreshIpfsId = async (): Promise<void> => {
    const id = await ipfs.id()
    if (id.error === '') ipfsIdCache = id
  }
  void cluster.ready().then(refreshIpfsId).catch(() => {})
  // peers that connected or entered the peerset before we were ready
  void cluster.ready().then(async () => {
    for (const p of new Set([...await consensus.peers(), ...host.connectedPeers()])) connectIPFSTo(p)
  }).catch(() => {})

  let stopped = false
  return {
    peerId,
    cluster,
    rpc,
    ready: async () => { await cluster.ready() },
    bootstrap: async (addrs) => {
      for (const addr of addrs) {
        log.info(`Bootstrapping to ${addr}`)
        try {
          await peerManager.join(addr)
        } catch (err) {
          log.warn(`bootstrap to ${addr} failed: ${(err as Error).message}`)
          continue
        }
        // saved at once, not only on a graceful stop: a peer killed before then still rejoins without --bootstrap
        await peerManager.savePeerstore().catch((err) => { log.warn('saving peerstore: %s', (err as Error).message) })
      }
    },
    addresses: () => host.addresses(),
    apiAddresses: () => Object.fromEntries(Object.entries(apis).map(([k, v]) => [k, v.addresses()])),
    stop: async () => {
      if (stopped) return
      stopped = true
      for (const api of Object.values(apis)) await api.stop().catch((err) => { log.warn('stopping API: %s', (err as Error).message) })
      shutdown.abort()
      clearTimeout(pingSoon)
      clearTimeout(headsSoon)
      const wasReady = cluster.isReady
      if (wasReady) {
        await peerManager.savePeerstore().catch((err) => { log.warn('saving peerstore: %s', (err as Error).message) })
      }
      // leave_on_shutdown (reference Shutdown): the peer counts as removed
      // even when consensus cannot remove it (CRDT), so its consensus state
      // is wiped below and the next start must bootstrap again
      let removed = false
      if (config.cluster.leaveOnShutdown && wasReady) {
        removed = true
        log.warn('attempting to leave the cluster. This may take some seconds')
        try {
          await consensus.rmPeer(peerId)
        } catch (err) {
          log.error(`leaving cluster: ${(err as Error).message}`)
        }
      }
      await peerManager.stop()
      await cluster.stop()
      await pusher.stop()
      await monitor.stop()
      await consensus.stop()
      if (removed) {
        await crdtConsensus.clean().catch((err) => { log.error('cleaning consensus: %s', (err as Error).message) })
      }
      await tracker.stop()
      await ipfs.stop()
      for (const s of started.reverse()) await s.stop().catch(() => {})
    }
  }
}
