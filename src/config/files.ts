/**
 * File helpers for the config folder.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'

/** Creates the folder (and parents) with mode 0700 if missing. */
export async function ensureFolder (folder: string): Promise<void> {
  await mkdir(folder, { recursive: true, mode: 0o700 })
}

/** Writes a file with mode 0600 (also fixing the mode of an existing file). */
export async function writeFile0600 (path: string, data: string): Promise<void> {
  await ensureFolder(dirname(path))
  await writeFile(path, data, { mode: 0o600 })
  await chmod(path, 0o600)
}
