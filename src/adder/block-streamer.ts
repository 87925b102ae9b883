/**
 * Streams the blocks of an add to their destinations (reference
 * `single.DAGService` + `BlockStreamer`):
 *
 * - on the first block, allocates destinations (`allocate`, i.e.
 *   `Cluster.BlockAllocate` with the add's pin options); with `local` the
 *   blocks go only to this peer (which replaces the last allocation when it
 *   is not among them and no user allocations were given);
 * - opens one long-lived block stream per destination and feeds every
 *   block to all of them from one shared buffer; a block is released once
 *   every live destination has taken it, so memory is bounded by the
 *   buffer limits and the producer waits (`waitForSpace`) when they are
 *   reached;
 * - a destination that fails is dropped; when all have failed the add
 *   fails with `failed to put block on all destinations`;
 * - a block with the same CID as one of the two previous ones is skipped.
 */
import { newPin } from '../api/index.js'
import { AbortError, BlockPutError } from '../errors.js'
import type { BlockWithCid, PeerIdString, Pin, PinOptions } from '../api/types.js'
import type { AbortOptions, Logger } from '../interfaces.js'
import type { CID } from 'multiformats/cid'

export type AllocateFn = (pin: Pin, options?: AbortOptions) => Promise<PeerIdString[]>
export type PutBlocksFn = (peer: PeerIdString, blocks: AsyncIterable<BlockWithCid>, options?: AbortOptions) => Promise<void>

export interface BlockStreamerInit {
  peerId: PeerIdString
  local: boolean
  pinOptions: PinOptions
  allocate: AllocateFn
  putBlocks: PutBlocksFn
  log: Logger
  /** The producer waits while more than this many bytes are buffered. */
  maxBufferedBytes: number
  /** The producer waits while more than this many blocks are buffered. */
  maxBufferedBlocks: number
  signal?: AbortSignal
}

interface Consumer {
  peer: PeerIdString
  /** Global index of the next block to hand out. */
  cursor: number
  failed: boolean
  settled: boolean
  done: Promise<void>
  wake: (() => void) | undefined
}

export class BlockStreamer {
  private readonly buffer: BlockWithCid[] = []
  /** Global index of buffer[0]. */
  private base = 0
  private bytes = 0
  private consumers: Consumer[] = []
  private started: Promise<void> | undefined
  private dests: PeerIdString[] = []
  private closed = false
  private failure: Error | undefined
  private readonly recent: Array<CID | undefined> = [undefined, undefined]
  private recentIdx = 0
  private spaceWaiters: Array<() => void> = []
  private readonly controller = new AbortController()
  private readonly signal: AbortSignal
  private readonly onAbort: () => void

  constructor (private readonly init: BlockStreamerInit) {
    this.signal = init.signal != null ? AbortSignal.any([init.signal, this.controller.signal]) : this.controller.signal
    this.onAbort = () => { this.abort(new AbortError()) }
    init.signal?.addEventListener('abort', this.onAbort, { once: true })
  }

  /** True once a block was put (allocation started). */
  get hasBlocks (): boolean {
    return this.started != null
  }

  /** Queues a block for every destination. Throws if the add already failed. */
  put (block: BlockWithCid): void {
    if (this.failure != null) throw this.failure
    if (this.closed) throw new Error('block streamer is closed')
    if (this.isRecent(block.cid)) return
    this.recent[this.recentIdx] = block.cid
    this.recentIdx = (this.recentIdx + 1) % 2
    this.buffer.push(block)
    this.bytes += block.bytes.length
    if (this.started == null) {
      this.started = this.start(block.cid)
      this.started.catch(() => {})
    }
    for (const c of this.consumers) this.wakeConsumer(c)
  }

  private isRecent (cid: CID): boolean {
    const [a, b] = this.recent
    return (a != null && a.equals(cid)) || (b != null && b.equals(cid))
  }

  /** True while the buffer is above its limits. */
  get full (): boolean {
    return this.bytes > this.init.maxBufferedBytes || this.buffer.length > this.init.maxBufferedBlocks
  }

  /** Waits until the buffer is below its limits; throws if the add failed. */
  async waitForSpace (): Promise<void> {
    while (this.failure == null && this.full) {
      await new Promise<void>((resolve) => { this.spaceWaiters.push(resolve) })
    }
    if (this.failure != null) throw this.failure
  }

