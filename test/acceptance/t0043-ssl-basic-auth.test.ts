/**
 * sharness t0043-ssl-basic-auth.sh (CLI spec §11.2): the legacy raft config
 * `sharness/config/ssl-basic_auth` (TLS and basic auth); basic auth implies
 * HTTPS on the client.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox, SHARNESS_PEER_ID } from './helpers.js'

describe('t0043: ssl and basic auth', () => {
  let sb: Sandbox
  let host: string

  before(async () => {
    sb = await Sandbox.create('t0043')
    const kubo = await sb.kubo()
    const { folder, env } = await sb.fixturePeer('ssl-basic_auth', kubo.apiMultiaddr)
    const daemon = await sb.daemon(folder, { env })
    host = await daemon.host()
  })
  after(async () => { await sb?.cleanup() })

  it('ssl interaction fails with bad credentials', async () => {
    const r = await sb.ctl(['--host', host, '--no-check-certificate', '--basic-auth', 'testuser:badpass', 'id'])
    assert.equal(r.code, 2)
    assert.match(r.stdout, /^An error occurred:\n {2}Code: 401\n {2}Message: unauthorized: .*\n$/i)
  })

  it('ssl interaction succeeds', async () => {
    const r = await sb.ctl(['--host', host, '--no-check-certificate', '--basic-auth', 'testuser:testpass', 'id'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.ok(r.stdout.startsWith(`${SHARNESS_PEER_ID} | testname | `), r.stdout)
  })

  it('a user with an empty password can never log in', async () => {
    for (const creds of ['userwithoutpass', 'userwithoutpass:']) {
      const r = await sb.ctl(['--host', host, '--no-check-certificate', '--basic-auth', creds, 'id'])
      assert.deepEqual({ code: r.code, stdout: r.stdout }, { code: 2, stdout: 'An error occurred:\n  Code: 401\n  Message: unauthorized: access denied\n' }, creds)
    }
  })
})
