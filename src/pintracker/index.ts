/**
 * @packageDocumentation
 *
 * The stateless pin tracker: makes the local IPFS daemon follow the shared
 * pinset. It keeps no copy of the pinset: the status of an item is computed
 * from the operation in flight for it (if any), the shared state and the
 * IPFS pinset (CLI/config spec §10.5).
 *
 * - `track(pin)` queues a pin when the pin is allocated to this peer (or
 *   to every peer), or a "remote" unpin when it is allocated elsewhere;
 *   meta pins are never pinned (status `sharded`). `untrack(cid)` queues
 *   an unpin. At most one operation exists per CID: a new one of another
 *   kind cancels the old one.
 * - Pins whose timestamp is younger than `priorityPinMaxAge` and that were
 *   tried at most `priorityPinMaxRetries` times go to a priority queue;
 *   `concurrentPins` workers serve it before the normal queue (only
 *   `BUSY_CONCURRENT_PINS`, started at most every `BUSY_PIN_INTERVAL_MS`,
 *   while the peer's APIs have requests in flight, see `activity`); one worker serves unpins (then remote unpins). Each queue holds at most
 *   `maxPinQueueSize` entries (QueueFullError beyond).
 * - Queued operations cost about 90 bytes each (no Pin objects are held;
 *   the pin is re-read from the state when its operation starts). Beyond
 *   `backlogLimit` queued operations, new pins are *deferred* instead: no
 *   operation is recorded, their status is `pin_queued` (not pinned in
 *   IPFS while deferred pins exist), and once the queue is down to
 *   `backlogResume` a sweep lists IPFS once and walks the state in key
 *   order, queueing what is not pinned (pausing whenever the queue is full
 *   again, resuming after the last pin it saw). A peer catching up on a
 *   million pins so holds at most `backlogLimit` operations.
 *
 * @example
 * ```ts
 * const tracker = createStatelessPinTracker({
 *   ipfs, state: () => consensus.state(), peerId, peerName: () => 'node0',
 *   ipfsId: () => ({ id: ipfsPeerId, addresses: [] }), logger
 * }, { concurrentPins: 10 })
 * await tracker.start()
 * await tracker.track(pin)
 * for await (const info of tracker.statusAll(TrackerStatusError)) { ... }
 * ```
 */
import { BACKLOG_LIMIT, BACKLOG_RESUME, DEFAULT_CONCURRENT_PINS, DEFAULT_MAX_PIN_QUEUE_SIZE, DEFAULT_PRIORITY_PIN_MAX_AGE, DEFAULT_PRIORITY_PIN_MAX_RETRIES } from './constants.js'
import { StatelessPinTracker } from './stateless-pin-tracker.js'
import type { StatelessTrackerConfig } from '../config/types.js'
import type { ComponentLogger, IPFSConnector, PinTracker, ReadOnlyState, RequestActivity } from '../interfaces.js'

export { StatelessPinTracker } from './stateless-pin-tracker.js'
export { BACKLOG_LIMIT, BACKLOG_RESUME, BUSY_CONCURRENT_PINS, BUSY_PIN_INTERVAL_MS, ERR_UNEXPECTEDLY_UNPINNED } from './constants.js'

export interface StatelessPinTrackerComponents {
  ipfs: IPFSConnector
  /** The current shared state (called each time it is needed). */
  state: () => ReadOnlyState
  /** This cluster peer's ID. */
  peerId: string
  peerName: () => string
  /** Cached identity of the local IPFS daemon (PinInfo `ipfs_peer_id`, addresses). */
  ipfsId: () => { id: string, addresses: string[] }
  logger: ComponentLogger
  /**
   * Requests in flight at the peer's APIs: while any is, at most
   * {@link BUSY_CONCURRENT_PINS} pins run against IPFS at once, so that
   * pins are acknowledged (and statuses answered) before background IPFS
   * work; `concurrentPins` otherwise.
   */
  activity?: RequestActivity
}

/** `pin_tracker.stateless` settings; absent or non-positive values take the defaults. */
export type StatelessPinTrackerInit = Partial<StatelessTrackerConfig> & {
  /** Queued operations beyond which new pins are deferred to a state sweep (default {@link BACKLOG_LIMIT}). */
  backlogLimit?: number
  /** Queued operations at or below which the sweep runs (default {@link BACKLOG_RESUME}, at most half the limit). */
  backlogResume?: number
  /** Wait before a sweep that could not list IPFS is tried again (ms, default 10 s). */
  sweepRetryMs?: number
  /** Least time between pin starts while the APIs are busy (ms, default 20). */
  busyPinIntervalMs?: number
}

export function createStatelessPinTracker (components: StatelessPinTrackerComponents, init: StatelessPinTrackerInit = {}): PinTracker {
  const positive = (v: number | undefined, dflt: number): number => v != null && Number.isFinite(v) && v > 0 ? v : dflt
  const config: StatelessTrackerConfig = {
    maxPinQueueSize: Math.floor(positive(init.maxPinQueueSize, DEFAULT_MAX_PIN_QUEUE_SIZE)),
    concurrentPins: Math.floor(positive(init.concurrentPins, DEFAULT_CONCURRENT_PINS)),
    priorityPinMaxAge: positive(init.priorityPinMaxAge, DEFAULT_PRIORITY_PIN_MAX_AGE),
    priorityPinMaxRetries: Math.floor(positive(init.priorityPinMaxRetries, DEFAULT_PRIORITY_PIN_MAX_RETRIES))
  }
  const backlogLimit = Math.floor(positive(init.backlogLimit, BACKLOG_LIMIT))
  const backlogResume = Math.min(Math.floor(positive(init.backlogResume, BACKLOG_RESUME)), Math.floor(backlogLimit / 2))
  return new StatelessPinTracker(components, config, { backlogLimit, backlogResume, sweepRetryMs: init.sweepRetryMs, busyPinIntervalMs: init.busyPinIntervalMs })
}
