import { CID } from 'multiformats/cid'
import { clonePin, mergePinInfo, newPin, pinInfoToGlobal, PinType, RPC_PROTOCOL, TrackerStatus, VERSION, cidToString, parseCid } from '../api/index.js'
import { FollowerModeError, InvalidArgumentError, InvalidPinError, PinNotFoundError, UnsupportedOperationError } from '../errors.js'
import { isAuthorizationError, multiCall } from '../rpc/index.js'
import { repeatingTask } from '../utils/repeating-task.js'
import { decodePingValue } from '../monitor/index.js'
import { clusterErrorInfo, syntheticPinInfo } from './pin-info.js'
import { mergeStatusStreams } from './status-merge.js'
import type { AddedOutput, Alert, BandwidthByProtocol, ConnectGraph, GlobalPinInfo, GlobalRepoGC, ID, IPFSID, IPFSRepoStat, Metric, PeerIdString, Pin, PinInfo, PinOptions, RepoGC, Version } from '../api/index.js'
import type { ClusterConfig } from '../config/types.js'
import type { AbortOptions, AddEntry, AddParams, ClusterAPI, ComponentLogger, Consensus, Informer, IPFSConnector, Logger, PeerMonitor, PinTracker, ProgressOptions, Startable } from '../interfaces.js'
import type { RPC } from '../rpc/index.js'
import type { RepeatingTask } from '../utils/repeating-task.js'
import type { PeerIdentity } from './pin-info.js'

/** Timeout of each per-peer status/recover call (reference: 15 s). */
const STATUS_TIMEOUT = 15_000
/** Timeout of the whole `peers` fan-out. */
const PEERS_TIMEOUT = 15_000

/** What the cluster needs from the libp2p host (absent on a lone peer). */
export interface ClusterHostInfo {
  /** Our listen addresses, each with `/p2p/<id>`. */
  addresses(): string[]
  /** Known addresses of a peer (with `/p2p/<id>`). */
  peerAddresses(peer: PeerIdString): Promise<string[]>
  bandwidthByProtocol?(): BandwidthByProtocol
}

/** Chooses allocations for a pin (see src/allocator). */
export type AllocateFn = (args: {
  cid: CID
  replicationFactorMin: number
  replicationFactorMax: number
  current: PeerIdString[]
  priority: PeerIdString[]
  blacklist: PeerIdString[]
}, options?: AbortOptions) => Promise<PeerIdString[]>

/** Imports content for `/add` (see src/adder). */
export interface Adder {
  add(entries: AsyncIterable<AddEntry>, params: AddParams, options?: AbortOptions & ProgressOptions<AddedOutput>): AsyncGenerator<AddedOutput>
}

/** Chooses the one peer that acts for a CID among trusted peers (expiry, repinning). */
export type ClosestPeerFn = (cid: CID, peers: PeerIdString[]) => PeerIdString | undefined

export interface ClusterComponents {
  peerId: PeerIdString
  logger: ComponentLogger
  consensus: Consensus
  tracker: PinTracker
  ipfs: IPFSConnector
  monitor: PeerMonitor
  informers: Informer[]
  rpc: RPC
  allocate: AllocateFn
  closestPeer: ClosestPeerFn
  host?: ClusterHostInfo
  adder?: Adder
  /** Re-broadcasts informer metrics now. */
  pushMetrics?: () => Promise<void>
}

export type ClusterInit = Pick<ClusterConfig, 'peername' | 'replicationFactorMin' | 'replicationFactorMax' | 'followerMode' | 'stateSyncInterval' | 'pinRecoverInterval' | 'disableRepinning' | 'pinOnlyOnTrustedPeers' | 'pinOnlyOnUntrustedPeers'>

/**
 * The cluster peer: orchestrates consensus, tracker, IPFS and monitor, and
 * serves the {@link ClusterAPI} used by the HTTP APIs. Global operations fan
 * out to peers through typed RPC; calls to self run in-process.
 */
export class Cluster implements ClusterAPI, Startable {
  private readonly log: Logger
  private readonly tasks: RepeatingTask[] = []
  private readyPromise?: Promise<void>
  private readyFlag = false
  private stopped = false
  private readonly controller = new AbortController()
  private ipfsIdCache: IPFSID = { id: '', addresses: [], error: '' }

  constructor (private readonly components: ClusterComponents, private readonly init: ClusterInit) {
    this.log = components.logger.forComponent('cluster')
    this.registerRPC()
  }

  get isReady (): boolean {
    return this.readyFlag
  }

