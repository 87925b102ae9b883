/**
 * The stateless pin tracker: computes statuses from the operations in
 * flight, the shared state and the IPFS pinset, and runs pin/unpin
 * operations against IPFS through bounded queues.
 */
import { IPFSPinStatus, PinType, TrackerStatus, trackerStatusMatch } from '../api/enums.js'
import { IPFSError, QueueFullError } from '../errors.js'
import { anySignal, throwIfAborted, toAbortError } from '../utils/abort.js'
import { CidFingerprintSet } from './cid-fingerprint-set.js'
import { BUSY_CONCURRENT_PINS, BUSY_PIN_INTERVAL_MS, ERR_UNEXPECTEDLY_UNPINNED, SWEEP_RETRY_MS } from './constants.js'
import { OpQueue } from './op-queue.js'
import { OperationPhase, OperationTracker, OperationType } from './operation-tracker.js'
import type { OperationInfo, OperationTypeValue } from './operation-tracker.js'
import type { StatelessPinTrackerComponents } from './index.js'
import type { Pin, PinInfo } from '../api/types.js'
import type { StatelessTrackerConfig } from '../config/types.js'
import type { AbortOptions, Logger, PinTracker } from '../interfaces.js'
import type { CID } from 'multiformats/cid'

/** Statuses that need more than the operation table to be computed. */
const NON_OPERATION_STATUSES = TrackerStatus.Pinned | TrackerStatus.UnexpectedlyUnpinned | TrackerStatus.Sharded | TrackerStatus.Remote
/** Statuses that need the IPFS pinset to be computed. */
const IPFS_STATUSES = TrackerStatus.Pinned | TrackerStatus.UnexpectedlyUnpinned
/**
 * statusAll double-checks with IPFS (pin ls of one CID) at most this many
 * items that look unexpectedly unpinned while pins completed during the
 * listing (they may have been pinned after IPFS was listed).
 */
const MAX_UNPINNED_RECHECKS = 10_000
/** At most one failure logged at error level per this many ms. */
const FAILURE_LOG_INTERVAL = 1000
/** What recover acts on. */
const RECOVERABLE = TrackerStatus.PinError | TrackerStatus.UnpinError | TrackerStatus.UnexpectedlyUnpinned

interface IPFSIdentity {
  id: string
  addresses: string[]
}

/**
 * How much the tracker queues one by one (beyond, pins are deferred to a
 * state sweep), and how it paces pins while the APIs are busy.
 */
export interface TrackerLimits {
  /** Queued pin/remote operations at which new pins are deferred. */
  backlogLimit: number
  /** Queued operations at or below which the sweep (re)starts or resumes. */
  backlogResume: number
  /** Wait before a failed sweep is tried again (default {@link SWEEP_RETRY_MS}). */
  sweepRetryMs?: number
  /** Least time between two pin starts while the APIs are busy (default {@link BUSY_PIN_INTERVAL_MS}). */
  busyPinIntervalMs?: number
}

/** One running operation (a worker's unit of work). */
interface Run {
  slot: number
  gen: number
  controller: AbortController
  done: Promise<void>
}

export class StatelessPinTracker implements PinTracker {
  private readonly components: StatelessPinTrackerComponents
  private readonly config: StatelessTrackerConfig
  private readonly log: Logger
  private readonly ops = new OperationTracker()
  private readonly priorityQueue: OpQueue
  private readonly pinQueue: OpQueue
  private readonly unpinQueue: OpQueue
  /** Unpins of pins allocated elsewhere: served after real unpins. */
  private readonly remoteQueue: OpQueue
  private activePins = 0
  private activeUnpins = 0
  private readonly running = new Set<Run>()
  /** The most recent run of each slot (a successor waits for it to settle). */
  private readonly latestRun = new Map<number, Run>()
  private started = false
  private lifecycle = new AbortController()
  /** Successful pins so far (tells statusAll that IPFS changed under it). */
  private pinsDone = 0
  private lastFailureLog = 0
  private failuresNotLogged = 0
  /** When the last pin started while the APIs were busy. */
  private lastBusyStart = 0
  private paceTimer: ReturnType<typeof setTimeout> | undefined
  private readonly busyPinIntervalMs: number
  /** See {@link TrackerLimits}. */
  private readonly backlog: TrackerLimits
  /** Pins deferred (no operation recorded) since the last sweep started (a CID tracked twice counts twice). */
  private deferred = 0
  /** Deferred pins that no sweep has started on yet. */
  private sweepNeeded = false
  private sweeping = false
  /** Deferred pins the running sweep has not queued yet (pinqueue metric). */
  private sweepRemaining = 0
  /** Resolves the sweep's wait for room in the queue. */
  private roomWaiter: (() => void) | undefined
  private sweepRetry: ReturnType<typeof setTimeout> | undefined
  /** Settles when the running sweep has ended. */
  private sweepDone: Promise<void> = Promise.resolve()

