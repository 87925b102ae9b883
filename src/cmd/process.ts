/**
 * What the three programs share about the process they run in.
 */
import { pathToFileURL } from 'node:url'
import { setFlagsFromString } from 'node:v8'

/**
 * V8 heap growth of the long-running programs (service, follow): after each
 * full collection the old generation may grow to 1.2 × the live heap
 * (V8's own factor goes up to 4 when allocation is fast, as in a catch-up
 * of a million pins, whose live heap is small). Read by V8 at every
 * collection, so it can be set at run time. The `bin/` launchers also
 * start node with a smaller young generation (`--max-semi-space-size=8`)
 * and `MALLOC_ARENA_MAX=2`, which only work from the start.
 * See docs/BENCHMARKS.md (peak RSS of a peer with a million pins).
 */
export const HEAP_GROWING_PERCENT = 20

/** Applies the runtime settings of a long-running program (see {@link HEAP_GROWING_PERCENT}). */
export function tuneDaemonRuntime (): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`)
}

/**
 * True when the module at `moduleUrl` is the program being run: either it
 * was executed directly, or a `bin/` launcher set the process title to the
 * program name.
 */
export function isMainModule (programName: string, moduleUrl: string): boolean {
  if (process.title === programName || process.title.startsWith(programName + ' ')) return true
  const argv1 = process.argv[1]
  if (argv1 == null) return false
  try {
    return moduleUrl === pathToFileURL(argv1).href
  } catch {
    return false
  }
}

/** Calls `handler` on SIGINT, SIGTERM and SIGHUP; returns an unregister function. */
export function onShutdownSignals (handler: (signal: string) => void): () => void {
  const sigs: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']
  const listeners = sigs.map((s) => {
    const l = (): void => { handler(s) }
    process.on(s, l)
    return [s, l] as const
  })
  return () => {
    for (const [s, l] of listeners) process.removeListener(s, l)
  }
}
