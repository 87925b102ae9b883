/**
 * `trusted_peers` and the RPC policy between real peers: two peers trust
 * each other, a third one (trusting everyone) is in the peerset but its
 * pinset updates are ignored and its trusted-only RPC calls refused.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { generateIdentity } from '../../src/config/index.js'
import { parseLogLevels } from '../../src/logging/index.js'
import { cidToString } from '../../src/api/index.js'
import { cleanupPeers, errorLines, newSecret, startTestPeer } from '../helpers/cluster-peers.js'
import { rest } from '../helpers/cluster-rest.js'
import { testCid } from '../helpers/pins.js'
import { waitFor } from '../helpers/wait-for.js'
import type { TestPeer } from '../helpers/cluster-peers.js'

async function addBlock (p: TestPeer, label: string): Promise<string> {
  const cid = testCid(label)
  await p.peer.cluster.ipfsConnector().blockStream((async function * () {
    yield { cid, bytes: new TextEncoder().encode(label) }
  })())
  return cidToString(cid)
}

async function allocations (p: TestPeer): Promise<string[]> {
  return (await rest(p.restURL, 'GET', '/allocations')).items.map((i) => i.cid).sort()
}

describe('trusted peers and the RPC policy', () => {
  const peers: TestPeer[] = []
  let a: TestPeer, b: TestPeer, u: TestPeer
  let fromA: string, fromU: string

  before(async () => {
    const secret = newSecret()
    const [idA, idB] = await Promise.all([generateIdentity(), generateIdentity()])
    const trustAB = (cfg: any): void => {
      cfg.consensus.crdt.trustedPeers = [idA.id, idB.id]
      cfg.consensus.crdt.trustAll = false
    }
    a = await startTestPeer({ secret, name: 'a', identity: idA, configure: trustAB, levels: parseLogLevels('info,crdt:debug') })
    b = await startTestPeer({ secret, name: 'b', identity: idB, configure: trustAB })
    // u keeps the default trusted_peers ["*"]
    u = await startTestPeer({ secret, name: 'u' })
    peers.push(a, b, u)
    await Promise.all(peers.map(async (p) => { await p.peer.ready() }))
    await b.peer.bootstrap([a.address])
    await u.peer.bootstrap([a.address])
    const all = peers.map((p) => p.peer.peerId).sort()
    for (const p of peers) {
      await waitFor(async () => (await rest(p.restURL, 'GET', '/peers')).items.map((i) => i.id).sort().join() === all.join(), { message: `peerset of ${p.name}` })
    }
  })
  after(async () => { await cleanupPeers(peers) })

  it('ignores pinset updates from an untrusted peer; the untrusted peer follows the trusted ones', async () => {
    fromU = await addBlock(u, 'pinned by the untrusted peer')
    fromA = await addBlock(a, 'pinned by a trusted peer')
    assert.equal((await rest(u.restURL, 'POST', `/pins/${fromU}`)).status, 200)
    assert.equal((await rest(a.restURL, 'POST', `/pins/${fromA}`)).status, 200)
    await waitFor(async () => (await allocations(u)).join() === [fromA, fromU].sort().join(), { message: 'u has both pins' })
    await waitFor(async () => (await allocations(b)).join() === fromA, { message: 'b has the trusted pin' })
    // a has received (and dropped) u's heads
    await waitFor(() => a.lines.some((l) => l.endsWith(`DEBUG\tcrdt\tdiscarded pubsub message from non trusted source ${u.peer.peerId}`)), { message: 'a discards u\'s broadcast' })
    assert.deepEqual(await allocations(a), [fromA])
    assert.deepEqual(await allocations(b), [fromA])
  })

  it('refuses trusted and closed methods to untrusted peers, serves open ones', async () => {
    const id = await u.peer.rpc.call(a.peer.peerId, 'Cluster.ID', null)
    assert.equal(id.id, a.peer.peerId)
    assert.equal(id.peername, 'a')
    assert.deepEqual(await u.peer.rpc.call(a.peer.peerId, 'Cluster.Version', null), { version: '1.1.6' })

    const drain = async (gen: AsyncGenerator<unknown>): Promise<void> => { for await (const _ of gen) {} }
    await assert.rejects(drain(u.peer.rpc.stream(a.peer.peerId, 'PinTracker.StatusAll', 0)),
      { name: 'RPCAuthorizationError', message: `unauthorized: PinTracker.StatusAll is not allowed for peer ${u.peer.peerId}` })
    await assert.rejects(u.peer.rpc.call(a.peer.peerId, 'PinTracker.Status', testCid('x')), { name: 'RPCAuthorizationError' })
    await assert.rejects(u.peer.rpc.call(a.peer.peerId, 'Cluster.RepoGCLocal', null), { name: 'RPCAuthorizationError' })
    await assert.rejects(drain(u.peer.rpc.stream(a.peer.peerId, 'Cluster.Peers', null)), { name: 'RPCAuthorizationError' })
    // closed methods: refused even to trusted peers
    await assert.rejects(b.peer.rpc.call(a.peer.peerId, 'PeerMonitor.MetricNames', null), { name: 'RPCAuthorizationError' })
    await assert.rejects(b.peer.rpc.call(a.peer.peerId, 'PinTracker.Track', (await a.peer.cluster.pinGet(testCid('pinned by a trusted peer')))), { name: 'RPCAuthorizationError' })
    // trusted: served to b
    const info = await b.peer.rpc.call(a.peer.peerId, 'PinTracker.Status', testCid('pinned by a trusted peer'))
    assert.equal(info.peer, a.peer.peerId)
  })

  it('cluster-wide calls skip peers that refuse them and report the others', async () => {
    await waitFor(async () => {
      const g = (await rest(a.restURL, 'GET', `/pins/${fromA}`)).body
      return Object.keys(g.peer_map).length === 3 && Object.values(g.peer_map).every((e: any) => e.status === 'pinned')
    }, { message: 'a sees the pin pinned on a, b and u', timeout: 20_000 })
    // from u, a and b refuse the status calls: only u's own entry
    const g = (await rest(u.restURL, 'GET', `/pins/${fromA}`)).body
    assert.deepEqual(Object.keys(g.peer_map), [u.peer.peerId])
    const all = await rest(u.restURL, 'GET', '/pins')
    assert.deepEqual(all.items.map((i) => Object.keys(i.peer_map)), [[u.peer.peerId], [u.peer.peerId]])
    // peers ls only needs open methods
    assert.equal((await rest(u.restURL, 'GET', '/peers')).items.filter((i) => i.error === '').length, 3)
    const graph = (await rest(a.restURL, 'GET', '/health/graph')).body
    assert.deepEqual(graph.cluster_trust_links, { [a.peer.peerId]: true, [b.peer.peerId]: true, [u.peer.peerId]: false })
  })

  it('logs no ERROR line', () => {
    assert.deepEqual(errorLines(peers), [])
  })
})
