/**
 * Durable batching of consensus writes (`crdt.batching`).
 *
 * The reference acknowledges a batched `logPin`/`logUnpin` as soon as the
 * item is queued in memory, so a crash loses up to a batch window of
 * acknowledged pins (ipfs-cluster #1008). Here an acknowledged operation is
 * never lost:
 *
 * 1. `add()` appends the operation to a write-ahead log in the store and
 *    only then resolves. Operations arriving in the same tick share one log
 *    record (`N/w/<seq>`, group commit); a record is never split across two
 *    deltas, so each record is deleted exactly when all its operations are
 *    merged.
 * 2. The operation joins the current in-memory batch (a DeltaBuilder), whose
 *    contents are also visible to state reads (overlay), so a pin is visible
 *    locally when `logPin` resolves.
 * 3. A batch is committed when it holds `maxBatchSize` operations, when its
 *    first operation is `maxBatchAge` old, or before it would exceed the
 *    delta size cap (~1 MiB). The commit publishes one DAG node and deletes
 *    the batch's log entries IN THE SAME ATOMIC STORE BATCH as the merge.
 * 4. At start, the log is replayed (in order) into the current batch, which
 *    is then committed. A graceful stop commits everything pending.
 *
 * So every acknowledged operation is, at any instant, either in the log or
 * merged in the CRDT, never both and never neither.
 *
 * `maxQueueSize` bounds the operations acknowledged but not yet committed;
 * beyond it writes fail with the reference's message. When commits fall
 * behind (two batches waiting), new writes wait for them (back-pressure).
 */
import { InvalidArgumentError, QueueFullError } from '../../errors.js'
import { ProtoReader, ProtoWriter, utf8Decode, uvarintSize } from '../../utils/protobuf.js'
import { DeltaBuilder } from './delta-builder.js'
import type { PendingLookup, PendingOp } from './delta-builder.js'
import type { CRDTKeys } from './keys.js'
import type { KVOp, MerkleCRDT } from './merkle-crdt.js'
import type { AbortOptions, KVStore, Logger } from '../../interfaces.js'

export const MAX_QUEUE_SIZE_MESSAGE = 'batching max_queue_size reached. Too many operations are waiting to be batched. Try increasing the max_queue_size or adjusting the batching options'

export interface BatcherConfig {
  maxBatchSize: number
  /** ms */
  maxBatchAge: number
  maxQueueSize: number
  /** bytes */
  maxDeltaSize: number
}

/**
 * A logged operation: 1 byte type (1 put, 2 delete), uvarint key length,
 * the key (UTF-8), then the value (puts).
 */
function encodeOp (op: PendingOp): Uint8Array {
  const keyLen = Buffer.byteLength(op.key, 'utf8')
  const valueLen = op.value?.length ?? 0
  const lenSize = uvarintSize(keyLen)
  const out = Buffer.allocUnsafe(1 + lenSize + keyLen + valueLen)
  out[0] = op.value !== undefined ? 1 : 2
  let pos = 1
  let n = keyLen
  while (n >= 128) {
    out[pos++] = (n & 127) | 128
    n >>>= 7
  }
  out[pos++] = n
  pos += out.write(op.key, pos, keyLen, 'utf8')
  if (op.value !== undefined) out.set(op.value, pos)
  return out
}

function decodeOp (b: Uint8Array): PendingOp {
  const type = b[0]
  if (type !== 1 && type !== 2) throw new InvalidArgumentError(`unknown batching log entry type ${type}`)
  const r = new ProtoReader(b, 1)
  const keyLen = r.uvarint()
  if (r.pos + keyLen > b.length) throw new InvalidArgumentError('truncated batching log entry')
  const key = utf8Decode(b.subarray(r.pos, r.pos + keyLen))
  if (type === 2) return { key }
  return { key, value: b.slice(r.pos + keyLen) }
}

/** A log record: the operations of one group commit, each length-prefixed. */
function encodeRecord (ops: Uint8Array[]): Uint8Array {
  let size = 0
  for (const o of ops) size += uvarintSize(o.length) + o.length
  const w = new ProtoWriter(size + 1)
  for (const o of ops) w.uvarint(o.length).raw(o)
  return w.finish()
}

