/**
 * docker/entrypoint.sh, run without Docker: a stub `ipfs-cluster-service`
 * first on PATH records every call (arguments, uid/gid, environment, pid)
 * and creates service.json on `init`.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const SCRIPT = fileURLToPath(new URL('../../../docker/entrypoint.sh', import.meta.url))

const STUB = `#!${process.execPath}
const fs = require('node:fs')
const path = require('node:path')
const args = process.argv.slice(2)
const env = {}
for (const [k, v] of Object.entries(process.env)) {
  if (/^(CLUSTER_|IPFS_|HOME$)/.test(k)) env[k] = v
}
fs.appendFileSync(process.env.STUB_LOG, JSON.stringify({ args, uid: process.getuid(), gid: process.getgid(), groups: process.getgroups(), pid: process.pid, env }) + '\\n')
if (args[0] === '--version') {
  console.log('ipfs-cluster-service version 1.1.6-stub')
} else if (args[0] === 'init') {
  if (process.env.STUB_INIT_FAIL === '1') {
    console.error('error saving default configuration: stub failure')
    process.exit(7)
  }
  const cfg = path.join(process.env.IPFS_CLUSTER_PATH, 'service.json')
  fs.mkdirSync(process.env.IPFS_CLUSTER_PATH, { recursive: true })
  fs.writeFileSync(cfg, '{}')
  console.error('configuration written to ' + cfg + '.')
} else {
  console.log('stub ran: ' + args.join(' '))
}
`

interface Call {
  args: string[]
  uid: number
  gid: number
  groups: number[]
  pid: number
  env: Record<string, string>
}

interface Result {
  code: number | null
  stdout: string
  stderr: string
  calls: Call[]
  pid: number
}

let tmp: string
let bin: string
let script: string
let caseNo = 0

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'entrypoint-test-'))
  chmodSync(tmp, 0o755) // readable by the unprivileged users below
  bin = join(tmp, 'bin')
  mkdirSync(bin, { mode: 0o755 })
  writeFileSync(join(bin, 'ipfs-cluster-service'), STUB, { mode: 0o755 })
  // a copy the unprivileged users can read wherever the repository lives
  script = join(tmp, 'entrypoint.sh')
  copyFileSync(SCRIPT, script)
  chmodSync(script, 0o755)
})

after(() => {
  rmSync(tmp, { recursive: true, force: true })
})

/** A fresh config folder path (not created) and call log for one case. */
function newCase (): { dir: string, log: string } {
  caseNo++
  const log = join(tmp, `calls-${caseNo}.jsonl`)
  writeFileSync(log, '')
  chmodSync(log, 0o666)
  return { dir: join(tmp, `data-${caseNo}`), log }
}

async function runEntrypoint (shell: string[], args: string[], env: Record<string, string>, opts: { uid?: number, gid?: number } = {}): Promise<Result> {
  const [cmd, ...shellArgs] = shell
  const child = spawn(cmd, [...shellArgs, script, ...args], {
    env: { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, HOME: '/nonexistent-home', ...env },
    cwd: tmp,
    uid: opts.uid,
    gid: opts.gid
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)))
  const calls = readFileSync(env.STUB_LOG, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Call)
  return { code, stdout, stderr, calls, pid: child.pid ?? -1 }
}

const isRoot = process.getuid?.() === 0
const shells: Array<{ name: string, cmd: string[] }> = [
  { name: 'dash', cmd: ['dash'] },
  { name: 'busybox ash', cmd: ['busybox', 'sh'] },
  { name: 'bash --posix', cmd: ['bash', '--posix'] }
].filter((s) => spawnSync(s.cmd[0], [...s.cmd.slice(1), '-c', 'true']).status === 0)

