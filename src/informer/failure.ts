import type { AbortOptions, Logger } from '../interfaces.js'

/**
 * Logs why an informer could not measure. ERROR only for real faults: a
 * cancelled measurement (shutdown, metric timeout) is not one, and an
 * unreachable IPFS daemon is already reported by the IPFS connector (a
 * clear, repeated warning), so both go to DEBUG.
 */
export function logInformerFailure (log: Logger, err: unknown, options?: AbortOptions): void {
  const e = err as Error
  if (options?.signal?.aborted === true || e?.name === 'AbortError' || e?.name === 'IPFSUnreachableError') {
    log.debug('%s', e?.message ?? String(err))
    return
  }
  log.error('%s', e?.message ?? String(err))
}
