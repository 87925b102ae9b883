import { throwIfAborted, toAbortError } from '../../utils/abort.js'

/** A FIFO async mutex. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve()

  async run<T> (fn: () => Promise<T>): Promise<T> {
    const prev = this.tail
    let release!: () => void
    this.tail = new Promise<void>((resolve) => { release = resolve })
    await prev
    try {
      return await fn()
    } finally {
      release()
    }
  }
}

/** A counting semaphore with abortable waits. */
export class Semaphore {
  private available: number
  private readonly waiters: Array<{ resolve: () => void, reject: (err: Error) => void, signal?: AbortSignal, onAbort?: () => void }> = []

  constructor (permits: number) {
    this.available = Math.max(1, permits)
  }

  async acquire (signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal)
    if (this.available > 0) {
      this.available--
      return
    }
    await new Promise<void>((resolve, reject) => {
      const waiter: { resolve: () => void, reject: (err: Error) => void, signal?: AbortSignal, onAbort?: () => void } = { resolve, reject, signal }
      if (signal != null) {
        waiter.onAbort = () => {
          const i = this.waiters.indexOf(waiter)
          if (i >= 0) this.waiters.splice(i, 1)
          reject(toAbortError(signal))
        }
        signal.addEventListener('abort', waiter.onAbort, { once: true })
      }
      this.waiters.push(waiter)
    })
  }

  release (): void {
    const next = this.waiters.shift()
    if (next != null) {
      if (next.signal != null && next.onAbort != null) next.signal.removeEventListener('abort', next.onAbort)
      next.resolve()
      return
    }
    this.available++
  }
}

/** Compares bytes lexicographically (Go's bytes.Compare). */
export function compareBytes (a: Uint8Array | undefined, b: Uint8Array | undefined): number {
  const x = a ?? new Uint8Array(0)
  const y = b ?? new Uint8Array(0)
  const n = Math.min(x.length, y.length)
  for (let i = 0; i < n; i++) {
    if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1
  }
  return x.length === y.length ? 0 : (x.length < y.length ? -1 : 1)
}

export function bytesEqual (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return compareBytes(a, b) === 0 && (a == null) === (b == null)
}
