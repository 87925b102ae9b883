/**
 * The Merkle-CRDT engine: a replicated key-value store faithful to
 * go-ds-crdt v0.6.8 (add-wins observed-remove set with priorities, deltas
 * carried by a Merkle-DAG of dag-pb nodes, heads broadcast over pubsub,
 * branches walked top-down, rebroadcast, dirty bit and repair).
 *
 * Differences (all on the local side, the wire format is the reference's):
 * - Every state change of one DAG node (merge, "processed" marker, the
 *   block itself, head changes, walk journal, write-ahead-log removals) is
 *   written in ONE atomic store batch, under one lock. A crash leaves a node
 *   either fully applied or not at all.
 * - Walk journal `N/j/<root>`: written with the first node of a branch walk
 *   and removed when the walk completes. A walk interrupted by a crash or a
 *   stop leaves it behind; the next start marks the store dirty and the
 *   repair resumes from those roots (go-ds-crdt v0.6.8 would silently keep
 *   the unprocessed part of such a branch forever).
 * - Elements store their priority, so a tombstone recomputes the surviving
 *   winner (go-ds-crdt #238) reading only the blocks of the best candidates.
 * - Hooks: `putHook` fires when a key gets a new winning value, including
 *   when a tombstone leaves another value winning; `deleteHook` fires when a
 *   key disappears. Both run after the batch is written, in order.
 * - Received broadcasts may carry blocks inline (see codec.ts).
 */
import { CID } from 'multiformats/cid'
import { DatastoreError, NotFoundError, NotStartedError, InvalidArgumentError } from '../../errors.js'
import { throwIfAborted, timeoutSignal, anySignal } from '../../utils/abort.js'
import { repeatingTask } from '../../utils/repeating-task.js'
import { cidFromMhKey, decodeBroadcast, decodeDelta, decodeNode, decodeUint, deltaValuesForKey, encodeBroadcast, encodeDelta, encodeNode, encodeUint, mhKey, nodeCid, verifyBlock, DAG_PB_CODE } from './codec.js'
import { CRDTKeys, FORMAT_VERSION } from './keys.js'
import { Mutex, Semaphore, bytesEqual, compareBytes } from './sync.js'
import type { Delta, DagNode, DeltaElement, InlineBlock } from './codec.js'
import type { DeltaBuilder } from './delta-builder.js'
import type { RepeatingTask } from '../../utils/repeating-task.js'
import type { AbortOptions, CRDTInfo, DAGSyncer, KVStore, Logger, QueryOptions } from '../../interfaces.js'

const EMPTY = new Uint8Array(0)

export interface KVOp {
  key: string
  value?: Uint8Array
}

export interface MerkleCRDTComponents {
  store: KVStore
  logger: Logger
  /** Sends a payload to the other replicas (absent: offline). */
  broadcast?: (data: Uint8Array, options?: AbortOptions) => Promise<void>
  /** Fetches blocks from other replicas (absent: offline, local blocks only). */
  dagSyncer?: DAGSyncer
}

export interface MerkleCRDTInit {
  /** Datastore namespace, `/c` in IPFS Cluster. */
  namespace: string
  /** ms; heads not seen from others are re-announced this often (±30%). */
  rebroadcastInterval: number
  /** ms; a dirty store is repaired at start and this often (0 disables). */
  repairInterval: number
  /** Concurrent block fetches (default 50, as IPFS Cluster). */
  numWorkers?: number
  /** ms per block fetch (default 2 min, as IPFS Cluster). */
  dagSyncerTimeout?: number
  /** Blocks up to this size travel inline in the broadcast of a new head (default 2 MiB). */
  maxInlineBlockSize?: number
  /** Blocks up to this size are also inlined when rebroadcasting heads (default 16 KiB). */
  maxRebroadcastInlineSize?: number
  /** Announced heads waiting to be processed before new ones are dropped (default 65536). */
  maxPendingHeads?: number
  /** Announced heads processed concurrently (default 4). */
  headConcurrency?: number
  /** Bytes of received inline blocks kept until processed (default 64 MiB). */
  maxInlineCacheBytes?: number
  /** No background tasks and no message handling (offline tools). */
  offline?: boolean
  putHook?: (key: string, value: Uint8Array) => Promise<void> | void
  deleteHook?: (key: string) => Promise<void> | void
}

interface HeadRef {
  cid: CID
  mh: string
  height?: number
}

interface Head {
  cid: CID
  height: number
}

type Hook = { type: 'put', key: string, value: Uint8Array } | { type: 'del', key: string }

interface ApplyParams {
  cid: CID
  mh: string
  block: Uint8Array
  node: DagNode
  delta: Delta
  root: HeadRef
  rootPrio: number
  /** A node we just created: nothing can have tombstoned its elements. */
  local: boolean
  /** The block is already in our store. */
  blockStored: boolean
  /** Write the walk journal entry of this root with this node if the walk goes on below it. */
  journalRoot?: string
  /** Set to true when the journal entry was written. */
  journaled?: { value: boolean }
  extraOps?: KVOp[]
}

interface WalkRecord {
  active: number
  failed: boolean
  /** The journal entry of this root is on disk. */
  journaled: { value: boolean }
}

function errMsg (err: unknown): string {
  return (err as Error)?.message ?? String(err)
}

