/**
 * The execution lock of a peer folder (`cluster.lock`, CLI spec §2.2).
 *
 * Node has no fcntl locks, so the lock file holds the PID of its owner and
 * is created exclusively. A lock whose owner is gone (killed with SIGKILL,
 * machine restart, or a recycled PID that is ours) is stale and taken over,
 * so a crash never blocks the next start. The file is deleted on release.
 */
import { mkdir, open, readFile, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { LockError } from '../errors.js'

export const LOCK_FILE = 'cluster.lock'

export interface ExecutionLock {
  readonly path: string
  release(): Promise<void>
}

function alive (pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function ownerOf (path: string): Promise<number | undefined> {
  try {
    const text = (await readFile(path, 'utf8')).trim()
    if (text === '') return undefined
    return Number(text)
  } catch {
    return undefined
  }
}

/** The message of the reference, with the underlying reason. */
export function lockErrorMessage (folder: string, reason: string): string {
  const path = join(folder, LOCK_FILE)
  return `${reason}. If no other ipfs-cluster-service process is running, remove ${path}, or make sure that the config folder is writable for the user running ipfs-cluster-service.`
}

/**
 * Takes the lock of `folder` (created with mode 0700 if missing).
 * Throws LockError with the reference message when another live process
 * holds it or the folder is not writable.
 */
export async function acquireLock (folder: string): Promise<ExecutionLock> {
  await mkdir(folder, { recursive: true, mode: 0o700 }).catch(() => {})
  const path = join(folder, LOCK_FILE)
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o600)
      await fh.writeFile(`${process.pid}\n`)
      await fh.close()
      let released = false
      return {
        path,
        async release () {
          if (released) return
          released = true
          await unlink(path).catch(() => {})
        }
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
        throw new LockError(lockErrorMessage(folder, `lock ${path}: permission denied`))
      }
      if (code !== 'EEXIST') {
        throw new LockError(lockErrorMessage(folder, `lock ${path}: ${(err as Error).message}`))
      }
      const owner = await ownerOf(path)
      if (owner != null && alive(owner)) {
        throw new LockError(lockErrorMessage(folder, `lock ${path}: someone else has the lock`))
      }
      // stale lock: remove and retry
      await unlink(path).catch(() => {})
    }
  }
  throw new LockError(lockErrorMessage(folder, `lock ${path}: someone else has the lock`))
}
