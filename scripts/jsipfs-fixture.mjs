// Installs the js-ipfs daemon fixture (an independent Kubo-RPC daemon used
// by the connector compliance tests) in its own folder, never in the
// project's node_modules (its version pins conflict with libp2p 3).
import { execSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
export const JSIPFS_DIR = join(root, 'test', 'fixtures', 'jsipfs')
export const JSIPFS_BIN = join(JSIPFS_DIR, 'node_modules', 'ipfs', 'src', 'cli.js')

export function ensureJsIpfs () {
  if (existsSync(JSIPFS_BIN)) return
  process.stderr.write('Installing the js-ipfs test daemon fixture (about 3 minutes, once)...\n')
  execSync('npm install --no-audit --no-fund --loglevel=error', { cwd: JSIPFS_DIR, stdio: 'inherit' })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureJsIpfs()
}
