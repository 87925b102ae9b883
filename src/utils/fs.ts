/** Small file-system helpers. */
import { access } from 'node:fs/promises'

/** True when `path` exists (any type). */
export async function exists (path: string): Promise<boolean> {
  try {
    await access(path)
    return true
  } catch {
    return false
  }
}