  // -------------------------------------------------------------------------
  // Lifecycle
  // -------------------------------------------------------------------------

  async start (): Promise<void> {
    this.readyPromise = this.becomeReady()
    this.readyPromise.catch((err) => {
      if (!this.stopped) this.log.error('error while becoming ready: %s', (err as Error).message)
    })
    this.components.monitor.onAlert((alert) => { this.handleAlert(alert) })
  }

  /** Resolves when consensus and IPFS are ready (and logs like the reference). */
  async ready (options?: AbortOptions): Promise<void> {
    if (this.readyPromise == null) throw new Error('cluster not started')
    if (options?.signal == null) {
      await this.readyPromise
      return
    }
    await Promise.race([this.readyPromise, new Promise((_resolve, reject) => {
      options.signal?.addEventListener('abort', () => { reject(options.signal?.reason) }, { once: true })
    })])
  }

  private async becomeReady (): Promise<void> {
    const signal = this.controller.signal
    await this.components.consensus.ready({ signal })
    const peers = await this.components.consensus.peers({ signal })
    const others = peers.filter((p) => p !== this.components.peerId)
    this.log.info('Cluster Peers (without including ourselves):')
    if (others.length === 0) {
      this.log.info('    - No other peers')
    } else {
      for (const p of others) this.log.info(`    - ${p}`)
    }
    this.log.info('Waiting for IPFS to be ready...')
    await this.components.ipfs.ready({ signal })
    const ipfsId = await this.refreshIpfsId(signal)
    this.log.info(`IPFS is ready. Peer ID: ${ipfsId.id}`)
    this.readyFlag = true
    this.log.info('** IPFS Cluster is READY **')

    const recover = repeatingTask(async (s) => { await this.recoverAllInBackground(s) }, this.init.pinRecoverInterval, {
      runImmediately: true,
      onError: (err) => { this.log.warn('periodic recover failed: %s', (err as Error).message) }
    })
    const sync = repeatingTask(async (s) => { await this.stateSync(s) }, this.init.stateSyncInterval, {
      onError: (err) => { this.log.warn('state sync failed: %s', (err as Error).message) }
    })
    this.tasks.push(recover, sync)
    if (!this.stopped) {
      for (const t of this.tasks) t.start()
    }
  }

  async stop (): Promise<void> {
    this.stopped = true
    this.controller.abort()
    await Promise.all(this.tasks.map(async (t) => { await t.stop() }))
  }

  private async refreshIpfsId (signal?: AbortSignal): Promise<IPFSID> {
    const id = await this.components.ipfs.id({ signal })
    if (id.error === '') {
      this.ipfsIdCache = id
    }
    return id
  }

  // -------------------------------------------------------------------------
  // Identity and peers
  // -------------------------------------------------------------------------

  version (): Version {
    return { version: VERSION }
  }

  async id (options?: AbortOptions): Promise<ID> {
    const { peerId, host } = this.components
    const [peers, ipfs] = await Promise.all([
      this.components.consensus.peers(options).catch(() => null),
      this.refreshIpfsId(options?.signal)
    ])
    const peerAddrs: string[] = []
    if (peers != null && host != null) {
      for (const p of peers) {
        if (p !== peerId) peerAddrs.push(...await host.peerAddresses(p))
      }
    }
    return {
      id: peerId,
      addresses: host?.addresses() ?? [],
      clusterPeers: peers,
      clusterPeersAddresses: peerAddrs,
      version: VERSION,
      commit: '',
      rpcProtocolVersion: RPC_PROTOCOL,
      error: '',
      ipfs,
      peername: this.init.peername
    }
  }

  async * peers (options?: AbortOptions): AsyncGenerator<ID> {
    const members = await this.components.consensus.peers(options)
    const signal = AbortSignal.any([AbortSignal.timeout(PEERS_TIMEOUT), ...(options?.signal != null ? [options.signal] : [])])
    const failures: ID[] = []
    const results = await Promise.all(members.map(async (peer) => {
      try {
        const ids: ID[] = []
        for await (const id of this.components.rpc.stream(peer, 'Cluster.IDStream', null, { signal })) {
          ids.push(id)
        }
        return ids
      } catch (err) {
        if (!isAuthorizationError(err)) failures.push(errorID(peer, err as Error))
        return []
      }
    }))
    for (const ids of results) yield * ids
    yield * failures
  }