  constructor (components: StatelessPinTrackerComponents, config: StatelessTrackerConfig, backlog: TrackerLimits = { backlogLimit: Infinity, backlogResume: 0 }) {
    this.components = components
    this.config = config
    this.backlog = backlog
    this.busyPinIntervalMs = backlog.busyPinIntervalMs ?? BUSY_PIN_INTERVAL_MS
    this.log = components.logger.forComponent('pintracker')
    this.priorityQueue = new OpQueue(config.maxPinQueueSize)
    this.pinQueue = new OpQueue(config.maxPinQueueSize)
    this.unpinQueue = new OpQueue(config.maxPinQueueSize)
    this.remoteQueue = new OpQueue(config.maxPinQueueSize)
  }

  readonly [Symbol.toStringTag] = 'StatelessPinTracker'

  async start (): Promise<void> {
    if (this.started) return
    if (this.lifecycle.signal.aborted) {
      this.lifecycle = new AbortController()
    }
    this.started = true
    this.dispatch()
  }

  /** Cancels every running operation, waits for them, forgets every queued one. */
  async stop (): Promise<void> {
    this.started = false
    this.lifecycle.abort()
    clearTimeout(this.sweepRetry)
    this.sweepRetry = undefined
    clearTimeout(this.paceTimer)
    this.paceTimer = undefined
    this.sweepNeeded = false
    this.deferred = 0
    for (const run of this.running) {
      run.controller.abort()
    }
    await Promise.all([...this.running].map(async (run) => { await run.done }))
    await this.sweepDone
    this.priorityQueue.clear()
    this.pinQueue.clear()
    this.unpinQueue.clear()
    this.remoteQueue.clear()
    this.latestRun.clear()
    this.ops.clear()
  }

  async track (pin: Pin, options?: AbortOptions): Promise<void> {
    throwIfAborted(options?.signal)
    this.enqueueForPin(pin, true)
  }

  async untrack (cid: CID, options?: AbortOptions): Promise<void> {
    throwIfAborted(options?.signal)
    this.enqueue(cid, OperationType.Unpin, null)
  }

  async pinQueueSize (options?: AbortOptions): Promise<number> {
    throwIfAborted(options?.signal)
    return this.ops.count(OperationType.Pin, OperationPhase.Queued) + this.deferred + this.sweepRemaining
  }

  /** Whether some pins may be deferred (not queued one by one yet): unpinned ones are then `pin_queued`. */
  private get backlogged (): boolean {
    return this.sweepNeeded || this.sweeping
  }

  /** Status of an allocated pin not (fully) pinned in IPFS and without an operation. */
  private notPinnedStatus (): { status: number, error: string } {
    return this.backlogged
      ? { status: TrackerStatus.PinQueued, error: '' }
      : { status: TrackerStatus.UnexpectedlyUnpinned, error: ERR_UNEXPECTEDLY_UNPINNED }
  }

