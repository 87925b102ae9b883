/** Defaults of `pin_tracker.stateless` (CLI/config spec §4.7). */
export const DEFAULT_MAX_PIN_QUEUE_SIZE = 1_000_000
export const DEFAULT_CONCURRENT_PINS = 10
/** 24h: pins younger than this go to the priority queue. */
export const DEFAULT_PRIORITY_PIN_MAX_AGE = 24 * 60 * 60 * 1000
export const DEFAULT_PRIORITY_PIN_MAX_RETRIES = 5

/** Error text of `unexpectedly_unpinned` items (spec §10.5). */
export const ERR_UNEXPECTEDLY_UNPINNED = 'the item should be pinned but it is not'
