/**
 * sharness t0054-service-state-clean.sh (CLI spec §2.6, §11.2): `state
 * cleanup` empties the pinset seen after a restart; export + cleanup +
 * import is a no-op. crdt and raft.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { jsonDocuments } from '../helpers/run-ctl.js'
import { waitFor } from '../helpers/wait-for.js'
import { kuboAddText, Sandbox } from './helpers.js'
import type { Daemon } from './helpers.js'
import type { FakeKubo } from '../fakes/fake-kubo.js'

describe('t0054: ipfs-cluster-service state cleanup', () => {
  let sb: Sandbox
  let kubo: FakeKubo
  let folder: string
  let cid: string

  before(async () => {
    sb = await Sandbox.create('t0054')
    kubo = await sb.kubo({ mode: 'store' })
    folder = sb.path('test-config')
    cid = await kuboAddText(kubo, 'test_54')
  })
  after(async () => { await sb?.cleanup() })

  const statusCount = async (d: Daemon): Promise<number> => {
    const r = await sb.ctl(['--host', await d.host(), '--enc=json', 'status'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    return jsonDocuments(r.stdout).length
  }
  const pinAndCheck = async (d: Daemon): Promise<void> => {
    const host = await d.host()
    assert.equal((await sb.ctl(['--host', host, 'pin', 'add', cid])).code, 0)
    assert.ok((await sb.ctl(['--host', host, 'pin', 'ls', cid])).stdout.includes(cid))
    await waitFor(async () => (await sb.ctl(['--host', host, 'status', cid])).stdout.includes(': PINNED |'), { timeout: 15_000, interval: 200 })
    assert.equal(await statusCount(d), 1)
  }

  for (const consensus of ['crdt', 'raft']) {
    it(`state cleanup refreshes state on restart (${consensus})`, async () => {
      await sb.init(folder, { args: ['--force', '--consensus', consensus, '--ipfs-api', kubo.apiMultiaddr] })
      await rm(`${folder}/raft`, { recursive: true, force: true })
      let d = await sb.daemon(folder)
      await pinAndCheck(d)
      assert.equal(await d.stop('SIGHUP'), 0)
      const clean = await sb.service(['--config', folder, 'state', 'cleanup', '-f'])
      assert.equal(clean.code, 0, clean.stderr)
      assert.match(clean.stderr, /\tINFO\tservice\tdata correctly cleaned up/)
      d = await sb.daemon(folder)
      assert.equal(await statusCount(d), 0)
      assert.equal(await d.stop('SIGHUP'), 0)
    })

    it(`export + cleanup + import == noop (${consensus})`, async () => {
      let d = await sb.daemon(folder)
      await pinAndCheck(d)
      assert.equal(await d.stop('SIGHUP'), 0)
      const opts = { cwd: sb.dir }
      const exp = await sb.service(['--config', folder, 'state', 'export', '-f', 'import.json'], opts)
      assert.equal(exp.code, 0, exp.stderr)
      const clean = await sb.service(['--config', folder, 'state', 'cleanup', '-f'], opts)
      assert.equal(clean.code, 0, clean.stderr)
      const empty = await sb.service(['--config', folder, 'state', 'export'], opts)
      assert.equal(empty.stdout, '')
      const imp = await sb.service(['--config', folder, 'state', 'import', '-f', 'import.json'], opts)
      assert.equal(imp.code, 0, imp.stderr)
      d = await sb.daemon(folder)
      const host = await d.host()
      assert.ok((await sb.ctl(['--host', host, 'pin', 'ls', cid])).stdout.includes(cid))
      await waitFor(async () => (await sb.ctl(['--host', host, 'status', cid])).stdout.includes(': PINNED |'), { timeout: 15_000, interval: 200 })
      assert.equal(await statusCount(d), 1)
      assert.equal(await d.stop('SIGHUP'), 0)
      // the next round starts from an empty state
      assert.equal((await sb.service(['--config', folder, 'state', 'cleanup', '-f'])).code, 0)
    })
  }

  it('state cleanup asks first; "n" keeps the state', async () => {
    const d = await sb.daemon(folder)
    await pinAndCheck(d)
    assert.equal(await d.stop('SIGHUP'), 0)
    const r = await sb.service(['--config', folder, 'state', 'cleanup'], { input: 'n\n' })
    assert.deepEqual({ code: r.code, stdout: r.stdout }, { code: 0, stdout: 'The peer state will be removed.  Existing pins may be lost. Continue? [y/n]: ' })
    const exp = await sb.service(['--config', folder, 'state', 'export'])
    assert.equal(JSON.parse(exp.stdout).cid, cid)
  })
})
