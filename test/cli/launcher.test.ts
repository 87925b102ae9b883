import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { launcherSettings } from '../../bench/lib/harness.js'

const run = promisify(execFile)
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')

/**
 * `bin/ipfs-cluster-service` and `bin/ipfs-cluster-follow` are shell
 * launchers that JavaScript reads as plain modules: run as programs they
 * exec node with the peer's runtime settings.
 */
describe('bin launchers', () => {
  let dir: string
  let fakeNode: string

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'launcher-'))
    // a stand-in for node that reports what it was started with
    fakeNode = join(dir, 'fake-node')
    await writeFile(fakeNode, '#!/bin/sh\necho "pid=$$ arena=$MALLOC_ARENA_MAX mmap=$MALLOC_MMAP_THRESHOLD_"\nfor a in "$@"; do echo "arg=$a"; done\n')
    await chmod(fakeNode, 0o755)
  })

  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  for (const program of ['ipfs-cluster-service', 'ipfs-cluster-follow']) {
    const bin = join(ROOT, 'bin', program)

    it(`${program}: execs node with the runtime settings, the file itself and every argument unchanged`, async () => {
      const env: NodeJS.ProcessEnv = { ...process.env, NODE: fakeNode }
      delete env.MALLOC_ARENA_MAX
      delete env.MALLOC_MMAP_THRESHOLD_
      let pid = 0
      const stdout = await new Promise<string>((resolve, reject) => {
        const child = execFile(bin, ['daemon', '--bootstrap', '/ip4/127.0.0.1/tcp/9096/p2p/x', 'two words', ''], { env }, (err, out) => {
          if (err != null) reject(err)
          else resolve(out)
        })
        pid = child.pid ?? -1
      })
      const lines = stdout.trimEnd().split('\n')
      // exec: node runs in the launcher's own process
      assert.equal(lines[0], `pid=${pid} arena=2 mmap=131072`)
      assert.deepEqual(lines.slice(1), [
        'arg=--max-semi-space-size=8',
        `arg=${bin}`,
        'arg=daemon',
        'arg=--bootstrap',
        'arg=/ip4/127.0.0.1/tcp/9096/p2p/x',
        'arg=two words',
        'arg='
      ])
    })

    it(`${program}: the benchmarks start node with the same settings (read from the launcher)`, () => {
      assert.deepEqual(launcherSettings(bin), { env: { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' }, nodeArgs: ['--max-semi-space-size=8'] })
    })

    it(`${program}: keeps malloc settings the user already chose`, async () => {
      const { stdout } = await run(bin, ['--version'], { env: { ...process.env, NODE: fakeNode, MALLOC_ARENA_MAX: '8', MALLOC_MMAP_THRESHOLD_: '65536' } })
      assert.match(stdout.split('\n')[0], /^pid=\d+ arena=8 mmap=65536$/)
    })

    it(`${program}: runs as a program with the real node, and as a module under node`, async () => {
      const env = { ...process.env, NODE: process.execPath }
      const direct = await run(bin, ['--version'], { env })
      const underNode = await run(process.execPath, [bin, '--version'], { env })
      const expected = program === 'ipfs-cluster-service' ? /^ipfs-cluster-service version 1\.1\.6\n$/ : /^ipfs-cluster-follow version 1\.1\.6\n$/
      assert.match(direct.stdout, expected)
      assert.equal(underNode.stdout, direct.stdout)
    })
  }
})
