/**
 * sharness t0053-service-state-import.sh (CLI spec §2.6, §11.2): `state
 * import` of a bad file exits 1 and (our deliberate fix of the reference
 * quirk §12.10) leaves the state untouched; the legacy importState file is
 * imported and its pin is tracked after a restart. crdt and raft.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { rm, writeFile } from 'node:fs/promises'
import { waitFor } from '../helpers/wait-for.js'
import { kuboAddText, Sandbox } from './helpers.js'
import type { FakeKubo } from '../fakes/fake-kubo.js'

/** sharness/test_data/importState: one pretty-printed legacy pin. */
const IMPORT_STATE = `{
  "cid": "QmbrCtydGyPeHiLURSPMqrvE5mCgMCwFYq3UD4XLCeAYw6",
  "name": "",
  "allocations": [],
  "replication_factor_min": -1,
  "replication_factor_max": -1
}
`

describe('t0053: ipfs-cluster-service state import', () => {
  let sb: Sandbox
  let kubo: FakeKubo
  let folder: string

  before(async () => {
    sb = await Sandbox.create('t0053')
    kubo = await sb.kubo({ mode: 'store' })
    folder = sb.path('test-config')
    await writeFile(sb.path('importState'), IMPORT_STATE)
    await writeFile(sb.path('badImportFile'), 'not exactly json\n')
  })
  after(async () => { await sb?.cleanup() })

  const exportLines = async (): Promise<string[]> => {
    const r = await sb.service(['--config', folder, 'state', 'export'])
    assert.equal(r.code, 0, r.stderr)
    return r.stdout.split('\n').filter((l) => l !== '')
  }

  for (const consensus of ['crdt', 'raft']) {
    it(`state import fails on incorrect format and changes nothing (${consensus})`, async () => {
      await sb.init(folder, { args: ['--force', '--consensus', consensus, '--ipfs-api', kubo.apiMultiaddr] })
      await rm(`${folder}/raft`, { recursive: true, force: true })
      // a pin in the state, so that "untouched" means something
      const daemon = await sb.daemon(folder)
      const cid = await kuboAddText(kubo, `keep-${consensus}`)
      assert.equal((await sb.ctl(['--host', await daemon.host(), 'pin', 'add', cid])).code, 0)
      assert.equal(await daemon.stop('SIGHUP'), 0)
      const before = await exportLines()
      assert.equal(before.length, 1)

      const r = await sb.service(['--config', folder, 'state', 'import', '-f', 'badImportFile'], { cwd: sb.dir })
      assert.equal(r.code, 1)
      assert.match(r.stderr, /^error importing state: .+$/m)
      assert.deepEqual(await exportLines(), before)
    })

    it(`state import succeeds on correct format (${consensus})`, async () => {
      const cid = await kuboAddText(kubo, 'test_53')
      assert.equal(cid, 'QmbrCtydGyPeHiLURSPMqrvE5mCgMCwFYq3UD4XLCeAYw6')
      const r = await sb.service(['--config', folder, 'state', 'import', '-f', 'importState'], { cwd: sb.dir })
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.stderr, /\tINFO\tservice\tstate successfully imported.*  Make sure all peers have consistent states/)
      // the import replaced the state
      const lines = await exportLines()
      assert.equal(lines.length, 1)
      assert.equal(JSON.parse(lines[0]).cid, cid)

      const daemon = await sb.daemon(folder)
      const host = await daemon.host()
      const ls = await sb.ctl(['--host', host, 'pin', 'ls', cid])
      assert.equal(ls.code, 0)
      assert.ok(ls.stdout.startsWith(`${cid} | `), ls.stdout)
      const status = await waitFor(async () => {
        const s = await sb.ctl(['--host', host, 'status', cid])
        return /pinned/i.test(s.stdout) ? s.stdout : undefined
      }, { timeout: 15_000, interval: 200 })
      assert.match(status, /^ {4}> .{20} : (PINNED|UNEXPECTEDLY_UNPINNED) \|/m)
      assert.equal(await daemon.stop('SIGHUP'), 0)
    })
  }

  it('state import asks first; "n" changes nothing', async () => {
    const before = await exportLines()
    const r = await sb.service(['--config', folder, 'state', 'import', 'badImportFile'], { cwd: sb.dir, input: 'n\n' })
    assert.deepEqual({ code: r.code, stdout: r.stdout }, { code: 0, stdout: 'The pinset (state) of this peer will be replaced. Continue? [y/n]: ' })
    assert.deepEqual(await exportLines(), before)
  })

  it('state import reads stdin without a file and applies --rmin/--rmax', async () => {
    const r = await sb.service(['--config', folder, 'state', 'import', '-f', '--rmin', '1', '--rmax', '2'], { input: IMPORT_STATE })
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'reading from stdin, Ctrl-D to finish\n')
    const pin = JSON.parse((await exportLines())[0])
    assert.deepEqual({ min: pin.replication_factor_min, max: pin.replication_factor_max }, { min: 1, max: 2 })
  })
})
