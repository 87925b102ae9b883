/**
 * The cluster across hosts: every host is a network namespace running
 * `bin/ipfs-cluster-service daemon` with its own folder and the embedded
 * IPFS node, listening on the host's address; they are driven with
 * `bin/ipfs-cluster-ctl` run on the hosts.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { newSecret } from '../helpers/cluster-peers.js'
import { createTestNetwork, netnsSkipReason } from '../helpers/netns.js'
import { jsonDocuments } from '../helpers/run-ctl.js'
import { CTL_BIN, REPO_ROOT, runService } from '../helpers/service-process.js'
import { waitFor } from '../helpers/wait-for.js'
import type { TestHost, TestNetwork } from '../helpers/netns.js'
import type { ServiceProcess } from '../helpers/service-process.js'

const PUT_BLOCK = join(REPO_ROOT, 'dist', 'test', 'helpers', 'put-block-main.js')

interface NsPeer {
  host: TestHost
  name: string
  folder: string
  env: NodeJS.ProcessEnv
  id: string
  /** `/ip4/<host>/tcp/9096/p2p/<id>` */
  addr: string
  procs: ServiceProcess[]
}

function current (p: NsPeer): ServiceProcess {
  return p.procs[p.procs.length - 1]
}

async function initPeer (host: TestHost, secret: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<NsPeer> {
  const folder = await mkdtemp(join(tmpdir(), `netns-${host.name}-`))
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: folder,
    CLUSTER_SECRET: secret,
    CLUSTER_PEERNAME: host.name,
    CLUSTER_LISTENMULTIADDRESS: `/ip4/${host.address}/tcp/9096`,
    // no mDNS (default 10 s): peers must find each other through --bootstrap
    // and the peerstore file; the mDNS suite below turns it on
    CLUSTER_MDNSINTERVAL: '0s',
    // shorter than the defaults (15 s, 1 min) so that a partition shows
    // quickly; TEST_NETNS_DEFAULTS=1 keeps the defaults
    ...(process.env.TEST_NETNS_DEFAULTS === '1' ? {} : { CLUSTER_MONITORPINGINTERVAL: '2s', CLUSTER_CRDT_REBROADCASTINTERVAL: '5s' }),
    ...extraEnv
  }
  const res = await host.run(process.execPath, [join(REPO_ROOT, 'bin', 'ipfs-cluster-service'), '--config', folder, 'init', '--ipfs-connector', 'embedded'], { env })
  assert.equal(res.code, 0, res.stderr)
  const id = JSON.parse(await readFile(join(folder, 'identity.json'), 'utf8')).id as string
  return { host, name: host.name, folder, env, id, addr: `/ip4/${host.address}/tcp/9096/p2p/${id}`, procs: [] }
}

function startDaemon (p: NsPeer, args: string[] = []): ServiceProcess {
  const proc = runService(['--config', p.folder, 'daemon', ...args], {
    env: p.env,
    name: p.name,
    spawnFn: (cmd, a, o) => p.host.exec(cmd, a, o)
  })
  p.procs.push(proc)
  return proc
}

/** `ipfs-cluster-ctl --enc=json <args>` on the peer's host: the JSON documents printed. */
async function ctlJSON (p: NsPeer, args: string[]): Promise<any[]> {
  const res = await p.host.run(process.execPath, [CTL_BIN, '--enc=json', ...args], { timeout: 30_000 })
  if (res.code !== 0) throw new Error(`ctl ${args.join(' ')} on ${p.name}: exit ${res.code}: ${res.stdout}${res.stderr}`)
  return jsonDocuments(res.stdout)
}

async function peerIds (p: NsPeer): Promise<string[]> {
  return (await ctlJSON(p, ['peers', 'ls'])).filter((i) => i.error === '').map((i) => i.id).sort()
}

/** Puts blocks into the peer's IPFS (through the cluster RPC, as an adder does); returns their CIDs. */
async function putBlocks (p: NsPeer, secret: string, texts: string[]): Promise<string[]> {
  const res = await p.host.run(process.execPath, [PUT_BLOCK, p.addr, secret, ...texts], { timeout: 30_000 })
  assert.equal(res.code, 0, res.stderr)
  return res.stdout.trim().split('\n')
}

/** Waits until `status <cid>` on `on` shows PINNED on every one of `peers`, with their names. */
async function waitPinnedEverywhere (on: NsPeer, cid: string, peers: NsPeer[], timeout = 60_000): Promise<void> {
  await waitFor(async () => {
    const [g] = await ctlJSON(on, ['status', cid])
    const entries = Object.entries(g.peer_map) as Array<[string, any]>
    if (entries.length !== peers.length) return false
    return peers.every((p) => g.peer_map[p.id]?.status === 'pinned' && g.peer_map[p.id]?.peername === p.name)
  }, { timeout, interval: 500, message: `${cid} pinned on ${peers.map((p) => p.name).join(', ')} (asked ${on.name})` })
}