  async peerAdd (peer: PeerIdString, options?: AbortOptions): Promise<ID> {
    await this.components.consensus.addPeer(peer, options)
    const id = await this.components.rpc.call(peer, 'Cluster.ID', null, options)
    if (id.clusterPeers != null && !id.clusterPeers.includes(this.components.peerId)) {
      id.clusterPeers.push(this.components.peerId)
    }
    return id
  }

  async peerRemove (peer: PeerIdString, options?: AbortOptions): Promise<void> {
    // The reference re-allocates the peer's pins first, then removes it from
    // consensus; CRDT consensus cannot remove peers, so check that first and
    // do not move pins around for nothing.
    await this.components.consensus.rmPeer(peer, options)
  }

  // -------------------------------------------------------------------------
  // Pinning
  // -------------------------------------------------------------------------

  async pin (cid: CID, opts: PinOptions, options?: AbortOptions): Promise<Pin> {
    return await this.pinObject(newPin(cid, opts), options)
  }

  async pinPath (path: string, opts: PinOptions, options?: AbortOptions): Promise<Pin> {
    const cid = await this.resolve(path, options)
    return await this.pin(cid, opts, options)
  }

  async pinObject (input: Pin, options?: AbortOptions): Promise<Pin> {
    if (this.init.followerMode) throw new FollowerModeError()
    let pin = clonePin(input)
    if (pin.cid == null) throw new InvalidPinError()

    if (pin.pinUpdate != null && !pin.pinUpdate.equals(pin.cid)) {
      pin = await this.preparePinUpdate(pin, options)
      await this.components.consensus.logPin(pin, options)
      return pin
    }

    this.applyReplicationDefaults(pin)
    validateReplication(pin.replicationFactorMin, pin.replicationFactorMax)
    if (pin.replicationFactorMin === -1 && pin.replicationFactorMax === -1) {
      pin.allocations = []
    }
    if (pin.expireAt != null && pin.expireAt.getTime() < Date.now()) {
      throw new InvalidPinError('pin.ExpireAt set before current time')
    }

    let existing: Pin | undefined
    try {
      existing = await this.components.consensus.state().get(pin.cid, options)
    } catch (err) {
      if ((err as Error).name !== 'PinNotFoundError') throw err
    }
    if (existing != null) {
      if (existing.type !== pin.type) {
        throw new InvalidPinError(`cannot repin CID with different tracking method, clear state with pin rm to proceed. New: ${pinTypeName(pin.type)}. Was: ${pinTypeName(existing.type)}`)
      }
      if (existing.maxDepth < 0 && pin.maxDepth === 0) {
        throw new InvalidPinError('cannot repin a CID which is already pinned in recursive mode (new pin is pinned as direct). Unpin it first.')
      }
    }
    checkPinType(pin)
    pin.timestamp = new Date()

    if (pin.type !== PinType.Meta && !(pin.replicationFactorMin === -1 && pin.replicationFactorMax === -1) && pin.allocations.length === 0) {
      pin.allocations = await this.components.allocate({
        cid: pin.cid,
        replicationFactorMin: pin.replicationFactorMin,
        replicationFactorMax: pin.replicationFactorMax,
        current: existing?.allocations ?? [],
        priority: pin.userAllocations ?? [],
        blacklist: []
      }, options)
    }
    if (pin.allocations.length === 0 && pin.type !== PinType.Meta) {
      this.log.info(`pinning ${cidToString(pin.cid)} everywhere:`)
    } else if (pin.type !== PinType.Meta) {
      this.log.info(`pinning ${cidToString(pin.cid)} on ${pin.allocations.join(', ')}:`)
    }
    await this.components.consensus.logPin(pin, options)
    return pin
  }

  private applyReplicationDefaults (pin: Pin): void {
    if (pin.replicationFactorMin === 0) pin.replicationFactorMin = this.init.replicationFactorMin
    if (pin.replicationFactorMax === 0) pin.replicationFactorMax = this.init.replicationFactorMax
  }

  private async preparePinUpdate (pin: Pin, options?: AbortOptions): Promise<Pin> {
    const from = pin.pinUpdate as CID
    const existing = await this.components.consensus.state().get(from, options)
    if (existing.type !== PinType.Data) {
      throw new InvalidPinError('this pin type cannot be updated')
    }
    const updated = clonePin(existing)
    updated.cid = pin.cid
    updated.pinUpdate = from
    updated.timestamp = new Date()
    if (pin.name !== '') updated.name = pin.name
    if (pin.expireAt != null && pin.expireAt.getTime() > Date.now()) updated.expireAt = pin.expireAt
    return updated
  }

