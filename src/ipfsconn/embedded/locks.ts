/**
 * Two small in-process locks used by the embedded node:
 * - {@link RWLock}: many readers or one writer; a waiting writer blocks new
 *   readers (so garbage collection cannot starve). Never take a read lock
 *   while holding one.
 * - {@link KeyedMutex}: serialises operations on the same key (one pin root).
 */

type Waiter = { kind: 'read' | 'write', resolve: () => void }

export class RWLock {
  private readers = 0
  private writer = false
  private readonly queue: Waiter[] = []

  /** Runs `fn` holding a shared lock. */
  async read<T> (fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire('read')
    try {
      return await fn()
    } finally {
      release()
    }
  }

  /** Takes the exclusive lock; call the returned function to release it. */
  async acquireWrite (): Promise<() => void> {
    return await this.acquire('write')
  }

  private async acquire (kind: 'read' | 'write'): Promise<() => void> {
    if (this.canGrant(kind) && this.queue.length === 0) {
      this.grant(kind)
    } else {
      await new Promise<void>((resolve) => { this.queue.push({ kind, resolve }) })
    }
    let released = false
    return () => {
      if (released) return
      released = true
      if (kind === 'read') this.readers--
      else this.writer = false
      this.drain()
    }
  }

  private canGrant (kind: 'read' | 'write'): boolean {
    return kind === 'read' ? !this.writer : !this.writer && this.readers === 0
  }

  private grant (kind: 'read' | 'write'): void {
    if (kind === 'read') this.readers++
    else this.writer = true
  }

  private drain (): void {
    while (this.queue.length > 0) {
      const next = this.queue[0]
      if (!this.canGrant(next.kind)) return
      this.queue.shift()
      this.grant(next.kind)
      next.resolve()
      if (next.kind === 'write') return
    }
  }
}

export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>()

  /**
   * Runs `fn` after every earlier call for the same key has settled. When
   * `signal` aborts while waiting, rejects with its reason (and `fn` never
   * runs).
   */
  async run<T> (key: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve()
    let done!: () => void
    const mine = new Promise<void>((resolve) => { done = resolve })
    const tail = previous.then(async () => await mine)
    this.tails.set(key, tail)
    try {
      await waitOrAbort(previous, signal)
      return await fn()
    } finally {
      done()
      if (this.tails.get(key) === tail) {
        this.tails.delete(key)
      }
    }
  }

  /** Number of keys with an operation running or waiting. */
  get size (): number {
    return this.tails.size
  }
}

async function waitOrAbort (p: Promise<void>, signal?: AbortSignal): Promise<void> {
  if (signal == null) {
    await p
    return
  }
  signal.throwIfAborted()
  let onAbort!: () => void
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => { reject(signal.reason) }
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    await Promise.race([p, aborted])
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}
