/**
 * A cluster of three in-process peers on 127.0.0.1 (real libp2p hosts with
 * a private network, CRDT over gossipsub + bitswap, embedded IPFS nodes),
 * driven through their REST APIs.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { cidToDsKey, cidToString } from '../../src/api/index.js'
import { cleanupPeers, errorLines, newSecret, startTestPeer } from '../helpers/cluster-peers.js'
import { rest } from '../helpers/cluster-rest.js'
import { testCid } from '../helpers/pins.js'
import { waitFor } from '../helpers/wait-for.js'
import type { TestPeer, TestPeerOptions } from '../helpers/cluster-peers.js'

async function addBlock (p: TestPeer, label: string): Promise<string> {
  const cid = testCid(label)
  await p.peer.cluster.ipfsConnector().blockStream((async function * () {
    yield { cid, bytes: new TextEncoder().encode(label) }
  })())
  return cidToString(cid)
}

/** Peer IDs listed by GET /peers without error. */
async function peerIds (p: TestPeer): Promise<string[]> {
  const res = await rest(p.restURL, 'GET', '/peers')
  return res.items.filter((i) => i.error === '').map((i) => i.id).sort()
}

describe('a cluster of three peers', () => {
  const peers: TestPeer[] = []
  const secret = newSecret()
  let a: TestPeer, b: TestPeer, c: TestPeer
  const cids: string[] = []
  const opts = (name: string): TestPeerOptions => ({
    secret,
    name,
    configure: (cfg) => {
      // a ping TTL long enough to see a stopped peer fail before it leaves the peerset
      cfg.cluster.monitorPingInterval = 2000
    }
  })

  before(async () => {
    a = await startTestPeer(opts('alpha'))
    b = await startTestPeer(opts('bravo'))
    c = await startTestPeer(opts('charlie'))
    peers.push(a, b, c)
    await Promise.all(peers.map(async (p) => { await p.peer.ready() }))
  })
  after(async () => { await cleanupPeers(peers) })

  it('joins with --bootstrap (/p2p/ and legacy /ipfs/ forms); every peer finds every other one', async () => {
    await b.peer.bootstrap([a.address])
    await c.peer.bootstrap([a.address.replace('/p2p/', '/ipfs/')])
    const all = peers.map((p) => p.peer.peerId).sort()
    for (const p of peers) {
      await waitFor(async () => (await peerIds(p)).join() === all.join(), { message: `peers ls on ${p.name}` })
    }
    assert.ok(b.lines.some((l) => l.includes(`INFO\tpstoremgr\t${b.peer.peerId}: joined ${a.peer.peerId}'s cluster`)))
    assert.ok(c.lines.some((l) => l.includes(`INFO\tpstoremgr\t${c.peer.peerId}: joined ${a.peer.peerId}'s cluster`)))
  })

  it('peers ls shows every peer with its addresses, IPFS identity and peer name', async () => {
    const res = await rest(b.restURL, 'GET', '/peers')
    assert.equal(res.status, 200)
    assert.equal(res.items.length, 3)
    for (const p of peers) {
      const id = res.items.find((i) => i.id === p.peer.peerId)
      assert.ok(id != null, `${p.name} listed`)
      assert.equal(id.error, '')
      assert.equal(id.peername, p.name)
      assert.deepEqual(id.addresses, [p.address])
      const ipfs = await p.peer.cluster.ipfsConnector().id()
      assert.equal(id.ipfs.id, ipfs.id)
      assert.deepEqual(id.ipfs.addresses, ipfs.addresses)
      assert.deepEqual([...id.cluster_peers].sort(), peers.map((x) => x.peer.peerId).sort())
      // the addresses of the other peers are their listen addresses
      const others = peers.filter((x) => x !== p).map((x) => x.address).sort()
      assert.deepEqual([...id.cluster_peers_addresses].sort(), others)
    }
  })

  it('a pin made on one peer is listed and PINNED on every peer, with the peer names (content fetched by IPFS)', async () => {
    for (let i = 0; i < 5; i++) cids.push(await addBlock(a, `multipeer content ${i}`))
    for (const cid of cids) {
      const res = await rest(a.restURL, 'POST', `/pins/${cid}?name=n-${cid.slice(-4)}`)
      assert.equal(res.status, 200, res.text)
      assert.deepEqual(res.body.allocations, [])
    }
    for (const p of peers) {
      await waitFor(async () => {
        const res = await rest(p.restURL, 'GET', '/allocations')
        return res.items.length === cids.length
      }, { message: `allocations on ${p.name}` })
    }
    for (const cid of cids) {
      const g = await waitFor(async () => {
        const res = await rest(c.restURL, 'GET', `/pins/${cid}`)
        const entries = Object.values(res.body.peer_map) as any[]
        return entries.length === 3 && entries.every((e) => e.status === 'pinned') ? res.body : undefined
      }, { message: `${cid} pinned everywhere`, timeout: 20_000 })
      assert.deepEqual(Object.entries(g.peer_map).map(([id, e]: [string, any]) => [id, e.peername]).sort(),
        peers.map((p) => [p.peer.peerId, p.name]).sort())
    }
    // the blocks were only added on alpha: bravo and charlie got them through IPFS
    for (const p of [b, c]) {
      for (let i = 0; i < cids.length; i++) {
        const bytes = await p.peer.cluster.ipfsConnector().blockGet(testCid(`multipeer content ${i}`))
        assert.equal(new TextDecoder().decode(bytes), `multipeer content ${i}`)
      }
    }
  })

  it('global status streams every item in state key order with every peer; --local stays local', async () => {
    const res = await rest(b.restURL, 'GET', '/pins')
    assert.equal(res.status, 200)
    const keys = res.items.map((g) => cidToDsKey(testCid(`multipeer content ${cids.indexOf(g.cid)}`)))
    assert.deepEqual(res.items.map((g) => g.cid).sort(), [...cids].sort())
    assert.deepEqual(keys, [...keys].sort())
    for (const g of res.items) {
      assert.deepEqual(Object.keys(g.peer_map).sort(), peers.map((p) => p.peer.peerId).sort())
      assert.ok(Object.values(g.peer_map).every((e: any) => e.status === 'pinned'))
    }
    const local = await rest(b.restURL, 'GET', '/pins?local=true')
    assert.equal(local.items.length, cids.length)
    for (const g of local.items) assert.deepEqual(Object.keys(g.peer_map), [b.peer.peerId])
    const one = await rest(b.restURL, 'GET', `/pins/${cids[0]}?local=true`)
    assert.deepEqual(Object.keys(one.body.peer_map), [b.peer.peerId])
    // nothing to recover anywhere
    const rec = await rest(a.restURL, 'POST', '/pins/recover')
    assert.equal(rec.status, 204)
  })

  it('ipfs gc and health graph fan out to every peer', async () => {
    const gc = await rest(a.restURL, 'POST', '/ipfs/gc')
    assert.equal(gc.status, 200)
    assert.deepEqual(Object.keys(gc.body.peer_map).sort(), peers.map((p) => p.peer.peerId).sort())
    for (const p of peers) {
      const r = gc.body.peer_map[p.peer.peerId]
      assert.equal(r.peername, p.name)
      assert.ok(r.error == null || r.error === '', r.error)
    }
    const gcLocal = await rest(a.restURL, 'POST', '/ipfs/gc?local=true')
    assert.deepEqual(Object.keys(gcLocal.body.peer_map), [a.peer.peerId])

    // the embedded IPFS nodes connect to each other in the background once
    // the cluster peers meet (connect_swarms_delay, then on every new peer)
    const ipfsIds = await Promise.all(peers.map(async (p) => (await p.peer.cluster.ipfsConnector().id()).id))
    await waitFor(async () => {
      for (const [i, p] of peers.entries()) {
        const seen = await p.peer.cluster.ipfsConnector().swarmPeers()
        if (!ipfsIds.every((o, j) => j === i || seen.includes(o))) return false
      }
      return true
    }, { timeout: 20_000, interval: 100, message: 'the embedded IPFS nodes connected to each other' })
    const graph = (await rest(c.restURL, 'GET', '/health/graph')).body
    assert.equal(graph.cluster_id, c.peer.peerId)
    for (const p of peers) {
      assert.equal(graph.id_to_peername[p.peer.peerId], p.name)
      assert.deepEqual([...graph.cluster_links[p.peer.peerId]].sort(), peers.filter((x) => x !== p).map((x) => x.peer.peerId).sort())
      assert.equal(graph.cluster_trust_links[p.peer.peerId], true)
      const ipfsId = graph.cluster_to_ipfs[p.peer.peerId]
      assert.equal(ipfsId, (await p.peer.cluster.ipfsConnector().id()).id)
      // every embedded IPFS node is connected to the two others
      const others = await Promise.all(peers.filter((x) => x !== p).map(async (x) => (await x.peer.cluster.ipfsConnector().id()).id))
      for (const o of others) assert.ok(graph.ipfs_links[ipfsId].includes(o), `${p.name}'s IPFS sees ${o}`)
    }
  })

  it('peers rm fails with the reference error on CRDT', async () => {
    const res = await rest(a.restURL, 'DELETE', `/peers/${c.peer.peerId}`)
    assert.equal(res.status, 500)
    assert.equal(res.body.message, 'crdt consensus component cannot remove peers')
  })

  it('a peer that stops is reported as cluster_error by global status until it leaves the peerset', async () => {
    await c.stop()
    const res = await rest(a.restURL, 'GET', '/pins')
    assert.equal(res.items.length, cids.length)
    for (const g of res.items) {
      const e = g.peer_map[c.peer.peerId]
      assert.equal(e.status, 'cluster_error')
      assert.match(e.error, /cannot reach peer|rpc to/)
      assert.equal(g.peer_map[a.peer.peerId].status, 'pinned')
      assert.equal(g.peer_map[b.peer.peerId].status, 'pinned')
    }
    const one = await rest(a.restURL, 'GET', `/pins/${cids[0]}`)
    assert.equal(one.body.peer_map[c.peer.peerId].status, 'cluster_error')
    const peersRes = await rest(a.restURL, 'GET', '/peers')
    const failed = peersRes.items.find((i) => i.id === c.peer.peerId)
    assert.ok(failed != null && failed.error !== '', 'the stopped peer is listed with an error')
    assert.equal(peersRes.items.filter((i) => i.error === '').length, 2)
    const gc = (await rest(a.restURL, 'POST', '/ipfs/gc')).body
    assert.equal(gc.peer_map[c.peer.peerId].peername, 'charlie')
    assert.deepEqual(gc.peer_map[c.peer.peerId].keys, [])
    assert.match(gc.peer_map[c.peer.peerId].error, /./)
    assert.ok(gc.peer_map[b.peer.peerId].error == null || gc.peer_map[b.peer.peerId].error === '')
    const graph = (await rest(a.restURL, 'GET', '/health/graph')).body
    assert.deepEqual(graph.cluster_links[c.peer.peerId], [])
    assert.deepEqual(graph.cluster_links[b.peer.peerId], [a.peer.peerId])
    // its ping expires: the peerset shrinks and an alert is raised
    await waitFor(async () => (await peerIds(a)).length === 2 && (await rest(a.restURL, 'GET', '/peers')).items.length === 2, { message: 'peerset without charlie' })
    await waitFor(async () => {
      const alerts = await rest(a.restURL, 'GET', '/health/alerts')
      return (alerts.body as any[]).some((al) => al.peer === c.peer.peerId && al.name === 'ping')
    }, { message: 'ping alert for charlie' })
  })

  it('saves the peerstore at shutdown; a restart without --bootstrap rejoins and catches up', async () => {
    const store = await readFile(join(c.folder, 'peerstore'), 'utf8')
    assert.ok(store.includes(`/p2p/${a.peer.peerId}`), store)
    assert.ok(store.includes(`/p2p/${b.peer.peerId}`), store)
    // pins made while charlie is away: three deltas, the older ones only
    // reachable through the DAG (bitswap), not in any broadcast
    const away: string[] = []
    for (let i = 0; i < 3; i++) {
      away.push(await addBlock(b, `multipeer content while away ${i}`))
      assert.equal((await rest(b.restURL, 'POST', `/pins/${away[i]}`)).status, 200)
    }

    const c2 = await startTestPeer({ ...opts('charlie'), folder: c.folder, identity: c.identity })
    peers.push(c2)
    const all = [a, b, c2].map((p) => p.peer.peerId).sort()
    for (const p of [a, b, c2]) {
      await waitFor(async () => (await peerIds(p)).join() === all.join(), { message: `peers ls on ${p.name} after restart` })
    }
    for (const cid of away) {
      await waitFor(async () => {
        const res = await rest(c2.restURL, 'GET', `/pins/${cid}`)
        const entries = Object.values(res.body.peer_map ?? {}) as any[]
        return entries.length === 3 && entries.every((e) => e.status === 'pinned')
      }, { message: 'the pins made while away are pinned everywhere', timeout: 20_000 })
    }
    assert.equal((await rest(c2.restURL, 'GET', '/allocations')).items.length, cids.length + away.length)
  })

  it('logs no ERROR line (but the 500 of peers rm)', () => {
    assert.deepEqual(errorLines(peers, [/\tERROR\trestapi\tsending error response: 500: crdt consensus component cannot remove peers$/]), [])
  })
})
