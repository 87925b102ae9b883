import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { toJSONText } from '../../src/api/json.js'
import { createClient, parseApiAddress, resolveApiAddress } from '../../src/client/index.js'
import { createLogger } from '../../src/logging/index.js'
import { FakeRestServer, sendError, sendJSON } from '../fakes/fake-rest-server.js'
import { CID1, CID2, CID_V1, gpi, idNode0, IPFS_PEER, PEER, PEER2, storedPin, submittedPin } from '../fakes/rest-fixtures.js'
import { selfSignedCert } from '../fakes/self-signed-cert.js'
import type { RestClient } from '../../src/client/index.js'

/** A port nothing listens on (bound then closed). */
async function deadPort (): Promise<number> {
  const srv = net.createServer()
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
  const port = (srv.address() as net.AddressInfo).port
  await new Promise<void>((resolve) => srv.close(() => { resolve() }))
  return port
}

async function collect<T> (it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

describe('client: requests and responses', () => {
  let server: FakeRestServer
  let client: RestClient

  before(async () => {
    server = await FakeRestServer.start()
    client = createClient({ hosts: [server.multiaddr] })
  })

  after(async () => {
    client.close()
    await server.stop()
  })

  afterEach(() => {
    server.requests.length = 0
  })

  it('GET /id, normalised to the Go key order (case-insensitive, unknown fields dropped)', async () => {
    const raw = idNode0()
    // shuffled keys, an unknown key, a differently-cased key
    server.json('GET', '/id', { Peername: raw.peername, extra: 1, ipfs: raw.ipfs, id: raw.id, addresses: raw.addresses, cluster_peers: raw.cluster_peers, version: raw.version, rpc_protocol_version: raw.rpc_protocol_version })
    const id = await client.id()
    assert.equal(toJSONText(id), JSON.stringify({
      id: PEER,
      addresses: raw.addresses,
      cluster_peers: [PEER],
      cluster_peers_addresses: null,
      version: '1.1.6',
      commit: '',
      rpc_protocol_version: '/ipfscluster/1.0/rpc',
      error: '',
      ipfs: { id: IPFS_PEER, addresses: [`/ip4/127.0.0.1/tcp/4001/p2p/${IPFS_PEER}`], error: '' },
      peername: 'node0'
    }))
    assert.equal(server.requests[0].method, 'GET')
    assert.equal(server.requests[0].url, '/id')
    assert.equal(server.requests[0].headers.authorization, undefined)
  })

  it('normalises CIDs, times and maps like a Go decode/encode round trip', async () => {
    server.json('GET', `/allocations/${CID_V1}`, storedPin('zb2rhWjjjR1YQVgT6A1hLP15hkKFnABULM6znZZQQ448TjfSD', {
      timestamp: '2026-05-11T10:17:41.500000000+00:00',
      expire_at: '2026-06-01T00:00:00+02:00',
      metadata: { z: '1', a: '2' }
    }))
    const pin = await client.allocation(CID_V1)
    assert.equal(pin.cid, 'bafkreiabmxuv6ktfam5xyvyj4uombmgzjg7mqpfvd2qppyldwfiel4i53y')
    assert.equal(pin.timestamp, '2026-05-11T10:17:41.5Z')
    assert.equal(pin.expire_at, '2026-06-01T00:00:00+02:00')
    assert.deepEqual(Object.keys(pin.metadata ?? {}), ['a', 'z'])
  })

  it('GET /version', async () => {
    server.json('GET', '/version', { version: '1.1.6' })
    assert.deepEqual(await client.version(), { version: '1.1.6' })
  })

  it('streams GET /peers and reports X-Stream-Error trailers as code 500', async () => {
    const peer2 = { ...idNode0(), id: PEER2, peername: 'node1' }
    server.stream('GET', '/peers', [idNode0(), peer2], ['peer X unreachable', 'peer Y unreachable'])
    const got: string[] = []
    await assert.rejects(async () => {
      for await (const p of client.peers()) got.push(p.id)
    }, { name: 'ApiError', code: 500, message: 'peer X unreachable; peer Y unreachable' })
    assert.deepEqual(got, [PEER, PEER2])
  })

  it('ignores empty X-Stream-Error values and handles 204 as an empty stream', async () => {
    server.stream('GET', '/peers', [idNode0()])
    assert.equal((await collect(client.peers())).length, 1)
    server.stream('GET', '/peers', [])
    assert.deepEqual(await collect(client.peers()), [])
  })

  it('decodes streams incrementally (items arrive before the response ends)', async () => {
    let release!: () => void
    const released = new Promise<void>((resolve) => { release = resolve })
    server.on('GET', '/allocations', async (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', Trailer: 'X-Stream-Error' })
      const second = JSON.stringify(storedPin(CID2))
      res.write(JSON.stringify(storedPin(CID1)) + '\n' + second.slice(0, 20))
      await released
      res.write(second.slice(20) + '\n')
      res.addTrailers({ 'X-Stream-Error': '' })
      res.end()
    })
    const cids: Array<string | null> = []
    for await (const pin of client.allocations()) {
      cids.push(pin.cid)
      if (cids.length === 1) release()
    }
    assert.deepEqual(cids, [CID1, CID2])
  })

  it('accepts concatenated and pretty-printed JSON values in streams', async () => {
    server.on('GET', '/allocations', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify(storedPin(CID1)) + JSON.stringify(storedPin(CID2), null, 2) + '\n')
    })
    assert.deepEqual((await collect(client.allocations())).map((p) => p.cid), [CID1, CID2])
  })

  it('parses JSON error bodies and keeps raw bodies otherwise', async () => {
    server.on('GET', `/allocations/${CID1}`, (_req, res) => { sendError(res, 404, 'pin is not part of the pinset') })
    await assert.rejects(client.allocation(CID1), { name: 'ApiError', code: 404, message: 'pin is not part of the pinset' })
    server.on('GET', '/version', (_req, res) => {
      res.writeHead(502, { 'Content-Type': 'text/plain' })
      res.end('bad gateway\n')
    })
    await assert.rejects(client.version(), { name: 'ApiError', code: 502, message: 'bad gateway\n' })
    server.on('GET', '/peers', (_req, res) => { sendError(res, 500, 'crdt consensus component cannot remove peers') })
    await assert.rejects(collect(client.peers()), { name: 'ApiError', code: 500, message: 'crdt consensus component cannot remove peers' })
    server.on('GET', '/allocations', (_req, res) => {
      res.writeHead(302, { Location: '/elsewhere' })
      res.end()
    })
    await assert.rejects(collect(client.allocations()), { name: 'ApiError', code: 302, message: 'expected streaming response with code 200/204' })
  })

  it('builds pin requests like the Go client (paths, sorted query, metadata, expiry)', async () => {
    server.on('POST', /^\/pins\//, (_req, res) => { sendJSON(res, 200, submittedPin(CID1)) })
    await client.pinPath(CID1, {
      replicationFactorMin: 1,
      replicationFactorMax: 2,
      name: ' docs ',
      mode: 'direct',
      userAllocations: [PEER, PEER2],
      expireAt: new Date('2030-01-02T03:04:05Z'),
      metadata: { kind: 'text', 'a b': 'c&d' }
    })
    const r = server.requests[0]
    assert.equal(r.path, `/pins/ipfs/${CID1}`)
    const expireAt = new URLSearchParams(r.rawQuery).get('expire-at') ?? ''
    assert.equal(new Date(expireAt).toISOString(), '2030-01-02T03:04:05.000Z')
    assert.equal(r.rawQuery,
      `expire-at=${encodeURIComponent(expireAt).replace(/%20/g, '+')}&meta-a+b=c%26d&meta-kind=text&mode=direct&name=docs&replication-max=2&replication-min=1&shard-size=0&user-allocations=${PEER}%2C${PEER2}`)
    await client.pinPath(`/ipfs/${CID1}/sub dir/x`, { pinUpdate: CID2 })
    assert.equal(server.requests[1].path, `/pins/ipfs/${CID1}/sub%20dir/x`)
    assert.equal(server.requests[1].rawQuery, `mode=recursive&name=&pin-update=${CID2}&replication-max=0&replication-min=0&shard-size=0&user-allocations=`)
    await client.pinPath('/ipns/example.com')
    assert.equal(server.requests[2].path, '/pins/ipns/example.com')
    await client.pin(CID1)
    assert.equal(server.requests[3].path, `/pins/${CID1}`)
  })

  it('rejects invalid IPFS paths locally', async () => {
    await assert.rejects(client.pinPath('XXXinvalid-CIDXXX'), { name: 'InvalidArgumentError', message: /^invalid path "\/ipfs\/XXXinvalid-CIDXXX": invalid cid/ })
    await assert.rejects(client.pinPath('/foo/bar'), { name: 'InvalidArgumentError', message: 'invalid path "/foo/bar": unknown namespace "foo"' })
    await assert.rejects(client.unpinPath(''), { name: 'InvalidArgumentError', message: 'invalid path "/ipfs/": path does not have enough components' })
    assert.equal(server.requests.length, 0)
  })

  it('builds unpin, allocations, status, recover, gc, metrics and peers requests', async () => {
    server.on('DELETE', /^\/pins\//, (_req, res) => { sendJSON(res, 200, storedPin(CID1)) })
    server.stream('GET', '/allocations', [])
    server.json('GET', `/pins/${CID1}`, gpi(CID1, 'pinned'))
    server.stream('GET', '/pins', [gpi(CID1, 'pinned'), gpi(CID2, 'pinned')])
    server.json('POST', `/pins/${CID1}/recover`, gpi(CID1, 'pinned'))
    server.stream('POST', '/pins/recover', [])
    server.json('POST', '/ipfs/gc', { peer_map: {} })
    server.json('GET', '/monitor/metrics/tag:group', [])
    server.json('GET', '/monitor/metrics', ['ping', 'freespace'])
    server.json('GET', '/health/alerts', [])
    server.json('GET', '/health/bandwidth', null)
    server.on('DELETE', `/peers/${PEER2}`, (_req, res) => { res.writeHead(204); res.end() })
    server.json('POST', '/peers', idNode0())
    server.on('GET', '/health', (_req, res) => { res.writeHead(204); res.end() })

    await client.unpinPath(`/ipfs/${CID1}`)
    await client.unpin(CID1)
    await collect(client.allocations())
    await collect(client.allocations(2 | 4))
    await collect(client.allocations(1))
    assert.equal((await client.status(CID1, true)).cid, CID1)
    assert.equal((await collect(client.statusCids([CID1, CID2]))).length, 2)
    await collect(client.statusAll())
    await collect(client.statusAll(16 | 2 | 4 | 8, true))
    await client.recover(CID1)
    await collect(client.recoverAll(true))
    await client.repoGC(true)
    assert.deepEqual(await client.metrics('tag:group'), [])
    assert.deepEqual(await client.metricNames(), ['ping', 'freespace'])
    assert.deepEqual(await client.alerts(), [])
    assert.equal(await client.bandwidthByProtocol(), null)
    await client.peerRm(PEER2)
    await client.peerAdd(PEER2)
    await client.health()

    assert.deepEqual(server.requests.map((r) => `${r.method} ${r.url}`), [
      `DELETE /pins/ipfs/${CID1}`,
      `DELETE /pins/${CID1}`,
      'GET /allocations?filter=all',
      'GET /allocations?filter=pin%2Cmeta-pin',
      'GET /allocations?filter=',
      `GET /pins/${CID1}?local=true`,
      `GET /pins?local=false&filter=&cids=${CID1},${CID2}`,
      'GET /pins?local=false&filter=&cids=',
      'GET /pins?local=true&filter=cluster_error%2Cpin_error%2Cunpin_error%2Cpinned&cids=',
      `POST /pins/${CID1}/recover?local=false`,
      'POST /pins/recover?local=true',
      'POST /ipfs/gc?local=true',
      'GET /monitor/metrics/tag:group',
      'GET /monitor/metrics',
      'GET /health/alerts',
      'GET /health/bandwidth',
      `DELETE /peers/${PEER2}`,
      'POST /peers',
      'GET /health'
    ])
    const addPeer = server.requests.find((r) => r.url === '/peers')
    assert.equal(addPeer?.body.toString(), `{"peer_id":"${PEER2}"}\n`)
    assert.equal(addPeer?.headers['content-type'], undefined)
  })

  it('keeps int64 metric fields exact', async () => {
    server.on('GET', '/monitor/metrics/freespace', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(`[{"name":"freespace","peer":"${PEER}","value":"10000000000","expire":1778487461123456789,"valid":true,"weight":10000000000,"partitionable":false,"received_at":1778487431123456789}]\n`)
    })
    const [m] = await client.metrics('freespace')
    assert.equal(m.expire, 1778487461123456789n)
    assert.equal(toJSONText(m), `{"name":"freespace","peer":"${PEER}","value":"10000000000","expire":1778487461123456789,"valid":true,"weight":10000000000,"partitionable":false,"received_at":1778487431123456789}`)
  })

  it('reports a decoding failure of a success body with the HTTP status', async () => {
    server.on('GET', '/id', (_req, res) => {
      res.writeHead(200)
      res.end('not json')
    })
    await assert.rejects(client.id(), { name: 'ApiError', code: 200 })
  })
})

