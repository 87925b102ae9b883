/**
 * The built `bin/ipfs-cluster-ctl` program, spawned as a process.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FakeRestServer, sendError } from '../fakes/fake-rest-server.js'
import { CID1, CID2, ID_NODE0_TEXT, idNode0, storedPin } from '../fakes/rest-fixtures.js'
import { jsonDocuments } from '../helpers/run-ctl.js'

// dist/test/ctl/binary.test.js → repository root
const ROOT = process.env.CLUSTER_TEST_ROOT ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const BIN = join(ROOT, 'bin', 'ipfs-cluster-ctl')

interface Run { code: number | null, stdout: string, stderr: string, ms: number }

async function spawnCtl (args: string[], env: Record<string, string> = {}): Promise<Run> {
  const t0 = Date.now()
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => { resolve(c) }))
  return { code, stdout, stderr, ms: Date.now() - t0 }
}

describe('ctl: the bin/ipfs-cluster-ctl program', () => {
  let server: FakeRestServer

  before(async () => {
    server = await FakeRestServer.start()
    server.json('GET', '/id', idNode0())
    server.stream('GET', '/allocations', [storedPin(CID1), storedPin(CID2)])
    server.on('GET', `/allocations/${CID2}`, (_req, res) => { sendError(res, 404, 'pin is not part of the pinset') })
  })

  after(async () => {
    await server.stop()
  })

  it('prints its version', async () => {
    const r = await spawnCtl(['--version'])
    assert.deepEqual({ code: r.code, stdout: r.stdout, stderr: r.stderr }, { code: 0, stdout: 'ipfs-cluster-ctl version 1.1.6\n', stderr: '' })
  })

  it('talks to the API and exits promptly', async () => {
    const r = await spawnCtl(['--host', server.multiaddr, 'id'])
    assert.deepEqual({ code: r.code, stdout: r.stdout, stderr: r.stderr }, { code: 0, stdout: ID_NODE0_TEXT, stderr: '' })
    assert.ok(r.ms < 5000, `took ${r.ms} ms`)
  })

  it('streams JSON documents to a pipe', async () => {
    const r = await spawnCtl(['--host', server.multiaddr, '--enc=json', 'pin', 'ls'])
    assert.equal(r.code, 0)
    assert.equal(jsonDocuments(r.stdout).length, 2)
  })

  it('uses the exit codes of the reference', async () => {
    const notFound = await spawnCtl(['--host', server.multiaddr, 'pin', 'ls', CID2])
    assert.deepEqual({ code: notFound.code, stdout: notFound.stdout }, { code: 2, stdout: 'An error occurred:\n  Code: 404\n  Message: pin is not part of the pinset\n' })
    const unknown = await spawnCtl(['foo'])
    assert.deepEqual({ code: unknown.code, stdout: unknown.stdout, stderr: unknown.stderr }, { code: 3, stdout: '', stderr: "No help topic for 'foo'\n" })
    const usage = await spawnCtl(['--nope'])
    assert.equal(usage.code, 1)
    assert.match(usage.stdout, /^Incorrect Usage\. flag provided but not defined: -nope\n/)
    const local = await spawnCtl(['--enc', 'xml', 'id'])
    assert.deepEqual({ code: local.code, stderr: local.stderr }, { code: 1, stderr: 'error : unsupported encoding\n' })
  })

  it('ends quietly when stdout is closed early (| head)', async () => {
    const big = await FakeRestServer.start()
    try {
      big.stream('GET', '/allocations', Array.from({ length: 20000 }, () => storedPin(CID1)))
      const child = spawn(process.execPath, [BIN, '--host', big.multiaddr, 'pin', 'ls'], { stdio: ['ignore', 'pipe', 'pipe'] })
      let stderr = ''
      child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
      child.stdout.once('data', () => { child.stdout.destroy() })
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => { resolve(c) }))
      assert.equal(stderr, '')
      assert.equal(code, 141)
    } finally {
      await big.stop()
    }
  })

  it('reads CLUSTER_CREDENTIALS from the environment', async () => {
    const auth = await FakeRestServer.start({ basicAuth: { u: 'p' } })
    try {
      auth.json('GET', '/id', idNode0())
      const r = await spawnCtl(['--host', auth.multiaddr, '--force-http', 'id'], { CLUSTER_CREDENTIALS: 'u:p' })
      assert.equal(r.code, 0)
      assert.equal(r.stdout, ID_NODE0_TEXT)
    } finally {
      await auth.stop()
    }
  })
})
