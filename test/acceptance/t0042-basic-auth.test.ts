/**
 * sharness t0042-basic-auth.sh (CLI spec §11.2): the legacy raft config
 * `sharness/config/basic_auth` (HTTP, testuser:testpass).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox, SHARNESS_PEER_ID } from './helpers.js'
import type { RunResult } from './helpers.js'

/** `grep -A1 "401" | grep -i "unauthorized"`: a 401 line followed by an unauthorized one. */
function unauthorizedBlock (r: RunResult): boolean {
  const lines = r.stdout.split('\n')
  return lines.some((l, i) => l.includes('401') && /unauthorized/i.test(lines[i + 1] ?? ''))
}

describe('t0042: basic auth', () => {
  let sb: Sandbox
  let host: string

  before(async () => {
    sb = await Sandbox.create('t0042')
    const kubo = await sb.kubo()
    const { folder, env } = await sb.fixturePeer('basic_auth', kubo.apiMultiaddr)
    const daemon = await sb.daemon(folder, { env })
    host = await daemon.host()
  })
  after(async () => { await sb?.cleanup() })

  it('BasicAuth fails without credentials', async () => {
    const r = await sb.ctl(['--host', host, 'id'])
    assert.ok(unauthorizedBlock(r), r.stdout)
    assert.equal(r.code, 2)
    assert.equal(r.stdout, 'An error occurred:\n  Code: 401\n  Message: unauthorized: no auth provided\n')
  })

  it('BasicAuth fails with bad credentials', async () => {
    for (const creds of ['testuser', 'testuser:badpass', 'baduser:testpass', 'baduser:badpass']) {
      const r = await sb.ctl(['--host', host, '--basic-auth', creds, '--force-http', 'id'])
      assert.ok(unauthorizedBlock(r), `${creds}: ${r.stdout}`)
      assert.equal(r.code, 2, creds)
    }
  })

  it('BasicAuth over HTTP succeeds with CLI flag credentials', async () => {
    const r = await sb.ctl(['--host', host, '--basic-auth', 'testuser:testpass', '--force-http', 'id'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.ok(r.stdout.startsWith(`${SHARNESS_PEER_ID} | testname | `), r.stdout)
  })

  it('BasicAuth succeeds with env var credentials', async () => {
    const r = await sb.ctl(['--host', host, '--force-http', 'id'], { env: { CLUSTER_CREDENTIALS: 'testuser:testpass' } })
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.ok(r.stdout.includes(SHARNESS_PEER_ID), r.stdout)
  })

  it('basic auth without --force-http switches to HTTPS (and fails against HTTP)', async () => {
    const r = await sb.ctl(['--host', host, '--basic-auth', 'testuser:testpass', 'id'], { env: { GOLOG_LOG_LEVEL: 'warn' } })
    assert.equal(r.code, 1)
    assert.match(r.stdout, /^An error occurred:\n {2}Code: 0\n/)
    assert.match(r.stderr, /SSL automatically enabled with basic auth credentials\. Set "force-http" to disable/)
  })
})
