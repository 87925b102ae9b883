/**
 * TLS and basic auth from the ctl side (sharness t0040–t0043).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { FakeRestServer } from '../fakes/fake-rest-server.js'
import { ID_NODE0_TEXT, idNode0, PEER } from '../fakes/rest-fixtures.js'
import { selfSignedCert } from '../fakes/self-signed-cert.js'
import { ctl } from '../helpers/run-ctl.js'
import type { CtlResult } from '../helpers/run-ctl.js'

/** t0042's check: a stdout line containing 401 followed by a line containing "unauthorized". */
function has401Block (r: CtlResult): boolean {
  const lines = r.stdout.split('\n')
  return lines.some((l, i) => l.includes('401') && /unauthorized/i.test(lines[i + 1] ?? ''))
}

describe('ctl: TLS and basic auth', () => {
  let plain: FakeRestServer
  let tls: FakeRestServer
  let plainAuth: FakeRestServer
  let tlsAuth: FakeRestServer

  before(async () => {
    const cert = selfSignedCert()
    plain = await FakeRestServer.start()
    tls = await FakeRestServer.start({ tls: cert })
    plainAuth = await FakeRestServer.start({ basicAuth: { testuser: 'testpass' } })
    tlsAuth = await FakeRestServer.start({ tls: cert, basicAuth: { testuser: 'testpass', userwithoutpass: '' } })
    for (const s of [plain, tls, plainAuth, tlsAuth]) s.json('GET', '/id', idNode0())
  })

  after(async () => {
    for (const s of [plain, tls, plainAuth, tlsAuth]) await s.stop()
  })

  it('t0040: --https --no-check-certificate talks to a TLS API', async () => {
    const r = await ctl(['--host', tls.multiaddr, '--https', '--no-check-certificate', 'id'])
    assert.deepEqual(r, { code: 0, stdout: ID_NODE0_TEXT, stderr: '' })
    // verification is on by default: a self-signed certificate fails (code 0, exit 1)
    const v = await ctl(['--host', tls.multiaddr, '-s', 'id'])
    assert.equal(v.code, 1)
    assert.match(v.stdout, /^An error occurred:\n {2}Code: 0\n {2}Message: Get "https:\/\/127\.0\.0\.1:\d+\/id": tls: failed to verify certificate: x509: certificate signed by unknown authority/)
  })

  it('t0041: HTTPS against a plain HTTP API fails', async () => {
    const r = await ctl(['--host', plain.multiaddr, '--https', '--no-check-certificate', 'id'])
    assert.equal(r.code, 1)
    assert.match(r.stdout, /Code: 0\n {2}Message: Get "https:\/\/127\.0\.0\.1:\d+\/id": http: server gave HTTP response to HTTPS client\n$/)
  })

  it('t0042: basic auth over HTTP', async () => {
    const noCreds = await ctl(['--host', plainAuth.multiaddr, 'id'])
    assert.deepEqual(noCreds, { code: 2, stdout: 'An error occurred:\n  Code: 401\n  Message: unauthorized: no auth provided\n', stderr: '' })
    assert.ok(has401Block(noCreds))
    for (const creds of ['testuser', 'testuser:badpass', 'baduser:testpass', 'baduser:badpass']) {
      const r = await ctl(['--host', plainAuth.multiaddr, '--basic-auth', creds, '--force-http', 'id'])
      assert.equal(r.code, 2, creds)
      assert.ok(has401Block(r), creds)
      assert.equal(r.stdout, 'An error occurred:\n  Code: 401\n  Message: unauthorized: access denied\n')
    }
    const ok = await ctl(['--host', plainAuth.multiaddr, '--basic-auth', 'testuser:testpass', '--force-http', 'id'])
    assert.deepEqual(ok, { code: 0, stdout: ID_NODE0_TEXT, stderr: '' })
    const env = await ctl(['--host', plainAuth.multiaddr, '--force-http', 'id'], { env: { CLUSTER_CREDENTIALS: 'testuser:testpass' } })
    assert.ok(env.stdout.includes(PEER))
    // without --force-http, credentials imply HTTPS: the plain server cannot answer
    const implied = await ctl(['--host', plainAuth.multiaddr, '--basic-auth', 'testuser:testpass', 'id'])
    assert.equal(implied.code, 1)
    assert.match(implied.stdout, /Get "https:\/\//)
  })

  it('t0043: basic auth implies HTTPS', async () => {
    const bad = await ctl(['--host', tlsAuth.multiaddr, '--no-check-certificate', '--basic-auth', 'testuser:badpass', 'id'])
    assert.equal(bad.code, 2)
    assert.ok(has401Block(bad))
    const good = await ctl(['--host', tlsAuth.multiaddr, '--no-check-certificate', '--basic-auth', 'testuser:testpass', 'id'])
    assert.deepEqual(good, { code: 0, stdout: ID_NODE0_TEXT, stderr: '' })
    const noPass = await ctl(['--host', tlsAuth.multiaddr, '--no-check-certificate', '--basic-auth', 'userwithoutpass', 'id'])
    assert.equal(noPass.code, 2)
  })

  it('logs the "SSL automatically enabled" warning when warnings are enabled', async () => {
    const quiet = await ctl(['--host', tlsAuth.multiaddr, '--no-check-certificate', '--basic-auth', 'testuser:testpass', 'id'])
    assert.equal(quiet.stderr, '')
    const warn = await ctl(['--host', tlsAuth.multiaddr, '--no-check-certificate', '--basic-auth', 'testuser:testpass', 'id'], { env: { GOLOG_LOG_LEVEL: 'warn' } })
    assert.match(warn.stderr, /\tWARN\tcluster-ctl\tSSL automatically enabled with basic auth credentials\. Set "force-http" to disable\n$/)
    const debug = await ctl(['--debug', '--host', tlsAuth.multiaddr, '--no-check-certificate', '--basic-auth', 'testuser:testpass', 'id'])
    assert.match(debug.stderr, /\tWARN\tcluster-ctl\tSSL automatically enabled/)
  })
})
