#!/usr/bin/env node
// `npm start`: initialises the peer folder if needed, then runs the peer.
// Folder: $IPFS_CLUSTER_PATH, else ~/.ipfs-cluster. Extra arguments are passed
// to `ipfs-cluster-service daemon` (npm start -- --bootstrap <addr>).
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const service = join(root, 'bin', 'ipfs-cluster-service')
const folder = process.env.IPFS_CLUSTER_PATH ?? join(homedir(), '.ipfs-cluster')

if (!existsSync(join(folder, 'service.json'))) {
  process.stderr.write(`No configuration at ${folder}: initialising a new peer.\n`)
  const init = spawnSync(process.execPath, [service, '--config', folder, 'init'], { stdio: 'inherit' })
  if (init.status !== 0) process.exit(init.status ?? 1)
}

// run as a program: its launcher starts node with the peer's runtime
// settings (a lower peak RSS, see docs/BENCHMARKS.md), with this node
const env = { ...process.env, NODE: process.execPath }
const child = spawn(service, ['--config', folder, 'daemon', ...process.argv.slice(2)], { stdio: 'inherit', env })
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => { child.kill(sig) })
}
child.on('exit', (code, signal) => { process.exit(code ?? (signal != null ? 1 : 0)) })