function decodeRecord (b: Uint8Array): PendingOp[] {
  const r = new ProtoReader(b)
  const ops: PendingOp[] = []
  while (!r.done) ops.push(decodeOp(r.bytes()))
  return ops
}

/** Operations logged together (one store entry), always committed together. */
interface LogRecord {
  key: string
  ops: PendingOp[]
  /** Estimated delta bytes of the operations. */
  size: number
}

class Batch {
  readonly builder = new DeltaBuilder()
  readonly walKeys: string[] = []
  ops = 0
  timer: ReturnType<typeof setTimeout> | undefined
}

interface Waiting {
  op: PendingOp
  bytes: Uint8Array
  size: number
  resolve: () => void
  reject: (err: Error) => void
}

export class DurableBatcher {
  private current = new Batch()
  private readonly committing: Batch[] = []
  private commitChain: Promise<void> = Promise.resolve()
  private buffer: Waiting[] = []
  private flushing: Promise<void> | undefined
  private queued = 0
  private seq = 0
  private stopping = false

  constructor (
    private readonly engine: MerkleCRDT,
    private readonly store: KVStore,
    private readonly keys: CRDTKeys,
    private readonly log: Logger,
    private readonly cfg: BatcherConfig
  ) {}

  /** Operations acknowledged and not committed yet. */
  get pending (): number {
    return this.queued
  }

  /** Replays the write-ahead log into the current batch. */
  async start (commitReplayed: boolean): Promise<void> {
    this.stopping = false
    let count = 0
    for await (const { key, value } of this.store.query(this.keys.walPrefix)) {
      const seq = this.keys.walSeq(key)
      if (Number.isFinite(seq) && seq >= this.seq) this.seq = seq + 1
      let ops: PendingOp[]
      try {
        ops = decodeRecord(value)
      } catch (err) {
        this.log.error('dropping undecodable batching log entry %s: %s', key, (err as Error).message)
        await this.store.delete(key)
        continue
      }
      this.queued += ops.length
      count += ops.length
      this.addRecord({ key, ops, size: ops.reduce((n, op) => n + DeltaBuilder.estimate(op), 0) }, commitReplayed)
    }
    if (count > 0) {
      this.log.info('recovered %d acknowledged operations from the batching log', count)
      if (commitReplayed) this.triggerCommit()
    }
  }

  /**
   * Graceful stop: commits everything pending (unless `commit` is false:
   * offline tools leave the log for the daemon).
   */
  async stop (commit = true): Promise<void> {
    await this.flushing
    if (commit) this.triggerCommit()
    this.stopping = true
    await this.commitChain
    clearTimeout(this.current.timer)
  }

  /** Commits the current batch and waits for every commit in flight. */
  async flush (): Promise<void> {
    await this.flushing
    this.triggerCommit()
    await this.commitChain
  }

  /** Forgets every pending operation (after a state cleanup wiped the log). */
  async drop (): Promise<void> {
    await this.flushing
    await this.commitChain
    clearTimeout(this.current.timer)
    this.current = new Batch()
    this.queued = 0
  }

  lookup (key: string): PendingLookup | undefined {
    const hit = this.current.builder.lookup(key)
    if (hit !== undefined) return hit
    for (let i = this.committing.length - 1; i >= 0; i--) {
      const h = this.committing[i].builder.lookup(key)
      if (h !== undefined) return h
    }
    return undefined
  }

  /** Keys with a pending value or delete (for listings). */
  pendingKeys (): Set<string> {
    const out = new Set<string>()
    for (const b of [...this.committing, this.current]) {
      for (const key of b.builder.entries.keys()) out.add(key)
    }
    return out
  }