  async unpin (cid: CID, options?: AbortOptions): Promise<Pin> {
    if (this.init.followerMode) throw new FollowerModeError()
    const pin = await this.components.consensus.state().get(cid, options)
    switch (pin.type) {
      case PinType.Shard:
        throw new InvalidPinError('cannot unpin a shard directly. Unpin content root CID instead')
      case PinType.ClusterDAG:
        throw new InvalidPinError('cannot unpin a Cluster DAG directly. Unpin content root CID instead')
      case PinType.Meta:
        await this.unpinMeta(pin, options)
        break
      default:
        await this.components.consensus.logUnpin(pin, options)
    }
    return pin
  }

  /** Unpins a sharded upload: its cluster DAG, every shard, then the meta pin. */
  private async unpinMeta (meta: Pin, options?: AbortOptions): Promise<void> {
    const state = this.components.consensus.state()
    if (meta.reference != null) {
      let clusterDag: Pin | undefined
      try {
        clusterDag = await state.get(meta.reference, options)
      } catch (err) {
        if ((err as Error).name !== 'PinNotFoundError') throw err
      }
      if (clusterDag != null) {
        for (const shard of await this.shardsOf(clusterDag, options)) {
          try {
            const shardPin = await state.get(shard, options)
            await this.components.consensus.logUnpin(shardPin, options)
          } catch (err) {
            if ((err as Error).name !== 'PinNotFoundError') throw err
          }
        }
        await this.components.consensus.logUnpin(clusterDag, options)
      }
    }
    await this.components.consensus.logUnpin(meta, options)
  }

  /** Shard CIDs linked from a cluster-DAG node (dag-cbor map of index → link). */
  private async shardsOf (clusterDag: Pin, options?: AbortOptions): Promise<CID[]> {
    const { decode } = await import('@ipld/dag-cbor')
    const bytes = await this.components.ipfs.blockGet(clusterDag.cid, options)
    const node = decode(bytes) as Record<string, unknown>
    const out: CID[] = []
    for (const v of Object.values(node)) {
      const cid = CID.asCID(v)
      if (cid != null) out.push(cid)
    }
    return out
  }

  async unpinPath (path: string, options?: AbortOptions): Promise<Pin> {
    const cid = await this.resolve(path, options)
    return await this.unpin(cid, options)
  }

  async * pins (typeFilter: number, options?: AbortOptions): AsyncGenerator<Pin> {
    for await (const pin of this.components.consensus.state().list(options)) {
      if (typeFilter === PinType.All || (pin.type & typeFilter) !== 0) {
        yield pin
      }
    }
  }

  async pinGet (cid: CID, options?: AbortOptions): Promise<Pin> {
    return await this.components.consensus.state().get(cid, options)
  }

  async resolve (path: string, options?: AbortOptions): Promise<CID> {
    const bare = /^\/ipfs\/([^/]+)\/?$/.exec(path)
    if (bare != null) return parseCid(bare[1])
    if (!path.startsWith('/')) return parseCid(path)
    return await this.components.ipfs.resolve(path, options)
  }

  // -------------------------------------------------------------------------
  // Status and recover
  // -------------------------------------------------------------------------

  /** Peername and IPFS identity of a peer, from its latest ping metric. */
  private identityOf (peer: PeerIdString): PeerIdentity {
    if (peer === this.components.peerId) {
      return { peername: this.init.peername, ipfs: this.ipfsIdCache }
    }
    const metric = this.components.monitor.latestForPeer('ping', peer)
    const value = metric != null ? decodePingValue(metric.value) : {}
    return {
      peername: value.peerName ?? '',
      ipfs: { id: value.ipfsId ?? '', addresses: value.ipfsAddresses ?? [], error: '' }
    }
  }

  ipfsID (peer: PeerIdString): IPFSID {
    return this.identityOf(peer === '' ? this.components.peerId : peer).ipfs
  }

  async statusLocal (cid: CID, options?: AbortOptions): Promise<PinInfo> {
    return await this.components.tracker.status(cid, options)
  }

  async status (cid: CID, options?: AbortOptions): Promise<GlobalPinInfo> {
    return await this.fanOutCid(cid, 'PinTracker.Status', options)
  }

