/**
 * What the three programs share about the process they run in.
 */
import { pathToFileURL } from 'node:url'

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
