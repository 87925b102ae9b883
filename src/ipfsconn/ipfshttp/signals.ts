/**
 * Per-operation cancellation: one AbortController per call, linked to the
 * caller's signal and to shutdown, with an optional deadline. Everything is
 * released when the operation ends (no timers left behind, which matters at
 * thousands of pins per second).
 */
import { AbortError, TimeoutError } from '../../errors.js'
import { abortReason } from './rpc-client.js'

export interface OperationSignal {
  signal: AbortSignal
  /** Aborts the operation with `reason`. */
  abort: (reason: Error) => void
  /** Releases timers and listeners. */
  clear: () => void
}

/**
 * A signal aborted by any of `parents` (mapped to AbortError/TimeoutError),
 * or with `new TimeoutError()` after `timeoutMs` (no deadline when ≤ 0).
 */
export function operationSignal (timeoutMs: number, ...parents: Array<AbortSignal | undefined>): OperationSignal {
  const controller = new AbortController()
  const links: Array<{ parent: AbortSignal, fn: () => void }> = []
  let timer: ReturnType<typeof setTimeout> | undefined
  const clear = (): void => {
    if (timer != null) clearTimeout(timer)
    timer = undefined
    for (const { parent, fn } of links) parent.removeEventListener('abort', fn)
    links.length = 0
  }
  const abort = (reason: Error): void => {
    if (!controller.signal.aborted) controller.abort(reason)
    clear()
  }
  for (const parent of parents) {
    if (parent == null) continue
    if (parent.aborted) {
      abort(abortReason(parent))
      return { signal: controller.signal, abort, clear }
    }
    const fn = (): void => { abort(abortReason(parent)) }
    parent.addEventListener('abort', fn, { once: true })
    links.push({ parent, fn })
  }
  if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
    timer = setTimeout(() => { abort(new TimeoutError()) }, Math.min(timeoutMs, 2 ** 31 - 1))
  }
  return { signal: controller.signal, abort, clear }
}

/** The AbortError used when the connector shuts down. */
export function shutdownError (): Error {
  return new AbortError()
}

/** Go duration text (`2m0s`, `1.5s`, `300ms`). */
export function formatDuration (ms: number): string {
  if (ms === 0) return '0s'
  if (ms < 1000) return `${ms}ms`
  let rest = ms
  const h = Math.floor(rest / 3600000)
  rest -= h * 3600000
  const m = Math.floor(rest / 60000)
  rest -= m * 60000
  const s = rest / 1000
  const sText = `${Number.isInteger(s) ? s : Number(s.toFixed(3))}s`
  if (h > 0) return `${h}h${m}m${sText}`
  if (m > 0) return `${m}m${sText}`
  return sText
}