  async status (cid: CID, options?: AbortOptions): Promise<PinInfo> {
    const ipfsId = this.components.ipfsId()
    const slot = this.ops.find(cid)
    if (slot >= 0) {
      const op = this.ops.info(slot, cid)
      return this.operationInfo(op, await this.pinForInfo(cid, options), ipfsId)
    }

    let pin: Pin
    try {
      pin = await this.components.state().get(cid, options)
    } catch (err) {
      if ((err as Error).name === 'PinNotFoundError') {
        return this.makeInfo(cid, null, null, ipfsId, TrackerStatus.Unpinned, new Date(), '')
      }
      if (options?.signal?.aborted !== true) this.log.error('status of %s: reading the state: %s', cid, (err as Error).message)
      return this.makeInfo(cid, null, null, ipfsId, TrackerStatus.ClusterError, new Date(), errorText(err))
    }

    if (pin.type === PinType.Meta) {
      return this.pinInfo(pin, ipfsId, TrackerStatus.Sharded, '')
    }
    if (!this.isAllocatedHere(pin)) {
      return this.pinInfo(pin, ipfsId, TrackerStatus.Remote, '')
    }
    let ipfsStatus: number
    try {
      ipfsStatus = await this.components.ipfs.pinLsCid(pin, options)
    } catch (err) {
      if (options?.signal?.aborted !== true) this.log.error('status of %s: IPFS pin ls: %s', cid, (err as Error).message)
      return this.pinInfo(pin, ipfsId, TrackerStatus.ClusterError, errorText(err))
    }
    switch (ipfsStatus) {
      case IPFSPinStatus.Direct:
      case IPFSPinStatus.Recursive:
      case IPFSPinStatus.Indirect:
      case IPFSPinStatus.Unpinned: {
        if (isPinnedFor(ipfsStatus, pin.maxDepth)) {
          return this.pinInfo(pin, ipfsId, TrackerStatus.Pinned, '')
        }
        const { status, error } = this.notPinnedStatus()
        return this.pinInfo(pin, ipfsId, status, error)
      }
      default:
        return this.pinInfo(pin, ipfsId, TrackerStatus.ClusterError, `unexpected IPFS pin status ${ipfsStatus}`)
    }
  }

  /**
   * Streams the local status of every pinset item (and of operations on
   * items no longer in the state) that matches `filter`.
   *
   * Memory: the state is streamed one pin at a time. When the filter can
   * match `pinned` or `unexpectedly_unpinned`, the IPFS pinset is listed
   * (when the first item needs it) into a {@link CidFingerprintSet} (about 19 bytes per IPFS pin at
   * a million pins; no CID objects or strings are kept), since the two
   * listings come in unrelated orders. When the filter only asks for
   * operation states (queued, pinning, unpinning, errors), only the
   * operation table is read and IPFS is not listed.
   */
  async * statusAll (filter: number, options?: AbortOptions): AsyncGenerator<PinInfo> {
    const signal = options?.signal
    const ipfsId = this.components.ipfsId()
    // deferred pins are pin_queued without an operation: finding them takes the state and IPFS
    const wantsDeferred = this.backlogged && trackerStatusMatch(TrackerStatus.PinQueued, filter)
    if (!trackerStatusMatch(NON_OPERATION_STATUSES, filter) && !wantsDeferred) {
      yield * this.operationStatuses(filter, ipfsId, options)
      return
    }

    // IPFS is listed when the first item needs it (not at all for an
    // empty state or one without pins allocated here: a peer that just
    // joined, before its catch-up)
    const needsIPFS = trackerStatusMatch(IPFS_STATUSES, filter) || wantsDeferred
    let ipfsPins: CidFingerprintSet | null = null
    let pinsDoneBefore = this.pinsDone
    let rechecks = 0

    const state = this.components.state()
    for await (const pin of state.list(options)) {
      throwIfAborted(signal)
      const slot = this.ops.find(pin.cid)
      if (slot >= 0) {
        const op = this.ops.info(slot, pin.cid)
        if (trackerStatusMatch(operationStatus(op), filter)) {
          yield this.operationInfo(op, pin, ipfsId)
        }
        continue
      }
      let status: number
      let error = ''
      if (pin.type === PinType.Meta) {
        status = TrackerStatus.Sharded
      } else if (!this.isAllocatedHere(pin)) {
        status = TrackerStatus.Remote
      } else if (!needsIPFS) {
        // The filter cannot match pinned/unexpectedly_unpinned.
        continue
      } else {
        if (ipfsPins == null) {
          pinsDoneBefore = this.pinsDone
          ipfsPins = await this.listIPFSPins(options)
        }
        let ipfsStatus = ipfsPins.get(pin.cid)
        if ((ipfsStatus == null || !isPinnedFor(ipfsStatus, pin.maxDepth)) && this.pinsDone !== pinsDoneBefore && rechecks < MAX_UNPINNED_RECHECKS) {
          // Pinned after IPFS was listed?
          rechecks++
          ipfsStatus = await this.components.ipfs.pinLsCid(pin, options).catch(() => ipfsStatus)
        }
        if (ipfsStatus != null && isPinnedFor(ipfsStatus, pin.maxDepth)) {
          status = TrackerStatus.Pinned
        } else {
          ({ status, error } = this.notPinnedStatus())
        }
      }
      if (trackerStatusMatch(status, filter)) {
        yield this.pinInfo(pin, ipfsId, status, error)
      }
    }

    // Unpins of items that left the state (pin operations always have
    // their pin in the state: removing it queues an unpin that replaces
    // them). An item removed from the state while we were listing may be
    // reported twice, with its newer status last.
    for (const slot of this.ops.slots()) {
      throwIfAborted(signal)
      const type = this.ops.type(slot)
      if (type === OperationType.Pin) continue
      const op = this.ops.info(slot)
      if (!trackerStatusMatch(operationStatus(op), filter)) continue
      if (await state.has(op.cid, options)) continue
      yield this.operationInfo(op, null, ipfsId)
    }
  }