  /** Output items of the sink itself (none: see the sharding sink). */
  takeOutputs (): [] {
    return []
  }

  /** The destinations (allocations), once allocated. */
  async allocations (): Promise<PeerIdString[]> {
    if (this.started == null) return []
    await this.started
    return [...this.dests]
  }

  /**
   * Ends the streams and waits for every destination. Returns the
   * allocations; throws BlockPutError when every destination failed.
   */
  async finish (): Promise<PeerIdString[]> {
    this.closed = true
    for (const c of this.consumers) this.wakeConsumer(c)
    try {
      if (this.started == null) return []
      await this.started
      await Promise.all(this.consumers.map(async (c) => { await c.done }))
      if (this.failure != null) throw this.failure
      if (this.consumers.every((c) => c.failed)) throw new BlockPutError()
      return [...this.dests]
    } finally {
      this.init.signal?.removeEventListener('abort', this.onAbort)
    }
  }

  /** Stops everything: streams are cancelled, the producer gets `err`. */
  abort (err: Error): void {
    if (this.failure == null) this.failure = err
    this.closed = true
    this.controller.abort(err)
    this.init.signal?.removeEventListener('abort', this.onAbort)
    for (const c of this.consumers) this.wakeConsumer(c)
    this.wakeProducer()
  }

  private async start (firstCid: CID): Promise<void> {
    const { init } = this
    try {
      const pin = newPin(firstCid, { ...init.pinOptions, mode: 'recursive' })
      const allocs = await init.allocate(pin, { signal: this.signal })
      let hasLocal = false
      const dests = allocs.map((d) => {
        if (d === init.peerId || d === '') {
          hasLocal = true
          return init.peerId
        }
        return d
      })
      let targets: PeerIdString[]
      if (init.local) {
        if (!hasLocal && (init.pinOptions.userAllocations ?? []).length === 0) {
          if (dests.length > 0) dests[dests.length - 1] = init.peerId
          else dests.push(init.peerId)
        }
        targets = [init.peerId]
      } else {
        targets = dests
      }
      this.dests = dests
      if (this.failure != null) throw this.failure
      if (targets.length === 0) throw new BlockPutError()
      this.consumers = targets.map((peer) => this.startConsumer(peer))
    } catch (err) {
      this.abort(err as Error)
      throw err
    }
  }

  private startConsumer (peer: PeerIdString): Consumer {
    const c: Consumer = { peer, cursor: this.base, failed: false, settled: false, done: Promise.resolve(), wake: undefined }
    c.done = (async () => {
      try {
        await this.init.putBlocks(peer, this.iterate(c), { signal: this.signal })
        if (!this.closed || c.cursor < this.base + this.buffer.length) {
          throw new Error('destination stopped reading the block stream')
        }
      } catch (err) {
        c.failed = true
        if (this.failure == null) this.init.log.error('BlockStream on %s: %s', peer, (err as Error).message)
      } finally {
        c.settled = true
        this.release()
        if (this.failure == null && this.consumers.every((x) => x.failed)) {
          this.abort(new BlockPutError())
        }
      }
    })()
    return c
  }

  private async * iterate (c: Consumer): AsyncGenerator<BlockWithCid> {
    for (;;) {
      if (this.failure != null) return
      const idx = c.cursor - this.base
      if (idx < this.buffer.length) {
        const block = this.buffer[idx]
        c.cursor++
        this.release()
        yield block
        continue
      }
      if (this.closed) return
      await new Promise<void>((resolve) => { c.wake = resolve })
    }
  }

  private wakeConsumer (c: Consumer): void {
    const w = c.wake
    if (w != null) {
      c.wake = undefined
      w()
    }
  }

  private wakeProducer (): void {
    const waiters = this.spaceWaiters
    this.spaceWaiters = []
    for (const w of waiters) w()
  }

  /** Drops the blocks every live destination has taken. */
  private release (): void {
    let min = this.base + this.buffer.length
    let live = false
    for (const c of this.consumers) {
      if (c.failed || c.settled) continue
      live = true
      if (c.cursor < min) min = c.cursor
    }
    if (!live && this.consumers.length === 0) return
    const drop = min - this.base
    if (drop > 0) {
      for (let i = 0; i < drop; i++) this.bytes -= this.buffer[i].bytes.length
      this.buffer.splice(0, drop)
      this.base = min
    }
    if (!this.full) this.wakeProducer()
  }
}
