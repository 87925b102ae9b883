import { describe, it, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { CRDTTestNetwork } from '../../fakes/crdt-network.js'
import { waitFor } from '../../helpers/wait-for.js'
import { testPeerId, testPin } from '../../helpers/pins.js'
import { digest, headsOf, startReplica, stopAll } from './helpers.js'
import type { Replica } from './helpers.js'

describe('CRDT consensus: replication and CRDT semantics', () => {
  let replicas: Replica[] = []
  let network: CRDTTestNetwork

  afterEach(async () => {
    await stopAll(replicas)
    replicas = []
    network?.close()
  })

  async function start (n: number, names: (i: number) => string = (i) => `r${i}`, opts: Parameters<typeof startReplica>[2] = {}): Promise<Replica[]> {
    const out: Replica[] = []
    for (let i = 0; i < n; i++) {
      const r = await startReplica(network, names(i), opts)
      replicas.push(r)
      out.push(r)
    }
    return out
  }

  it('applies local writes at once and fires the hooks', async () => {
    network = new CRDTTestNetwork()
    const [a] = await start(1)
    const p1 = testPin('one')
    await a.consensus.logPin(p1)
    assert.equal(await a.consensus.state().has(p1.cid), true)
    assert.equal((await a.consensus.state().get(p1.cid)).name, 'pin-one')
    let info = a.consensus.info()
    assert.equal(info.heads.length, 1)
    assert.equal(info.maxHeight, 1n)
    assert.equal(info.dirty, false)

    await a.consensus.logPin(testPin('two'))
    info = a.consensus.info()
    assert.equal(info.heads.length, 1)
    assert.equal(info.maxHeight, 2n)

    // re-pin with new options: new winning value
    await a.consensus.logPin({ ...p1, name: 'renamed' })
    assert.equal((await a.consensus.state().get(p1.cid)).name, 'renamed')

    await a.consensus.logUnpin(p1)
    assert.equal(await a.consensus.state().has(p1.cid), false)
    await assert.rejects(a.consensus.state().get(p1.cid), { name: 'PinNotFoundError', message: 'pin is not part of the pinset' })
    assert.equal(a.consensus.info().maxHeight, 4n)

    // unpinning something absent publishes nothing
    await a.consensus.logUnpin(testPin('never'))
    assert.equal(a.consensus.info().maxHeight, 4n)

    assert.deepEqual(a.events, [
      `pin ${p1.cid.toString()} pin-one`,
      `pin ${testPin('two').cid.toString()} pin-two`,
      `pin ${p1.cid.toString()} renamed`,
      `unpin ${p1.cid.toString()}`
    ])
    assert.deepEqual(await digest(a), [`${testPin('two').cid.toString()} pin-two`])
  })

  it('replicates pins and unpins between peers (pubsub and broadcaster transports)', async () => {
    network = new CRDTTestNetwork()
    const [a] = await start(1, () => 'a')
    const [b] = await start(1, () => 'b', { broadcaster: false })
    const [c] = await start(1, () => 'c', { broadcaster: true })
    const [d] = await start(1, () => 'd', { broadcaster: true })
    // a, b talk over pubsub, c, d over the broadcaster topic
    await a.consensus.logPin(testPin(1))
    await waitFor(async () => await b.consensus.state().has(testPin(1).cid))
    await b.consensus.logUnpin(testPin(1))
    await waitFor(async () => !(await a.consensus.state().has(testPin(1).cid)))
    await c.consensus.logPin(testPin(2))
    await waitFor(async () => await d.consensus.state().has(testPin(2).cid))
    assert.deepEqual(b.events, [`pin ${testPin(1).cid.toString()} pin-1`, `unpin ${testPin(1).cid.toString()}`])
    assert.deepEqual(headsOf(a), headsOf(b))
  })

  it('applies new heads from their inline block without fetching, and still reads legacy payloads', async () => {
    network = new CRDTTestNetwork({ dropProbability: 1 })
    const [a, b] = await start(2)
    await a.consensus.logPin(testPin('hidden'))
    network.dropProbability = 0
    await a.consensus.logPin(testPin('inline'))
    await waitFor(async () => await b.consensus.state().has(testPin('inline').cid))
    // the older node was fetched, the new head came inline
    assert.equal(network.stats.fetches, 1)
    await waitFor(async () => await b.consensus.state().has(testPin('hidden').cid))

    // a legacy broadcast: the raw bytes of a head CID, sent by a third peer
    network.dropProbability = 1
    await a.consensus.logPin(testPin('legacy'))
    network.dropProbability = 0
    const head = a.consensus.info().heads[0]
    const other = network.join(testPeerId('legacy-sender'))
    await other.pubsub.publish(a.consensus.topicName, head.bytes)
    await waitFor(async () => await b.consensus.state().has(testPin('legacy').cid))
    assert.equal(network.stats.fetches, 2)
    assert.deepEqual(headsOf(b), headsOf(a))
  })

  it('converges 15 replicas despite 30% of dropped messages', async () => {
    network = new CRDTTestNetwork({ dropProbability: 0.3, maxDelay: 5, seed: 7 })
    const rs = await start(15, (i) => `r${i}`, { config: { rebroadcastInterval: 150 } })
    const writes: Array<Promise<void>> = []
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < rs.length; i++) {
        const label = `k${(i * 7 + round * 3) % 25}`
        if (round === 3 && i % 3 === 0) {
          writes.push(rs[i].consensus.logUnpin(testPin(label)))
        } else {
          writes.push(rs[i].consensus.logPin(testPin(label, { name: `r${i}-round${round}` })))
        }
      }
      await Promise.all(writes)
    }
    await waitFor(async () => {
      const ds = await Promise.all(rs.map(digest))
      const hs = rs.map(headsOf)
      return ds.every((d) => JSON.stringify(d) === JSON.stringify(ds[0])) && hs.every((h) => JSON.stringify(h) === JSON.stringify(hs[0]))
    }, { timeout: 30000, message: 'replicas did not converge' })
    assert.ok(network.stats.dropped > 0)
    const final = await digest(rs[0])
    assert.ok(final.length > 0)
  })

  it('catches up on 50 missed writes through one delivered write (DAG walk)', async () => {
    network = new CRDTTestNetwork({ dropProbability: 1 })
    const rs = await start(5)
    for (let i = 0; i < 50; i++) await rs[0].consensus.logPin(testPin(`catch-${i}`))
    for (const r of rs.slice(1)) assert.deepEqual(await digest(r), [])
    network.dropProbability = 0
    await rs[0].consensus.logPin(testPin('catch-last'))
    const want = await digest(rs[0])
    assert.equal(want.length, 51)
    for (const r of rs.slice(1)) {
      await waitFor(async () => JSON.stringify(await digest(r)) === JSON.stringify(want), { message: `replica ${r.name} did not catch up` })
      assert.deepEqual(headsOf(r), headsOf(rs[0]))
      assert.equal(r.consensus.info().maxHeight, 51n)
      assert.equal(r.consensus.info().dirty, false)
    }
    assert.ok(network.stats.fetches >= 50 * 4, `blocks were fetched (${network.stats.fetches})`)
  })

  it('converges on put/put/delete vs a concurrent put (go-ds-crdt #238)', async () => {
    network = new CRDTTestNetwork()
    const [a, b] = await start(2)
    network.partition([a.id], [b.id])
    const cid = testPin('k238').cid
    await a.consensus.logPin(testPin('k238', { name: 'v1' }))
    await a.consensus.logPin(testPin('k238', { name: 'v2' }))
    await a.consensus.logUnpin(testPin('k238'))
    await b.consensus.logPin(testPin('k238', { name: 'v3' }))
    assert.equal(await a.consensus.state().has(cid), false)
    network.heal()
    await a.consensus.rebroadcast()
    await b.consensus.rebroadcast()
    await waitFor(async () => JSON.stringify(headsOf(a)) === JSON.stringify(headsOf(b)) && headsOf(a).length === 2)
    // The delete on a did not observe b's put: add wins, v3 survives everywhere.
    for (const r of [a, b]) {
      await waitFor(async () => await r.consensus.state().has(cid))
      assert.equal((await r.consensus.state().get(cid)).name, 'v3')
    }
    assert.deepEqual(await digest(a), await digest(b))
    // a learnt about v3 although its own delete came later in its history
    assert.equal(a.events.at(-1), `pin ${cid.toString()} v3`)
  })

  it('keeps a concurrent re-add when another peer removes (add wins)', async () => {
    network = new CRDTTestNetwork()
    const [a, b] = await start(2)
    const pin = testPin('aw')
    await a.consensus.logPin(pin)
    await waitFor(async () => await b.consensus.state().has(pin.cid))
    network.partition([a.id], [b.id])
    await a.consensus.logUnpin(pin)
    await b.consensus.logPin({ ...pin, name: 'again' })
    network.heal()
    await a.consensus.rebroadcast()
    await b.consensus.rebroadcast()
    for (const r of [a, b]) {
      await waitFor(async () => JSON.stringify(headsOf(r)) === JSON.stringify(headsOf(a)) && headsOf(r).length === 2)
      assert.equal((await r.consensus.state().get(pin.cid)).name, 'again')
    }
  })

  it('orders concurrent writes by priority, then value; a later write wins everywhere', async () => {
    network = new CRDTTestNetwork()
    const rs = await start(15)
    network.partition(...rs.map((r) => [r.id]))
    const cid = testPin('prio').cid
    await Promise.all(rs.map(async (r, i) => { await r.consensus.logPin(testPin('prio', { name: `w${String(i).padStart(2, '0')}` })) }))
    network.heal()
    await Promise.all(rs.map(async (r) => { await r.consensus.rebroadcast() }))
    await waitFor(async () => rs.every((r) => r.consensus.info().heads.length === 15), { timeout: 20000 })
    const names = await Promise.all(rs.map(async (r) => (await r.consensus.state().get(cid)).name))
    // all at priority 1: the greatest protobuf wins, the same everywhere
    assert.equal(new Set(names).size, 1)
    assert.equal(names[0], 'w14')
    await rs[3].consensus.logPin(testPin('prio', { name: 'final' }))
    assert.equal(rs[3].consensus.info().maxHeight, 2n)
    for (const r of rs) {
      await waitFor(async () => (await r.consensus.state().get(cid)).name === 'final')
      await waitFor(() => r.consensus.info().heads.length === 1)
    }
  })

  it('ignores broadcasts from untrusted peers until trusted', async () => {
    network = new CRDTTestNetwork()
    const cfg = { config: { trustedPeers: [], trustAll: false } }
    const [a] = await start(1, () => 'ta', cfg)
    const [b] = await start(1, () => 'tb', cfg)
    assert.equal(b.consensus.isTrustedPeer(b.id), true)
    assert.equal(b.consensus.isTrustedPeer(a.id), false)
    await a.consensus.logPin(testPin('t1'))
    await waitFor(() => network.stats.delivered >= 1)
    assert.equal(await b.consensus.state().has(testPin('t1').cid), false)

    await b.consensus.trust(a.id)
    assert.equal(b.consensus.isTrustedPeer(a.id), true)
    await a.consensus.rebroadcast()
    await waitFor(async () => await b.consensus.state().has(testPin('t1').cid))

    await b.consensus.distrust(a.id)
    const delivered = network.stats.delivered
    await a.consensus.logPin(testPin('t2'))
    await waitFor(() => network.stats.delivered > delivered)
    assert.equal(await b.consensus.state().has(testPin('t2').cid), false)
    // a trusts everybody? no: b's writes do not reach a either
    await b.consensus.logPin(testPin('t3'))
    await waitFor(() => network.stats.delivered > delivered + 1)
    assert.equal(await a.consensus.state().has(testPin('t3').cid), false)
  })

  it('answers peers/addPeer/rmPeer like the reference', async () => {
    network = new CRDTTestNetwork()
    const others = ['QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N', '12D3KooWRN8KRjpyg9rsW2w7StbBRGper65psTZm68cjud9KAkaW']
    const [a] = await start(1, () => 'peers', { peersetProvider: async () => others })
    const peers = await a.consensus.peers()
    assert.equal(peers.length, 3)
    assert.ok(peers.includes(a.id))
    // sorted by the binary peer ID, as Go's peer.IDSlice
    assert.deepEqual(peers, [...peers].sort((x, y) => Buffer.compare(Buffer.from(decode58(x)), Buffer.from(decode58(y)))))
    assert.equal(peers[2], 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N')
    await a.consensus.addPeer(others[0])
    await assert.rejects(a.consensus.rmPeer(others[0]), { name: 'UnsupportedOperationError', message: 'crdt consensus component cannot remove peers' })
    await a.consensus.ready()
  })

  it('cleans the whole namespace', async () => {
    network = new CRDTTestNetwork()
    const [a] = await start(1)
    for (let i = 0; i < 10; i++) await a.consensus.logPin(testPin(`c${i}`))
    await a.consensus.clean()
    assert.deepEqual(await digest(a), [])
    assert.equal(a.consensus.info().heads.length, 0)
    const left: string[] = []
    for await (const { key } of a.store.query('/c/', { keysOnly: true })) left.push(key)
    assert.deepEqual(left, ['/c/crdt_version'])
    await a.consensus.logPin(testPin('after'))
    assert.equal(a.consensus.info().maxHeight, 1n)
  })
})

function decode58 (s: string): Uint8Array {
  const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
  let n = 0n
  for (const c of s) n = n * 58n + BigInt(ALPHABET.indexOf(c))
  const bytes: number[] = []
  while (n > 0n) { bytes.unshift(Number(n % 256n)); n /= 256n }
  for (const c of s) { if (c === '1') bytes.unshift(0); else break }
  return new Uint8Array(bytes)
}