  async recover (cid: CID, options?: AbortOptions): Promise<PinInfo> {
    const info = await this.status(cid, options)
    return (await this.recoverWithInfo(info, options)) ?? info
  }

  async * recoverAll (options?: AbortOptions): AsyncGenerator<PinInfo> {
    const signal = anySignal(options?.signal, this.lifecycle.signal)
    let requeued = 0
    for await (const info of this.statusAll(RECOVERABLE, { signal })) {
      const recovered = await this.recoverWithInfo(info, { signal })
      if (recovered != null) {
        requeued++
        yield recovered
      }
    }
    if (requeued > 0) {
      this.log.info('RecoverAll: re-queued %d items', requeued)
    }
  }

  // -------------------------------------------------------------------------
  // Queueing
  // -------------------------------------------------------------------------

  /**
   * Track logic: pin here, unpin when allocated elsewhere, nothing for meta
   * pins. When `deferrable` and the backlog is full, a pin without an
   * operation is deferred to a sweep instead.
   */
  private enqueueForPin (pin: Pin, deferrable = false): void {
    if (pin.type === PinType.Meta) {
      // Sharded: never pinned in IPFS; a meta pin cannot change type.
      return
    }
    if (deferrable && this.queuedCount() >= this.backlog.backlogLimit && this.ops.find(pin.cid) < 0) {
      if (!this.backlogged) {
        this.log.info('more than %d pins queued: further pins are deferred and queued from the state as IPFS catches up', this.backlog.backlogLimit)
      }
      this.deferred++
      this.sweepNeeded = true
      return
    }
    if (!this.isAllocatedHere(pin)) {
      // We cannot know without asking IPFS whether it holds the item, and
      // track() must not wait for IPFS: queue a remote unpin (status
      // `remote`), which the connector turns into a no-op when not pinned.
      this.enqueue(pin.cid, OperationType.Remote, null)
      return
    }
    this.enqueue(pin.cid, OperationType.Pin, pin.timestamp)
  }