/** The Merkle-CRDT replica. All state lives in `store` under the namespace. */
export class MerkleCRDT {
  readonly keys: CRDTKeys
  private readonly store: KVStore
  private readonly log: Logger
  private readonly sendBroadcast?: (data: Uint8Array, options?: AbortOptions) => Promise<void>
  private readonly dagSyncer?: DAGSyncer
  private readonly init: Required<Omit<MerkleCRDTInit, 'putHook' | 'deleteHook' | 'namespace'>>
  private readonly putHook?: MerkleCRDTInit['putHook']
  private readonly deleteHook?: MerkleCRDTInit['deleteHook']

  private readonly lock = new Mutex()
  private readonly fetchSem: Semaphore
  private readonly heads = new Map<string, Head>()
  /** Blocks queued or being processed by a walk. */
  private readonly claimed = new Set<string>()
  private readonly seenHeads = new Set<string>()
  private readonly inline = new Map<string, Uint8Array>()
  private inlineBytes = 0
  private readonly walkRoots = new Map<string, WalkRecord>()
  /** Announced heads waiting to be processed (deduplicated, in arrival order). */
  private readonly pendingHeads = new Map<string, CID>()
  private activeHandlers = 0
  private lastDropWarning = 0
  private activeWork = new Set<Promise<unknown>>()
  private dirty = false
  private dirtyGen = 0
  private started = false
  private controller = new AbortController()
  private tasks: RepeatingTask[] = []
  private repairing?: Promise<boolean>

  constructor (components: MerkleCRDTComponents, init: MerkleCRDTInit) {
    this.store = components.store
    this.log = components.logger
    this.sendBroadcast = components.broadcast
    this.dagSyncer = components.dagSyncer
    this.keys = new CRDTKeys(init.namespace)
    this.putHook = init.putHook
    this.deleteHook = init.deleteHook
    this.init = {
      rebroadcastInterval: init.rebroadcastInterval,
      repairInterval: init.repairInterval,
      numWorkers: init.numWorkers ?? 50,
      dagSyncerTimeout: init.dagSyncerTimeout ?? 120000,
      maxInlineBlockSize: init.maxInlineBlockSize ?? 2 * 1024 * 1024,
      maxRebroadcastInlineSize: init.maxRebroadcastInlineSize ?? 16 * 1024,
      maxPendingHeads: init.maxPendingHeads ?? 65536,
      headConcurrency: init.headConcurrency ?? 4,
      maxInlineCacheBytes: init.maxInlineCacheBytes ?? 64 * 1024 * 1024,
      offline: init.offline ?? false
    }
    this.fetchSem = new Semaphore(this.init.numWorkers)
  }

  // -------------------------------------------------------------------------
  // Lifecycle
  // -------------------------------------------------------------------------

  async start (): Promise<void> {
    if (this.started) return
    this.controller = new AbortController()
    const k = this.keys
    const version = decodeUint(await this.store.get(k.version))
    if (version === undefined) {
      await this.store.put(k.version, encodeUint(FORMAT_VERSION + 1))
    } else if (version - 1 !== FORMAT_VERSION) {
      throw new DatastoreError(`unsupported CRDT datastore format version ${version - 1} under ${k.ns} (expected ${FORMAT_VERSION})`)
    }
    this.heads.clear()
    for await (const { key, value } of this.store.query(k.headsPrefix)) {
      const mh = key.slice(k.headsPrefix.length)
      try {
        this.heads.set(mh, { cid: cidFromMhKey(mh), height: decodeUint(value) ?? 0 })
      } catch (err) {
        this.log.error('ignoring bad head key %s: %s', key, errMsg(err))
      }
    }
    this.dirty = await this.store.has(k.dirty)
    let journal = 0
    for await (const _ of this.store.query(k.journalPrefix, { keysOnly: true, limit: 1 })) journal++ // eslint-disable-line @typescript-eslint/no-unused-vars
    this.started = true
    if (journal > 0 && !this.dirty) {
      this.log.warn('found DAG walks interrupted by a previous shutdown: marking datastore as dirty')
      await this.markDirty()
    }
    const { heads, maxHeight } = this.headsSummary()
    this.log.info('crdt datastore ready. Number of heads: %d. Current max height: %d. Dirty: %s', heads.length, maxHeight, this.dirty)

    if (!this.init.offline) {
      if (this.sendBroadcast != null) {
        this.tasks.push(repeatingTask(async () => { await this.rebroadcast() }, this.init.rebroadcastInterval, {
          jitter: 0.3,
          onError: (err) => { this.log.warn('rebroadcast failed: %s', errMsg(err)) }
        }))
      }
      if (this.init.repairInterval > 0) {
        this.tasks.push(repeatingTask(async (signal) => { await this.repair(signal) }, this.init.repairInterval, {
          runImmediately: true,
          onError: (err) => { this.log.error('DAG repair failed: %s', errMsg(err)) }
        }))
      }
      this.tasks.push(repeatingTask(() => {
        const s = this.headsSummary()
        this.log.info('Number of heads: %d. Current max height: %d. Queued jobs: %d. Dirty: %s', s.heads.length, s.maxHeight, this.claimed.size, this.dirty)
      }, 5 * 60 * 1000))
      for (const t of this.tasks) t.start()
    }
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    this.controller.abort()
    const tasks = this.tasks
    this.tasks = []
    await Promise.all(tasks.map(async (t) => { await t.stop() }))
    this.pendingHeads.clear()
    while (this.activeWork.size > 0) {
      await Promise.allSettled([...this.activeWork])
    }
    // let a node being applied finish
    await this.lock.run(async () => {})
    this.inline.clear()
    this.inlineBytes = 0
    this.claimed.clear()
    this.seenHeads.clear()
  }