  async recoverLocal (cid: CID, options?: AbortOptions): Promise<PinInfo> {
    const state = this.components.consensus.state()
    const pin = await state.get(cid, options)
    if (pin.type === PinType.Meta && pin.reference != null) {
      // recover the cluster DAG and its shards too
      try {
        const dag = await state.get(pin.reference, options)
        for (const shard of await this.shardsOf(dag, options)) {
          await this.components.tracker.recover(shard, options).catch(() => {})
        }
        await this.components.tracker.recover(dag.cid, options).catch(() => {})
      } catch {}
    }
    return await this.components.tracker.recover(cid, options)
  }

  async recover (cid: CID, options?: AbortOptions): Promise<GlobalPinInfo> {
    return await this.fanOutCid(cid, 'PinTracker.Recover', options)
  }

  private async fanOutCid (cid: CID, method: 'PinTracker.Status' | 'PinTracker.Recover', options?: AbortOptions): Promise<GlobalPinInfo> {
    const members = this.init.followerMode ? [this.components.peerId] : await this.components.consensus.peers(options)
    let pin: Pin | null = null
    try {
      pin = await this.components.consensus.state().get(cid, options)
    } catch (err) {
      if ((err as Error).name !== 'PinNotFoundError') throw err
    }
    if (pin == null) {
      let g: GlobalPinInfo | undefined
      for (const peer of members) {
        g = mergePinInfo(g, syntheticPinInfo(cid, peer, this.identityOf(peer), TrackerStatus.Unpinned, null))
      }
      const out = g ?? pinInfoToGlobal(syntheticPinInfo(cid, this.components.peerId, this.identityOf(this.components.peerId), TrackerStatus.Unpinned, null))
      out.allocations = []
      return out
    }
    const everywhere = pin.allocations.length === 0
    const asked = this.init.followerMode ? [this.components.peerId] : everywhere ? members : pin.allocations
    const results = await multiCall(this.components.rpc, asked, method, cid, { signal: options?.signal, timeout: STATUS_TIMEOUT })
    let g: GlobalPinInfo | undefined
    for (const r of results) {
      if (r.result != null) {
        g = mergePinInfo(g, r.result)
      } else if (r.error != null && !isAuthorizationError(r.error)) {
        g = mergePinInfo(g, clusterErrorInfo(cid, r.peer, this.identityOf(r.peer), r.error))
      }
    }
    if (!this.init.followerMode) {
      for (const peer of members) {
        if (!asked.includes(peer)) {
          g = mergePinInfo(g, syntheticPinInfo(cid, peer, this.identityOf(peer), TrackerStatus.Remote, pin))
        }
      }
    }
    return g ?? pinInfoToGlobal(syntheticPinInfo(cid, this.components.peerId, this.identityOf(this.components.peerId), TrackerStatus.Remote, pin))
  }

  async * statusAllLocal (filter: number, options?: AbortOptions): AsyncGenerator<PinInfo> {
    yield * this.components.tracker.statusAll(filter, options)
  }

  async * statusAll (filter: number, options?: AbortOptions): AsyncGenerator<GlobalPinInfo> {
    yield * this.fanOutStream('PinTracker.StatusAll', filter, options)
  }

  async * recoverAllLocal (options?: AbortOptions): AsyncGenerator<PinInfo> {
    yield * this.components.tracker.recoverAll(options)
  }

  async * recoverAll (options?: AbortOptions): AsyncGenerator<GlobalPinInfo> {
    yield * this.fanOutStream('Cluster.RecoverAllLocal', null, options)
  }

  /**
   * Streams PinInfos from every member and merges them per CID with a
   * k-way merge in state key order (see status-merge.ts): memory holds one
   * item per member, not the pinset. With a single member, items are
   * streamed through.
   */
  private async * fanOutStream (method: 'PinTracker.StatusAll' | 'Cluster.RecoverAllLocal', arg: number | null, options?: AbortOptions): AsyncGenerator<GlobalPinInfo> {
    const members = this.init.followerMode ? [this.components.peerId] : await this.components.consensus.peers(options)
    const call = (peer: PeerIdString, signal: AbortSignal): AsyncGenerator<PinInfo> => method === 'PinTracker.StatusAll'
      ? this.components.rpc.stream(peer, method, arg as number, { signal })
      : this.components.rpc.stream(peer, method, null, { signal })

    if (members.length === 1 && members[0] === this.components.peerId) {
      for await (const info of call(members[0], options?.signal ?? new AbortController().signal)) {
        yield pinInfoToGlobal(info)
      }
      return
    }
    yield * mergeStatusStreams(members.map((peer) => ({ peer, open: (signal) => call(peer, signal) })), {
      signal: options?.signal,
      errorInfo: (cid, peer, err) => clusterErrorInfo(cid, peer, this.identityOf(peer), err),
      ignoreError: isAuthorizationError
    })
  }