  /**
   * Records a new queued operation and queues it. No-op when the same kind
   * of operation is already queued or running; replaces (and cancels) an
   * operation of another kind or a failed one.
   */
  private enqueue (cid: CID, type: OperationTypeValue, pinTimestamp: Date | null): void {
    const ops = this.ops
    const slot = ops.trackNew(cid, type)
    if (slot < 0) {
      return
    }
    const previous = this.latestRun.get(slot)
    if (previous != null && previous.gen !== ops.gen(slot)) {
      previous.controller.abort()
    }

    let queue: OpQueue
    if (type === OperationType.Pin) {
      const priority = pinTimestamp != null &&
        Date.now() < pinTimestamp.getTime() + this.config.priorityPinMaxAge &&
        ops.attemptCount(slot) <= this.config.priorityPinMaxRetries
      ops.setPriority(slot, priority)
      queue = priority ? this.priorityQueue : this.pinQueue
    } else if (type === OperationType.Unpin) {
      queue = this.unpinQueue
    } else {
      queue = this.remoteQueue
    }

    if (!queue.push(slot, ops.gen(slot))) {
      const err = new QueueFullError()
      ops.setError(slot, err.message)
      this.log.error(err.message)
      throw err
    }
    if (this.log.debugEnabled) {
      this.log.debug('queued %s operation for %s', typeName(type), cid)
    }
    this.dispatch()
  }

  /** Starts queued operations while workers are free. */
  private dispatch (): void {
    if (!this.started) return
    // While the APIs are busy: one pin at a time, started at most every
    // busyPinIntervalMs (a timer comes back when it is too early). A worker
    // that finishes calls this again: the full width comes back within one
    // operation once the APIs are idle.
    const busy = this.components.activity?.busy === true
    let width = busy
      ? Math.min(BUSY_CONCURRENT_PINS, this.config.concurrentPins)
      : this.config.concurrentPins
    if (busy && this.activePins < width) {
      const wait = this.lastBusyStart + this.busyPinIntervalMs - Date.now()
      if (wait > 0) {
        width = 0
        if (this.paceTimer == null && (this.priorityQueue.length > 0 || this.pinQueue.length > 0)) {
          this.paceTimer = setTimeout(() => {
            this.paceTimer = undefined
            this.dispatch()
          }, wait)
        }
      }
    }
    while (this.activePins < width) {
      const slot = this.takeFrom(this.priorityQueue) ?? this.takeFrom(this.pinQueue)
      if (slot == null) break
      if (busy) this.lastBusyStart = Date.now()
      this.activePins++
      this.startRun(slot, () => { this.activePins-- })
    }
    while (this.activeUnpins < 1) {
      const slot = this.takeFrom(this.unpinQueue) ?? this.takeFrom(this.remoteQueue)
      if (slot == null) break
      this.activeUnpins++
      this.startRun(slot, () => { this.activeUnpins-- })
    }
    if ((this.roomWaiter != null || this.sweepNeeded) && this.queuedCount() <= this.backlog.backlogResume) {
      const wake = this.roomWaiter
      this.roomWaiter = undefined
      wake?.()
      if (this.sweepNeeded && !this.sweeping && this.sweepRetry == null) this.startSweep()
    }
  }

  /** Queued pin and remote-unpin operations (what the backlog limit counts). */
  private queuedCount (): number {
    return this.ops.count(OperationType.Pin, OperationPhase.Queued) + this.ops.count(OperationType.Remote, OperationPhase.Queued)
  }

  // -------------------------------------------------------------------------
  // Deferred pins: the state sweep
  // -------------------------------------------------------------------------

  private startSweep (): void {
    this.sweeping = true
    this.sweepNeeded = false
    this.sweepRemaining += this.deferred
    this.deferred = 0
    const signal = this.lifecycle.signal
    const started = Date.now()
    this.log.info('queueing deferred pins: sweeping the state (%d deferred)', this.sweepRemaining)
    this.sweepDone = this.sweep(signal).then((queued) => {
      this.log.info('deferred pins: sweep done in %ds, %d operations queued', Math.round((Date.now() - started) / 1000), queued)
    }, (err) => {
      if (signal.aborted) return
      const retryMs = this.backlog.sweepRetryMs ?? SWEEP_RETRY_MS
      this.log.error('queueing deferred pins failed (retrying in %ds): %s', retryMs / 1000, errorText(err))
      this.sweepNeeded = true
      this.sweepRetry = setTimeout(() => {
        this.sweepRetry = undefined
        this.dispatch()
      }, retryMs)
      this.sweepRetry.unref?.()
    }).finally(() => {
      this.sweeping = false
      this.sweepRemaining = 0
      this.roomWaiter = undefined
      if (!signal.aborted) this.dispatch()
    })
  }