  get isStarted (): boolean {
    return this.started
  }

  private check (): void {
    if (!this.started) throw new NotStartedError('crdt datastore is not started')
  }

  private track<T> (p: Promise<T>): Promise<T> {
    this.activeWork.add(p)
    void p.finally(() => this.activeWork.delete(p)).catch(() => {})
    return p
  }

  // -------------------------------------------------------------------------
  // Reads
  // -------------------------------------------------------------------------

  async get (key: string, options?: AbortOptions): Promise<Uint8Array | undefined> {
    return await this.store.get(this.keys.value(key), options)
  }

  async has (key: string, options?: AbortOptions): Promise<boolean> {
    return await this.store.has(this.keys.value(key), options)
  }

  /**
   * Streams `{ key, value }` of every key in the set, in key order (only
   * the keys after `after`, when given).
   */
  async * entries (options?: QueryOptions): AsyncGenerator<{ key: string, value: Uint8Array }> {
    for await (const { key, value } of this.store.query(this.keys.valuesPrefix, this.resumeAt(options))) {
      const k = this.keys.keyOfValue(key)
      if (k !== undefined) yield { key: k, value }
    }
  }

  /** {@link entries} in chunks (never empty), for callers that process many synchronously. */
  async * entryChunks (options?: QueryOptions): AsyncGenerator<Array<{ key: string, value: Uint8Array }>> {
    if (this.store.queryChunks == null) {
      let chunk: Array<{ key: string, value: Uint8Array }> = []
      for await (const entry of this.entries(options)) {
        chunk.push(entry)
        if (chunk.length >= 1000) {
          yield chunk
          chunk = []
        }
      }
      if (chunk.length > 0) yield chunk
      return
    }
    for await (const raw of this.store.queryChunks(this.keys.valuesPrefix, this.resumeAt(options))) {
      const chunk: Array<{ key: string, value: Uint8Array }> = []
      for (const { key, value } of raw) {
        const k = this.keys.keyOfValue(key)
        if (k !== undefined) chunk.push({ key: k, value })
      }
      if (chunk.length > 0) yield chunk
    }
  }

  /** Store query options resuming after the value of set key `after` (its other records sort before it). */
  private resumeAt (options?: QueryOptions): QueryOptions | undefined {
    if (options?.after === undefined) return options
    return { signal: options.signal, after: this.keys.value(options.after) }
  }

  private async getMany (keys: string[]): Promise<Array<Uint8Array | undefined>> {
    if (keys.length === 0) return []
    if (this.store.getMany != null) return await this.store.getMany(keys)
    return await Promise.all(keys.map(async (k) => await this.store.get(k)))
  }

  // -------------------------------------------------------------------------
  // Introspection
  // -------------------------------------------------------------------------

  private headsSummary (): { heads: CID[], maxHeight: number } {
    const list = [...this.heads.values()].sort((a, b) => compareBytes(a.cid.bytes, b.cid.bytes))
    let maxHeight = 0
    for (const h of list) maxHeight = Math.max(maxHeight, h.height)
    return { heads: list.map((h) => h.cid), maxHeight }
  }

  info (): CRDTInfo {
    const { heads, maxHeight } = this.headsSummary()
    return { heads, maxHeight: BigInt(maxHeight), dirty: this.dirty }
  }

  isDirty (): boolean {
    return this.dirty
  }

  async markDirty (): Promise<void> {
    this.dirtyGen++
    if (!this.dirty) this.log.warn('marking datastore as dirty')
    this.dirty = true
    await this.store.put(this.keys.dirty, EMPTY)
  }

  /** Clears the dirty bit and the walk journal. */
  async markClean (): Promise<void> {
    this.log.info('marking datastore as clean')
    const ops: KVOp[] = [{ key: this.keys.dirty }]
    for await (const { key } of this.store.query(this.keys.journalPrefix, { keysOnly: true })) ops.push({ key })
    await this.store.batch(ops)
    this.dirty = false
  }

  /**
   * Writes the DAG as a Graphviz document (same shape as go-ds-crdt's
   * DotDAG). Works offline with the local blocks.
   */
  async dot (write: (chunk: string) => void | Promise<void>, options?: AbortOptions): Promise<void> {
    const { heads } = this.headsSummary()
    await write('digraph CRDTDAG {\n')
    await write('subgraph heads {\n')
    for (const h of heads) await write(h.toString() + '\n')
    await write('}\n')
    const visited = new Set<string>()
    const stack: CID[] = [...heads].reverse()
    while (stack.length > 0) {
      throwIfAborted(options?.signal)
      const c = stack.pop() as CID
      const mh = mhKey(c)
      if (visited.has(mh)) continue
      visited.add(mh)
      const long = c.toString()
      const short = long.slice(-4)
      let node: DagNode
      let delta: Delta
      try {
        node = decodeNode(await this.fetchBlock(c, options?.signal))
        delta = decodeDelta(node.data)
      } catch (err) {
        await write(`${long} [label="(unavailable)"]\n`)
        continue
      }
      let out = `${long} [label="${delta.priority} | ${short}: +${delta.elements.length} -${delta.tombstones.length}"]\n`
      out += `${long} -> {`
      for (const l of node.links) out += `${l.toString()} `
      out += '}\n'
      out += `subgraph sg_${long} {\n`
      for (const l of node.links) out += `${l.toString()}\n`
      out += '}\n'
      await write(out)
      for (let i = node.links.length - 1; i >= 0; i--) stack.push(node.links[i])
    }
    await write('}\n')
  }

