import { base58btc } from 'multiformats/bases/base58'
import { cidFromDsKey, cidToDsKey } from '../../api/encoding.js'
import { NotStartedError, PinNotFoundError, UnsupportedOperationError, withoutStack } from '../../errors.js'
import { decodePinChunks } from '../../state/datastore-state.js'
import { pinFromProto, pinToProto } from '../../state/pin-codec.js'
import { DurableBatcher } from './batcher.js'
import { crdtTopicName } from './broadcaster.js'
import { DeltaBuilder } from './delta-builder.js'
import { GroupPublisher } from './group-publisher.js'
import type { PendingLookup } from './delta-builder.js'
import { MerkleCRDT } from './merkle-crdt.js'
import { compareBytes } from './sync.js'
import type { Pin, PeerIdString } from '../../api/types.js'
import type { AbortOptions, BatchingState, CRDTBroadcaster, CRDTInfo, ComponentLogger, Consensus, DAGSyncer, KVStore, Logger, PubSub, ReadOnlyState, StateListOptions } from '../../interfaces.js'
import type { CRDTConfig } from '../../config/types.js'
import type { CID } from 'multiformats/cid'

/** The library's cap on the serialised size of one delta (go-ds-crdt MaxBatchDeltaSize). */
export const DEFAULT_MAX_DELTA_SIZE = 1024 * 1024

export interface CRDTConsensusComponents {
  /** The peer's datastore (the CRDT lives under `datastoreNamespace`). */
  store: KVStore
  /** Our peer ID. */
  peerId: PeerIdString
  logger: ComponentLogger
  /** Peers with a valid `peersetMetric` (self is added). Default: none. */
  peersetProvider?: () => Promise<PeerIdString[]>
  /** Network side, option 1: a broadcaster for the CRDT payloads. */
  broadcaster?: CRDTBroadcaster
  /** Network side, option 2: pubsub, on the topic derived from `clusterName`. */
  pubsub?: PubSub
  /** Fetches DAG blocks from other peers (absent: local blocks only). */
  dagSyncer?: DAGSyncer
  /** A key got a new winning value (local or remote write). */
  onPin?: (pin: Pin) => Promise<void> | void
  /** A key left the pinset. */
  onUnpin?: (cid: CID) => Promise<void> | void
}

export interface CRDTConsensusInit extends CRDTConfig {
  /**
   * Offline tools (`state ...` commands): no network, no background tasks,
   * pending batched operations are visible but left in the log.
   */
  offline?: boolean
  /** Concurrent DAG block fetches (default 50). */
  numWorkers?: number
  /** ms per block fetch (default 2 min). */
  dagSyncerTimeout?: number
  /** Delta size cap in bytes (default 1 MiB). */
  maxDeltaSize?: number
  /** Blocks up to this size travel inline with new heads (default 2 MiB). */
  maxInlineBlockSize?: number
}

function peerSortKey (p: string): Uint8Array {
  try {
    return base58btc.baseDecode(p)
  } catch {
    return new TextEncoder().encode(p)
  }
}

/**
 * IPFS Cluster's CRDT consensus: the shared pinset is a Merkle-CRDT whose
 * keys are `/<base32 CID>` and values Pin protobufs.
 */
export class CRDTConsensus implements Consensus {
  private readonly store: KVStore
  private readonly self: PeerIdString
  private readonly log: Logger
  private readonly components: CRDTConsensusComponents
  private readonly cfg: CRDTConsensusInit
  private readonly engine: MerkleCRDT
  private readonly batcher?: DurableBatcher
  /** Without batching: concurrent writes share a DAG node (group commit). */
  private readonly group?: GroupPublisher
  private readonly trusted: Set<string>
  private readonly trustAll: boolean
  private readonly topic: string
  private unsubscribe?: () => void
  private broadcasterRegistered = false
  private started = false
  private readyPromise: Promise<void>
  private resolveReady!: () => void

