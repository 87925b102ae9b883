import { describe, it, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import { cidToString, parseCid } from '../../src/api/encoding.js'
import { TrackerStatus } from '../../src/api/enums.js'
import { defaultPinOptions, pinInfoToGlobal } from '../../src/api/json.js'
import { RPCError } from '../../src/errors.js'
import { signToken } from '../../src/httpapi/index.js'
import { silentLogger } from '../../src/logging/index.js'
import { createPinningServiceAPI, type PinningServiceAPI } from '../../src/pinsvcapi/index.js'
import { FakeCluster, fakeCid } from '../fakes/fake-cluster.js'
import { headerValues, httpConfig, httpRequest, targetOf, type Target } from '../helpers/http.js'
import type { GlobalPinInfo, PinOptions } from '../../src/api/types.js'

process.env.TZ = 'UTC'

const CID1 = 'QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmmq'
const CID2 = 'bafkreiabmxuv6ktfam5xyvyj4uombmgzjg7mqpfvd2qppyldwfiel4i53y'
const TS = '2026-05-11T08:17:41.123Z'
const INFO = { source: 'IPFS cluster API', warning1: 'CID used for requestID. Conflicts possible', warning2: 'experimental' }
const AUTH = { Authorization: `Bearer ${signToken('kubo', 'pw')}` }

function json (v: unknown): string {
  return JSON.stringify(v) + '\n'
}

describe('Pinning Service API', () => {
  const fake = new FakeCluster(3)
  const [P1, P2, P3] = fake.peerIds
  let api: PinningServiceAPI
  let t: Target

  const addrs = (p: string): string[] => [`/ip4/10.0.0.${fake.peerIds.indexOf(p) + 1}/tcp/4001/p2p/${fake.ipfsIdOf(p).id}`]

  async function pinned (cid: string, opts: Partial<PinOptions> = {}): Promise<void> {
    await fake.pin(parseCid(cid), { ...defaultPinOptions(), ...opts })
    fake.calls.length = 0
  }

  /** A canned GlobalPinInfo whose peers have the given statuses. */
  function canned (cid: string, statuses: number[], name = ''): GlobalPinInfo {
    const g = pinInfoToGlobal({ ...fake.pinInfo(parseCid(cid), P1), name })
    g.peerMap.clear()
    statuses.forEach((s, i) => {
      const peer = fake.peerIds[i]
      g.peerMap.set(peer, { ...fake.pinInfo(parseCid(cid), peer), status: s })
    })
    fake.canned.set(cid, g)
    return g
  }

  before(async () => {
    api = createPinningServiceAPI({ cluster: fake, logger: silentLogger() }, httpConfig({ basicAuthCredentials: { kubo: 'pw' } }))
    await api.start()
    t = targetOf(api.addresses()[0])
  })

  after(async () => {
    await api.stop()
  })

  beforeEach(() => {
    fake.reset()
    for (const p of fake.peerIds) fake.ipfsAddrs.set(p, addrs(p))
  })

  it('POST /pins pins the CID and answers 200 with a queued PinStatus', async () => {
    const origin = `/ip4/1.2.3.4/tcp/4001/p2p/${P2}`
    const r = await httpRequest(t, { method: 'POST', path: '/pins', headers: AUTH, body: JSON.stringify({ cid: CID1, name: 'my pin', origins: [origin], meta: { b: '2', a: '1' } }) })
    assert.equal(r.status, 200)
    assert.equal(r.body, json({
      requestid: CID1,
      status: 'queued',
      created: TS,
      pin: { cid: CID1, name: 'my pin', origins: [origin], meta: { a: '1', b: '2' } },
      delegates: [...addrs(P1), ...addrs(P2), ...addrs(P3)],
      info: INFO
    }))
    const [cid, opts] = fake.callsOf('pin')[0] as [unknown, PinOptions]
    assert.equal(cidToString(cid as ReturnType<typeof parseCid>), CID1)
    assert.equal(opts.name, 'my pin')
    assert.deepEqual(opts.origins, [origin])
    assert.deepEqual(opts.metadata, { b: '2', a: '1' })
    assert.equal(opts.mode, 'recursive')
    assert.equal(opts.replicationFactorMin, 0)
    assert.equal(opts.expireAt, null)
  })

  it('POST /pins omits empty pin fields; delegates follow the allocations', async () => {
    const r = await httpRequest(t, { method: 'POST', path: '/pins', headers: AUTH, body: JSON.stringify({ CID: CID1 }) })
    assert.equal(r.status, 200)
    const body = JSON.parse(r.body)
    assert.deepEqual(body.pin, { cid: CID1 })
    assert.deepEqual(body.delegates, [...addrs(P1), ...addrs(P2), ...addrs(P3)])
    // a replacement inherits the allocations of the pin it updates (one peer here)
    await pinned(CID2, { replicationFactorMin: 1, replicationFactorMax: 1 })
    const one = await httpRequest(t, { method: 'POST', path: `/pins/${CID2}`, headers: AUTH, body: JSON.stringify({ cid: CID1 }) })
    assert.equal(one.status, 200)
    assert.deepEqual(JSON.parse(one.body).delegates, addrs(P1))
  })

  it('POST /pins refuses bad bodies with 400 (no cid: quirk #7 fixed)', async () => {
    const cases: Array<[string, RegExp]> = [
      ['{}', /^error decoding request body: the pin has no cid$/],
      ['{"cid":null,"name":"x"}', /^error decoding request body: the pin has no cid$/],
      ['not json', /^error decoding request body: /],
      ['[]', /^error decoding request body: json: cannot unmarshal array/],
      ['{"cid":"notacid"}', /^error decoding request body: /],
      [JSON.stringify({ cid: CID1, name: 'x'.repeat(256) }), /^error decoding request body: pin name is over 255 chars$/],
      [JSON.stringify({ cid: CID1, origins: ['garbage'] }), /^error decoding request body: /],
      [JSON.stringify({ cid: CID1, meta: { a: 1 } }), /^error decoding request body: /]
    ]
    for (const [body, re] of cases) {
      const r = await httpRequest(t, { method: 'POST', path: '/pins', headers: AUTH, body })
      assert.equal(r.status, 400, body)
      const err = JSON.parse(r.body) as { error: { reason: string } }
      assert.deepEqual(Object.keys(err), ['error'])
      assert.deepEqual(Object.keys(err.error), ['reason'])
      assert.match(err.error.reason, re, body)
    }
    const okName = await httpRequest(t, { method: 'POST', path: '/pins', headers: AUTH, body: JSON.stringify({ cid: CID1, name: 'x'.repeat(255) }) })
    assert.equal(okName.status, 200)
    fake.failures.set('pin', new RPCError('not enough peers to allocate CID'))
    const failed = await httpRequest(t, { method: 'POST', path: '/pins', headers: AUTH, body: JSON.stringify({ cid: CID1 }) })
    assert.equal(failed.status, 500)
    assert.equal(failed.body, '{"error":{"reason":"not enough peers to allocate CID"}}\n')
  })

  it('GET /pins/{requestid} maps cluster statuses', async () => {
    await pinned(CID1, { name: 'n', metadata: { k: 'v' } })
    const r = await httpRequest(t, { path: `/pins/${CID1}`, headers: AUTH })
    assert.equal(r.status, 200)
    assert.equal(r.body, json({
      requestid: CID1,
      status: 'pinned',
      created: TS,
      pin: { cid: CID1, name: 'n', meta: { k: 'v' } },
      delegates: [...addrs(P1), ...addrs(P2), ...addrs(P3)],
      info: INFO
    }))
    const cases: Array<[number[], string | null]> = [
      [[TrackerStatus.Pinned, TrackerStatus.PinError, TrackerStatus.PinQueued], 'failed'],
      [[TrackerStatus.ClusterError], 'failed'],
      [[], 'failed'],
      [[TrackerStatus.Pinned, TrackerStatus.PinQueued, TrackerStatus.Pinning], 'queued'],
      [[TrackerStatus.Pinned, TrackerStatus.Pinning], 'pinning'],
      [[TrackerStatus.Pinned, TrackerStatus.Remote], 'pinned'],
      [[TrackerStatus.Remote, TrackerStatus.Unpinned], null],
      [[TrackerStatus.UnpinQueued, TrackerStatus.Sharded, TrackerStatus.UnexpectedlyUnpinned], null]
    ]
    for (const [statuses, expected] of cases) {
      canned(CID2, statuses)
      const s = await httpRequest(t, { path: `/pins/${CID2}`, headers: AUTH })
      if (expected == null) {
        assert.equal(s.status, 404)
        assert.equal(s.body, '{"error":{"reason":"pin not found"}}\n')
      } else {
        assert.equal(s.status, 200)
        assert.equal(JSON.parse(s.body).status, expected, statuses.join(','))
      }
    }
  })

  it('GET /pins/{requestid} answers 404 for unknown CIDs and errors, 400 for bad IDs', async () => {
    const missing = await httpRequest(t, { path: `/pins/${CID1}`, headers: AUTH })
    assert.equal(missing.status, 404)
    assert.equal(missing.body, '{"error":{"reason":"pin not found"}}\n')
    fake.statusFailures.set(CID1, new RPCError('boom'))
    const failing = await httpRequest(t, { path: `/pins/${CID1}`, headers: AUTH })
    assert.equal(failing.status, 404)
    assert.equal(failing.body, '{"error":{"reason":"pin not found"}}\n')
    const bad = await httpRequest(t, { path: '/pins/notacid', headers: AUTH })
    assert.equal(bad.status, 400)
    assert.match(JSON.parse(bad.body).error.reason, /^error decoding requestID: /)
  })

  it('POST /pins/{requestid} replaces a pin', async () => {
    await pinned(CID1, { name: 'old', replicationFactorMin: 2, replicationFactorMax: 2 })
    const r = await httpRequest(t, { method: 'POST', path: `/pins/${CID1}`, headers: AUTH, body: JSON.stringify({ cid: CID2, name: 'new' }) })
    assert.equal(r.status, 200)
    const body = JSON.parse(r.body)
    assert.equal(body.requestid, CID2)
    assert.equal(body.status, 'queued')
    assert.deepEqual(body.pin, { cid: CID2, name: 'new' })
    assert.deepEqual(body.delegates, [...addrs(P1), ...addrs(P2)])
    const [, opts] = fake.callsOf('pin')[0] as [unknown, PinOptions]
    assert.equal(opts.pinUpdate != null ? cidToString(opts.pinUpdate) : null, CID1)
    assert.deepEqual(fake.callsOf('unpin').map((a) => cidToString(a[0] as ReturnType<typeof parseCid>)), [CID1])
    assert.equal(fake.pinset.has(CID1), false)
    assert.equal(fake.pinset.get(CID2)?.replicationFactorMax, 2)
  })

  it('POST /pins/{requestid} with the same CID re-pins without unpinning (quirk #9 fixed)', async () => {
    await pinned(CID1, { name: 'old' })
    const r = await httpRequest(t, { method: 'POST', path: `/pins/${CID1}`, headers: AUTH, body: JSON.stringify({ cid: CID1, name: 'renamed' }) })
    assert.equal(r.status, 200)
    assert.equal(JSON.parse(r.body).pin.name, 'renamed')
    assert.equal(fake.callsOf('unpin').length, 0)
    assert.equal(fake.pinset.get(CID1)?.name, 'renamed')
    const missing = await httpRequest(t, { method: 'POST', path: `/pins/${CID2}`, headers: AUTH, body: JSON.stringify({ cid: CID1 }) })
    assert.equal(missing.status, 404)
    assert.equal(missing.body, '{"error":{"reason":"pin is not part of the pinset"}}\n')
    const before = fake.callsOf('pin').length
    const badId = await httpRequest(t, { method: 'POST', path: '/pins/notacid', headers: AUTH, body: JSON.stringify({ cid: CID1 }) })
    assert.equal(badId.status, 400)
    assert.equal(fake.callsOf('pin').length, before, 'nothing pinned after a bad request ID')
  })

  it('DELETE /pins/{requestid} answers 202', async () => {
    await pinned(CID1)
    const r = await httpRequest(t, { method: 'DELETE', path: `/pins/${CID1}`, headers: AUTH })
    assert.equal(r.status, 202)
    assert.equal(r.body, '')
    assert.equal(r.headers['content-type'], 'application/json')
    const again = await httpRequest(t, { method: 'DELETE', path: `/pins/${CID1}`, headers: AUTH })
    assert.equal(again.status, 404)
    assert.equal(again.body, '{"error":{"reason":"pin is not part of the pinset"}}\n')
  })

  it('GET /pins lists with limit (default 10) and count', async () => {
    const empty = await httpRequest(t, { path: '/pins', headers: AUTH })
    assert.equal(empty.status, 200)
    assert.equal(empty.body, '{"count":0,"results":[]}\n')
    for (let i = 0; i < 12; i++) await pinned(cidToString(fakeCid(`pin${i}`)), { name: `pin-${i}` })
    canned(CID1, [TrackerStatus.Remote]) // undefined status: hidden
    const r = await httpRequest(t, { path: '/pins', headers: AUTH })
    const body = JSON.parse(r.body) as { count: number, results: Array<{ pin: { name: string }, status: string }> }
    assert.equal(body.count, 12)
    assert.equal(body.results.length, 10)
    assert.deepEqual(Object.keys(body.results[0]), ['requestid', 'status', 'created', 'pin', 'delegates', 'info'])
    const five = JSON.parse((await httpRequest(t, { path: '/pins?limit=5', headers: AUTH })).body)
    assert.equal(five.count, 12)
    assert.equal(five.results.length, 5)
    const zero = JSON.parse((await httpRequest(t, { path: '/pins?limit=0', headers: AUTH })).body)
    assert.deepEqual(zero, { count: 12, results: [] })
  })

  it('GET /pins filters by status, name, meta, before and after', async () => {
    await pinned(CID1, { name: 'Alpha-One', metadata: { env: 'prod', team: 'a' } })
    await pinned(CID2, { name: 'beta', metadata: { env: 'dev' } })
    const names = async (query: string): Promise<string[]> => {
      const r = await httpRequest(t, { path: `/pins${query}`, headers: AUTH })
      assert.equal(r.status, 200, query)
      return (JSON.parse(r.body) as { results: Array<{ pin: { name: string } }> }).results.map((x) => x.pin.name).sort()
    }
    assert.deepEqual(await names('?name=alpha-one'), [])
    assert.deepEqual(await names('?name=Alpha-One'), ['Alpha-One'])
    assert.deepEqual(await names('?name=alpha-one&match=iexact'), ['Alpha-One'])
    assert.deepEqual(await names('?name=pha&match=partial'), ['Alpha-One'])
    assert.deepEqual(await names('?name=A&match=ipartial'), ['Alpha-One', 'beta'])
    assert.deepEqual(await names('?name=A&match=weird'), [])
    assert.deepEqual(await names(`?meta=${encodeURIComponent('{"env":"prod"}')}`), ['Alpha-One'])
    assert.deepEqual(await names(`?meta=${encodeURIComponent('{"team":""}')}`), ['beta'])
    assert.deepEqual(await names('?after=2026-05-11T08:17:41Z'), ['Alpha-One', 'beta'])
    assert.deepEqual(await names('?after=2026-05-11T08:17:42Z'), [])
    assert.deepEqual(await names('?before=2026-05-11T08:17:41Z'), [])
    fake.calls.length = 0
    assert.deepEqual(await names('?status=pinned,failed'), ['Alpha-One', 'beta'])
    assert.deepEqual(await names('?status=queued'), [])
    assert.deepEqual(fake.callsOf('statusAll').map((a) => a[0]), [TrackerStatus.Pinned | 2 | 4 | 8, TrackerStatus.PinQueued])
  })

  it('GET /pins?cid= asks for each CID and applies no other filter', async () => {
    await pinned(CID1, { name: 'one' })
    const r = await httpRequest(t, { path: `/pins?cid=${CID1},${CID2}&name=nomatch&status=failed`, headers: AUTH })
    const body = JSON.parse(r.body) as { count: number, results: Array<{ requestid: string, status: string }> }
    assert.equal(body.count, 1)
    assert.deepEqual(body.results.map((x) => [x.requestid, x.status]), [[CID1, 'pinned']])
    fake.statusFailures.set(CID2, new RPCError('peer down'))
    const failed = await httpRequest(t, { path: `/pins?cid=${CID1},${CID2}`, headers: AUTH })
    assert.equal(failed.status, 500)
    assert.equal(failed.body, '{"error":{"reason":"peer down"}}\n')
  })

  it('GET /pins refuses bad query parameters', async () => {
    const cases: Array<[string, RegExp]> = [
      ['cid=nope', /^error decoding cid nope: /],
      [`name=${'n'.repeat(256)}`, /^error in 'name' query param: longer than 255 chars$/],
      ['status=bogus', /^error decoding 'status' query param: no valid filter$/],
      ['before=yesterday', /^error decoding 'before' query param: yesterday: /],
      ['after=1', /^error decoding 'after' query param: 1: /],
      ['limit=-1', /^error parsing 'limit' query param: -1: strconv.ParseUint: parsing "-1": invalid syntax$/],
      ['meta=%7Bbad', /^error unmarshalling 'meta' query param: \{bad: /],
      ['meta=%5B1%5D', /^error unmarshalling 'meta' query param: \[1\]: /]
    ]
    for (const [query, re] of cases) {
      const r = await httpRequest(t, { path: `/pins?${query}`, headers: AUTH })
      assert.equal(r.status, 400, query)
      assert.match(JSON.parse(r.body).error.reason, re, query)
    }
  })

  it('uses the pinning service error body for auth, 404 and token', async () => {
    const anon = await httpRequest(t, { path: '/pins' })
    assert.equal(anon.status, 401)
    assert.equal(anon.body, '{"error":{"reason":"unauthorized: no auth provided"}}\n')
    assert.equal(headerValues(anon, 'WWW-Authenticate').length, 2)
    const badToken = await httpRequest(t, { path: '/pins', headers: { Authorization: 'Bearer nope' } })
    assert.equal(badToken.body, '{"error":{"reason":"unauthorized: invalid token"}}\n')
    const nf = await httpRequest(t, { path: '/nope', headers: AUTH })
    assert.equal(nf.status, 404)
    assert.equal(nf.body, '{"error":{"reason":"not found"}}\n')
    const tok = await httpRequest(t, { method: 'POST', path: '/token', headers: { Authorization: 'Basic ' + Buffer.from('kubo:pw').toString('base64') } })
    assert.equal(tok.body, json({ token: signToken('kubo', 'pw') }))
    const health = await httpRequest(t, { path: '/health' })
    assert.equal(health.status, 204)
    const m = await httpRequest(t, { method: 'PUT', path: '/pins', headers: AUTH })
    assert.equal(m.status, 405)
  })
})