  /** A block of the DAG from the local store (serving other replicas). */
  async getLocalBlock (cid: CID, options?: AbortOptions): Promise<Uint8Array | undefined> {
    return await this.store.get(this.keys.block(mhKey(cid)), options)
  }

  async hasLocalBlock (cid: CID, options?: AbortOptions): Promise<boolean> {
    return await this.store.has(this.keys.block(mhKey(cid)), options)
  }

  /** Deletes every key of the namespace and resets the in-memory state. */
  async clean (options?: AbortOptions): Promise<void> {
    await this.lock.run(async () => {
      if (this.store.clearPrefix != null) await this.store.clearPrefix(this.keys.all, options)
      else await this.store.deletePrefix(this.keys.all, options)
      this.heads.clear()
      this.seenHeads.clear()
      this.inline.clear()
      this.inlineBytes = 0
      this.dirty = false
      this.dirtyGen++
      if (this.started) await this.store.put(this.keys.version, encodeUint(FORMAT_VERSION + 1))
    })
  }

  // -------------------------------------------------------------------------
  // Local writes
  // -------------------------------------------------------------------------

  /** Element ids of `key` that are not tombstoned (what a delete removes). */
  private async aliveIds (key: string): Promise<Array<{ id: string, prio?: number }>> {
    const prefix = this.keys.elemPrefix(key)
    const elems: Array<{ id: string, prio?: number }> = []
    for await (const { key: k, value } of this.store.query(prefix)) {
      const rest = k.slice(prefix.length)
      if (rest.includes('/')) continue // element of a longer key
      elems.push({ id: '/' + rest, prio: decodeUint(value) })
    }
    if (elems.length === 0) return elems
    const tombs = await this.getMany(elems.map((e) => this.keys.tomb(key, e.id)))
    return elems.filter((_, i) => tombs[i] === undefined)
  }

  /**
   * Publishes the writes of `builder` as one DAG node: merged locally (with
   * `extraOps` in the same atomic batch) before it is broadcast. Returns the
   * new head, or undefined when there was nothing to publish (a delete of
   * absent keys); `extraOps` are written in both cases.
   */
  async publish (builder: DeltaBuilder, extraOps: KVOp[] = [], options?: AbortOptions): Promise<CID | undefined> {
    this.check()
    throwIfAborted(options?.signal)
    const created = await this.lock.run(async () => {
      const elements: DeltaElement[] = []
      const tombstones: DeltaElement[] = []
      for (const [key, e] of builder.entries) {
        if (e.tomb) {
          for (const { id } of await this.aliveIds(key)) tombstones.push({ key, id })
        }
        if (e.value !== undefined) elements.push({ key, value: e.value })
      }
      if (elements.length === 0 && tombstones.length === 0) {
        if (extraOps.length > 0) await this.store.batch(extraOps)
        return undefined
      }
      const { heads, maxHeight } = this.headsSummary()
      const height = maxHeight + 1
      const delta: Delta = { elements, tombstones, priority: height }
      const data = encodeDelta(delta)
      const block = encodeNode(data, heads)
      const cid = nodeCid(block)
      const mh = mhKey(cid)
      const children = await this.applyNode({
        cid,
        mh,
        block,
        node: { links: heads, data },
        delta,
        root: { cid, mh, height },
        rootPrio: height,
        local: true,
        blockStored: false,
        extraOps
      })
      if (children.length > 0) {
        this.log.warn('bug: created a block to unknown children')
        for (const c of children) this.claimed.delete(mhKey(c))
      }
      return { cid, block }
    })
    if (created == null) return undefined
    if (this.dagSyncer != null) {
      this.dagSyncer.put(created.cid, created.block).catch((err) => {
        this.log.debug('dag syncer could not announce %s: %s', created.cid, errMsg(err))
      })
    }
    const blocks: InlineBlock[] = created.block.length <= this.init.maxInlineBlockSize ? [{ cid: created.cid, data: created.block }] : []
    await this.broadcastHeads([created.cid], blocks)
    return created.cid
  }

  private async broadcastHeads (heads: CID[], blocks: InlineBlock[]): Promise<void> {
    if (this.sendBroadcast == null || heads.length === 0 || this.init.offline) return
    try {
      await this.sendBroadcast(encodeBroadcast({ heads, blocks }))
    } catch (err) {
      this.log.warn('broadcast failed (heads will be rebroadcast): %s', errMsg(err))
    }
  }

  // -------------------------------------------------------------------------
  // Applying a node (always under the lock)
  // -------------------------------------------------------------------------

  private async currentValue (key: string): Promise<{ value: Uint8Array, prio: number } | null> {
    const [v, p] = await this.getMany([this.keys.value(key), this.keys.priority(key)])
    if (v === undefined) return null
    return { value: v, prio: Math.max(0, (decodeUint(p) ?? 1) - 1) }
  }

  /** A block of the local store (fetched from others if missing). */
  private async readBlock (mh: string): Promise<Uint8Array> {
    const local = await this.store.get(this.keys.block(mh))
    if (local !== undefined) return local
    return await this.fetchBlock(cidFromMhKey(mh), this.controller.signal)
  }

