#!/usr/bin/env node
// Installs the project's dependencies when they are missing or out of date.
// Only Node built-ins here: this runs on a fresh clone before anything else.
import { execSync } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const marker = join(root, 'node_modules', '.package-lock.json')

function needsInstall () {
  if (!existsSync(marker)) return true
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  const deps = { ...pkg.dependencies, ...pkg.devDependencies }
  for (const name of Object.keys(deps)) {
    if (!existsSync(join(root, 'node_modules', name, 'package.json'))) return true
  }
  const lock = join(root, 'package-lock.json')
  if (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs + 1000) return true
  return false
}

if (needsInstall()) {
  process.stderr.write('Installing dependencies (npm install)...\n')
  execSync('npm install --no-audit --no-fund --loglevel=error', { cwd: root, stdio: 'inherit' })
}
