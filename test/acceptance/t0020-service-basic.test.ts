/**
 * sharness t0020-service-basic-commands.sh (CLI spec §11.2): a crdt peer
 * running against a Kubo RPC API; its identity, help, version, and the
 * service without a command exiting 1.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readJson, Sandbox } from './helpers.js'
import type { Daemon } from './helpers.js'

describe('t0020: ipfs-cluster-service basic commands', () => {
  let sb: Sandbox
  let folder: string
  let daemon: Daemon

  before(async () => {
    sb = await Sandbox.create('t0020')
    const kubo = await sb.kubo()
    folder = sb.path('test-config')
    await sb.init(folder, { args: ['--force', '--consensus', 'crdt', '--ipfs-api', kubo.apiMultiaddr] })
    daemon = await sb.daemon(folder)
  })
  after(async () => { await sb.cleanup() })

  it('prerequisites: the peer answers on its REST API', async () => {
    const r = await sb.ctl(['--host', await daemon.host(), 'version'])
    assert.deepEqual({ code: r.code, stdout: r.stdout }, { code: 0, stdout: '1.1.6\n' })
  })

  it('ipfs cluster config valid: identity.json has id and private_key', async () => {
    const identity = await readJson(`${folder}/identity.json`)
    assert.deepEqual(Object.keys(identity), ['id', 'private_key'])
    assert.match(identity.id, /^12D3KooW[1-9A-HJ-NP-Za-km-z]{44}$/)
    assert.match(identity.private_key, /^CAESQ[A-Za-z0-9+/]+=*$/)
    const id = await sb.ctl(['--host', await daemon.host(), '--enc', 'json', 'id'])
    assert.equal(JSON.parse(id.stdout).id, identity.id)
  })

  it('cluster-service help output looks good', async () => {
    const r = await sb.service(['--help'])
    assert.equal(r.code, 0)
    assert.match(r.stdout, /^(usage|commands|description|global options)/im)
    assert.match(r.stdout, /^NAME:\n {3}ipfs-cluster-service - IPFS Cluster peer\n/)
  })

  it('cluster-service --version succeeds and matches ctl', async () => {
    const svc = await sb.service(['--version'])
    const ctl = await sb.ctl(['--version'])
    assert.equal(svc.code, 0)
    assert.match(svc.stdout, /^ipfs-cluster-service version 1\.1\.6(\+git[0-9a-f]{40})?\n$/)
    const v = (s: string): string | undefined => /\d+\.\d+\.\d+/.exec(s)?.[0]
    assert.equal(v(svc.stdout), v(ctl.stdout))
    const sub = await sb.service(['version'])
    assert.equal(sub.code, 0)
    assert.equal(`ipfs-cluster-service version ${sub.stdout}`, svc.stdout)
  })

  it('starting a second cluster-service process (no command) fails with exit 1 and the help', async () => {
    const r = await sb.service(['--config', folder])
    assert.equal(r.code, 1)
    assert.match(r.stdout, /^NAME:\n {3}ipfs-cluster-service/)
    assert.ok(daemon.running, 'the running daemon is untouched')
  })

  it('an unknown command also prints the help and exits 1', async () => {
    const r = await sb.service(['--config', folder, 'foo'])
    assert.equal(r.code, 1)
    assert.match(r.stdout, /^NAME:\n {3}ipfs-cluster-service/)
  })

  it('no ERROR in the log of a normal run', () => {
    assert.deepEqual(daemon.errorLines(), [])
  })
})