describe('docker/entrypoint.sh', () => {
  it('is found with at least one POSIX shell', () => {
    assert.ok(shells.some((s) => s.name === 'dash' || s.name === 'busybox ash'), 'neither dash nor busybox is installed')
    assert.equal(statSync(SCRIPT).mode & 0o111, 0o111, 'entrypoint.sh must be executable')
  })

  for (const shell of shells) {
    describe(`with ${shell.name}`, () => {
      const run = async (args: string[], env: Record<string, string>): Promise<Result> =>
        await runEntrypoint(shell.cmd, args, { ENTRYPOINT_SKIP_SETUID: '1', ...env })

      it('initialises on first start (embedded IPFS), skips init on the second, passes --upgrade through', async () => {
        const { dir, log } = newCase()
        const env = { IPFS_CLUSTER_PATH: dir, STUB_LOG: log, CLUSTER_SECRET: 'ab'.repeat(32), CLUSTER_PEERNAME: 'peer one' }
        const first = await run(['daemon'], env)
        assert.equal(first.code, 0, first.stderr)
        assert.equal(first.stdout, [
          'ipfs-cluster-service version 1.1.6-stub',
          'No IPFS daemon configured (CLUSTER_IPFSHTTP_NODEMULTIADDRESS or IPFS_API): using the IPFS daemon at 127.0.0.1:5001 if one answers there, the embedded IPFS node otherwise.',
          'Initializing default configuration...',
          'stub ran: daemon',
          ''
        ].join('\n'))
        assert.equal(first.stderr, `configuration written to ${dir}/service.json.\n`)
        assert.deepEqual(first.calls.map((c) => c.args), [['--version'], ['init', '--consensus', 'crdt'], ['daemon']])
        // init gets the environment it reads itself
        assert.equal(first.calls[1].env.CLUSTER_SECRET, 'ab'.repeat(32))
        assert.equal(first.calls[1].env.CLUSTER_PEERNAME, 'peer one')
        assert.equal(first.calls[1].env.IPFS_CLUSTER_PATH, dir)
        assert.ok(existsSync(join(dir, 'service.json')))

        const second = await run(['daemon', '--upgrade'], env)
        assert.equal(second.code, 0, second.stderr)
        assert.equal(second.stdout, [
          'ipfs-cluster-service version 1.1.6-stub',
          `Found IPFS cluster configuration at ${dir}`,
          'stub ran: daemon --upgrade',
          ''
        ].join('\n'))
        assert.equal(second.stderr, '')
        assert.deepEqual(second.calls.slice(3).map((c) => c.args), [['--version'], ['daemon', '--upgrade']])
      })

      it('execs the service (same process, so signals reach it) with every argument kept as given', async () => {
        const { dir, log } = newCase()
        const args = ['--loglevel', 'info,cluster:debug', 'daemon', '--bootstrap',
          '/ip4/10.0.0.1/tcp/9096/p2p/12D3KooWA, /ip4/10.0.0.2/tcp/9096/ipfs/QmB', 'two  spaces', '*', '$HOME', '', "it's \"quoted\"", '-e']
        const res = await run(args, { IPFS_CLUSTER_PATH: dir, STUB_LOG: log })
        assert.equal(res.code, 0, res.stderr)
        const last = res.calls[res.calls.length - 1]
        assert.deepEqual(last.args, args)
        assert.equal(last.pid, res.pid)
      })

      it('uses IPFS_CLUSTER_CONSENSUS and passes the fixed-peerset and IPFS variables to init', async () => {
        const { dir, log } = newCase()
        const peers = '/ip4/10.0.0.1/tcp/9096/p2p/12D3KooWA,/ip4/10.0.0.2/tcp/9096/p2p/12D3KooWB'
        const res = await run(['daemon'], {
          IPFS_CLUSTER_PATH: dir, STUB_LOG: log, IPFS_CLUSTER_CONSENSUS: 'raft', CLUSTER_PEERS: peers,
          CLUSTER_IPFSHTTP_NODEMULTIADDRESS: '/dns4/ipfs0/tcp/5001', IPFS_API: '/ip4/10.0.0.9/tcp/5001'
        })
        assert.equal(res.code, 0, res.stderr)
        assert.equal(res.stdout.split('\n')[1], 'This container only runs ipfs-cluster-service. The IPFS daemon at /dns4/ipfs0/tcp/5001 needs to be run separately!')
        assert.deepEqual(res.calls[1].args, ['init', '--consensus', 'raft'])
        assert.equal(res.calls[1].env.CLUSTER_PEERS, peers)
        assert.equal(res.calls[1].env.CLUSTER_IPFSHTTP_NODEMULTIADDRESS, '/dns4/ipfs0/tcp/5001')
        assert.equal(res.calls[1].env.IPFS_API, '/ip4/10.0.0.9/tcp/5001')
      })

      it('names the IPFS daemon given with the older IPFS_API', async () => {
        const { dir, log } = newCase()
        const res = await run(['daemon'], { IPFS_CLUSTER_PATH: dir, STUB_LOG: log, IPFS_API: '/ip4/192.168.1.5/tcp/5001' })
        assert.equal(res.code, 0, res.stderr)
        assert.deepEqual(res.stdout.split('\n').slice(1, 3), [
          'This container only runs ipfs-cluster-service. The IPFS daemon at /ip4/192.168.1.5/tcp/5001 needs to be run separately!',
          'Initializing default configuration...'
        ])
      })

      it('does not run an automatic init before an explicit init (or version/help)', async () => {
        for (const args of [['init', '--peers', '/ip4/10.0.0.1/tcp/9096/p2p/12D3KooWA'], ['version'], ['--help']]) {
          const { dir, log } = newCase()
          const res = await run(args, { IPFS_CLUSTER_PATH: dir, STUB_LOG: log })
          assert.equal(res.code, 0, res.stderr)
          assert.deepEqual(res.calls.map((c) => c.args), [['--version'], args])
          assert.doesNotMatch(res.stdout, /Initializing/)
        }
      })

      it('stops when init fails, with its exit status', async () => {
        const { dir, log } = newCase()
        const res = await run(['daemon'], { IPFS_CLUSTER_PATH: dir, STUB_LOG: log, STUB_INIT_FAIL: '1' })
        assert.equal(res.code, 7)
        assert.equal(res.stderr, 'error saving default configuration: stub failure\n')
        assert.deepEqual(res.calls.map((c) => c.args), [['--version'], ['init', '--consensus', 'crdt']])
      })

      it('defaults IPFS_CLUSTER_PATH to /data/ipfs-cluster', async () => {
        const { log } = newCase()
        // the folder exists nowhere here: the script looks for /data/ipfs-cluster/service.json and the stub
        // is asked to init there; make init fail so nothing is written outside the temp folder
        const res = await run(['daemon'], { STUB_LOG: log, STUB_INIT_FAIL: '1' })
        assert.equal(res.code, 7)
        assert.equal(res.calls[1].env.IPFS_CLUSTER_PATH, '/data/ipfs-cluster')
      })

      it('traces commands with DOCKER_DEBUG', async () => {
        const { dir, log } = newCase()
        const quiet = await run(['daemon'], { IPFS_CLUSTER_PATH: dir, STUB_LOG: log })
        assert.doesNotMatch(quiet.stderr, /^\+ /m)
        const res = await run(['daemon'], { IPFS_CLUSTER_PATH: dir, STUB_LOG: log, DOCKER_DEBUG: 'true' })
        assert.equal(res.code, 0, res.stderr)
        assert.match(res.stderr, /^\+ exec ipfs-cluster-service daemon$/m)
      })
    })
  }

  describe('user switching', () => {
    const dash = ['dash']

    it('runs as the calling non-root user without switching', { skip: isRoot ? false : 'needs root to start as another user' }, async () => {
      const { dir, log } = newCase()
      mkdirSync(dir)
      chownSync(dir, 65534, 65534)
      const res = await runEntrypoint(dash, ['daemon'], { IPFS_CLUSTER_PATH: dir, STUB_LOG: log }, { uid: 65534, gid: 65534 })
      assert.equal(res.code, 0, res.stderr)
      assert.doesNotMatch(res.stdout, /Changing user/)
      assert.deepEqual(res.calls.map((c) => [c.args[0], c.uid]), [['--version', 65534], ['init', 65534], ['daemon', 65534]])
    })

    it('stays root when the user does not exist', { skip: isRoot ? false : 'needs root' }, async () => {
      const { dir, log } = newCase()
      const res = await runEntrypoint(dash, ['daemon'], { IPFS_CLUSTER_PATH: dir, STUB_LOG: log, IPFS_CLUSTER_USER: 'no-such-user-ict' })
      assert.equal(res.code, 0, res.stderr)
      assert.equal(res.stdout.split('\n')[0], 'User no-such-user-ict does not exist: running as root')
      assert.deepEqual(res.calls.map((c) => c.uid), [0, 0, 0])
    })

    it('stays root with ENTRYPOINT_SKIP_SETUID=1', { skip: isRoot ? false : 'needs root' }, async () => {
      const { dir, log } = newCase()
      const res = await runEntrypoint(dash, ['daemon'], { IPFS_CLUSTER_PATH: dir, STUB_LOG: log, ENTRYPOINT_SKIP_SETUID: '1' })
      assert.equal(res.code, 0, res.stderr)
      assert.doesNotMatch(res.stdout, /Changing user|does not exist/)
      assert.deepEqual(res.calls.map((c) => c.uid), [0, 0, 0])
    })

    describe('with a real user', () => {
      const name = `ict${process.pid.toString(36)}${Math.floor(Math.random() * 1e4)}`.slice(0, 16)
      const home = () => join(tmp, 'home-of-user')
      const canCreate = isRoot && spawnSync('useradd', ['--help']).status === 0 && spawnSync('setpriv', ['--version']).status === 0
      let created = false
      const cleanup = (): void => {
        if (created) spawnSync('userdel', [name], { stdio: 'ignore' })
        created = false
      }

      before(() => {
        if (!canCreate) return
        process.on('exit', cleanup)
        const res = spawnSync('useradd', ['--system', '--gid', 'users', '--no-create-home', '--home-dir', home(), '--shell', '/usr/sbin/nologin', name], { encoding: 'utf8' })
        assert.equal(res.status, 0, res.stderr)
        created = true
      })
      after(() => {
        cleanup()
        process.off('exit', cleanup)
      })

      it('drops root to the user (uid, gid users, HOME), fixing the folder ownership only when needed', { skip: canCreate ? false : 'needs root, useradd and setpriv' }, async () => {
        const uid = Number(spawnSync('id', ['-u', name], { encoding: 'utf8' }).stdout)
        const usersGid = Number(spawnSync('getent', ['group', 'users'], { encoding: 'utf8' }).stdout.split(':')[2])
        assert.ok(uid > 0)
        const { dir, log } = newCase()
        mkdirSync(dir, { mode: 0o700 }) // root-owned: the user cannot write it
        writeFileSync(join(dir, 'old-file'), 'x')
        const env = { IPFS_CLUSTER_PATH: dir, STUB_LOG: log, IPFS_CLUSTER_USER: name }

        const first = await runEntrypoint(dash, ['daemon', '--bootstrap', '/ip4/10.0.0.1/tcp/9096/ipfs/QmA b'], env)
        assert.equal(first.code, 0, first.stderr)
        assert.deepEqual(first.stdout.split('\n').slice(0, 3), [
          `Changing user to ${name}`,
          `Fixing the ownership of ${dir} (not writable by ${name})`,
          'ipfs-cluster-service version 1.1.6-stub'
        ])
        assert.deepEqual(first.calls.map((c) => [c.args, c.uid, c.gid]), [
          [['--version'], uid, usersGid],
          [['init', '--consensus', 'crdt'], uid, usersGid],
          [['daemon', '--bootstrap', '/ip4/10.0.0.1/tcp/9096/ipfs/QmA b'], uid, usersGid]
        ])
        assert.deepEqual(first.calls[2].groups, [usersGid])
        assert.equal(first.calls[2].env.HOME, home())
        assert.equal(first.calls[2].pid, first.pid) // setpriv and the re-run script exec: no extra process
        assert.equal(statSync(dir).uid, uid)
        assert.equal(statSync(join(dir, 'old-file')).uid, uid)
        assert.equal(statSync(join(dir, 'service.json')).uid, uid)

        // the folder is writable now: a root-owned file inside stays as it is
        writeFileSync(join(dir, 'root-file'), 'x')
        const second = await runEntrypoint(dash, ['daemon'], env)
        assert.equal(second.code, 0, second.stderr)
        assert.deepEqual(second.stdout.split('\n').slice(0, 3), [
          `Changing user to ${name}`,
          'ipfs-cluster-service version 1.1.6-stub',
          `Found IPFS cluster configuration at ${dir}`
        ])
        assert.equal(statSync(join(dir, 'root-file')).uid, 0)
        assert.deepEqual(second.calls.slice(3).map((c) => c.uid), [uid, uid])
      })

      it('creates a missing config folder for the user', { skip: canCreate ? false : 'needs root, useradd and setpriv' }, async () => {
        const uid = Number(spawnSync('id', ['-u', name], { encoding: 'utf8' }).stdout)
        const { dir, log } = newCase()
        const res = await runEntrypoint(dash, ['daemon'], { IPFS_CLUSTER_PATH: join(dir, 'nested'), STUB_LOG: log, IPFS_CLUSTER_USER: name })
        assert.equal(res.code, 0, res.stderr)
        assert.equal(statSync(join(dir, 'nested', 'service.json')).uid, uid)
        assert.deepEqual(res.calls.map((c) => c.uid), [uid, uid, uid])
      })
    })
  })
})
