/** Defaults of `pin_tracker.stateless` (CLI/config spec §4.7). */
export const DEFAULT_MAX_PIN_QUEUE_SIZE = 1_000_000
export const DEFAULT_CONCURRENT_PINS = 10
/** 24h: pins younger than this go to the priority queue. */
export const DEFAULT_PRIORITY_PIN_MAX_AGE = 24 * 60 * 60 * 1000
export const DEFAULT_PRIORITY_PIN_MAX_RETRIES = 5

/** Error text of `unexpectedly_unpinned` items (spec §10.5). */
export const ERR_UNEXPECTEDLY_UNPINNED = 'the item should be pinned but it is not'

/**
 * Pins run against IPFS at once while the peer's APIs have requests in
 * flight (instead of `concurrent_pins`): a burst of pins is acknowledged
 * and replicated first, IPFS catches up when the burst is over. Measured on
 * three peers sharing two cores (`npm run bench -- cluster-ingest`): 4,056
 * batched pins/s acknowledged and visible on all peers with 10 pins at
 * once, 6,417/s with 1.
 */
export const BUSY_CONCURRENT_PINS = 1
/**
 * Least time between two pin starts while the APIs are busy: one at a time
 * is still ~3,000 requests/s to a fast IPFS. With this pace, ingestion on
 * three peers went from 4,824/4,829 to 5,583/5,324 pins/s (alternating
 * runs). A real IPFS pin of remote content takes longer than this anyway.
 */
export const BUSY_PIN_INTERVAL_MS = 20

/**
 * Pin (and remote unpin) operations queued at which the tracker stops
 * recording new ones one by one: a peer catching up on a million pins
 * would otherwise hold a million queued operations (~90 bytes each). The
 * pins beyond are *deferred*: reported `pin_queued`, and queued by a sweep
 * of the state once the queue is down to {@link BACKLOG_RESUME}.
 */
export const BACKLOG_LIMIT = 50_000
/** Queued operations at or below which a deferred sweep (re)starts. */
export const BACKLOG_RESUME = 25_000
/** Wait before a sweep that failed (IPFS unreachable) is tried again. */
export const SWEEP_RETRY_MS = 10_000