  /** Best surviving value among elements (highest priority, then greatest bytes). */
  private async findBest (key: string, alive: Array<{ id: string, prio?: number }>): Promise<{ value: Uint8Array, prio: number } | undefined> {
    if (alive.length === 0) return undefined
    // elements of unknown priority (not written by us): read their blocks
    const known: Array<{ id: string, prio: number }> = []
    let best: { value: Uint8Array, prio: number } | undefined
    const consider = (prio: number, values: Uint8Array[]): void => {
      let greatest: Uint8Array | undefined
      for (const v of values) if (greatest === undefined || compareBytes(greatest, v) < 0) greatest = v
      if (best === undefined || prio > best.prio) {
        best = { value: greatest ?? EMPTY, prio }
      } else if (prio === best.prio && greatest !== undefined && compareBytes(best.value, greatest) < 0) {
        best = { value: greatest, prio }
      }
    }
    for (const e of alive) {
      if (e.prio !== undefined) {
        known.push({ id: e.id, prio: e.prio })
        continue
      }
      const { priority, values } = deltaValuesForKey(decodeNode(await this.readBlock(e.id.slice(1))).data, key)
      consider(priority, values)
    }
    let maxPrio = -1
    for (const e of known) maxPrio = Math.max(maxPrio, e.prio)
    if (best !== undefined && best.prio > maxPrio) return best
    for (const e of known) {
      if (e.prio !== maxPrio) continue
      const { values } = deltaValuesForKey(decodeNode(await this.readBlock(e.id.slice(1))).data, key)
      consider(e.prio, values)
    }
    if (best !== undefined) best = { value: best.value.slice(), prio: best.prio }
    return best
  }

  private async applyNode (p: ApplyParams): Promise<CID[]> {
    const k = this.keys
    const ops: KVOp[] = []
    const id = '/' + p.mh
    const prio = p.delta.priority
    const overlay = new Map<string, { value: Uint8Array, prio: number } | null>()
    const hooks: Hook[] = []

    // 1. Tombstones first: recompute the best surviving value of each key.
    if (p.delta.tombstones.length > 0) {
      const byKey = new Map<string, Set<string>>()
      for (const t of p.delta.tombstones) {
        if (t.id == null || t.id === '') continue
        let ids = byKey.get(t.key)
        if (ids == null) byKey.set(t.key, ids = new Set())
        ids.add(t.id)
      }
      for (const [key, ids] of byKey) {
        for (const tid of ids) ops.push({ key: k.tomb(key, tid), value: EMPTY })
        const alive = (await this.aliveIds(key)).filter((e) => !ids.has(e.id))
        const best = await this.findBest(key, alive)
        const cur = await this.currentValue(key)
        if (best === undefined) {
          if (cur != null) {
            ops.push({ key: k.value(key) }, { key: k.priority(key) })
            hooks.push({ type: 'del', key })
          }
          overlay.set(key, null)
        } else {
          if (cur == null || cur.prio !== best.prio || !bytesEqual(cur.value, best.value)) {
            ops.push({ key: k.value(key), value: best.value }, { key: k.priority(key), value: encodeUint(best.prio + 1) })
            if (cur == null || !bytesEqual(cur.value, best.value)) hooks.push({ type: 'put', key, value: best.value })
          }
          overlay.set(key, best)
        }
      }
    }

    // One store round-trip for what the next steps read (tombstones of this
    // node's elements, current priorities, processed state of the links).
    const links = p.node.links
    const linkMhs = links.map(mhKey)
    const elemKeys: string[] = []
    if (p.delta.elements.length > 0) {
      const seen = new Set<string>()
      for (const e of p.delta.elements) {
        if (!seen.has(e.key)) {
          seen.add(e.key)
          elemKeys.push(e.key)
        }
      }
    }
    const lookup = elemKeys.filter((key) => !overlay.has(key))
    const reads: string[] = []
    if (!p.local) for (const key of elemKeys) reads.push(k.tomb(key, id))
    for (const key of lookup) reads.push(k.priority(key))
    for (const m of linkMhs) reads.push(k.processed(m))
    const got = await this.getMany(reads)
    let at = 0
    const tombed = p.local ? undefined : got.slice(at, at += elemKeys.length)
    const stored = got.slice(at, at += lookup.length)
    const processed = got.slice(at)

    // 2. Elements: highest priority wins, ties go to the greatest value.
    if (p.delta.elements.length > 0) {
      const byKey = new Map<string, Uint8Array>()
      for (const e of p.delta.elements) {
        const v = e.value ?? EMPTY
        const cur = byKey.get(e.key)
        if (cur === undefined || compareBytes(cur, v) < 0) byKey.set(e.key, v)
      }
      const keys = elemKeys
      const prioBytes = encodeUint(prio)
      for (const key of keys) ops.push({ key: k.elem(key, id), value: prioBytes })
      const storedPrio = new Map<string, number>()
      lookup.forEach((key, i) => {
        const raw = decodeUint(stored[i])
        storedPrio.set(key, raw === undefined ? 0 : Math.max(0, raw - 1))
      })
      const winners: string[] = []
      const ties: string[] = []
      keys.forEach((key, i) => {
        if (tombed?.[i] !== undefined) return
        const o = overlay.get(key)
        const cp = overlay.has(key) ? (o?.prio ?? 0) : (storedPrio.get(key) ?? 0)
        if (prio < cp) return
        if (prio === cp) ties.push(key)
        else winners.push(key)
      })
      if (ties.length > 0) {
        const tieLookup = ties.filter((key) => !overlay.has(key))
        const vals = await this.getMany(tieLookup.map((key) => k.value(key)))
        const storedVal = new Map<string, Uint8Array | undefined>()
        tieLookup.forEach((key, i) => storedVal.set(key, vals[i]))
        for (const key of ties) {
          const cv = overlay.has(key) ? overlay.get(key)?.value : storedVal.get(key)
          if (compareBytes(cv, byKey.get(key)) < 0) winners.push(key)
        }
      }
      const prioPlusOne = encodeUint(prio + 1)
      for (const key of winners) {
        const value = byKey.get(key) as Uint8Array
        ops.push({ key: k.value(key), value }, { key: k.priority(key), value: prioPlusOne })
        overlay.set(key, { value, prio })
        hooks.push({ type: 'put', key, value })
      }
    }

    // 3. Block and processed marker.
    ops.push({ key: k.processed(p.mh), value: EMPTY })
    if (!p.blockStored) ops.push({ key: k.block(p.mh), value: p.block })

    // 4. Heads (go-ds-crdt processNode rules) and the children to walk.
    const changes = new Map<string, Head | null>()
    const isHead = (m: string): boolean => changes.has(m) ? changes.get(m) != null : this.heads.has(m)
    const rootHead: Head = { cid: p.root.cid, height: p.rootPrio }
    const children: CID[] = []
    const claimedNow: string[] = []
    if (links.length === 0) changes.set(p.root.mh, rootHead)
    let addedAsHead = false
    links.forEach((child, i) => {
      const cmh = linkMhs[i]
      const isProcessed = processed[i] !== undefined
      if (isHead(cmh)) {
        changes.set(cmh, null)
        changes.set(p.root.mh, rootHead)
        addedAsHead = true
        if (isProcessed) return
      }
      if (isProcessed || this.claimed.has(cmh)) {
        if (!addedAsHead) {
          changes.set(p.root.mh, rootHead)
          addedAsHead = true
        }
        return
      }
      this.claimed.add(cmh)
      claimedNow.push(cmh)
      children.push(child)
    })
    for (const [m, h] of changes) {
      if (h == null) ops.push({ key: k.head(m) })
      else ops.push({ key: k.head(m), value: encodeUint(h.height) })
    }

    // 5. Journal (only needed when the walk goes on) and caller's operations.
    const journal = p.journalRoot !== undefined && children.length > 0
    if (journal) ops.push({ key: k.journal(p.journalRoot as string), value: EMPTY })
    if (p.extraOps != null) ops.push(...p.extraOps)

    try {
      await this.store.batch(ops)
    } catch (err) {
      for (const m of claimedNow) this.claimed.delete(m)
      throw err
    }

    for (const [m, h] of changes) {
      if (h == null) this.heads.delete(m)
      else this.heads.set(m, h)
    }
    if (journal && p.journaled != null) p.journaled.value = true
    this.claimed.delete(p.mh)
    this.dropInline(p.mh)
    if (prio % 50 === 0) {
      this.log.info('merged delta from node %s (priority: %d)', p.cid, prio)
    } else if (this.log.debugEnabled) {
      this.log.debug('merged delta from node %s (priority: %d)', p.cid, prio)
    }

    for (const h of hooks) {
      try {
        if (h.type === 'put') await this.putHook?.(h.key, h.value)
        else await this.deleteHook?.(h.key)
      } catch (err) {
        this.log.error('error in %s hook for %s: %s', h.type, h.key, errMsg(err))
      }
    }
    return children
  }