  constructor (components: CRDTConsensusComponents, init: CRDTConsensusInit) {
    this.components = components
    this.cfg = init
    this.store = components.store
    this.self = components.peerId
    this.log = components.logger.forComponent('crdt')
    this.trusted = new Set(init.trustedPeers.filter((p) => p !== '*'))
    this.trustAll = init.trustAll || init.trustedPeers.includes('*')
    this.topic = crdtTopicName(init.clusterName)
    this.readyPromise = new Promise((resolve) => { this.resolveReady = resolve })

    const offline = init.offline === true
    let broadcast: ((data: Uint8Array, options?: AbortOptions) => Promise<void>) | undefined
    if (!offline && components.broadcaster != null) {
      const b = components.broadcaster
      broadcast = async (data, options) => { await b.broadcast(data, options) }
    } else if (!offline && components.pubsub != null) {
      const ps = components.pubsub
      broadcast = async (data, options) => { await ps.publish(this.topic, data, options) }
    }
    this.engine = new MerkleCRDT({
      store: this.store,
      logger: this.log,
      broadcast,
      dagSyncer: offline ? undefined : components.dagSyncer
    }, {
      namespace: init.datastoreNamespace,
      rebroadcastInterval: init.rebroadcastInterval,
      repairInterval: init.repairInterval,
      numWorkers: init.numWorkers,
      dagSyncerTimeout: init.dagSyncerTimeout,
      maxInlineBlockSize: init.maxInlineBlockSize,
      offline,
      putHook: async (key, value) => { await this.onPut(key, value) },
      deleteHook: async (key) => { await this.onDelete(key) }
    })
    const b = init.batching
    if (b.maxBatchSize > 0 && b.maxBatchAge > 0) {
      this.batcher = new DurableBatcher(this.engine, this.store, this.engine.keys, this.log, {
        maxBatchSize: b.maxBatchSize,
        maxBatchAge: b.maxBatchAge,
        maxQueueSize: b.maxQueueSize > 0 ? b.maxQueueSize : 50000,
        maxDeltaSize: init.maxDeltaSize ?? DEFAULT_MAX_DELTA_SIZE
      })
    } else {
      this.group = new GroupPublisher(this.engine, init.maxDeltaSize ?? DEFAULT_MAX_DELTA_SIZE)
    }
  }

  // -------------------------------------------------------------------------
  // Lifecycle
  // -------------------------------------------------------------------------

  async start (): Promise<void> {
    if (this.started) return
    await this.store.start()
    await this.engine.start()
    const offline = this.cfg.offline === true
    await this.batcher?.start(!offline)
    if (!offline) {
      if (this.components.broadcaster != null) {
        if (!this.broadcasterRegistered) {
          this.broadcasterRegistered = true
          this.components.broadcaster.onMessage((data, from) => { this.onMessage(data, from) })
        }
      } else if (this.components.pubsub != null) {
        this.unsubscribe = this.components.pubsub.subscribe(this.topic, (data, from) => { this.onMessage(data, from) })
      }
    }
    this.started = true
    this.resolveReady()
    this.log.info('CRDT consensus started (batching: %s)', this.batcher != null)
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    this.readyPromise = new Promise((resolve) => { this.resolveReady = resolve })
    try {
      await this.batcher?.stop(this.cfg.offline !== true)
    } catch (err) {
      this.log.error('error committing pending batches: %s', (err as Error).message)
    }
    await this.group?.idle()
    this.unsubscribe?.()
    this.unsubscribe = undefined
    await this.engine.stop()
  }

