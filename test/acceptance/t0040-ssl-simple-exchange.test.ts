/**
 * sharness t0040-ssl-simple-exchange.sh (CLI spec §11.2): the legacy raft
 * config `sharness/config/ssl` (TLS on the REST API, RSA identity), run on
 * the CRDT consensus with a warning.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readJson, Sandbox, SHARNESS_PEER_ID } from './helpers.js'
import type { Daemon } from './helpers.js'
import type { FakeKubo } from '../fakes/fake-kubo.js'

describe('t0040: ssl simple exchange', () => {
  let sb: Sandbox
  let kubo: FakeKubo
  let daemon: Daemon

  before(async () => {
    sb = await Sandbox.create('t0040')
    kubo = await sb.kubo()
    const { folder, env } = await sb.fixturePeer('ssl', kubo.apiMultiaddr)
    daemon = await sb.daemon(folder, { env })
  })
  after(async () => { await sb?.cleanup() })

  it('prerequisites: the legacy raft config starts, with the raft warning and no error', async () => {
    assert.match(daemon.stderr, /\tWARN\tcluster\traft consensus is not implemented: /)
    assert.deepEqual(daemon.errorLines(), [])
  })

  it('ssl interaction succeeds', async () => {
    const r = await sb.ctl(['--host', await daemon.host(), '--https', '--no-check-certificate', 'id'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.ok(r.stdout.startsWith(`${SHARNESS_PEER_ID} | testname | Sees 0 other peers\n`), r.stdout)
  })

  it('the self-signed certificate is refused without --no-check-certificate', async () => {
    const r = await sb.ctl(['--host', await daemon.host(), '--https', 'id'])
    assert.equal(r.code, 1)
    assert.match(r.stdout, /^An error occurred:\n {2}Code: 0\n {2}Message: .+\n$/)
  })

  it('plain HTTP to the TLS API fails', async () => {
    const r = await sb.ctl(['--host', await daemon.host(), 'id'])
    assert.notEqual(r.code, 0)
    assert.ok(!r.stdout.includes(SHARNESS_PEER_ID))
  })

  it('without identity.json the legacy id/private_key of service.json are moved to it', async () => {
    const { folder, env } = await sb.fixturePeer('ssl', kubo.apiMultiaddr, { identity: false })
    const d = await sb.daemon(folder, { env })
    assert.ok(d.stderr.includes(`\nNOTICE: identity information extracted from ${folder}/service.json and saved as ${folder}/identity.json.\n\n`), d.stderr)
    assert.equal((await readJson(`${folder}/identity.json`)).id, SHARNESS_PEER_ID)
    const r = await sb.ctl(['--host', await d.host(), '--https', '--no-check-certificate', '--enc', 'json', 'id'])
    assert.equal(JSON.parse(r.stdout).id, SHARNESS_PEER_ID)
    assert.equal(await d.stop('SIGHUP'), 0)
  })
})