  // -------------------------------------------------------------------------
  // Receiving
  // -------------------------------------------------------------------------

  private putInline (mh: string, data: Uint8Array): void {
    if (this.inline.has(mh)) return
    this.inline.set(mh, data)
    this.inlineBytes += data.length
    for (const [m, d] of this.inline) {
      if (this.inlineBytes <= this.init.maxInlineCacheBytes) break
      this.inline.delete(m)
      this.inlineBytes -= d.length
    }
  }

  private dropInline (mh: string): void {
    const d = this.inline.get(mh)
    if (d === undefined) return
    this.inline.delete(mh)
    this.inlineBytes -= d.length
  }

  /**
   * Handles a payload from another replica (the caller already checked the
   * sender is trusted). Processing is asynchronous.
   */
  receive (data: Uint8Array): void {
    if (!this.started || this.init.offline) return
    let heads: CID[]
    let blocks: InlineBlock[]
    try {
      ({ heads, blocks } = decodeBroadcast(data))
    } catch (err) {
      this.log.error('error decoding broadcast: %s', errMsg(err))
      return
    }
    for (const b of blocks) {
      if (b.data.length > this.init.maxInlineBlockSize || b.cid.code !== DAG_PB_CODE) continue
      if (!verifyBlock(b.cid, b.data)) {
        this.log.warn('ignoring inline block that does not match its CID %s', b.cid)
        continue
      }
      this.putInline(mhKey(b.cid), b.data.slice())
    }
    for (const head of heads) {
      const mh = mhKey(head)
      this.seenHeads.add(mh)
      if (this.pendingHeads.has(mh)) continue
      if (this.pendingHeads.size >= this.init.maxPendingHeads) {
        if (Date.now() - this.lastDropWarning > 10000) {
          this.lastDropWarning = Date.now()
          this.log.warn('too many announced heads waiting to be processed: dropping some (they will be rebroadcast)')
        }
        continue
      }
      this.pendingHeads.set(mh, head)
    }
    this.pump()
  }

  private pump (): void {
    while (this.started && this.activeHandlers < this.init.headConcurrency && this.pendingHeads.size > 0) {
      const [mh, head] = this.pendingHeads.entries().next().value as [string, CID]
      this.pendingHeads.delete(mh)
      this.activeHandlers++
      void this.track(this.processHead(head)).catch((err) => {
        if (!this.controller.signal.aborted) this.log.error('error processing new head %s: %s', head, errMsg(err))
      }).finally(() => {
        this.activeHandlers--
        this.pump()
      })
    }
  }

