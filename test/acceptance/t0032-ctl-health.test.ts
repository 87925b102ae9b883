/**
 * sharness t0032-ctl-health.sh (CLI spec §11.2): health graph, metrics and
 * alerts of a single crdt peer.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { waitFor } from '../helpers/wait-for.js'
import { Sandbox } from './helpers.js'
import type { RunResult } from './helpers.js'

describe('t0032: ipfs-cluster-ctl health', () => {
  let sb: Sandbox
  let ctl: (args: string[]) => Promise<RunResult>
  let pid: string

  before(async () => {
    sb = await Sandbox.create('t0032')
    const kubo = await sb.kubo()
    const folder = sb.path('test-config')
    await sb.init(folder, { args: ['--ipfs-api', kubo.apiMultiaddr] })
    const daemon = await sb.daemon(folder)
    const host = await daemon.host()
    ctl = async (args) => await sb.ctl(['--host', host, ...args])
    pid = JSON.parse((await ctl(['--enc=json', 'id'])).stdout).id
  })
  after(async () => { await sb?.cleanup() })

  it('health graph succeeds and prints as expected', async () => {
    const r = await ctl(['health', 'graph'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^digraph cluster \{/)
    assert.ok(r.stdout.includes('C0 -> I0'), r.stdout)
  })

  it('health metrics with metric name must succeed', async () => {
    for (const name of ['ping', 'freespace']) {
      const r = await ctl(['health', 'metrics', name])
      assert.equal(r.code, 0, `${name}: ${r.stdout}${r.stderr}`)
    }
  })

  it('health metrics without metric name lists the metrics of the informers', async () => {
    const r = await waitFor(async () => {
      const r = await ctl(['health', 'metrics'])
      return r.stdout.split('\n').filter((l) => l !== '').length >= 4 ? r : undefined
    }, { timeout: 10_000, interval: 200 })
    assert.equal(r.code, 0)
    assert.deepEqual(r.stdout.split('\n').filter((l) => l !== '').sort(), ['freespace', 'ping', 'pinqueue', 'tag:group'])
  })

  it('list latest metrics logged by this peer', async () => {
    const line = new RegExp(`^${pid} \\| freespace: [0-9]+ (G|M|K)B \\| Expires in: [0-9]+ seconds from now$`, 'm')
    const r = await waitFor(async () => {
      const r = await ctl(['health', 'metrics', 'freespace'])
      return line.test(r.stdout) ? r : undefined
    }, { timeout: 10_000, interval: 200, message: 'freespace metric line' })
    // the fake Kubo: StorageMax 10 GB, an empty repo
    assert.match(r.stdout, new RegExp(`^${pid} \\| freespace: 10 GB \\| `))
  })

  it('alerts must succeed', async () => {
    const r = await ctl(['health', 'alerts'])
    assert.deepEqual({ code: r.code, stdout: r.stdout }, { code: 0, stdout: '' })
  })
})