describe('client: transport', () => {
  const servers: FakeRestServer[] = []
  const clients: RestClient[] = []
  const start = async (init = {}): Promise<FakeRestServer> => {
    const s = await FakeRestServer.start(init)
    servers.push(s)
    return s
  }
  const open = (init: Parameters<typeof createClient>[0]): RestClient => {
    const c = createClient(init)
    clients.push(c)
    return c
  }

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close()
    for (const s of servers.splice(0)) await s.stop()
  })

  it('reports connection refused as code 0 with the Go message', async () => {
    const port = await deadPort()
    const c = open({ hosts: [`/ip4/127.0.0.1/tcp/${port}`] })
    await assert.rejects(c.id(), { name: 'ApiError', code: 0, message: `Get "http://127.0.0.1:${port}/id": dial tcp 127.0.0.1:${port}: connect: connection refused` })
    await assert.rejects(collect(c.peers()), { name: 'ApiError', code: 0 })
  })

  it('fails over to the next host on transport errors only', async () => {
    const port = await deadPort()
    const live = await start()
    live.json('GET', '/id', idNode0())
    const c = open({ hosts: [`/ip4/127.0.0.1/tcp/${port}`, live.multiaddr] })
    assert.equal((await c.id()).id, PEER)
    live.stream('GET', '/peers', [idNode0()])
    assert.equal((await collect(c.peers())).length, 1)

    const failing = await start()
    failing.on('GET', '/id', (_req, res) => { sendError(res, 500, 'boom') })
    const other = await start()
    other.json('GET', '/id', idNode0())
    const c2 = open({ hosts: [failing.multiaddr, other.multiaddr] })
    await assert.rejects(c2.id(), { code: 500, message: 'boom' })
    assert.equal(other.requests.length, 0)
  })

  it('times out requests (code 0)', async () => {
    const s = await start()
    s.on('GET', '/id', async () => { await new Promise((resolve) => setTimeout(resolve, 5000)) })
    const c = open({ hosts: [s.multiaddr], timeout: 100 })
    const t0 = Date.now()
    await assert.rejects(c.id(), { code: 0, message: /Client\.Timeout exceeded while awaiting headers/ })
    assert.ok(Date.now() - t0 < 3000)
  })

  it('talks HTTPS with a self-signed certificate when verification is off or the CA is given', async () => {
    const tls = selfSignedCert()
    const s = await start({ tls })
    s.json('GET', '/id', idNode0())
    assert.equal((await open({ hosts: [s.multiaddr], ssl: true, noVerifyCert: true }).id()).id, PEER)
    assert.equal((await open({ hosts: [s.multiaddr], ssl: true, ca: tls.cert }).id()).id, PEER)
    await assert.rejects(open({ hosts: [s.multiaddr], ssl: true }).id(), { code: 0, message: /certificate signed by unknown authority/ })
  })

  it('fails (code 0) when HTTPS is used against a plain HTTP server', async () => {
    const s = await start()
    s.json('GET', '/id', idNode0())
    await assert.rejects(open({ hosts: [s.multiaddr], ssl: true, noVerifyCert: true }).id(), { code: 0 })
  })

  it('sends basic auth; credentials imply HTTPS unless forceHttp, with a warning', async () => {
    const s = await start({ basicAuth: { testuser: 'testpass' } })
    s.json('GET', '/id', idNode0())
    const lines: string[] = []
    const logger = createLogger({ sink: (l) => lines.push(l) })
    await assert.rejects(open({ hosts: [s.multiaddr], username: 'testuser', password: 'testpass', logger }).id(), { code: 0 })
    assert.match(lines[0], /\tWARN\tapiclient\tSSL automatically enabled with basic auth credentials\. Set "force-http" to disable$/)
    assert.equal((await open({ hosts: [s.multiaddr], username: 'testuser', password: 'testpass', forceHttp: true }).id()).id, PEER)
    assert.equal(s.requests.at(-1)?.headers.authorization, 'Basic ' + Buffer.from('testuser:testpass').toString('base64'))
    await assert.rejects(open({ hosts: [s.multiaddr], username: 'testuser', password: 'bad', forceHttp: true }).id(), { code: 401, message: 'unauthorized: access denied' })
    await assert.rejects(open({ hosts: [s.multiaddr] }).id(), { code: 401, message: 'unauthorized: no auth provided' })
  })

  it('works over HTTPS with basic auth', async () => {
    const s = await start({ tls: selfSignedCert(), basicAuth: { testuser: 'testpass' } })
    s.json('GET', '/id', idNode0())
    assert.equal((await open({ hosts: [s.multiaddr], username: 'testuser', password: 'testpass', noVerifyCert: true }).id()).id, PEER)
  })

  it('talks HTTP over a unix socket', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ctl-unix-'))
    try {
      const s = await start({ socketPath: join(dir, 'api.sock') })
      s.json('GET', '/id', idNode0())
      assert.equal(s.multiaddr, `/unix${join(dir, 'api.sock')}`)
      assert.equal((await open({ hosts: [s.multiaddr] }).id()).id, PEER)
      await assert.rejects(open({ hosts: [`/unix${join(dir, 'missing.sock')}`] }).id(), { code: 0, message: /dial unix .*missing\.sock: connect: no such file or directory/ })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('resolves DNS endpoints and uses DNS names directly', async () => {
    const s = await start()
    s.json('GET', '/id', idNode0())
    const resolved = await resolveApiAddress(parseApiAddress(`/dns4/localhost/tcp/${s.port}`))
    assert.deepEqual(resolved.map((a) => a.multiaddr), [`/ip4/127.0.0.1/tcp/${s.port}`])
    assert.equal((await open({ hosts: [`/dns4/localhost/tcp/${s.port}`] }).id()).id, PEER)
  })

  it('refuses libp2p endpoints (not supported yet) and bad multiaddrs', () => {
    assert.throws(() => createClient({ hosts: [`/ip4/127.0.0.1/tcp/9096/p2p/${PEER}`] }), { name: 'UnsupportedOperationError', message: /not supported/ })
    assert.throws(() => createClient({ hosts: ['/dnsaddr/example.com'] }), { name: 'UnsupportedOperationError' })
    assert.throws(() => createClient({ hosts: ['foo'] }), { name: 'InvalidArgumentError', message: 'failed to parse multiaddr "foo": must begin with /' })
    assert.throws(() => parseApiAddress('/ip4/300.1.1.1/tcp/1'), { message: /^failed to parse multiaddr "\/ip4\/300\.1\.1\.1\/tcp\/1": / })
  })
})