  private async processHead (head: CID): Promise<void> {
    const signal = this.controller.signal
    // Fresh replica: adopt the announced head right away, so local writes
    // build on it while the full branch is still being synced.
    if (this.heads.size === 0) {
      try {
        const prio = await this.blockPriority(head, signal)
        await this.lock.run(async () => {
          if (this.heads.size > 0) return
          await this.store.put(this.keys.head(mhKey(head)), encodeUint(prio))
          this.heads.set(mhKey(head), { cid: head, height: prio })
        })
      } catch (err) {
        if (signal.aborted) return
        this.log.error('error adopting head %s: %s', head, errMsg(err))
      }
    }
    if (signal.aborted) return
    await this.handleBlock(head)
  }

  private async handleBlock (c: CID): Promise<void> {
    const mh = mhKey(c)
    if (this.claimed.has(mh)) return
    if (await this.store.has(this.keys.processed(mh))) {
      this.dropInline(mh)
      if (this.log.debugEnabled) this.log.debug('%s is known. Skip walking tree', c)
      return
    }
    if (this.claimed.has(mh)) return
    this.claimed.add(mh)
    await this.walk({ cid: c, mh }, c, { announced: true })
  }

  private async blockPriority (c: CID, signal: AbortSignal): Promise<number> {
    return decodeDelta(decodeNode(await this.fetchBlock(c, signal)).data).priority
  }

  /**
   * A block: inline cache, local store, then the DAG syncer. A fetched block
   * joins the inline cache until its node is merged: it is often needed
   * twice (a fresh replica reads a head's priority before walking it), and
   * bitswap does not fetch again a block it already delivered once.
   */
  private async fetchBlock (c: CID, signal?: AbortSignal): Promise<Uint8Array> {
    const mh = mhKey(c)
    const inline = this.inline.get(mh)
    if (inline !== undefined) return inline
    const local = await this.store.get(this.keys.block(mh))
    if (local !== undefined) return local
    if (this.dagSyncer == null) throw new NotFoundError(`block ${c.toString()} is not in the local store`)
    await this.fetchSem.acquire(signal)
    try {
      const again = this.inline.get(mh)
      if (again !== undefined) return again
      const bytes = await this.dagSyncer.get(c, { signal: timeoutSignal(this.init.dagSyncerTimeout, signal) })
      if (!verifyBlock(c, bytes)) throw new InvalidArgumentError(`fetched block does not match its CID ${c.toString()}`)
      if (bytes.length <= this.init.maxInlineBlockSize) this.putInline(mh, bytes)
      return bytes
    } finally {
      this.fetchSem.release()
    }
  }

  /**
   * Walks a branch top-down from `start` (the root itself, or a node below
   * it during repair), merging every node not processed yet. Resolves to
   * false if anything failed (the store is then marked dirty).
   */
  private async walk (root: HeadRef, start: CID, opts: { announced: boolean, signal?: AbortSignal }): Promise<boolean> {
    const signal = opts.signal != null ? anySignal(opts.signal, this.controller.signal) : this.controller.signal
    let rec = this.walkRoots.get(root.mh)
    if (rec == null) this.walkRoots.set(root.mh, rec = { active: 0, failed: false, journaled: { value: false } })
    rec.active++
    const record = rec
    let ok = true
    let rootPrio = root.height
    let outstanding = 0
    let finish!: () => void
    const finished = new Promise<void>((resolve) => { finish = resolve })
    this.claimed.add(mhKey(start))
    // Blocks of the links of a node being applied, fetched meanwhile (a long
    // chain is walked one node at a time: this overlaps fetch and merge).
    const prefetched = new Map<string, Promise<Uint8Array>>()
    const prefetch = (links: CID[]): void => {
      if (links.length > this.init.numWorkers) return
      for (const l of links) {
        const lmh = mhKey(l)
        if (prefetched.has(lmh) || this.claimed.has(lmh)) continue
        const p = this.fetchBlock(l, signal)
        p.catch(() => {})
        prefetched.set(lmh, p)
      }
    }

    const visit = (c: CID, isStart: boolean): void => {
      outstanding++
      void this.track((async () => {
        const mh = mhKey(c)
        let fetched = false
        try {
          throwIfAborted(signal)
          const early = prefetched.get(mh)
          prefetched.delete(mh)
          const block = await (early ?? this.fetchBlock(c, signal))
          fetched = true
          const node = decodeNode(block)
          const delta = decodeDelta(node.data)
          prefetch(node.links)
          if (rootPrio === undefined) {
            rootPrio = c.equals(root.cid) ? delta.priority : await this.blockPriority(root.cid, signal)
          }
          const prioOfRoot = rootPrio
          throwIfAborted(signal)
          const children = await this.lock.run(async () => {
            throwIfAborted(signal)
            return await this.applyNode({
              cid: c,
              mh,
              block,
              node,
              delta,
              root,
              rootPrio: prioOfRoot,
              local: false,
              blockStored: false,
              journalRoot: isStart ? root.mh : undefined,
              journaled: record.journaled
            })
          })
          const wanted = new Set(children.map(mhKey))
          for (const l of node.links) {
            const lmh = mhKey(l)
            if (!wanted.has(lmh)) prefetched.delete(lmh)
          }
          for (const child of children) visit(child, false)
        } catch (err) {
          this.claimed.delete(mh)
          ok = false
          if (!signal.aborted) {
            this.log.error('error processing block %s (branch of %s): %s', c, root.cid, errMsg(err))
          }
          // Failing to get the announced head itself leaves nothing half-applied.
          if (!(isStart && !fetched && opts.announced)) {
            await this.markDirty().catch((e) => { this.log.error('error setting dirty bit: %s', errMsg(e)) })
          }
        } finally {
          outstanding--
          if (outstanding === 0) finish()
        }
      })())
    }

    visit(start, true)
    await finished
    prefetched.clear()
    record.active--
    if (!ok) record.failed = true
    if (record.active === 0) {
      this.walkRoots.delete(root.mh)
      if (!record.failed && record.journaled.value) {
        // under the lock: ordered before the journal write of any later walk of this root
        await this.lock.run(async () => {
          await this.store.delete(this.keys.journal(root.mh)).catch((err) => {
            this.log.warn('cannot clear walk journal of %s: %s', root.cid, errMsg(err))
          })
        })
      }
    }
    return ok
  }

