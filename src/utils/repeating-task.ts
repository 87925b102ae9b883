/**
 * Runs `fn` every `interval` ms until stopped. Each run gets an AbortSignal
 * that aborts on stop. Runs never overlap; errors are handed to `onError`.
 * When `fn` resolves to a number, that many ms are waited before the next
 * run instead of `interval` (variable periods, e.g. TTL/2 after a success).
 */
export interface RepeatingTaskInit {
  runImmediately?: boolean
  onError?: (err: unknown) => void
  /** Random +/- fraction applied to each interval (0.3 = ±30%). */
  jitter?: number
}

export interface RepeatingTask {
  start(): void
  stop(): Promise<void>
  /** Runs the task now (if not running) and resets the timer. */
  runNow(): void
}

export function repeatingTask (fn: (signal: AbortSignal) => Promise<void | number> | void | number, interval: number, init: RepeatingTaskInit = {}): RepeatingTask {
  let timer: ReturnType<typeof setTimeout> | undefined
  let controller = new AbortController()
  let running: Promise<void> | undefined
  let started = false

  const nextDelay = (): number => {
    const j = init.jitter ?? 0
    if (j <= 0) return interval
    return Math.max(1, interval * (1 + (Math.random() * 2 - 1) * j))
  }

  const schedule = (delay?: number): void => {
    if (!started) return
    clearTimeout(timer)
    const ms = delay != null && Number.isFinite(delay) ? Math.max(0, delay) : nextDelay()
    timer = setTimeout(run, Math.min(ms, 2 ** 31 - 1))
    timer.unref?.()
  }

  const run = (): void => {
    if (!started || running != null) return
    running = (async () => {
      let next: number | undefined
      try {
        const res = await fn(controller.signal)
        if (typeof res === 'number') next = res
      } catch (err) {
        if (!controller.signal.aborted) init.onError?.(err)
      } finally {
        running = undefined
        schedule(next)
      }
    })()
  }

  return {
    start () {
      if (started) return
      started = true
      controller = new AbortController()
      if (init.runImmediately === true) {
        run()
      } else {
        schedule()
      }
    },
    async stop () {
      started = false
      clearTimeout(timer)
      controller.abort()
      await running
    },
    runNow () {
      if (!started) return
      clearTimeout(timer)
      run()
    }
  }
}
