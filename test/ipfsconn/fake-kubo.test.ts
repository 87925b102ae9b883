import '../../src/polyfill.js'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import http from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, it } from 'node:test'
import v8 from 'node:v8'
import vm from 'node:vm'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { FakeKubo, FIXTURES } from '../fakes/fake-kubo.js'
import { cidStrings } from '../helpers/cid-strings.js'
import { waitFor } from '../helpers/wait-for.js'

interface Answer {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
  trailers: Record<string, string | undefined>
}

async function request (base: string, path: string, opts: { method?: string, headers?: Record<string, string>, body?: Buffer } = {}): Promise<Answer> {
  return await new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method: opts.method ?? 'POST', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), trailers: res.trailers }) })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(opts.body)
  })
}

function multipart (parts: Uint8Array[]): { contentType: string, body: Buffer } {
  const b = 'XyZboundary'
  const chunks: Buffer[] = []
  for (const p of parts) {
    chunks.push(Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\nContent-Type: application/octet-stream\r\n\r\n`), Buffer.from(p), Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${b}--\r\n`))
  return { contentType: `multipart/form-data; boundary=${b}`, body: Buffer.concat(chunks) }
}

const fakes: FakeKubo[] = []
afterEach(async () => {
  for (const f of fakes.splice(0)) await f.stop()
})

async function start (opts: ConstructorParameters<typeof FakeKubo>[0] = {}): Promise<FakeKubo> {
  const f = new FakeKubo(opts)
  await f.start()
  fakes.push(f)
  return f
}

