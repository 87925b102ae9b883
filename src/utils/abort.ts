/**
 * Small cancellation helpers (AbortSignal based).
 */
import { AbortError, TimeoutError } from '../errors.js'

/** Rejects with AbortError when `signal` is aborted. */
export function throwIfAborted (signal?: AbortSignal): void {
  if (signal?.aborted === true) {
    throw toAbortError(signal)
  }
}

export function toAbortError (signal: AbortSignal): Error {
  const reason: unknown = signal.reason
  if (reason instanceof Error && (reason.name === 'TimeoutError' || reason.name === 'AbortError')) {
    return reason.name === 'TimeoutError' ? new TimeoutError() : new AbortError()
  }
  return new AbortError()
}

/** A signal aborted when any input aborts (undefined inputs ignored). */
export function anySignal (...signals: Array<AbortSignal | undefined>): AbortSignal {
  const real = signals.filter((s): s is AbortSignal => s != null)
  if (real.length === 1) return real[0]
  return AbortSignal.any(real)
}

/** A signal that aborts with a TimeoutError after `ms` (none when ms <= 0). */
export function timeoutSignal (ms: number, parent?: AbortSignal): AbortSignal | undefined {
  if (ms <= 0 || !Number.isFinite(ms)) return parent
  return anySignal(parent, AbortSignal.timeout(Math.min(ms, 2 ** 31 - 1)))
}

/** Waits `ms`, rejecting early with AbortError if `signal` aborts. */
export async function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  throwIfAborted(signal)
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(toAbortError(signal as AbortSignal))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
