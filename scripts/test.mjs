#!/usr/bin/env node
// Runs the whole suite with node's test runner on the compiled output.
// Usage: npm test [-- <substring filter>...]
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureJsIpfs } from './jsipfs-fixture.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'))

function walk (dir) {
  const out = []
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...walk(p))
    else if (name.endsWith('.test.js')) out.push(p)
  }
  return out
}

let files = walk(join(root, 'dist', 'test')).sort()
if (filters.length > 0) {
  files = files.filter((f) => filters.some((flt) => relative(root, f).includes(flt)))
}
if (files.length === 0) {
  console.error('no test files matched')
  process.exit(1)
}

if (process.env.SKIP_JSIPFS !== '1') {
  ensureJsIpfs()
}

const args = ['--test', '--test-reporter=spec', `--test-concurrency=${process.env.TEST_CONCURRENCY ?? '2'}`, ...files.map((f) => relative(root, f))]
const res = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, CLUSTER_TEST_ROOT: root } })
process.exit(res.status ?? 1)