  private async recoverAllInBackground (signal: AbortSignal): Promise<void> {
    let n = 0
    for await (const _ of this.components.tracker.recoverAll({ signal })) {
      n++
    }
    if (n > 0) this.log.info(`recovered ${n} items`)
  }

  // -------------------------------------------------------------------------
  // Expiry and repinning
  // -------------------------------------------------------------------------

  private async trustedMembers (signal?: AbortSignal): Promise<PeerIdString[]> {
    const members = await this.components.consensus.peers({ signal })
    return members.filter((p) => this.components.consensus.isTrustedPeer(p))
  }

  /** Unpins expired pins for which this peer is the closest trusted peer. */
  async stateSync (signal?: AbortSignal): Promise<void> {
    if (this.init.followerMode) return
    const trusted = await this.trustedMembers(signal)
    const now = Date.now()
    const expired: Pin[] = []
    for await (const pin of this.components.consensus.state().list({ signal })) {
      if (pin.expireAt != null && pin.expireAt.getTime() <= now &&
          this.components.closestPeer(pin.cid, trusted) === this.components.peerId) {
        expired.push(pin)
        if (expired.length >= 1000) break
      }
    }
    for (const pin of expired) {
      this.log.info(`Unpinning ${cidToString(pin.cid)}: pin expired at ${pin.expireAt?.toISOString() ?? ''}`)
      await this.unpin(pin.cid, { signal }).catch((err) => {
        this.log.warn('error unpinning expired pin %s: %s', cidToString(pin.cid), (err as Error).message)
      })
    }
  }

  private handleAlert (alert: Alert): void {
    if (alert.name !== 'ping' || this.init.disableRepinning || this.stopped) return
    this.repinFromPeer(alert.peer).catch((err) => {
      this.log.warn('repinning from %s failed: %s', alert.peer, (err as Error).message)
    })
  }

  /** Re-allocates every pin allocated to `peer` for which we are the closest trusted peer. */
  private async repinFromPeer (peer: PeerIdString): Promise<void> {
    const signal = this.controller.signal
    const trusted = await this.trustedMembers(signal)
    for await (const pin of this.components.consensus.state().list({ signal })) {
      if (!pin.allocations.includes(peer)) continue
      if (this.components.closestPeer(pin.cid, trusted) !== this.components.peerId) continue
      const allocations = await this.components.allocate({
        cid: pin.cid,
        replicationFactorMin: pin.replicationFactorMin,
        replicationFactorMax: pin.replicationFactorMax,
        current: pin.allocations.filter((p) => p !== peer),
        priority: [],
        blacklist: [peer]
      }, { signal }).catch((err: Error) => {
        this.log.warn(`cannot re-allocate ${cidToString(pin.cid)}: ${err.message}`)
        return null
      })
      if (allocations == null) continue
      const updated = clonePin(pin)
      updated.allocations = allocations
      updated.timestamp = new Date()
      this.log.info(`repinning ${cidToString(pin.cid)} out of ${peer}`)
      await this.components.consensus.logPin(updated, { signal })
    }
  }

  // -------------------------------------------------------------------------
  // IPFS maintenance and health
  // -------------------------------------------------------------------------

  async repoGCLocal (options?: AbortOptions): Promise<RepoGC> {
    const out: RepoGC = { peer: this.components.peerId, peername: this.init.peername, keys: [], error: '' }
    for await (const k of this.components.ipfs.repoGC(options)) {
      out.keys.push(k)
    }
    return out
  }

  async repoGC (options?: AbortOptions): Promise<GlobalRepoGC> {
    const members = await this.components.consensus.peers(options)
    const peerMap = new Map<PeerIdString, RepoGC>()
    for (const peer of members) {
      try {
        peerMap.set(peer, await this.components.rpc.call(peer, 'Cluster.RepoGCLocal', null, options))
      } catch (err) {
        if (isAuthorizationError(err)) continue
        peerMap.set(peer, { peer, peername: this.identityOf(peer).peername, keys: [], error: (err as Error).message })
      }
    }
    return { peerMap }
  }

  async repoStat (options?: AbortOptions): Promise<IPFSRepoStat> {
    const members = await this.components.consensus.peers(options)
    const results = await multiCall(this.components.rpc, members, 'IPFSConnector.RepoStat', null, options)
    const out: IPFSRepoStat = { repoSize: 0n, storageMax: 0n }
    for (const r of results) {
      if (r.result == null) {
        this.log.debug('repo/stat of %s failed: %s', r.peer, r.error?.message)
        continue
      }
      out.repoSize += r.result.repoSize
      out.storageMax += r.result.storageMax
    }
    return out
  }