  // -------------------------------------------------------------------------
  // Rebroadcast and repair
  // -------------------------------------------------------------------------

  /** Announces our heads that nobody else announced since the last time. */
  async rebroadcast (): Promise<void> {
    if (!this.started) return
    const heads = [...this.heads.entries()].filter(([mh]) => !this.seenHeads.has(mh))
    this.seenHeads.clear()
    if (heads.length === 0) return
    const blocks: InlineBlock[] = []
    for (const [mh, h] of heads) {
      const b = await this.store.get(this.keys.block(mh))
      if (b !== undefined && b.length <= this.init.maxRebroadcastInlineSize) blocks.push({ cid: h.cid, data: b })
    }
    await this.broadcastHeads(heads.map(([, h]) => h.cid), blocks)
  }

  /**
   * If the store is dirty: visits the whole DAG from the heads (and from
   * interrupted walk roots) and walks every branch below a node that was
   * not processed. Clears the dirty bit on full success.
   */
  async repair (signal?: AbortSignal): Promise<boolean> {
    if (this.repairing != null) return await this.repairing
    this.repairing = this.doRepair(signal)
    try {
      return await this.repairing
    } finally {
      this.repairing = undefined
    }
  }

  private async doRepair (signal?: AbortSignal): Promise<boolean> {
    if (!this.started) return false
    if (!this.dirty) {
      this.log.info('store is marked clean. No need to repair')
      return true
    }
    this.log.warn('store is marked dirty. Starting DAG repair operation')
    const started = Date.now()
    const gen = this.dirtyGen
    const k = this.keys
    const sig = signal != null ? anySignal(signal, this.controller.signal) : this.controller.signal
    const journal: string[] = []
    for await (const { key } of this.store.query(k.journalPrefix, { keysOnly: true })) journal.push(key.slice(k.journalPrefix.length))

    const queue: Array<{ node: CID, root: HeadRef } | undefined> = []
    const visited = new Set<string>()
    for (const [mh, h] of this.heads) {
      visited.add(mh)
      queue.push({ node: h.cid, root: { cid: h.cid, mh, height: h.height } })
    }
    for (const mh of journal) {
      if (visited.has(mh)) continue
      visited.add(mh)
      const cid = cidFromMhKey(mh)
      queue.push({ node: cid, root: { cid, mh } })
    }
    let ok = true
    let lastLog = Date.now()
    let lastPriority = 0
    for (let i = 0; i < queue.length; i++) {
      throwIfAborted(sig)
      const item = queue[i] as { node: CID, root: HeadRef }
      queue[i] = undefined
      const mh = mhKey(item.node)
      let node: DagNode
      try {
        node = decodeNode(await this.fetchBlock(item.node, sig))
      } catch (err) {
        if (sig.aborted) throw err
        this.log.error('DAG repair: error getting node for reprocessing %s: %s', item.node, errMsg(err))
        ok = false
        break
      }
      if (!(await this.store.has(k.processed(mh)))) {
        if (this.log.debugEnabled) this.log.debug('reprocessing %s', item.node)
        if (this.claimed.has(mh)) {
          ok = false // being walked right now: verify on the next repair
        } else {
          this.claimed.add(mh)
          if (!(await this.walk(item.root, item.node, { announced: false, signal: sig }))) ok = false
        }
      }
      for (const l of node.links) {
        const lmh = mhKey(l)
        if (visited.has(lmh)) continue
        visited.add(lmh)
        queue.push({ node: l, root: item.root })
      }
      try {
        lastPriority = decodeDelta(node.data).priority
      } catch {}
      if (Date.now() - lastLog > 5 * 60 * 1000) {
        lastLog = Date.now()
        this.log.info('Repair in progress. Visited nodes: %d. Last priority: %d. Queued nodes: %d', i + 1, lastPriority, queue.length - i - 1)
      }
    }
    if (!ok) {
      this.log.warn('DAG repair could not complete: the store stays dirty')
      return false
    }
    await this.lock.run(async () => {
      if (this.dirtyGen !== gen) return
      // keep the journal of walks running right now
      const done = journal.filter((mh) => !this.walkRoots.has(mh))
      const ops: KVOp[] = [{ key: k.dirty }, ...done.map((mh) => ({ key: k.journal(mh) }))]
      await this.store.batch(ops)
      this.dirty = false
      this.log.info('DAG repair finished. Took %ds', Math.round((Date.now() - started) / 1000))
    })
    return !this.dirty
  }
}
