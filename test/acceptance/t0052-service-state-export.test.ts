/**
 * sharness t0052-service-state-export.sh (CLI spec §2.6, §11.2): a pin made
 * on a running peer is in `state export` once the peer is stopped (SIGHUP),
 * on crdt and on a raft-initialised peer.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, rm } from 'node:fs/promises'
import { waitFor } from '../helpers/wait-for.js'
import { kuboAddText, Sandbox } from './helpers.js'
import type { FakeKubo } from '../fakes/fake-kubo.js'

const PIN_KEYS = ['replication_factor_min', 'replication_factor_max', 'name', 'mode', 'shard_size', 'user_allocations',
  'expire_at', 'metadata', 'pin_update', 'origins', 'cid', 'type', 'allocations', 'max_depth', 'reference', 'timestamp']

describe('t0052: ipfs-cluster-service state export', () => {
  let sb: Sandbox
  let kubo: FakeKubo
  let folder: string

  before(async () => {
    sb = await Sandbox.create('t0052')
    kubo = await sb.kubo({ mode: 'store' })
    folder = sb.path('test-config')
  })
  after(async () => { await sb?.cleanup() })

  for (const consensus of ['crdt', 'raft']) {
    it(`state export saves the correct state to expected file (${consensus})`, async () => {
      // test_cluster_init "" <consensus>: init --force, raft folder removed, start
      await sb.init(folder, { args: ['--force', '--consensus', consensus, '--ipfs-api', kubo.apiMultiaddr] })
      await rm(`${folder}/raft`, { recursive: true, force: true })
      const daemon = await sb.daemon(folder)
      const host = await daemon.host()
      const cid = await kuboAddText(kubo, consensus === 'crdt' ? 'test_52-1' : 'test_52-2')
      const add = await sb.ctl(['--host', host, 'pin', 'add', cid])
      assert.equal(add.code, 0, add.stdout + add.stderr)
      await waitFor(async () => (await sb.ctl(['--host', host, 'status', cid])).stdout.includes(': PINNED |'), { timeout: 15_000, interval: 200 })
      assert.equal(await daemon.stop('SIGHUP'), 0)
      assert.deepEqual(daemon.errorLines(), [])

      const exp = await sb.service(['--debug', '--config', folder, 'state', 'export', '-f', 'export.json'], { cwd: sb.dir })
      assert.equal(exp.code, 0, exp.stderr)
      assert.equal(exp.stdout, '')
      const text = await readFile(sb.path('export.json'), 'utf8')
      const lines = text.split('\n')
      assert.equal(lines.pop(), '', 'ends with a newline')
      assert.equal(lines.length, 1, text)
      const pin = JSON.parse(lines[0])
      assert.equal(pin.cid, cid)
      assert.deepEqual(Object.keys(pin), PIN_KEYS)
      assert.equal(lines[0], JSON.stringify(pin), 'compact JSON')
      assert.deepEqual({ type: pin.type, mode: pin.mode, max_depth: pin.max_depth }, { type: 'pin', mode: 'recursive', max_depth: -1 })
      assert.match(exp.stderr, /\tINFO\tservice\tstate successfully exported/)

      // to stdout without -f
      const out = await sb.service(['--config', folder, 'state', 'export'])
      assert.equal(out.code, 0)
      assert.equal(out.stdout, text)
      await rm(sb.path('export.json'))
    })
  }
})