  async connectGraph (options?: AbortOptions): Promise<ConnectGraph> {
    const { peerId, rpc, consensus } = this.components
    const graph: ConnectGraph = {
      clusterId: peerId,
      idToPeername: new Map(),
      ipfsLinks: new Map(),
      clusterLinks: new Map(),
      clusterTrustLinks: new Map(),
      clusterToIpfs: new Map()
    }
    const members = await consensus.peers(options)
    await Promise.all(members.map(async (peer) => {
      graph.clusterTrustLinks.set(peer, consensus.isTrustedPeer(peer))
      try {
        const seen: string[] = []
        for await (const id of rpc.stream(peer, 'Cluster.Peers', null, options)) {
          if (id.id === peer) {
            graph.idToPeername.set(peer, id.peername)
            if (id.ipfs.id !== '') graph.clusterToIpfs.set(peer, id.ipfs.id)
          } else if (id.error === '') {
            seen.push(id.id)
          }
        }
        graph.clusterLinks.set(peer, seen)
      } catch (err) {
        this.log.debug('connect graph: %s unreachable: %s', peer, (err as Error).message)
        graph.clusterLinks.set(peer, [])
        return
      }
      const ipfsId = graph.clusterToIpfs.get(peer)
      if (ipfsId == null) return
      try {
        graph.ipfsLinks.set(ipfsId, await rpc.call(peer, 'IPFSConnector.SwarmPeers', null, options))
      } catch (err) {
        this.log.debug('connect graph: swarm peers of %s failed: %s', peer, (err as Error).message)
        graph.ipfsLinks.set(ipfsId, [])
      }
    }))
    return graph
  }

  alerts (): Alert[] {
    return this.components.monitor.alerts()
  }

  bandwidthByProtocol (): BandwidthByProtocol {
    return this.components.host?.bandwidthByProtocol?.() ?? null
  }

  async latestMetrics (name: string, options?: AbortOptions): Promise<Metric[]> {
    return await this.components.monitor.latestMetrics(name, options)
  }

  metricNames (): string[] {
    return this.components.monitor.metricNames()
  }

  ipfsConnector (): IPFSConnector {
    return this.components.ipfs
  }

  // -------------------------------------------------------------------------
  // Adding content
  // -------------------------------------------------------------------------

  async blockAllocate (pin: Pin, options?: AbortOptions): Promise<PeerIdString[]> {
    if (this.init.followerMode) throw new FollowerModeError()
    const p = clonePin(pin)
    this.applyReplicationDefaults(p)
    validateReplication(p.replicationFactorMin, p.replicationFactorMax)
    if (p.replicationFactorMin === -1 && p.replicationFactorMax === -1) {
      const metrics = await this.components.monitor.latestMetrics('ping', options)
      const peers = new Set(metrics.map((m) => m.peer))
      peers.add(this.components.peerId)
      return [...peers].sort()
    }
    return await this.components.allocate({
      cid: p.cid,
      replicationFactorMin: p.replicationFactorMin,
      replicationFactorMax: p.replicationFactorMax,
      current: [],
      priority: p.userAllocations ?? [],
      blacklist: []
    }, options)
  }

  async * add (entries: AsyncIterable<AddEntry>, params: AddParams, options?: AbortOptions & ProgressOptions<AddedOutput>): AsyncGenerator<AddedOutput> {
    if (this.components.adder == null) {
      throw new UnsupportedOperationError('adding content is not available on this peer')
    }
    yield * this.components.adder.add(entries, params, options)
  }

  // -------------------------------------------------------------------------
  // RPC handlers (what other peers, and this peer, may call)
  // -------------------------------------------------------------------------

