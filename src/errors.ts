/**
 * One error class per condition. Callers (and tests) match on `err.name`,
 * never on `instanceof` or message text. The HTTP layer maps names to
 * status codes through {@link httpStatusForError}.
 *
 * Messages that clients of IPFS Cluster depend on (e.g. `pin is not part of
 * the pinset`) are the defaults of the matching class.
 */

export class ClusterError extends Error {
  static override name = 'ClusterError'
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ClusterError'
  }
}

/**
 * Builds an error without capturing a stack trace, for conditions that are
 * part of normal operation and happen per item (a pin missing from the
 * state, Kubo's "not pinned"): capturing a stack costs more than the rest of
 * such a lookup, and the message is all that is ever shown.
 */
export function withoutStack<T extends Error> (make: () => T): T {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return make()
  } finally {
    Error.stackTraceLimit = limit
  }
}

function defineError (name: string, defaultMessage: string): new (message?: string, options?: ErrorOptions) => ClusterError {
  const cls = class extends ClusterError {
    constructor (message: string = defaultMessage, options?: ErrorOptions) {
      super(message, options)
      this.name = name
    }
  }
  Object.defineProperty(cls, 'name', { value: name })
  return cls
}

/** The CID is not in the shared pinset. REST: 404. */
export const PinNotFoundError = defineError('PinNotFoundError', 'pin is not part of the pinset')
/** A generic "not found" (unknown route, unknown key). REST: 404. */
export const NotFoundError = defineError('NotFoundError', 'not found')
/** Bad user input: malformed CID, bad query parameter, bad JSON body. REST: 400. */
export const InvalidArgumentError = defineError('InvalidArgumentError', 'invalid argument')
/** Authentication failed. REST: 401. */
export const UnauthorizedError = defineError('UnauthorizedError', 'unauthorized')
/** A request body or header that is too large. REST: 413. */
export const PayloadTooLargeError = defineError('PayloadTooLargeError', 'request entity too large')
/** The peer runs in follower mode and refuses writes. */
export const FollowerModeError = defineError('FollowerModeError', 'this peer is configured to be in follower mode. Write operations are disabled')
/** A pin object failed validation (replication factors, expiry, types). */
export const InvalidPinError = defineError('InvalidPinError', 'bad pin object')
/** Not enough peers with valid metrics to satisfy replication_factor_min. */
export const NotEnoughPeersError = defineError('NotEnoughPeersError', 'not enough peers to allocate CID')
/** A bounded queue (pin tracker, batching) is full. */
export const QueueFullError = defineError('QueueFullError', 'pin/unpin operation queue is full. Try increasing max_pin_queue_size')
/** CRDT consensus cannot remove peers. */
export const UnsupportedOperationError = defineError('UnsupportedOperationError', 'operation not supported')
/** The IPFS daemon answered with an error. */
export const IPFSError = defineError('IPFSError', 'IPFS error')
/** The IPFS daemon could not be reached. */
export const IPFSUnreachableError = defineError('IPFSUnreachableError', 'IPFS is not reachable')
/** An operation ran out of time. */
export const TimeoutError = defineError('TimeoutError', 'context deadline exceeded')
/** An operation was cancelled by its caller or by shutdown. */
export const AbortError = defineError('AbortError', 'context canceled')
/** Configuration is invalid. */
export const ConfigError = defineError('ConfigError', 'invalid configuration')
/** The execution lock of the config folder is held by someone else. */
export const LockError = defineError('LockError', 'cannot acquire lock')
/** A remote peer refused an RPC call by policy. */
export const RPCAuthorizationError = defineError('RPCAuthorizationError', 'unauthorized RPC call')
/** A remote peer could not be reached or failed during an RPC call. */
export const RPCError = defineError('RPCError', 'rpc error')
/** The datastore is corrupt, in an unknown format, or cannot be opened. */
export const DatastoreError = defineError('DatastoreError', 'datastore error')
/** Adding content: no destination accepted the blocks (reference `ErrBlockAdder`). */
export const BlockPutError = defineError('BlockPutError', 'failed to put block on all destinations')
/** A component was used before it was started or after it was stopped. */
export const NotStartedError = defineError('NotStartedError', 'component not started')

/**
 * The one table that maps error names to HTTP status codes (REST API and
 * Pinning Service API). Anything not listed is a 500, as in IPFS Cluster.
 */
const HTTP_STATUS: Record<string, number> = {
  PinNotFoundError: 404,
  NotFoundError: 404,
  InvalidArgumentError: 400,
  UnauthorizedError: 401,
  PayloadTooLargeError: 413
}

export function httpStatusForError (err: unknown): number {
  const name = (err as { name?: unknown } | null)?.name
  if (typeof name === 'string' && HTTP_STATUS[name] != null) {
    return HTTP_STATUS[name]
  }
  // Errors that crossed the RPC wire keep their name, but be tolerant of
  // plain errors carrying the well-known message (as the Go reference does).
  if ((err as Error | null)?.message === 'pin is not part of the pinset') {
    return 404
  }
  return 500
}

/** Rebuilds an error from its wire form `{ name, message }` (RPC). */
export function errorFromWire (wire: { name?: string, message?: string }): Error {
  const err = new ClusterError(wire.message ?? 'unknown error')
  err.name = wire.name ?? 'ClusterError'
  return err
}

/** Turns any thrown value into its wire form. */
export function errorToWire (err: unknown): { name: string, message: string } {
  if (err instanceof Error) {
    return { name: err.name, message: err.message }
  }
  return { name: 'ClusterError', message: String(err) }
}

/** True when `err` is an abort/timeout caused by an AbortSignal. */
export function isAbortError (err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name
  return name === 'AbortError' || name === 'TimeoutError'
}