describe('fake Kubo', () => {
  it('sets the mock headers and CORS like the Go mock', async () => {
    const f = await start()
    const before = Math.floor(Date.now() / 1000)
    const r = await request(f.url, '/api/v0/version', { headers: { Origin: 'myorigin' } })
    assert.equal(r.status, 200)
    assert.deepEqual(JSON.parse(r.body), { Version: 'm.o.c.k' })
    assert.equal(r.headers['x-custom-header'], '42')
    assert.equal(r.headers.server, 'ipfs-mock')
    const now = Number(r.headers['x-time-now'])
    assert.ok(now >= before && now <= before + 2)
    assert.equal(r.headers['access-control-allow-origin'], 'myorigin')
    assert.equal(r.headers['access-control-allow-credentials'], 'true')
    assert.equal(r.headers['access-control-expose-headers'], 'X-Stream-Output, X-Chunked-Output, X-Content-Length')

    const other = await request(f.url, '/api/v0/version', { headers: { Origin: 'elsewhere' } })
    assert.equal(other.headers['access-control-allow-origin'], undefined)

    const pre = await request(f.url, '/api/v0/pin/ls', { method: 'OPTIONS', headers: { Origin: 'myorigin', 'Access-Control-Request-Method': 'POST' } })
    assert.equal(pre.status, 204)
    assert.equal(pre.headers['access-control-allow-origin'], 'myorigin')
    assert.equal(pre.headers['access-control-allow-methods'], 'POST')
    assert.equal(pre.headers['access-control-allow-credentials'], 'true')
    assert.equal(pre.headers['x-custom-header'], undefined, 'preflights are answered by the CORS layer')

    const badPre = await request(f.url, '/api/v0/pin/ls', { method: 'OPTIONS', headers: { Origin: 'myorigin', 'Access-Control-Request-Method': 'GET' } })
    assert.equal(badPre.status, 204)
    assert.equal(badPre.headers['access-control-allow-origin'], undefined)
    assert.equal(f.count('pin/ls'), 0)
  })

  it('counts requests per endpoint, takes the arg from the path, fails like the mock', async () => {
    const f = await start()
    await request(f.url, `/api/v0/pin/add/${FIXTURES.Cid1}`)
    assert.equal(f.count('pin/add'), 1)
    assert.equal(f.pinMode(FIXTURES.Cid1), 'recursive')
    await request(f.url, `/api/v0/pin/add?arg=${FIXTURES.Cid2}&type=direct`)
    assert.equal(f.pinMode(FIXTURES.Cid2), 'direct')
    await request(f.url, `/api/v0/pin/add?arg=${FIXTURES.Cid3}&recursive=false`)
    assert.equal(f.pinMode(FIXTURES.Cid3), 'direct')
    assert.equal(f.count('pin/add'), 3)

    const err = await request(f.url, `/api/v0/pin/add?arg=${FIXTURES.ErrorCid}`)
    assert.deepEqual([err.status, err.body], [500, ''])
    assert.deepEqual([(await request(f.url, '/api/v0/pin/add')).status, (await request(f.url, '/api/v0/pin/add?arg=nope')).status], [500, 500])
    const unknown = await request(f.url, '/api/v0/nope')
    assert.deepEqual([unknown.status, unknown.body], [404, ''])
    assert.equal(f.count('nope'), 1)
  })

  it('answers the fixed endpoints', async () => {
    const f = await start()
    f.addPin(FIXTURES.Cid1)
    f.addPin(FIXTURES.Cid2, 'direct')
    const json = async (path: string): Promise<unknown> => JSON.parse((await request(f.url, `/api/v0/${path}`)).body)
    assert.deepEqual(await json('id'), { ID: FIXTURES.PeerID1, Addresses: ['/ip4/0.0.0.0/tcp/1234', '/ip6/::/tcp/1234'] })
    assert.deepEqual(await json('swarm/peers'), { Peers: [{ Peer: FIXTURES.PeerID4 }, { Peer: FIXTURES.PeerID5 }] })
    assert.deepEqual(await json(`swarm/connect?arg=${encodeURIComponent(`/ip4/1.2.3.4/tcp/1/p2p/${FIXTURES.PeerID4}`)}`), { Strings: [`connect ${FIXTURES.PeerID4} success`] })
    assert.deepEqual(await json('repo/stat'), { RepoSize: 2000, NumObjects: 2, StorageMax: 10000000000 })
    assert.deepEqual(await json('repo/stat?size-only=true'), { RepoSize: 2000, NumObjects: 0, StorageMax: 10000000000 })
    assert.deepEqual(await json('config/show'), { Datastore: { StorageMax: '10G' } })
    assert.deepEqual(await json('resolve?arg=/ipfs/x/y'), { Path: `/ipfs/${FIXTURES.CidResolved}` })
    assert.deepEqual(await json(`refs?arg=${FIXTURES.Cid1}`), { Ref: FIXTURES.Cid1, Err: '' })
    assert.deepEqual(await json(`pin/update?arg=${FIXTURES.Cid1}&arg=${FIXTURES.Cid3}`), { Pins: [FIXTURES.Cid1, FIXTURES.Cid3] })
    assert.equal(f.pinMode(FIXTURES.Cid3), 'recursive')
    const upd = await request(f.url, `/api/v0/pin/update?arg=${FIXTURES.Cid2}&arg=${FIXTURES.Cid3}`)
    assert.deepEqual([upd.status, JSON.parse(upd.body).Message], [500, "'from' cid was not recursively pinned already"])
    const gc = (await request(f.url, '/api/v0/repo/gc')).body.trim().split('\n').map((l) => JSON.parse(l))
    assert.deepEqual(gc, [
      { Key: { '/': FIXTURES.Cid1 } }, { Key: { '/': FIXTURES.Cid2 } }, { Key: { '/': FIXTURES.Cid3 } }, { Key: { '/': FIXTURES.Cid4 } },
      { Key: null, Error: 'no link by that name' }
    ])
    assert.deepEqual(await json(`pin/rm?arg=${FIXTURES.Cid1}`), { Pins: [FIXTURES.Cid1] })
    assert.equal(f.pinMode(FIXTURES.Cid1), undefined)
  })

  it('pin/ls: concatenated stream, Keys map, type filter, not pinned, Cid4 in base58btc', async () => {
    const f = await start()
    f.addPin(FIXTURES.Cid1)
    f.addPin(FIXTURES.Cid2, 'direct')
    f.addPin(FIXTURES.Cid4)
    const s = await request(f.url, '/api/v0/pin/ls?stream=true')
    assert.equal(s.body, `{"Cid":"${FIXTURES.Cid1}","Type":"recursive"}{"Cid":"${FIXTURES.Cid2}","Type":"direct"}{"Cid":"${FIXTURES.Cid4}","Type":"recursive"}`)
    assert.equal(s.headers['x-chunked-output'], '1')
    assert.equal((await request(f.url, '/api/v0/pin/ls?stream=true&type=direct')).body, `{"Cid":"${FIXTURES.Cid2}","Type":"direct"}`)
    assert.deepEqual(JSON.parse((await request(f.url, '/api/v0/pin/ls?type=recursive')).body), { Keys: { [FIXTURES.Cid1]: { Type: 'recursive' }, [FIXTURES.Cid4]: { Type: 'recursive' } } })
    assert.equal((await request(f.url, `/api/v0/pin/ls?stream=true&arg=${FIXTURES.Cid4}`)).body, `{"Cid":"${FIXTURES.Cid4Base58}","Type":"recursive"}`)
    const np = await request(f.url, `/api/v0/pin/ls?stream=true&arg=${FIXTURES.Cid3}`)
    assert.deepEqual([np.status, JSON.parse(np.body)], [500, { Message: `path '${FIXTURES.Cid3}' is not pinned`, Code: 0, Type: 'error' }])
  })

  it('block/put stores real CIDs of the requested codec and hash; block/get and dag/put', async () => {
    const f = await start()
    const parts = [new TextEncoder().encode('one'), new TextEncoder().encode('two')]
    const mp = multipart(parts)
    const r = await request(f.url, '/api/v0/block/put?cid-codec=dag-cbor&mhtype=sha2-256&mhlen=32&pin=false', { headers: { 'Content-Type': mp.contentType }, body: mp.body })
    const expected = await Promise.all(parts.map(async (p) => CID.createV1(0x71, await sha256.digest(p)).toString()))
    assert.equal(r.status, 200)
    assert.equal(r.headers.trailer, 'X-Stream-Error')
    assert.equal(r.body, expected.map((k) => JSON.stringify({ Key: k })).join(''))
    assert.equal(r.trailers['x-stream-error'], undefined)
    const got = await request(f.url, `/api/v0/block/get?arg=${expected[1]}`)
    assert.equal(got.body, 'two')

    const blake = await request(f.url, '/api/v0/block/put?mhtype=blake2b-256', { headers: { 'Content-Type': mp.contentType }, body: mp.body })
    const k = JSON.parse(blake.body.slice(0, blake.body.indexOf('}') + 1)).Key as string
    assert.equal(CID.parse(k).code, 0x55)
    assert.equal(CID.parse(k).multihash.code, 0xb220)

    const bad = await request(f.url, '/api/v0/block/put?mhtype=sha2-256&mhlen=20', { headers: { 'Content-Type': mp.contentType }, body: mp.body })
    assert.equal(bad.body, '')
    assert.equal(bad.trailers['x-stream-error'], 'unsupported mhlen 20 for sha2-256')
    assert.equal((await request(f.url, '/api/v0/block/put', { body: Buffer.from('x') })).status, 500)

    const dag = await request(f.url, '/api/v0/dag/put', { headers: { 'Content-Type': mp.contentType }, body: mp.body })
    const dagCid = CID.createV1(0x0129, await sha256.digest(parts[0])).toString()
    assert.ok(dag.body.startsWith(JSON.stringify({ Cid: { '/': dagCid } })))
  })

  it('streams a million pins without buffering them', async () => {
    v8.setFlagsFromString('--expose-gc')
    const gc = vm.runInNewContext('gc') as () => void
    const f = await start({ recordRequests: 0, streamSeparator: '\n' })
    const total = 1000000
    const sample = [...cidStrings(3)]
    assert.equal(CID.parse(sample[1]).toString(), sample[1], 'canonical CID strings')
    f.loadPins(cidStrings(total))
    assert.equal(f.pinCount, total)
    gc()
    const baseline = process.memoryUsage().heapUsed
    let maxGrowth = 0
    let lines = 0
    let received = 0
    let nextCheck = 100000
    await new Promise<void>((resolve, reject) => {
      const req = http.request(`${f.url}/api/v0/pin/ls?stream=true&type=recursive`, { method: 'POST' }, (res) => {
        res.on('data', (c: Buffer) => {
          received += c.length
          for (let i = c.indexOf(10); i !== -1; i = c.indexOf(10, i + 1)) lines++
          if (lines >= nextCheck) {
            nextCheck += 300000
            gc()
            maxGrowth = Math.max(maxGrowth, process.memoryUsage().heapUsed - baseline)
          }
        })
        res.on('end', resolve)
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end()
    })
    assert.equal(lines, total)
    assert.ok(received > 70 * total)
    assert.ok(maxGrowth < 16 * 1024 * 1024, `heap grew by ${maxGrowth} bytes while streaming ${received} bytes`)
  })

  it('runs as its own process', async () => {
    const main = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fakes', 'fake-kubo-main.js')
    const child = spawn(process.execPath, [main, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString() })
    try {
      const line = await waitFor(() => /^listening on (\/ip4\/127\.0\.0\.1\/tcp\/(\d+))\n/.exec(out), { timeout: 10000 })
      const r = await request(`http://127.0.0.1:${line[2]}`, '/api/v0/id')
      assert.equal(JSON.parse(r.body).ID, FIXTURES.PeerID1)
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      assert.equal(await exited, 0)
    }
  })
})