  /**
   * Lists IPFS once, then walks the state in key order and queues an
   * operation for every pin that needs one and has none: a pin allocated
   * here that IPFS does not hold as required, a pin allocated elsewhere that
   * IPFS holds. Whenever the queue is full again it stops the listing
   * (no iterator is held open) and resumes after the last pin it saw.
   * Returns the number of operations queued.
   */
  private async sweep (signal: AbortSignal): Promise<number> {
    const ipfsPins = await this.listIPFSPins({ signal })
    let after: CID | undefined
    let queued = 0
    while (true) {
      let full = false
      for await (const pin of this.components.state().list({ signal, after })) {
        after = pin.cid
        if (pin.type === PinType.Meta || this.ops.find(pin.cid) >= 0) continue
        const ipfsStatus = ipfsPins.get(pin.cid)
        if (this.isAllocatedHere(pin)) {
          if (ipfsStatus != null && isPinnedFor(ipfsStatus, pin.maxDepth)) continue
          this.enqueue(pin.cid, OperationType.Pin, pin.timestamp)
        } else {
          if (ipfsStatus == null) continue
          this.enqueue(pin.cid, OperationType.Remote, null)
        }
        queued++
        if (this.sweepRemaining > 0) this.sweepRemaining--
        if (this.queuedCount() >= this.backlog.backlogLimit) {
          full = true
          break
        }
      }
      if (!full) return queued
      await this.waitForRoom(signal)
    }
  }

