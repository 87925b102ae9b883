/**
 * The independent REST client @nftstorage/ipfs-cluster against our REST API
 * and the fake cluster.
 */
import { describe, it, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import { Cluster } from '@nftstorage/ipfs-cluster'
import { parseCid } from '../../src/api/encoding.js'
import { defaultPinOptions } from '../../src/api/json.js'
import { silentLogger } from '../../src/logging/index.js'
import { createRESTAPI, type RESTAPI } from '../../src/restapi/index.js'
import { FakeCluster } from '../fakes/fake-cluster.js'
import { baseURL, httpConfig } from '../helpers/http.js'

process.env.TZ = 'UTC'

const CID1 = 'QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmmq'
const CID2 = 'bafkreiabmxuv6ktfam5xyvyj4uombmgzjg7mqpfvd2qppyldwfiel4i53y'

describe('@nftstorage/ipfs-cluster client against the REST API', () => {
  const fake = new FakeCluster(3)
  const [P1, P2, P3] = fake.peerIds
  let api: RESTAPI
  let client: Cluster

  before(async () => {
    api = createRESTAPI({ cluster: fake, logger: silentLogger() }, httpConfig({ basicAuthCredentials: { user: 'pass' } }))
    await api.start()
    client = new Cluster(baseURL(api.addresses()[0]), { headers: { Authorization: 'Basic ' + Buffer.from('user:pass').toString('base64') } })
  })

  after(async () => {
    await api.stop()
  })

  beforeEach(() => {
    fake.reset()
  })

  it('version()', async () => {
    assert.equal(await client.version(), '1.1.6')
  })

  it('info()', async () => {
    const info = await client.info()
    assert.deepEqual(info, {
      id: P1,
      addresses: [`/ip4/127.0.0.1/tcp/9096/p2p/${P1}`],
      version: '1.1.6',
      commit: '',
      peerName: 'fake0',
      rpcProtocolVersion: '/ipfscluster/1.0/rpc',
      clusterPeers: [P1, P2, P3],
      clusterPeersAddresses: [],
      ipfs: { id: fake.ipfsIdOf(P1).id, addresses: [], error: '' },
      error: ''
    })
  })

  it('peerList()', async () => {
    const peers = await client.peerList()
    assert.deepEqual(peers.map((p) => [p.id, p.peerName]), [[P1, 'fake0'], [P2, 'peer1'], [P3, 'peer2']])
  })

  it('pin(), allocation(), unpin()', async () => {
    const expireAt = new Date('2030-01-01T00:00:00.000Z')
    const pin = await client.pin(CID1, { name: 'n', replicationFactorMin: 1, replicationFactorMax: 2, metadata: { k: 'v' }, expireAt, userAllocations: [P3] })
    assert.deepEqual(pin, {
      replicationFactorMin: 1,
      replicationFactorMax: 2,
      name: 'n',
      mode: 'recursive',
      shardSize: 0,
      userAllocations: [P3],
      expireAt,
      metadata: { k: 'v' },
      pinUpdate: null,
      cid: CID1,
      type: 'pin',
      allocations: [P1, P2],
      maxDepth: -1,
      reference: null
    })
    const alloc = await client.allocation(CID1)
    assert.equal(alloc.cid, CID1)
    assert.equal(alloc.name, 'n')
    const viaPath = await client.pin(`/ipfs/${CID2}`)
    assert.equal(viaPath.cid, CID2)
    assert.equal(fake.callsOf('pinPath')[0][0], `/ipfs/${CID2}`)
    const unpinned = await client.unpin(CID1)
    assert.equal(unpinned.cid, CID1)
    await assert.rejects(client.unpin(CID1), (err: Error & { response?: Response }) => {
      assert.equal(err.message, '404: Not Found')
      assert.equal(err.response?.status, 404)
      return true
    })
    await assert.rejects(client.allocation(CID1), /^Error: 404: Not Found$/)
  })

  it('status(), statusAll(), recover()', async () => {
    await fake.pin(parseCid(CID1), { ...defaultPinOptions(), name: 'one' })
    await fake.pin(parseCid(CID2), { ...defaultPinOptions(), name: 'two' })
    const st = await client.status(CID1)
    assert.equal(st.cid, CID1)
    assert.equal(st.name, 'one')
    assert.deepEqual(Object.keys(st.peerMap), [P1, P2, P3])
    assert.deepEqual(st.peerMap[P1], { peerName: 'fake0', ipfsPeerId: fake.ipfsIdOf(P1).id, status: 'pinned', timestamp: new Date('2026-05-11T08:17:41.123Z'), error: '' })
    const local = await client.status(CID1, { local: true })
    assert.deepEqual(Object.keys(local.peerMap), [P1])
    const all = await client.statusAll()
    assert.deepEqual(all.map((s) => s.cid), [CID1, CID2])
    const some = await client.statusAll({ cids: [CID2], local: true })
    assert.deepEqual(some.map((s) => [s.cid, Object.keys(s.peerMap)]), [[CID2, [P1]]])
    const filtered = await client.statusAll({ filter: ['pinned', 'pin_queued'] as never })
    assert.deepEqual(filtered.map((s) => s.cid), [CID1, CID2])
    assert.deepEqual(fake.callsOf('statusAll').map((a) => a[0]), [0, 16 | 512])
    // Nothing to stream is a 204, as in the reference; this client cannot read it.
    await assert.rejects(client.statusAll({ filter: ['pin_error'] as never }), /Missing response body/)
    const rec = await client.recover(CID1)
    assert.equal(rec.cid, CID1)
    assert.deepEqual(Object.keys(rec.peerMap), [P1, P2, P3])
  })

  it('metricNames()', async () => {
    assert.deepEqual(await client.metricNames(), [])
    fake.metrics.set('freespace', [])
    fake.metrics.set('ping', [])
    assert.deepEqual(await client.metricNames(), ['freespace', 'ping'])
  })

  it('add() and addDirectory()', async () => {
    const out = await client.add(new File(['hello world'], 'hello.txt'), { name: 'named' })
    assert.equal(out.name, 'hello.txt')
    assert.equal(fake.addParams?.pinOptions.name, 'named')
    assert.equal(out.size, 11)
    assert.equal(fake.addParams?.cidVersion, 1)
    assert.equal(fake.addParams?.rawLeaves, true)
    assert.equal(fake.addParams?.streamChannels, false)
    const dir = await client.addDirectory([new File(['a'], 'a.txt'), new File(['bb'], 'b.txt')])
    assert.deepEqual(dir.map((o) => [o.name, o.size]), [['a.txt', 1], ['b.txt', 2]])
    assert.equal(fake.addParams?.wrapWithDirectory, true)
  })

  it('surfaces auth failures', async () => {
    const anon = new Cluster(client.url)
    await assert.rejects(anon.version(), /^Error: 401: Unauthorized$/)
  })
})