  async ready (options?: AbortOptions): Promise<void> {
    if (this.started) return
    const signal = options?.signal
    if (signal == null) return await this.readyPromise
    signal.throwIfAborted()
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => { reject(signal.reason) }
      signal.addEventListener('abort', onAbort, { once: true })
      void this.readyPromise.then(() => {
        signal.removeEventListener('abort', onAbort)
        resolve()
      })
    })
  }

  private checkStarted (): void {
    if (!this.started) throw new NotStartedError('crdt consensus is not started')
  }

  private onMessage (data: Uint8Array, from: PeerIdString): void {
    if (!this.started || from === this.self) return
    if (!this.isTrustedPeer(from)) {
      if (this.log.debugEnabled) this.log.debug('discarded pubsub message from non trusted source %s', from)
      return
    }
    this.engine.receive(data)
  }

  private async onPut (key: string, value: Uint8Array): Promise<void> {
    if (this.components.onPin == null) return
    let pin: Pin
    try {
      pin = pinFromProto(value, cidFromDsKey(key))
    } catch (err) {
      this.log.error('cannot decode pin of key %s: %s', key, (err as Error).message)
      return
    }
    await this.components.onPin(pin)
  }

  private async onDelete (key: string): Promise<void> {
    if (this.components.onUnpin == null) return
    let cid: CID
    try {
      cid = cidFromDsKey(key)
    } catch (err) {
      this.log.error('bad key %s: %s', key, (err as Error).message)
      return
    }
    await this.components.onUnpin(cid)
  }

  // -------------------------------------------------------------------------
  // Writes
  // -------------------------------------------------------------------------

  async logPin (pin: Pin, options?: AbortOptions): Promise<void> {
    this.checkStarted()
    const op = { key: cidToDsKey(pin.cid), value: pinToProto(pin) }
    if (this.batcher != null) {
      await this.batcher.add(op, 'error pinning', options)
      return
    }
    options?.signal?.throwIfAborted()
    await this.group?.publish(op)
  }

  async logUnpin (pin: Pin, options?: AbortOptions): Promise<void> {
    this.checkStarted()
    const op = { key: cidToDsKey(pin.cid) }
    if (this.batcher != null) {
      await this.batcher.add(op, 'error unpinning', options)
      return
    }
    options?.signal?.throwIfAborted()
    await this.group?.publish(op)
  }

  /** Commits the pending batch now (no-op without batching). */
  async commitPending (): Promise<void> {
    await this.batcher?.flush()
  }

  /**
   * A state whose writes are accumulated and published as ~1 MiB deltas,
   * the rest on `commit()` (`state import`). Not crash-safe: re-run the
   * import if interrupted. Reads see committed data only.
   */
  batchingState (): BatchingState {
    const maxDelta = this.cfg.maxDeltaSize ?? DEFAULT_MAX_DELTA_SIZE
    let builder = new DeltaBuilder()
    const flush = async (): Promise<void> => {
      if (builder.isEmpty) return
      const b = builder
      builder = new DeltaBuilder()
      await this.engine.publish(b)
    }
    const add = async (op: { key: string, value?: Uint8Array }): Promise<void> => {
      this.checkStarted()
      if (!builder.isEmpty && builder.size + DeltaBuilder.estimate(op) > maxDelta) await flush()
      builder.apply(op)
    }
    const state = this.state()
    return {
      get: async (cid, options) => await state.get(cid, options),
      has: async (cid, options) => await state.has(cid, options),
      list: (options) => state.list(options),
      add: async (pin) => { await add({ key: cidToDsKey(pin.cid), value: pinToProto(pin) }) },
      rm: async (cid) => { await add({ key: cidToDsKey(cid) }) },
      commit: async () => { await flush() }
    }
  }

  // -------------------------------------------------------------------------
  // State
  // -------------------------------------------------------------------------

  state (): ReadOnlyState {
    return {
      get: async (cid: CID, options?: AbortOptions): Promise<Pin> => {
        const key = cidToDsKey(cid)
        const pending = this.batcher?.lookup(key)
        if (pending !== undefined) {
          if (pending.present && pending.value !== undefined) return pinFromProto(pending.value, cid)
          throw withoutStack(() => new PinNotFoundError())
        }
        const value = await this.engine.get(key, options)
        if (value === undefined) throw withoutStack(() => new PinNotFoundError())
        return pinFromProto(value, cid)
      },
      has: async (cid: CID, options?: AbortOptions): Promise<boolean> => {
        const key = cidToDsKey(cid)
        const pending = this.batcher?.lookup(key)
        if (pending !== undefined) return pending.present
        return await this.engine.has(key, options)
      },
      list: (options?: StateListOptions) => this.list(options)
    }
  }

  private async * list (options?: StateListOptions): AsyncGenerator<Pin> {
    const after = options?.after != null ? cidToDsKey(options.after) : undefined
    const batcher = this.batcher
    // The pending operations as they are now: a batch committed while we
    // list must not make its keys vanish from the listing.
    let pending: Map<string, PendingLookup> | undefined
    if (batcher != null && batcher.pending > 0) {
      pending = new Map()
      for (const key of batcher.pendingKeys()) {
        if (after !== undefined && key <= after) continue
        const p = batcher.lookup(key)
        if (p !== undefined) pending.set(key, p)
      }
    }
    const engine = this.engine
    async function * chunks (): AsyncGenerator<Array<{ key: string, value: Uint8Array }>> {
      for await (const chunk of engine.entryChunks({ signal: options?.signal, after })) {
        if (pending == null || pending.size === 0) {
          yield chunk
          continue
        }
        const out: Array<{ key: string, value: Uint8Array }> = []
        for (const entry of chunk) {
          const p = pending.get(entry.key)
          if (p !== undefined) {
            pending.delete(entry.key)
            if (p.present && p.value !== undefined) out.push({ key: entry.key, value: p.value })
            continue
          }
          out.push(entry)
        }
        if (out.length > 0) yield out
      }
      // pending pins of keys the store did not hold
      const rest: Array<{ key: string, value: Uint8Array }> = []
      for (const [key, p] of pending ?? []) {
        if (p.present && p.value !== undefined) rest.push({ key, value: p.value })
      }
      if (rest.length > 0) yield rest
    }
    yield * decodePinChunks(chunks(), (k) => k, this.log)
  }

  // -------------------------------------------------------------------------
  // Peers and trust
  // -------------------------------------------------------------------------

  async addPeer (_peer: PeerIdString, _options?: AbortOptions): Promise<void> {
    // CRDT peers join by connecting: nothing to do.
  }

  async rmPeer (_peer: PeerIdString, _options?: AbortOptions): Promise<void> {
    throw new UnsupportedOperationError('crdt consensus component cannot remove peers')
  }

  async peers (_options?: AbortOptions): Promise<PeerIdString[]> {
    const list = await this.components.peersetProvider?.() ?? []
    const set = new Set(list)
    set.add(this.self)
    return [...set].sort((a, b) => compareBytes(peerSortKey(a), peerSortKey(b)))
  }

  isTrustedPeer (peer: PeerIdString): boolean {
    return this.trustAll || peer === this.self || this.trusted.has(peer)
  }

  async trust (peer: PeerIdString, _options?: AbortOptions): Promise<void> {
    this.trusted.add(peer)
  }

  async distrust (peer: PeerIdString, _options?: AbortOptions): Promise<void> {
    this.trusted.delete(peer)
  }

  /** Deletes every key under the CRDT namespace (the store must be open). */
  async clean (options?: AbortOptions): Promise<void> {
    this.log.info('cleaning all CRDT data from datastore')
    await this.store.start()
    if (this.engine.isStarted) {
      await this.batcher?.drop()
      await this.engine.clean(options)
    } else {
      if (this.store.clearPrefix != null) await this.store.clearPrefix(this.engine.keys.all, options)
      else await this.store.deletePrefix(this.engine.keys.all, options)
    }
    this.log.info('crdt Consensus state cleaned')
  }

  // -------------------------------------------------------------------------
  // Introspection (`state crdt ...`), usable offline
  // -------------------------------------------------------------------------

  info (): CRDTInfo {
    this.checkStarted()
    return this.engine.info()
  }

  async dot (write: (chunk: string) => void | Promise<void>, options?: AbortOptions): Promise<void> {
    this.checkStarted()
    await this.engine.dot(write, options)
  }

  async markDirty (): Promise<void> {
    this.checkStarted()
    await this.engine.markDirty()
  }

  async markClean (): Promise<void> {
    this.checkStarted()
    await this.engine.markClean()
  }

  /** Runs the repair now (it also runs at start and every `repairInterval`). */
  async repair (options?: AbortOptions): Promise<boolean> {
    this.checkStarted()
    return await this.engine.repair(options?.signal)
  }

  /** Announces our unseen heads now (also every `rebroadcastInterval`). */
  async rebroadcast (): Promise<void> {
    this.checkStarted()
    await this.engine.rebroadcast()
  }

  /** A DAG block from the local store: what the network side serves to other peers. */
  async getBlock (cid: CID, options?: AbortOptions): Promise<Uint8Array | undefined> {
    return await this.engine.getLocalBlock(cid, options)
  }

  /** Whether a DAG block is in the local store. */
  async hasBlock (cid: CID, options?: AbortOptions): Promise<boolean> {
    return await this.engine.hasLocalBlock(cid, options)
  }

  /** Acknowledged batched operations not committed yet. */
  get pendingOperations (): number {
    return this.batcher?.pending ?? 0
  }

  /** The pubsub topic of this cluster's CRDT. */
  get topicName (): string {
    return this.topic
  }
}