  /** Resolves once the queue is down to `backlogResume` (checked by dispatch). */
  private async waitForRoom (signal: AbortSignal): Promise<void> {
    throwIfAborted(signal)
    if (this.queuedCount() <= this.backlog.backlogResume) return
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => { reject(toAbortError(signal)) }
      signal.addEventListener('abort', onAbort, { once: true })
      this.roomWaiter = () => {
        signal.removeEventListener('abort', onAbort)
        resolve()
      }
    })
  }

  /** The slot of the oldest live queued entry (stale entries are dropped). */
  private takeFrom (queue: OpQueue): number | undefined {
    while (queue.shift()) {
      const slot = queue.lastSlot
      if (this.ops.isCurrent(slot, queue.lastGen) && this.ops.phase(slot) === OperationPhase.Queued) {
        return slot
      }
    }
    return undefined
  }

  private startRun (slot: number, release: () => void): void {
    const ops = this.ops
    const run: Run = { slot, gen: ops.gen(slot), controller: new AbortController(), done: Promise.resolve() }
    const previous = this.latestRun.get(slot)
    ops.setPhase(slot, OperationPhase.InProgress)
    ops.incAttempts(slot)
    this.latestRun.set(slot, run)
    this.running.add(run)
    run.done = this.execute(run, previous).finally(() => {
      this.running.delete(run)
      if (this.latestRun.get(slot) === run) {
        this.latestRun.delete(slot)
      }
      release()
      this.dispatch()
    })
  }

  /** Runs one operation. Never rejects. */
  private async execute (run: Run, previous: Run | undefined): Promise<void> {
    const { slot, gen, controller } = run
    const ops = this.ops
    const signal = controller.signal
    const current = (): boolean => ops.isCurrent(slot, gen)
    const type = ops.type(slot)
    const cid = ops.cid(slot)
    try {
      // Never let a pin and an unpin of the same CID reach IPFS together:
      // wait for the cancelled predecessor to settle.
      if (previous != null) {
        await previous.done
      }
      if (!current()) return

      // Re-read the pin: it may have been removed or changed meanwhile.
      const pin = await this.tryGetPin(cid, { signal })
      if (!current()) return

      if (type === OperationType.Pin) {
        if (pin == null || pin.type === PinType.Meta || !this.isAllocatedHere(pin)) {
          this.log.debug('pin of %s no longer needed', cid)
          ops.remove(slot)
          return
        }
        this.log.debug('pinning %s', cid)
        await this.components.ipfs.pin(pin, { signal })
        this.pinsDone++
      } else {
        if (pin != null && (pin.type === PinType.Meta || this.isAllocatedHere(pin))) {
          this.log.debug('unpin of %s no longer needed', cid)
          ops.remove(slot)
          return
        }
        this.log.debug('unpinning %s', cid)
        await this.components.ipfs.unpin(cid, { signal })
      }
      if (!current()) return
      ops.remove(slot)
    } catch (err) {
      if (!current() || signal.aborted) {
        // Cancelled by a newer operation or by stop().
        return
      }
      const text = errorText(err)
      ops.setError(slot, text)
      this.logFailure(type, cid, text)
    }
  }

  /**
   * Logs operation failures at error level at most once a second (an IPFS
   * outage fails every queued operation), the rest at debug level.
   */
  private logFailure (type: OperationTypeValue, cid: CID, text: string): void {
    const now = Date.now()
    if (now - this.lastFailureLog >= FAILURE_LOG_INTERVAL) {
      const more = this.failuresNotLogged > 0 ? ` (and ${this.failuresNotLogged} more failures since the last report)` : ''
      this.log.error('%s of %s failed: %s%s', typeName(type), cid, text, more)
      this.lastFailureLog = now
      this.failuresNotLogged = 0
    } else {
      this.failuresNotLogged++
      this.log.debug('%s of %s failed: %s', typeName(type), cid, text)
    }
  }

  // -------------------------------------------------------------------------
  // Recover
  // -------------------------------------------------------------------------

  /** Re-queues an errored item; null when there was nothing to do. */
  private async recoverWithInfo (info: PinInfo, options?: AbortOptions): Promise<PinInfo | null> {
    const cid = info.cid
    switch (info.status) {
      case TrackerStatus.PinError:
      case TrackerStatus.UnexpectedlyUnpinned: {
        const pin = await this.tryGetPin(cid, options)
        if (pin == null) {
          // Removed while recovering.
          return await this.status(cid, options)
        }
        this.log.debug('restarting pin operation for %s', cid)
        this.enqueueForPin(pin, true)
        break
      }
      case TrackerStatus.UnpinError: {
        const slot = this.ops.find(cid)
        const type = slot >= 0 && this.ops.type(slot) === OperationType.Remote ? OperationType.Remote : OperationType.Unpin
        this.log.debug('restarting unpin operation for %s', cid)
        this.enqueue(cid, type, null)
        break
      }
      default:
        return null
    }
    return await this.status(cid, options)
  }

  // -------------------------------------------------------------------------
  // Helpers
  // -------------------------------------------------------------------------

  private async listIPFSPins (options?: AbortOptions): Promise<CidFingerprintSet> {
    const set = new CidFingerprintSet()
    try {
      for await (const info of this.components.ipfs.pinLs(['recursive', 'direct'], options)) {
        if (info.type === IPFSPinStatus.Recursive || info.type === IPFSPinStatus.Direct) {
          set.add(info.cid, info.type)
        }
      }
    } catch (err) {
      if (options?.signal?.aborted === true) throw err
      const message = `could not get pinset from IPFS: ${errorText(err)}`
      this.log.error(message)
      throw new IPFSError(message, { cause: err })
    }
    return set
  }

  private async * operationStatuses (filter: number, ipfsId: IPFSIdentity, options?: AbortOptions): AsyncGenerator<PinInfo> {
    for (const slot of this.ops.slots()) {
      throwIfAborted(options?.signal)
      const op = this.ops.info(slot)
      if (!trackerStatusMatch(operationStatus(op), filter)) continue
      yield this.operationInfo(op, await this.pinForInfo(op.cid, options), ipfsId)
    }
  }

  /** The pin from the state, or null when absent (or unreadable). */
  private async tryGetPin (cid: CID, options?: AbortOptions): Promise<Pin | null> {
    try {
      return await this.components.state().get(cid, options)
    } catch (err) {
      if ((err as Error).name === 'PinNotFoundError') return null
      throw err
    }
  }

  /** The pin whose fields decorate an operation's status (null when unavailable). */
  private async pinForInfo (cid: CID, options?: AbortOptions): Promise<Pin | null> {
    try {
      return await this.tryGetPin(cid, options)
    } catch (err) {
      throwIfAborted(options?.signal)
      this.log.warn('reading %s from the state: %s', cid, errorText(err))
      return null
    }
  }

  /** Go `!pin.IsRemotePin(peer)`: everywhere pins are allocated to all. */
  private isAllocatedHere (pin: Pin): boolean {
    return pin.replicationFactorMin < 0 || pin.replicationFactorMax < 0 || pin.allocations.includes(this.components.peerId)
  }

  private operationInfo (op: OperationInfo, pin: Pin | null, ipfsId: IPFSIdentity): PinInfo {
    const info = this.makeInfo(op.cid, pin, [], ipfsId, operationStatus(op), op.timestamp, op.error)
    info.attemptCount = op.attemptCount
    info.priorityPin = op.priorityPin
    return info
  }

  private pinInfo (pin: Pin, ipfsId: IPFSIdentity, status: number, error: string): PinInfo {
    return this.makeInfo(pin.cid, pin, null, ipfsId, status, pin.timestamp, error)
  }

  private makeInfo (cid: CID, pin: Pin | null, allocationsWithoutPin: string[] | null, ipfsId: IPFSIdentity, status: number, timestamp: Date | null, error: string): PinInfo {
    return {
      cid,
      name: pin?.name ?? '',
      peer: this.components.peerId,
      allocations: pin != null ? pin.allocations : allocationsWithoutPin,
      origins: pin?.origins ?? null,
      created: pin?.timestamp ?? null,
      metadata: pin?.metadata ?? null,
      peername: this.components.peerName(),
      ipfsPeerId: ipfsId.id,
      ipfsPeerAddresses: ipfsId.addresses,
      status,
      timestamp,
      error,
      attemptCount: 0,
      priorityPin: false
    }
  }
}

