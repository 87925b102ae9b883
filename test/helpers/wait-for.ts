/**
 * Polls `fn` until it returns a truthy value (or stops throwing).
 * Tests wait on conditions, never on fixed sleeps.
 */
export async function waitFor<T> (fn: () => T | Promise<T>, opts: { timeout?: number, interval?: number, message?: string } = {}): Promise<NonNullable<T>> {
  const timeout = opts.timeout ?? 10000
  const interval = opts.interval ?? 20
  const deadline = Date.now() + timeout
  let lastErr: unknown
  while (true) {
    try {
      const v = await fn()
      if (v != null && v !== false) {
        return v as NonNullable<T>
      }
    } catch (err) {
      lastErr = err
    }
    if (Date.now() > deadline) {
      const detail = lastErr != null ? `: ${(lastErr as Error).message}` : ''
      throw new Error(`waitFor timed out after ${timeout}ms${opts.message != null ? ` (${opts.message})` : ''}${detail}`)
    }
    await new Promise((resolve) => setTimeout(resolve, interval))
  }
}
