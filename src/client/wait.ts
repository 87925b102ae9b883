/**
 * Waiting for a CID to reach a tracker status (Go client `WaitFor`, CLI
 * spec §6.3.2): the status is polled every `checkFreq` (first poll after
 * one period) until the target is reached; any peer in an error state ends
 * the wait with an error.
 */
import { TrackerStatus, trackerStatusFromString, trackerStatusToString } from '../api/enums.js'
import { ClusterError } from '../errors.js'
import { sleep, toAbortError } from '../utils/abort.js'
import type { GlobalPinInfoJSON } from '../api/json.js'
import type { AbortOptions } from '../interfaces.js'
import type { CID } from 'multiformats/cid'

export interface StatusSource {
  status(cid: CID | string, local?: boolean, options?: AbortOptions): Promise<GlobalPinInfoJSON>
}

export interface WaitForOptions extends AbortOptions {
  /** TrackerStatus to reach (`pinned`, `unpinned`). */
  target: number
  /** Peers that must reach it; 0 = all peers (remote ones count as pinned). */
  limit?: number
  /** Poll period in ms. @default 1000 */
  checkFreq?: number
  local?: boolean
  /** Told about every status fetched. */
  onStatus?: (gpi: GlobalPinInfoJSON) => void
}

export class WaitForStatusError extends ClusterError {
  static override name = 'WaitForStatusError'
  constructor (message: string) {
    super(message)
    this.name = 'WaitForStatusError'
  }
}

const ERROR_STATUSES = new Set<number>([TrackerStatus.Undefined, TrackerStatus.ClusterError, TrackerStatus.PinError, TrackerStatus.UnpinError])

/**
 * Whether `gpi` has reached `target`. Throws WaitForStatusError when a peer
 * reports an error status.
 */
export function statusReached (target: number, gpi: GlobalPinInfoJSON, limit: number): boolean {
  const statuses = Object.values(gpi.peer_map ?? {}).map((p) => trackerStatusFromString(p.status))
  if (statuses.some((s) => ERROR_STATUSES.has(s))) {
    throw new WaitForStatusError(`error has occurred while attempting to reach status: ${trackerStatusToString(target)}`)
  }
  if (limit > 0) {
    const reached = statuses.filter((s) => s === target).length
    return reached >= Math.min(limit, statuses.length)
  }
  return statuses.every((s) => s === target || (s === TrackerStatus.Remote && target === TrackerStatus.Pinned))
}

/** Polls until the target is reached; resolves to the last status seen. */
export async function waitForStatus (client: StatusSource, cid: CID | string, opts: WaitForOptions): Promise<GlobalPinInfoJSON> {
  const freq = opts.checkFreq ?? 1000
  try {
    for (;;) {
      await sleep(freq, opts.signal)
      const gpi = await client.status(cid, opts.local ?? false, { signal: opts.signal })
      opts.onStatus?.(gpi)
      if (statusReached(opts.target, gpi, opts.limit ?? 0)) {
        return gpi
      }
    }
  } catch (err) {
    if (opts.signal?.aborted === true) throw toAbortError(opts.signal)
    throw err
  }
}