function errorLines (peers: NsPeer[]): string[] {
  return peers.flatMap((p) => p.procs.flatMap((proc) => proc.lines.filter((l) => l.includes('\tERROR\t')).map((l) => `${p.name}: ${l}`)))
}

describe('a cluster across hosts (network namespaces)', { skip: netnsSkipReason() }, () => {
  let net: TestNetwork
  const secret = newSecret()
  let a: NsPeer, b: NsPeer, c: NsPeer, x: NsPeer
  let cid: string

  before(async () => {
    net = await createTestNetwork({ hosts: 4 })
    ;[a, b, c, x] = await Promise.all([
      initPeer(net.hosts[0], secret),
      initPeer(net.hosts[1], secret),
      initPeer(net.hosts[2], secret),
      initPeer(net.hosts[3], newSecret())
    ])
  })
  after(async () => {
    if (process.env.TEST_PEER_LOGS != null) {
      const { mkdir, writeFile } = await import('node:fs/promises')
      await mkdir(process.env.TEST_PEER_LOGS, { recursive: true })
      for (const p of [a, b, c, x]) {
        if (p != null) await writeFile(join(process.env.TEST_PEER_LOGS, `netns-${p.name}.log`), p.procs.flatMap((s) => s.lines).join('\n') + '\n')
      }
    }
    for (const p of [a, b, c, x]) {
      for (const proc of p?.procs ?? []) await proc.stop('SIGKILL')
    }
    await net?.destroy()
    for (const p of [a, b, c, x]) {
      if (p != null) await rm(p.folder, { recursive: true, force: true })
    }
  })

  it('the second and third hosts join the first with --bootstrap /ip4/<A>/tcp/9096/ipfs/<id>', async () => {
    startDaemon(a)
    await current(a).waitLine(/\*\* IPFS Cluster is READY \*\*/)
    const legacy = `/ip4/${a.host.address}/tcp/9096/ipfs/${a.id}`
    startDaemon(b, ['--bootstrap', legacy])
    startDaemon(c, ['--bootstrap', legacy])
    await current(b).waitLine(new RegExp(`joined ${a.id}'s cluster`))
    await current(c).waitLine(new RegExp(`joined ${a.id}'s cluster`))
    const all = [a, b, c].map((p) => p.id).sort()
    for (const p of [a, b, c]) {
      await waitFor(async () => (await peerIds(p)).join() === all.join(), { timeout: 30_000, interval: 500, message: `peers ls on ${p.name}` })
    }
    // peers ls: addresses on the hosts' network, IPFS identity and peer name
    const ids = await ctlJSON(b, ['peers', 'ls'])
    for (const p of [a, b, c]) {
      const id = ids.find((i) => i.id === p.id)
      assert.equal(id.peername, p.name)
      assert.deepEqual(id.addresses, [p.addr])
      assert.match(id.ipfs.id, /^12D3KooW/)
      assert.ok(id.ipfs.addresses.some((ad: string) => ad.startsWith(`/ip4/${p.host.address}/tcp/4001/p2p/`)), JSON.stringify(id.ipfs.addresses))
    }
  })

  it('a pin made on one host is listed and PINNED on all, with their peer names (IPFS replicates the content)', async () => {
    ;[cid] = await putBlocks(a, secret, ['content put on host0 only'])
    const pinned = await ctlJSON(a, ['pin', 'add', '--no-status', cid])
    assert.equal(pinned[0].cid, cid)
    await waitFor(async () => (await ctlJSON(b, ['pin', 'ls'])).some((pin) => pin.cid === cid), { timeout: 30_000, interval: 300, message: 'pin ls on host1' })
    await waitPinnedEverywhere(c, cid, [a, b, c])

    // the deployment story's check: `ipfs-cluster-ctl add` on one host, status from another
    const file = join(b.folder, 'content.txt')
    await writeFile(file, 'added with ipfs-cluster-ctl add on host1\n')
    const added = await b.host.run(process.execPath, [CTL_BIN, 'add', '--quieter', file], { timeout: 30_000 })
    assert.equal(added.code, 0, added.stderr)
    const addedCid = added.stdout.trim()
    assert.match(addedCid, /^(Qm|baf)\w+$/)
    await waitPinnedEverywhere(a, addedCid, [a, b, c])
  })

  it('a peer with another secret stays out, and the peer it tried logs one clear line', async () => {
    startDaemon(x, ['--bootstrap', a.addr])
    const failed = await current(x).waitLine(/bootstrap to .* failed/)
    assert.match(failed, /\tWARN\tcluster\tbootstrap to \/ip4\/.*\/tcp\/9096\/p2p\/.* failed: could not connect to .*[(:] ?check that both peers use the same cluster secret\)$/)
    const line = await waitFor(() => current(a).lines.find((l) => l.includes('rejected connection')), { message: 'a rejection line on host0' })
    assert.match(line, new RegExp(`\\tWARN\\tp2p\\trejected connection from /ip4/${x.host.address.replace(/\./g, '\\.')}/tcp/\\d+: secure handshake failed \\(the remote peer probably uses a different cluster secret\\)$`))
    assert.equal(current(a).lines.filter((l) => l.includes('rejected connection')).length, 1)
    assert.deepEqual(await peerIds(a), [a, b, c].map((p) => p.id).sort())
    const exit = await current(x).stop('SIGTERM')
    assert.equal(exit.code, 0)
  })

  it('a host restarted without --bootstrap rejoins from its peerstore file', async () => {
    const exit = await current(c).stop('SIGTERM')
    assert.equal(exit.code, 0)
    const store = await readFile(join(c.folder, 'peerstore'), 'utf8')
    assert.ok(store.includes(a.addr), store)
    assert.ok(store.includes(b.addr), store)
    startDaemon(c)
    await current(c).waitLine(/\*\* IPFS Cluster is READY \*\*/)
    const all = [a, b, c].map((p) => p.id).sort()
    for (const p of [a, c]) {
      await waitFor(async () => (await peerIds(p)).join() === all.join(), { timeout: 30_000, interval: 500, message: `peers ls on ${p.name} after the restart` })
    }
    await waitPinnedEverywhere(c, cid, [a, b, c])
  })

  it('cutting a link partitions the cluster; pins made on both sides converge after heal', async () => {
    await net.cut(2)
    // the sides lose each other (pings expire): a real partition
    await waitFor(async () => (await peerIds(a)).join() === [a.id, b.id].sort().join(), { timeout: 60_000, interval: 500, message: 'host0 loses host2' })
    await waitFor(async () => (await peerIds(c)).join() === c.id, { timeout: 60_000, interval: 500, message: 'host2 loses the others' })
    const [onA] = await putBlocks(a, secret, ['pinned on host0 during the partition'])
    const [onC] = await putBlocks(c, secret, ['pinned on host2 during the partition'])
    await ctlJSON(a, ['pin', 'add', '--no-status', onA])
    await ctlJSON(c, ['pin', 'add', '--no-status', onC])
    // each side has its own pin only
    await waitFor(async () => (await ctlJSON(b, ['pin', 'ls'])).some((p) => p.cid === onA), { timeout: 30_000, interval: 300, message: 'host1 has the pin of host0' })
    assert.ok(!(await ctlJSON(c, ['pin', 'ls'])).some((p) => p.cid === onA))
    assert.ok(!(await ctlJSON(a, ['pin', 'ls'])).some((p) => p.cid === onC))
    await net.heal(2)
    for (const p of [a, b, c]) {
      await waitFor(async () => {
        const cids = (await ctlJSON(p, ['pin', 'ls'])).map((pin) => pin.cid)
        return cids.includes(onA) && cids.includes(onC)
      }, { timeout: 60_000, interval: 500, message: `both pins on ${p.name}` })
    }
    await waitPinnedEverywhere(a, onC, [a, b, c])
    await waitPinnedEverywhere(c, onA, [a, b, c])
  })

  it('logs no ERROR line', () => {
    assert.deepEqual(errorLines([a, b, c, x]), [])
  })
})

describe('mDNS discovery (network namespaces)', { skip: netnsSkipReason() }, () => {
  let net: TestNetwork
  const peers: NsPeer[] = []
  before(async () => {
    net = await createTestNetwork({ hosts: 2 })
  })
  after(async () => {
    for (const p of peers) {
      for (const proc of p.procs) await proc.stop('SIGKILL')
    }
    await net?.destroy()
    for (const p of peers) await rm(p.folder, { recursive: true, force: true })
  })

  it('peers on the same network find each other with mdns_interval, without any address', async () => {
    const secret = newSecret()
    peers.push(...await Promise.all(net.hosts.map(async (h) => await initPeer(h, secret, { CLUSTER_MDNSINTERVAL: '1s' }))))
    for (const p of peers) startDaemon(p)
    const all = peers.map((p) => p.id).sort()
    for (const p of peers) {
      await waitFor(async () => (await peerIds(p)).join() === all.join(), { timeout: 30_000, interval: 500, message: `peers ls on ${p.name}` })
    }
    assert.deepEqual(errorLines(peers), [])
  })
})
