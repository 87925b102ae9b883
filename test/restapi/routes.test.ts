import { describe, it, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import { parseCid } from '../../src/api/encoding.js'
import { PinType, TrackerStatus } from '../../src/api/enums.js'
import { defaultPinOptions, newPin } from '../../src/api/json.js'
import { RPCError, UnsupportedOperationError } from '../../src/errors.js'
import { silentLogger } from '../../src/logging/index.js'
import { createRESTAPI, type RESTAPI } from '../../src/restapi/index.js'
import { FakeCluster, fakePeerId } from '../fakes/fake-cluster.js'
import { httpConfig, httpRequest, ndjson, targetOf, trailerValues, type Target } from '../helpers/http.js'

process.env.TZ = 'UTC'

const CID1 = 'QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmmq'
const CID2 = 'bafkreiabmxuv6ktfam5xyvyj4uombmgzjg7mqpfvd2qppyldwfiel4i53y'
const TS = '2026-05-11T08:17:41.123Z'
const ZERO = '0001-01-01T00:00:00Z'

function json (v: unknown): string {
  return JSON.stringify(v) + '\n'
}

describe('REST API routes', () => {
  const fake = new FakeCluster(3)
  const [P1, P2, P3] = fake.peerIds
  let api: RESTAPI
  let t: Target

  const peerEntry = (peer: string, status: string, ts = TS): Record<string, unknown> => ({
    peername: peer === fake.selfId ? 'fake0' : `peer${fake.peerIds.indexOf(peer)}`,
    ipfs_peer_id: fake.ipfsIdOf(peer).id,
    status,
    timestamp: ts,
    error: '',
    attempt_count: 0,
    priority_pin: false
  })

  const idJSON = (peer: string): Record<string, unknown> => ({
    id: peer,
    addresses: [`/ip4/127.0.0.1/tcp/9096/p2p/${peer}`],
    cluster_peers: [P1, P2, P3],
    cluster_peers_addresses: [],
    version: '1.1.6',
    commit: '',
    rpc_protocol_version: '/ipfscluster/1.0/rpc',
    error: '',
    ipfs: { id: fake.ipfsIdOf(peer).id, addresses: [], error: '' },
    peername: peer === fake.selfId ? 'fake0' : `peer${fake.peerIds.indexOf(peer)}`
  })

  const pinJSON = (cid: string, over: Record<string, unknown> = {}): Record<string, unknown> => ({
    replication_factor_min: -1,
    replication_factor_max: -1,
    name: '',
    mode: 'recursive',
    shard_size: 0,
    user_allocations: null,
    expire_at: ZERO,
    metadata: {},
    pin_update: null,
    origins: null,
    cid,
    type: 'pin',
    allocations: [],
    max_depth: -1,
    reference: null,
    timestamp: TS,
    ...over
  })

  async function addPin (cid: string, opts: Partial<ReturnType<typeof defaultPinOptions>> = {}): Promise<void> {
    await fake.pin(parseCid(cid), { ...defaultPinOptions(), metadata: {}, ...opts })
    fake.calls.length = 0
  }

  before(async () => {
    api = createRESTAPI({ cluster: fake, logger: silentLogger() }, httpConfig())
    await api.start()
    t = targetOf(api.addresses()[0])
  })

  after(async () => {
    await api.stop()
  })

  beforeEach(() => {
    fake.reset()
  })

  it('GET /version', async () => {
    const r = await httpRequest(t, { path: '/version' })
    assert.equal(r.status, 200)
    assert.equal(r.body, '{"version":"1.1.6"}\n')
  })

  it('GET /id', async () => {
    const r = await httpRequest(t, { path: '/id' })
    assert.equal(r.status, 200)
    assert.equal(r.headers['content-type'], 'application/json')
    assert.equal(r.body, json(idJSON(P1)))
  })

  it('GET /peers streams every peer', async () => {
    const r = await httpRequest(t, { path: '/peers' })
    assert.equal(r.status, 200)
    assert.equal(r.body, [P1, P2, P3].map((p) => json(idJSON(p))).join(''))
    assert.deepEqual(trailerValues(r, 'X-Stream-Error'), [''])
  })

  it('POST /peers adds a peer', async () => {
    const r = await httpRequest(t, { method: 'POST', path: '/peers', body: `{"Peer_ID":"${P2}","other":1}\n` })
    assert.equal(r.status, 200)
    assert.equal(r.body, json(idJSON(P2)))
    assert.equal(fake.callsOf('peerAdd')[0][0], P2)
    const cases: Array<[string, string]> = [
      ['not json', 'error decoding request body'],
      ['[1]', 'error decoding request body'],
      ['{"peer_id":5}', 'error decoding request body'],
      ['{}', 'error decoding peer_id'],
      ['{"peer_id":"nope"}', 'error decoding peer_id']
    ]
    for (const [body, message] of cases) {
      const bad = await httpRequest(t, { method: 'POST', path: '/peers', body })
      assert.equal(bad.status, 400, body)
      assert.equal(bad.body, json({ code: 400, message }), body)
    }
    fake.failures.set('peerAdd', new RPCError('dial backoff'))
    const failed = await httpRequest(t, { method: 'POST', path: '/peers', body: `{"peer_id":"${P2}"}` })
    assert.equal(failed.status, 500)
    assert.equal(failed.body, json({ code: 500, message: 'dial backoff' }))
  })

  it('DELETE /peers/{peer}', async () => {
    const r = await httpRequest(t, { method: 'DELETE', path: `/peers/${P3}` })
    assert.equal(r.status, 204)
    assert.equal(r.body, '')
    assert.equal(r.headers['content-type'], 'application/json')
    assert.deepEqual(fake.callsOf('peerRemove').map((a) => a[0]), [P3])
    const bad = await httpRequest(t, { method: 'DELETE', path: '/peers/notapeer' })
    assert.equal(bad.status, 400)
    assert.match(JSON.parse(bad.body).message, /^error decoding Peer ID: failed to parse peer ID: /)
    fake.failures.set('peerRemove', new UnsupportedOperationError('crdt consensus component cannot remove peers'))
    const crdt = await httpRequest(t, { method: 'DELETE', path: `/peers/${P3}` })
    assert.equal(crdt.status, 500)
    assert.equal(crdt.body, json({ code: 500, message: 'crdt consensus component cannot remove peers' }))
  })

  it('POST /pins/{hash} pins with the query options', async () => {
    const r = await httpRequest(t, { method: 'POST', path: `/pins/${CID1}?name=foo&replication-min=-1&replication-max=-1&meta-k=v&user-allocations=${P2}` })
    assert.equal(r.status, 200)
    assert.equal(r.body, json(pinJSON(CID1, { name: 'foo', metadata: { k: 'v' }, user_allocations: [P2] })))
    const [cid, opts] = fake.callsOf('pin')[0] as [{ toString: () => string }, Record<string, unknown>]
    assert.equal(cid.toString(), CID1)
    assert.equal(opts.name, 'foo')
    // CIDv1 in another base is re-emitted in base32
    const z = await httpRequest(t, { method: 'POST', path: '/pins/zb2rhWjjjR1YQVgT6A1hLP15hkKFnABULM6znZZQQ448TjfSD?replication=2' })
    assert.equal(z.body, json(pinJSON(CID2, { replication_factor_min: 2, replication_factor_max: 2, allocations: [P1, P2] })))
  })

  it('POST /pins/{hash}?mode=direct pins directly (quirk #1 fixed)', async () => {
    const r = await httpRequest(t, { method: 'POST', path: `/pins/${CID1}?mode=direct` })
    assert.equal(r.body, json(pinJSON(CID1, { mode: 'direct', max_depth: 0 })))
  })

  it('POST /pins/{hash} refuses bad input with one 400 response (quirk #2 fixed)', async () => {
    const bad = await httpRequest(t, { method: 'POST', path: '/pins/notacid' })
    assert.equal(bad.status, 400)
    assert.match(JSON.parse(bad.body).message, /^error decoding Cid: /)
    const q = await httpRequest(t, { method: 'POST', path: `/pins/${CID1}?replication-min=x` })
    assert.equal(q.status, 400)
    assert.equal(q.body, json({ code: 400, message: 'parameter replication-min invalid' }))
    assert.equal(fake.callsOf('pin').length, 0)
    // routes that ignore the options still validate them
    const g = await httpRequest(t, { path: `/pins/${CID1}?expire-in=1ms` })
    assert.equal(g.status, 400)
    assert.equal(g.body, json({ code: 400, message: 'expire-in duration too short' }))
  })

  it('POST and DELETE /pins/{ipfs|ipns|ipld}/{path}', async () => {
    const r = await httpRequest(t, { method: 'POST', path: `/pins/ipfs/${CID1}?name=p` })
    assert.equal(r.status, 200)
    assert.equal(r.body, json(pinJSON(CID1, { name: 'p' })))
    assert.equal(fake.callsOf('pinPath')[0][0], `/ipfs/${CID1}`)
    const sub = await httpRequest(t, { method: 'POST', path: `/pins/ipld/${CID1}/a/b` })
    assert.equal(sub.status, 500)
    assert.equal(sub.body, json({ code: 500, message: `cannot resolve /ipld/${CID1}/a/b` }))
    await httpRequest(t, { method: 'POST', path: '/pins/ipns/example.com/x' })
    assert.deepEqual(fake.callsOf('pinPath').map((a) => a[0]), [`/ipfs/${CID1}`, `/ipld/${CID1}/a/b`, '/ipns/example.com/x'])
    const bad = await httpRequest(t, { method: 'POST', path: '/pins/ipfs/notacid/x' })
    assert.equal(bad.status, 400)
    assert.match(JSON.parse(bad.body).message, /^error parsing path: invalid path "\/ipfs\/notacid\/x": /)
    const badq = await httpRequest(t, { method: 'POST', path: `/pins/ipfs/${CID1}?shard-size=x` })
    assert.equal(badq.body, json({ code: 400, message: 'parameter shard_size is invalid' }))
    const del = await httpRequest(t, { method: 'DELETE', path: `/pins/ipfs/${CID1}` })
    assert.equal(del.status, 200)
    assert.equal(del.body, json(pinJSON(CID1, { name: 'p' })))
    assert.equal(fake.callsOf('unpinPath')[0][0], `/ipfs/${CID1}`)
    const get = await httpRequest(t, { path: `/pins/ipfs/${CID1}` })
    assert.equal(get.status, 405)
    assert.equal(get.body, '')
  })

  it('DELETE /pins/{hash} returns the pin as it was', async () => {
    await addPin(CID1, { name: 'gone' })
    const r = await httpRequest(t, { method: 'DELETE', path: `/pins/${CID1}` })
    assert.equal(r.status, 200)
    assert.equal(r.body, json(pinJSON(CID1, { name: 'gone' })))
    const again = await httpRequest(t, { method: 'DELETE', path: `/pins/${CID1}` })
    assert.equal(again.status, 404)
    assert.equal(again.body, '{"code":404,"message":"pin is not part of the pinset"}\n')
  })

  it('GET /allocations and /allocations/{hash}', async () => {
    const empty = await httpRequest(t, { path: '/allocations' })
    assert.equal(empty.status, 204)
    await addPin(CID1)
    await addPin(CID2, { name: 'two' })
    const all = await httpRequest(t, { path: '/allocations' })
    assert.equal(all.status, 200)
    assert.equal(all.body, json(pinJSON(CID1)) + json(pinJSON(CID2, { name: 'two' })))
    assert.deepEqual(fake.callsOf('pins'), [[PinType.All]])
    fake.calls.length = 0
    const filtered = await httpRequest(t, { path: '/allocations?filter=meta-pin,bogus' })
    assert.equal(filtered.status, 204)
    assert.deepEqual(fake.callsOf('pins'), [[PinType.Meta | PinType.Bad]])
    const bad = await httpRequest(t, { path: '/allocations?filter=bogus' })
    assert.equal(bad.status, 400)
    assert.equal(bad.body, json({ code: 400, message: 'invalid filter value' }))
    const one = await httpRequest(t, { path: `/allocations/${CID2}` })
    assert.equal(one.body, json(pinJSON(CID2, { name: 'two' })))
    const missing = await httpRequest(t, { path: '/allocations/QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG' })
    assert.equal(missing.status, 404)
    assert.equal(missing.body, json({ code: 404, message: 'pin is not part of the pinset' }))
  })

  it('GET /pins/{hash}, global and local', async () => {
    await addPin(CID1, { name: 'x' })
    const g = await httpRequest(t, { path: `/pins/${CID1}` })
    assert.equal(g.status, 200)
    assert.equal(g.body, json({
      cid: CID1,
      name: 'x',
      allocations: [],
      origins: [],
      created: TS,
      metadata: {},
      peer_map: { [P1]: peerEntry(P1, 'pinned'), [P2]: peerEntry(P2, 'pinned'), [P3]: peerEntry(P3, 'pinned') }
    }))
    const l = await httpRequest(t, { path: `/pins/${CID1}?local=true` })
    assert.equal(l.body, json({ cid: CID1, name: 'x', allocations: [], origins: [], created: TS, metadata: {}, peer_map: { [P1]: peerEntry(P1, 'pinned') } }))
    // only the exact string "true" means local (quirk #16)
    await httpRequest(t, { path: `/pins/${CID1}?local=1` })
    assert.deepEqual(fake.calls.map((c) => c.method), ['status', 'statusLocal', 'status'])
    const u = await httpRequest(t, { path: `/pins/${CID2}` })
    assert.equal(JSON.parse(u.body).peer_map[P2].status, 'unpinned')
  })

  it('GET /pins streams statuses with filters, local and cids', async () => {
    const none = await httpRequest(t, { path: '/pins' })
    assert.equal(none.status, 204)
    await addPin(CID1)
    await addPin(CID2)
    const all = await httpRequest(t, { path: '/pins?local=false&filter=&cids=' })
    assert.equal(all.status, 200)
    assert.deepEqual((ndjson(all.body) as Array<{ cid: string }>).map((g) => g.cid), [CID1, CID2])
    assert.deepEqual(trailerValues(all, 'X-Stream-Error'), [''])
    const filtered = await httpRequest(t, { path: '/pins?filter=bogus,pinned' })
    assert.equal(filtered.status, 200)
    const bad = await httpRequest(t, { path: '/pins?filter=bogus' })
    assert.equal(bad.status, 400)
    assert.equal(bad.body, json({ code: 400, message: 'invalid filter value' }))
    const queued = await httpRequest(t, { path: '/pins?filter=queued' })
    assert.equal(queued.status, 204)
    assert.deepEqual(fake.callsOf('statusAll').map((a) => a[0]), [0, TrackerStatus.Pinned, TrackerStatus.PinQueued | TrackerStatus.UnpinQueued])
    const local = await httpRequest(t, { path: '/pins?local=true' })
    const items = ndjson(local.body) as Array<{ cid: string, peer_map: Record<string, unknown> }>
    assert.deepEqual(items.map((g) => [g.cid, Object.keys(g.peer_map)]), [[CID1, [P1]], [CID2, [P1]]])
  })

  it('GET /pins?cids= asks for each CID and reports failures in trailers', async () => {
    await addPin(CID1)
    const r = await httpRequest(t, { path: `/pins?cids=${CID1},${CID2}&filter=ignored` })
    assert.equal(r.status, 200)
    const got = (ndjson(r.body) as Array<{ cid: string, peer_map: Record<string, { status: string }> }>).map((g) => [g.cid, g.peer_map[P1].status]).sort()
    assert.deepEqual(got, [[CID1, 'pinned'], [CID2, 'unpinned']])
    fake.statusFailures.set(CID2, new RPCError('peer unreachable'))
    const partial = await httpRequest(t, { path: `/pins?cids=${CID1},${CID2}` })
    assert.equal(partial.status, 200)
    assert.equal((ndjson(partial.body) as Array<{ cid: string }>)[0].cid, CID1)
    assert.deepEqual(trailerValues(partial, 'X-Stream-Error'), ['', 'peer unreachable'])
    const failed = await httpRequest(t, { path: `/pins?cids=${CID2}&local=true` })
    assert.equal(failed.status, 500)
    assert.equal(failed.body, json({ code: 500, message: 'peer unreachable' }))
    const bad = await httpRequest(t, { path: `/pins?cids=${CID1},nope` })
    assert.equal(bad.status, 400)
    assert.match(JSON.parse(bad.body).message, /^error decoding Cid: /)
  })

  it('POST /pins/{hash}/recover and /pins/recover', async () => {
    await addPin(CID1)
    const g = await httpRequest(t, { method: 'POST', path: `/pins/${CID1}/recover` })
    assert.equal(g.status, 200)
    assert.deepEqual(Object.keys(JSON.parse(g.body).peer_map), [P1, P2, P3])
    const l = await httpRequest(t, { method: 'POST', path: `/pins/${CID1}/recover?local=true` })
    assert.deepEqual(Object.keys(JSON.parse(l.body).peer_map), [P1])
    const missing = await httpRequest(t, { method: 'POST', path: `/pins/${CID2}/recover?local=true` })
    assert.equal(missing.status, 404)
    const all = await httpRequest(t, { method: 'POST', path: '/pins/recover' })
    assert.equal(all.status, 200)
    assert.deepEqual((ndjson(all.body) as Array<{ cid: string }>).map((x) => x.cid), [CID1])
    const allLocal = await httpRequest(t, { method: 'POST', path: '/pins/recover?local=true' })
    assert.deepEqual((ndjson(allLocal.body) as Array<{ peer_map: object }>).map((x) => Object.keys(x.peer_map)), [[P1]])
    assert.deepEqual(fake.calls.map((c) => c.method), ['recover', 'recoverLocal', 'recoverLocal', 'recoverAll', 'recoverAllLocal'])
    fake.reset()
    const none = await httpRequest(t, { method: 'POST', path: '/pins/recover' })
    assert.equal(none.status, 204)
    const badCid = await httpRequest(t, { method: 'POST', path: '/pins/ipfs/recover' })
    assert.equal(badCid.status, 400)
  })

  it('POST /ipfs/gc, global and local', async () => {
    const keys = [{ key: 'bafkreihu6whsa6hsnk67wgjoruznxuyq5kyjyuz6qcnkgfmxwu6rdjh4bq' }, { key: null, error: 'could not remove' }]
    const gc = (p: string): Record<string, unknown> => ({ peer: p, peername: p === P1 ? 'fake0' : `peer${fake.peerIds.indexOf(p)}`, keys })
    const g = await httpRequest(t, { method: 'POST', path: '/ipfs/gc' })
    assert.equal(g.status, 200)
    const expectedKey = JSON.parse(g.body).peer_map[P1].keys[0].key
    keys[0].key = expectedKey
    assert.equal(g.body, json({ peer_map: { [P1]: gc(P1), [P2]: gc(P2), [P3]: gc(P3) } }))
    const l = await httpRequest(t, { method: 'POST', path: '/ipfs/gc?local=true' })
    assert.equal(l.body, json({ peer_map: { [P1]: gc(P1) } }))
  })

  it('GET /health/graph, /health/alerts, /health/bandwidth', async () => {
    const graph = JSON.parse((await httpRequest(t, { path: '/health/graph' })).body)
    assert.deepEqual(Object.keys(graph), ['cluster_id', 'id_to_peername', 'ipfs_links', 'cluster_links', 'cluster_trust_links', 'cluster_to_ipfs'])
    assert.equal(graph.cluster_id, P1)
    assert.deepEqual(graph.cluster_links[P2], [P1, P3])
    assert.deepEqual(graph.cluster_trust_links, { [P1]: true, [P2]: true, [P3]: true })
    assert.equal((await httpRequest(t, { path: '/health/alerts' })).body, '[]\n')
    fake.alertsList = [{ name: 'ping', peer: P2, value: '', expire: 1778487461000000000n, valid: true, weight: 0n, partitionable: false, receivedAt: 1778487460000000000n, triggeredAt: new Date(TS) }]
    assert.equal((await httpRequest(t, { path: '/health/alerts' })).body, `[{"name":"ping","peer":"${P2}","value":"","expire":1778487461000000000,"valid":true,"weight":0,"partitionable":false,"received_at":1778487460000000000,"triggered_at":"${TS}"}]\n`)
    const bw = await httpRequest(t, { path: '/health/bandwidth' })
    assert.equal(bw.status, 200)
    assert.equal(bw.body, 'null\n')
    fake.bandwidth = new Map([['/ipfs/id/1.0.0', { totalIn: 10, totalOut: 20, rateIn: 1.5, rateOut: 0 }]])
    assert.equal((await httpRequest(t, { path: '/health/bandwidth' })).body, '{"/ipfs/id/1.0.0":{"total_in":10,"total_out":20,"rate_in":1.5,"rate_out":0}}\n')
  })

  it('GET /monitor/metrics and /monitor/metrics/{name}', async () => {
    assert.equal((await httpRequest(t, { path: '/monitor/metrics' })).body, '[]\n')
    assert.equal((await httpRequest(t, { path: '/monitor/metrics/freespace' })).body, '[]\n')
    fake.metrics.set('freespace', [{ name: 'freespace', peer: P1, value: '1000', expire: 1778487461000000000n, valid: true, weight: 1000n, partitionable: false, receivedAt: 1778487460123456789n }])
    fake.metrics.set('ping', [])
    assert.equal((await httpRequest(t, { path: '/monitor/metrics' })).body, '["freespace","ping"]\n')
    assert.equal((await httpRequest(t, { path: '/monitor/metrics/freespace' })).body, `[{"name":"freespace","peer":"${P1}","value":"1000","expire":1778487461000000000,"valid":true,"weight":1000,"partitionable":false,"received_at":1778487460123456789}]\n`)
  })

  it('answers unknown routes and methods like the reference', async () => {
    const nf = await httpRequest(t, { path: '/pinz' })
    assert.equal(nf.status, 404)
    assert.equal(nf.body, '{"code":404,"message":"not found"}\n')
    for (const [method, path] of [['PUT', `/pins/${CID1}`], ['GET', '/add'], ['HEAD', '/id'], ['PATCH', '/allocations'], ['DELETE', '/peers']]) {
      const r = await httpRequest(t, { method, path })
      assert.equal(r.status, 405, `${method} ${path}`)
      assert.equal(r.body, '')
    }
    const h = await httpRequest(t, { path: '/health' })
    assert.equal(h.status, 204)
  })

  it('passes the shared pinset Pin objects through unchanged (read-back conventions)', async () => {
    // A pin as read back from the state: allocations/origins [], metadata null.
    const pin = { ...newPin(parseCid(CID2), { ...defaultPinOptions(), replicationFactorMin: 1, replicationFactorMax: 2 }), allocations: [P2], origins: [], timestamp: new Date('2026-05-11T08:17:41Z') }
    fake.pinset.set(CID2, pin)
    const r = await httpRequest(t, { path: `/allocations/${CID2}` })
    assert.equal(r.body, json(pinJSON(CID2, { replication_factor_min: 1, replication_factor_max: 2, metadata: null, origins: [], allocations: [P2], timestamp: '2026-05-11T08:17:41Z' })))
  })

  it('keeps fakePeerId peers valid', () => {
    assert.notEqual(fakePeerId(1), fakePeerId(2))
  })
})
