/**
 * sharness t0041-ssl-enforcement.sh (CLI spec §11.2): a client asking for
 * HTTPS fails against a plain-HTTP API.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox } from './helpers.js'
import type { Daemon } from './helpers.js'

describe('t0041: ssl enforcement', () => {
  let sb: Sandbox
  let daemon: Daemon

  before(async () => {
    sb = await Sandbox.create('t0041')
    const kubo = await sb.kubo()
    const folder = sb.path('test-config')
    await sb.init(folder, { args: ['--ipfs-api', kubo.apiMultiaddr] })
    daemon = await sb.daemon(folder)
  })
  after(async () => { await sb?.cleanup() })

  it('ssl enforced by client', async () => {
    const r = await sb.ctl(['--host', await daemon.host(), '--https', '--no-check-certificate', 'id'])
    assert.equal(r.code, 1)
    assert.match(r.stdout, /^An error occurred:\n {2}Code: 0\n {2}Message: .+\n$/)
    // the same API over HTTP answers
    const ok = await sb.ctl(['--host', await daemon.host(), 'id'])
    assert.equal(ok.code, 0)
  })
})
