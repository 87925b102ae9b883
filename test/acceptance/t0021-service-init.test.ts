/**
 * sharness t0021-service-init.sh (CLI spec §2.4, §11.2): `init` with and
 * without --peers, and with each consensus. No daemon, no IPFS.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, stat } from 'node:fs/promises'
import { readJson, Sandbox } from './helpers.js'

const PEER1 = '/ip4/192.168.0.129/tcp/9196/p2p/12D3KooWRN8KRjpyg9rsW2w7StbBRGper65psTZm68cjud9KAkaW'
const PEER2 = '/ip4/192.168.0.129/tcp/9196/p2p/12D3KooWPwrYNj7VficHw5qYidepMGA85756kYgMdNmRM9A1ZHjN'

describe('t0021: ipfs-cluster-service init', () => {
  let sb: Sandbox
  let folder: string

  before(async () => {
    sb = await Sandbox.create('t0021')
    folder = sb.path('test-config')
  })
  after(async () => { await sb?.cleanup() })

  it('init with --peers succeeds and fills peerstore', async () => {
    const r = await sb.service(['--config', 'test-config', 'init', '--peers', `${PEER1},${PEER2}`], { cwd: sb.dir })
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, '')
    const peerstore = await readFile(`${folder}/peerstore`, 'utf8')
    assert.deepEqual(peerstore.split('\n').filter((l) => l !== '').sort(), [PEER1, PEER2].sort())
    const lines = r.stderr.split('\n')
    assert.ok(lines.includes(`configuration written to ${folder}/service.json.`), r.stderr)
    assert.ok(lines.includes(`new identity written to ${folder}/identity.json`), r.stderr)
    assert.ok(lines.includes(`peerstore written to ${folder}/peerstore with 2 entries.`), r.stderr)
    // the peers are trusted instead of everyone
    const cfg = await readJson(`${folder}/service.json`)
    assert.deepEqual(cfg.consensus.crdt.trusted_peers, [
      '12D3KooWRN8KRjpyg9rsW2w7StbBRGper65psTZm68cjud9KAkaW',
      '12D3KooWPwrYNj7VficHw5qYidepMGA85756kYgMdNmRM9A1ZHjN'
    ])
    assert.equal((await stat(`${folder}/service.json`)).mode & 0o777, 0o600)
    assert.equal((await stat(`${folder}/identity.json`)).mode & 0o777, 0o600)
  })

  it('init without --peers succeeds and creates empty peerstore (identity kept)', async () => {
    const before = await readJson(`${folder}/identity.json`)
    const r = await sb.service(['--config', folder, 'init', '-f'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal((await stat(`${folder}/peerstore`)).size, 0)
    assert.ok(r.stderr.split('\n').includes(`new empty peerstore written to ${folder}/peerstore.`), r.stderr)
    assert.ok(!r.stderr.includes('new identity written'), r.stderr)
    assert.deepEqual(await readJson(`${folder}/identity.json`), before)
  })

  it('init with raft generates only raft config', async () => {
    const r = await sb.service(['--config', folder, 'init', '-f', '--consensus', 'raft'])
    assert.equal(r.code, 0, r.stderr)
    const cfg = await readJson(`${folder}/service.json`)
    assert.notEqual(cfg.consensus.raft, undefined)
    assert.equal(cfg.consensus.crdt, undefined)
    assert.equal(cfg.datastore, undefined)
  })

  it('init with crdt generates only crdt config', async () => {
    const r = await sb.service(['--config', folder, 'init', '-f', '--consensus', 'crdt'])
    assert.equal(r.code, 0, r.stderr)
    const cfg = await readJson(`${folder}/service.json`)
    assert.equal(cfg.consensus.raft, undefined)
    assert.notEqual(cfg.consensus.crdt, undefined)
    assert.deepEqual(Object.keys(cfg.datastore), ['pebble'])
  })

  it('init over an existing config asks first; "n" changes nothing', async () => {
    const text = await readFile(`${folder}/service.json`, 'utf8')
    const r = await sb.service(['--config', folder, 'init', '--consensus', 'raft'], { input: 'n\n' })
    assert.deepEqual({ code: r.code, stdout: r.stdout }, { code: 0, stdout: 'The configuration file will be overwritten. Continue? [y/n]: ' })
    assert.equal(await readFile(`${folder}/service.json`, 'utf8'), text)
  })

  it('bad --consensus and --datastore values exit 1 with the reference messages', async () => {
    const c = await sb.service(['--config', sb.path('other'), 'init', '--consensus', 'paxos'])
    assert.deepEqual({ code: c.code, stderr: c.stderr }, { code: 1, stderr: "error choosing consensus: flag value must be set to 'raft' or 'crdt'\n" })
    const d = await sb.service(['--config', sb.path('other'), 'init', '--datastore', 'sqlite'])
    assert.deepEqual({ code: d.code, stderr: d.stderr }, { code: 1, stderr: "error choosing datastore: flag value must be set to 'leveldb', 'badger', 'badger3' or 'pebble'\n" })
  })

  it('a bad --peers address exits 1 naming it', async () => {
    const r = await sb.service(['--config', sb.path('other2'), 'init', '--peers', '/ip4/1.2.3.4/tcp/notaport/p2p/x'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^error parsing peer multiaddress: \/ip4\/1\.2\.3\.4\/tcp\/notaport\/p2p\/x: /)
  })
})