/** Tracker status of an operation (Go `Operation.ToTrackerStatus`). */
export function operationStatus (op: OperationInfo): number {
  switch (op.phase) {
    case OperationPhase.Queued:
      if (op.type === OperationType.Pin) return TrackerStatus.PinQueued
      if (op.type === OperationType.Unpin) return TrackerStatus.UnpinQueued
      return TrackerStatus.Remote
    case OperationPhase.InProgress:
      if (op.type === OperationType.Pin) return TrackerStatus.Pinning
      if (op.type === OperationType.Unpin) return TrackerStatus.Unpinning
      return TrackerStatus.Remote
    default:
      // A failed remote unpin is reported (and recovered) as an unpin error.
      return op.type === OperationType.Pin ? TrackerStatus.PinError : TrackerStatus.UnpinError
  }
}

/**
 * Whether an IPFS pin type satisfies a pin: a recursive IPFS pin covers
 * any depth; a direct IPFS pin only covers direct (max_depth 0) pins.
 */
function isPinnedFor (ipfsStatus: number, maxDepth: number): boolean {
  if (ipfsStatus === IPFSPinStatus.Recursive) return true
  return ipfsStatus === IPFSPinStatus.Direct && maxDepth === 0
}

function typeName (type: OperationTypeValue): string {
  switch (type) {
    case OperationType.Pin: return 'pin'
    case OperationType.Unpin: return 'unpin'
    default: return 'remote unpin'
  }
}

function errorText (err: unknown): string {
  if (err instanceof Error) return err.message
  return String(err)
}