  /** Durably queues an operation; resolves once it is in the log. */
  async add (op: PendingOp, errorPrefix: string, options?: AbortOptions): Promise<void> {
    if (this.queued >= this.cfg.maxQueueSize) {
      throw new QueueFullError(`${errorPrefix}: ${MAX_QUEUE_SIZE_MESSAGE}`)
    }
    this.queued++
    try {
      while (this.committing.length >= 2 && !this.stopping) {
        await this.commitChain
      }
      options?.signal?.throwIfAborted()
    } catch (err) {
      this.queued--
      throw err
    }
    await new Promise<void>((resolve, reject) => {
      this.buffer.push({ op, bytes: encodeOp(op), size: DeltaBuilder.estimate(op), resolve, reject })
      this.scheduleFlush()
    })
  }

  private scheduleFlush (): void {
    if (this.flushing != null) return
    this.flushing = (async () => {
      // let the operations of this tick join the same write
      await new Promise<void>((resolve) => setImmediate(resolve))
      while (this.buffer.length > 0) {
        const items = this.buffer
        this.buffer = []
        // one record per group, split so that a record always fits in a batch
        const records: Array<{ record: LogRecord, items: Waiting[] }> = []
        let cur: { record: LogRecord, items: Waiting[] } | undefined
        for (const w of items) {
          if (cur == null || cur.items.length >= this.cfg.maxBatchSize || (cur.items.length > 0 && cur.record.size + w.size > this.cfg.maxDeltaSize)) {
            cur = { record: { key: this.keys.wal(this.seq++), ops: [], size: 0 }, items: [] }
            records.push(cur)
          }
          cur.items.push(w)
          cur.record.ops.push(w.op)
          cur.record.size += w.size
        }
        try {
          await this.store.batch(records.map((r) => ({ key: r.record.key, value: encodeRecord(r.items.map((w) => w.bytes)) })))
        } catch (err) {
          this.queued -= items.length
          for (const w of items) w.reject(err as Error)
          continue
        }
        for (const r of records) {
          this.addRecord(r.record, true)
          for (const w of r.items) w.resolve()
        }
      }
    })().finally(() => {
      this.flushing = undefined
      if (this.buffer.length > 0) this.scheduleFlush()
    })
  }

  /** Adds a whole record to the current batch (committing it first if the record does not fit). */
  private addRecord (record: LogRecord, autoCommit: boolean): void {
    if (autoCommit && this.current.ops > 0 && (this.current.builder.size + record.size > this.cfg.maxDeltaSize || this.current.ops + record.ops.length > this.cfg.maxBatchSize)) {
      this.triggerCommit()
    }
    const batch = this.current
    for (const op of record.ops) batch.builder.apply(op)
    batch.walKeys.push(record.key)
    batch.ops += record.ops.length
    if (!autoCommit) return
    if (batch.timer === undefined && this.cfg.maxBatchAge > 0) {
      batch.timer = setTimeout(() => {
        if (this.current === batch) this.triggerCommit()
      }, this.cfg.maxBatchAge)
      batch.timer.unref?.()
    }
    if (batch.ops >= this.cfg.maxBatchSize) this.triggerCommit()
  }

  /** Hands the current batch to the (serialised) committer. */
  triggerCommit (): void {
    const batch = this.current
    if (batch.ops === 0) return
    clearTimeout(batch.timer)
    this.current = new Batch()
    this.committing.push(batch)
    this.commitChain = this.commitChain.then(async () => { await this.commit(batch) })
  }

  private async commit (batch: Batch): Promise<void> {
    const extra: KVOp[] = batch.walKeys.map((key) => ({ key }))
    let delay = 200
    while (true) {
      try {
        await this.engine.publish(batch.builder, extra)
        this.queued -= batch.ops
        break
      } catch (err) {
        if (this.stopping || !this.engine.isStarted) {
          this.log.error('error committing batch (its %d operations stay in the batching log): %s', batch.ops, (err as Error).message)
          break
        }
        this.log.error('error committing batch (retrying): %s', (err as Error).message)
        await new Promise((resolve) => setTimeout(resolve, delay))
        delay = Math.min(delay * 2, 10000)
      }
    }
    const i = this.committing.indexOf(batch)
    if (i >= 0) this.committing.splice(i, 1)
  }
}