  private registerRPC (): void {
    const { rpc, tracker, ipfs, consensus, monitor } = this.components
    rpc.register({
      'Cluster.ID': async (_arg, ctx) => await this.id(ctx),
      'Cluster.IDStream': (_arg, ctx) => this.idStream(ctx),
      'Cluster.Version': async () => this.version(),
      'Cluster.PeerAdd': async (peer, ctx) => await this.peerAdd(peer, ctx),
      'Cluster.PeerRemove': async (peer, ctx) => { await this.peerRemove(peer, ctx); return null },
      'Cluster.Peers': (_arg, ctx) => this.peers(ctx),
      'Cluster.RecoverAllLocal': (_arg, ctx) => this.recoverAllLocal(ctx),
      'Cluster.RecoverLocal': async (cid, ctx) => await this.recoverLocal(cid, ctx),
      'Cluster.RepoGCLocal': async (_arg, ctx) => await this.repoGCLocal(ctx),
      'Cluster.SendInformersMetrics': async () => { await this.components.pushMetrics?.(); return null },
      'PinTracker.Recover': async (cid, ctx) => await tracker.recover(cid, ctx),
      'PinTracker.Status': async (cid, ctx) => await tracker.status(cid, ctx),
      'PinTracker.StatusAll': (filter, ctx) => tracker.statusAll(filter, ctx),
      'PinTracker.Track': async (pin, ctx) => { await tracker.track(pin, ctx); return null },
      'PinTracker.Untrack': async (cid, ctx) => { await tracker.untrack(cid, ctx); return null },
      'PinTracker.PinQueueSize': async (_arg, ctx) => await tracker.pinQueueSize(ctx),
      'IPFSConnector.BlockStream': async (blocks, ctx) => { await ipfs.blockStream(blocks, ctx); return null },
      'IPFSConnector.RepoStat': async (_arg, ctx) => await ipfs.repoStat(ctx),
      'IPFSConnector.SwarmPeers': async (_arg, ctx) => await ipfs.swarmPeers(ctx),
      'IPFSConnector.BlockGet': async (cid, ctx) => await ipfs.blockGet(cid, ctx),
      'Consensus.AddPeer': async (peer, ctx) => { await consensus.addPeer(peer, ctx); return null },
      'Consensus.RmPeer': async (peer, ctx) => { await consensus.rmPeer(peer, ctx); return null },
      'Consensus.Peers': async (_arg, ctx) => await consensus.peers(ctx),
      'PeerMonitor.LatestMetrics': async (name, ctx) => await monitor.latestMetrics(name, ctx),
      'PeerMonitor.MetricNames': async () => monitor.metricNames()
    })
  }

  private async * idStream (options?: AbortOptions): AsyncGenerator<ID> {
    yield await this.id(options)
  }
}

function errorID (peer: PeerIdString, err: Error): ID {
  return {
    id: peer,
    addresses: null,
    clusterPeers: null,
    clusterPeersAddresses: null,
    version: '',
    commit: '',
    rpcProtocolVersion: '',
    error: err.message,
    ipfs: { id: '', addresses: null, error: '' },
    peername: ''
  }
}

function pinTypeName (t: number): string {
  switch (t) {
    case PinType.Data: return 'pin'
    case PinType.Meta: return 'meta-pin'
    case PinType.ClusterDAG: return 'clusterdag-pin'
    case PinType.Shard: return 'shard-pin'
    default: return 'bad-type'
  }
}

/** Replication factor rules of the reference (§10.3, config validation). */
export function validateReplication (min: number, max: number): void {
  if (min === 0 || max === 0) {
    throw new InvalidPinError('cluster.replication_factor_min and max must be set')
  }
  if (min < -1) throw new InvalidPinError('cluster.replication_factor_min is wrong')
  if (max < -1) throw new InvalidPinError('cluster.replication_factor_max is wrong')
  if ((min === -1) !== (max === -1)) {
    throw new InvalidPinError('cluster.replication_factor_min and max must be -1 when one of them is')
  }
  if (min > max) throw new InvalidPinError('cluster.replication_factor_min is larger than max')
}

/** Type-specific checks of the reference. */
function checkPinType (pin: Pin): void {
  switch (pin.type) {
    case PinType.Data:
      if (pin.reference != null) throw new InvalidPinError('data pins should not reference other pins')
      break
    case PinType.Shard:
      if (pin.maxDepth !== 1 && pin.maxDepth !== 2) throw new InvalidPinError('must pin shards go depth 1')
      break
    case PinType.ClusterDAG:
      if (pin.maxDepth !== 0) throw new InvalidPinError('must pin roots directly')
      if (pin.reference == null) throw new InvalidPinError('clusterDAG pins should reference a Meta pin')
      break
    case PinType.Meta:
      if (pin.allocations.length !== 0) throw new InvalidPinError('meta pins should not specify allocations')
      if (pin.reference == null) throw new InvalidPinError('metaPins should reference a ClusterDAG')
      break
    default:
      throw new InvalidArgumentError('unrecognized pin type')
  }
}

export { PinNotFoundError }
