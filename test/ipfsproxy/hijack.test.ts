/**
 * The hijacked calls of the IPFS proxy (HTTP spec §6.3–§6.9) against a fake
 * cluster, with a fake Kubo for the CORS/extracted headers and the
 * forwarded `block/put`/`dag/put`.
 */
import { describe, it, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { create as createDigest } from 'multiformats/hashes/digest'
import { PinType } from '../../src/api/enums.js'
import { IPFSError } from '../../src/errors.js'
import { FakeCluster, fakeCid } from '../fakes/fake-cluster.js'
import { FakeKubo } from '../fakes/fake-kubo.js'
import { httpRequest, ndjson, trailerValues, type HTTPResult } from '../helpers/http.js'
import { MULTIPART_CT, multipartBody } from '../helpers/multipart.js'
import { closedPort, proxyConfig, startProxy, type RunningProxy } from './helpers.js'
import { defaultPinOptions } from '../../src/api/json.js'
import type { Pin, PinOptions } from '../../src/api/types.js'

function cidOf (content: string | Buffer): string {
  return CID.createV1(raw.code, createDigest(0x12, createHash('sha256').update(content).digest())).toString()
}

function pinOpts (mode: 'recursive' | 'direct'): PinOptions {
  return { ...defaultPinOptions(), mode }
}

function kuboError (message: string): string {
  return JSON.stringify({ Message: message, Code: 0, Type: 'error' })
}

/** The own headers of every hijacked answer. */
function assertProxyHeaders (r: HTTPResult): void {
  assert.equal(r.headers['content-type'], 'application/json')
  assert.equal(r.headers.server, 'ipfs-cluster/ipfsproxy/1.1.6')
}

describe('IPFS proxy: hijacked calls', () => {
  const kubo = new FakeKubo()
  const cluster = new FakeCluster(3)
  let clock = 1_000_000
  let p: RunningProxy
  let timeNow = 0

  before(async () => {
    await kubo.start()
    p = await startProxy(cluster, proxyConfig(kubo.apiMultiaddr, { extractHeadersExtra: ['X-Custom-Header', 'X-Time-Now'], extractHeadersTTL: 60_000 }), { now: () => clock })
  })

  after(async () => {
    await p.stop()
    await kubo.stop()
  })

  beforeEach(() => {
    cluster.reset()
    kubo.resetCounters()
    // a version endpoint whose X-Time-Now counts the extraction requests
    kubo.override('version', (_req, res) => {
      res.setHeader('X-Time-Now', String(++timeNow))
      res.setHeader('Content-Type', 'application/json')
      res.end('{"Version":"m.o.c.k"}')
    })
  })

  const post = async (path: string, opts: { method?: string, headers?: Record<string, string>, body?: string | Buffer } = {}): Promise<HTTPResult> =>
    await httpRequest(p.target, { method: opts.method ?? 'POST', path, headers: opts.headers, body: opts.body })

  describe('headers (§6.3)', () => {
    it('copies CORS headers from an OPTIONS to the daemon, for the same path, origin and method', async () => {
      const cid = fakeCid('cors').toString()
      const allowed = await post(`/api/v0/pin/add?arg=${cid}`, { headers: { Origin: 'myorigin' } })
      assert.equal(allowed.status, 200)
      assert.equal(allowed.headers['access-control-allow-origin'], 'myorigin')
      assert.equal(allowed.headers['access-control-allow-credentials'], 'true')
      assert.equal(allowed.headers.vary, 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers')
      assertProxyHeaders(allowed)

      // the fake only allows POST from myorigin
      const get = await post(`/api/v0/pin/add?arg=${cid}`, { method: 'GET', headers: { Origin: 'myorigin' } })
      assert.equal(get.status, 200)
      assert.equal(get.headers['access-control-allow-origin'], undefined)
      assert.equal(get.headers['access-control-allow-credentials'], undefined)
      assert.equal(get.headers.vary, 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers')

      const other = await post(`/api/v0/pin/ls?arg=${cid}`, { headers: { Origin: 'elsewhere' } })
      assert.equal(other.headers['access-control-allow-origin'], undefined)
      assert.equal(other.status, 200)
    })

    it('extracts configured headers once per TTL (X-Custom-Header, X-Time-Now), and Server is ours', async () => {
      clock += 61_000 // whatever earlier tests cached has expired
      const first = await post('/api/v0/repo/stat')
      assert.equal(first.status, 200)
      assert.equal(first.headers['x-custom-header'], '42')
      const t1 = first.headers['x-time-now']
      assert.equal(kubo.count('version'), 1)
      assert.equal(kubo.requests.find((q) => q.path === 'version')?.method, 'POST')

      clock += 59_000
      const cached = await post('/api/v0/repo/stat')
      assert.equal(cached.headers['x-time-now'], t1, 'cached within the TTL')
      assert.equal(cached.headers['x-custom-header'], '42')
      assert.equal(kubo.count('version'), 1)
      assertProxyHeaders(cached)

      clock += 2_000
      const refreshed = await post('/api/v0/repo/stat')
      assert.equal(refreshed.headers['x-time-now'], String(Number(t1) + 1), 'refreshed after the TTL')
      assert.equal(kubo.count('version'), 2)
      // Access-Control-Expose-Headers is extracted too: the fake sends none without an allowed origin
      assert.equal(refreshed.headers['access-control-expose-headers'], undefined)
    })

    it('still answers when the daemon is down (no CORS, no extracted headers)', async () => {
      const down = await startProxy(cluster, proxyConfig(`/ip4/127.0.0.1/tcp/${await closedPort()}`, { extractHeadersExtra: ['X-Custom-Header'] }))
      try {
        const cid = fakeCid('down').toString()
        const r = await httpRequest(down.target, { method: 'POST', path: `/api/v0/pin/add?arg=${cid}`, headers: { Origin: 'myorigin' } })
        assert.equal(r.status, 200)
        assert.equal(r.body, `{"Pins":["${cid}"]}`)
        assert.equal(r.headers['access-control-allow-origin'], undefined)
        assert.equal(r.headers['x-custom-header'], undefined)
        assertProxyHeaders(r)
      } finally {
        await down.stop()
      }
    })
  })

  describe('pin/add, pin/rm (§6.4)', () => {
    it('pins a CID or a path, recursive unless type=direct (Kubo recursive=false ignored)', async () => {
      const cid = fakeCid('a').toString()
      const r = await post(`/api/v0/pin/add?arg=${cid}&recursive=false&progress=true`)
      assert.equal(r.status, 200)
      assert.equal(r.body, `{"Pins":["${cid}"]}`)
      assertProxyHeaders(r)
      const [path, opts] = cluster.callsOf('pinPath')[0] as [string, Pin]
      assert.equal(path, `/ipfs/${cid}`)
      assert.equal(opts.mode, 'recursive')
      assert.equal(opts.replicationFactorMin, 0)
      assert.equal(opts.name, '')

      const d = fakeCid('d').toString()
      const direct = await post(`/api/v0/pin/add?arg=/ipfs/${d}&type=direct`, { method: 'GET' })
      assert.equal(direct.status, 200)
      assert.equal(direct.body, `{"Pins":["${d}"]}`)
      assert.equal((cluster.callsOf('pinPath')[1][1] as Pin).mode, 'direct')
      assert.equal(cluster.pinset.get(d)?.mode, 'direct')
      assert.equal(kubo.count('pin/add'), 0, 'never forwarded')
    })

    it('takes the argument from the path segment (/pin/add/{arg}), replacing ?arg', async () => {
      const cid = fakeCid('slash').toString()
      const r = await post(`/api/v0/pin/add/${cid}?arg=ignored`, { method: 'PUT' })
      assert.equal(r.status, 200)
      assert.equal(r.body, `{"Pins":["${cid}"]}`)
      const rm = await post(`/api/v0/pin/rm/${cid}`)
      assert.equal(rm.body, `{"Pins":["${cid}"]}`)
      assert.equal(cluster.pinset.size, 0)
    })

    it('answers Kubo errors: bad paths, failures, unpinning something not pinned', async () => {
      const bad = await post('/api/v0/pin/add?arg=notacid')
      assert.equal(bad.status, 500)
      assert.equal(bad.body, kuboError('Error parsing IPFS Path: invalid path "notacid": path does not have enough components'))
      assertProxyHeaders(bad)
      const none = await post('/api/v0/pin/add')
      assert.equal(none.body, kuboError('Error parsing IPFS Path: invalid path "": path does not have enough components'))
      const ns = await post('/api/v0/pin/add?arg=/foo/bar')
      assert.equal(ns.body, kuboError('Error parsing IPFS Path: invalid path "/foo/bar": unknown namespace "foo"'))
      assert.equal(cluster.callsOf('pinPath').length, 0)

      const sub = fakeCid('sub').toString()
      const unresolved = await post(`/api/v0/pin/add?arg=/ipfs/${sub}/a/b`)
      assert.equal(unresolved.status, 500)
      assert.equal(unresolved.body, kuboError(`cannot resolve /ipfs/${sub}/a/b`))

      const rm = await post(`/api/v0/pin/rm?arg=${fakeCid('absent').toString()}`)
      assert.equal(rm.status, 500)
      assert.equal(rm.body, kuboError('pin is not part of the pinset'))

      cluster.failures.set('pin', new IPFSError('this is an expected error'))
      const failed = await post(`/api/v0/pin/add?arg=${sub}`)
      assert.equal(failed.status, 500)
      assert.equal(failed.body, kuboError('this is an expected error'))
    })
  })

  describe('pin/ls (§6.5)', () => {
    it('lists one pin, or says it is not pinned', async () => {
      const a = fakeCid('ls-a')
      const d = fakeCid('ls-d')
      await cluster.pin(a, pinOpts('recursive'))
      await cluster.pin(d, pinOpts('direct'))

      const one = await post(`/api/v0/pin/ls?arg=${d.toString()}`)
      assert.equal(one.status, 200)
      assert.equal(one.body, `{"Keys":{"${d.toString()}":{"Type":"recursive"}}}`, 'quirk #14: always recursive')
      assertProxyHeaders(one)
      const stream = await post(`/api/v0/pin/ls?arg=${d.toString()}&stream=true`)
      assert.equal(stream.body, `{"Cid":"${d.toString()}","Type":"direct"}`)
      const slash = await post(`/api/v0/pin/ls/${a.toString()}?s=true`)
      assert.equal(slash.body, `{"Cid":"${a.toString()}","Type":"recursive"}`)

      const missing = fakeCid('ls-missing').toString()
      const nf = await post(`/api/v0/pin/ls?arg=${missing}`)
      assert.equal(nf.status, 500)
      assert.equal(nf.body, kuboError(`Error: path '${missing}' is not pinned`))
      const bad = await post('/api/v0/pin/ls?arg=zzz')
      assert.equal(bad.status, 500)
      assert.match(JSON.parse(bad.body).Message as string, /./)
      assert.equal(cluster.callsOf('pinGet').length, 4)
    })

    it('lists the whole pinset, all types, streamed or as one Keys map', async () => {
      const a = fakeCid('all-a')
      const meta = fakeCid('all-meta')
      await cluster.pin(a, pinOpts('recursive'))
      await cluster.pinObject({ ...cluster.pinset.get(a.toString()) as Pin, cid: meta, type: PinType.Meta, maxDepth: 0 })

      const all = await post('/api/v0/pin/ls?type=all')
      assert.equal(all.status, 200)
      assert.deepEqual(JSON.parse(all.body), { Keys: { [a.toString()]: { Type: 'recursive' }, [meta.toString()]: { Type: 'recursive' } } })
      assert.equal(cluster.callsOf('pins')[0][0], PinType.All)

      const stream = await post('/api/v0/pin/ls?stream=true')
      assert.equal(stream.status, 200)
      assert.equal(stream.headers.trailer, 'X-Stream-Error')
      assert.equal(stream.body, `{"Cid":"${a.toString()}","Type":"recursive"}\n{"Cid":"${meta.toString()}","Type":"direct"}\n`)
      assert.deepEqual(trailerValues(stream, 'X-Stream-Error'), [])

      cluster.pinset.clear()
      const empty = await post('/api/v0/pin/ls?stream=true')
      assert.equal(empty.status, 200)
      assert.equal(empty.body, '')
      assert.equal((await post('/api/v0/pin/ls')).body, '{"Keys":{}}')
    })

    it('reports listing errors: 500 (whole map) or trailer (stream)', async () => {
      cluster.failures.set('pins', new IPFSError('listing failed'))
      const r = await post('/api/v0/pin/ls')
      assert.equal(r.status, 500)
      assert.equal(r.body, kuboError('listing failed'))
      const s = await post('/api/v0/pin/ls?stream=true')
      assert.equal(s.status, 200)
      assert.equal(s.body, '')
      assert.deepEqual(trailerValues(s, 'X-Stream-Error'), ['listing failed'])
    })
  })

  describe('pin/update (§6.6)', () => {
    const opts = { replicationFactorMin: 2, replicationFactorMax: 3, name: 'orig', mode: 'recursive' as const, shardSize: 0, userAllocations: null, expireAt: null, metadata: { k: 'v' }, pinUpdate: null, origins: null }

    it('checks its arguments', async () => {
      const none = await post('/api/v0/pin/update')
      assert.equal(none.status, 400)
      assert.equal(none.body, kuboError('argument "from-path" is required'))
      const one = await post(`/api/v0/pin/update?arg=${fakeCid('x').toString()}`)
      assert.equal(one.status, 400)
      assert.equal(one.body, kuboError('argument "to-path" is required'))
      const badFrom = await post(`/api/v0/pin/update?arg=bad&arg=${fakeCid('x').toString()}`)
      assert.equal(badFrom.status, 500)
      assert.equal(badFrom.body, kuboError('error parsing "from-path" argument: invalid path "bad": path does not have enough components'))
      const badTo = await post(`/api/v0/pin/update?arg=${fakeCid('x').toString()}&arg=/ipfs/`)
      assert.equal(badTo.body, kuboError('error parsing "to-path" argument: invalid path "/ipfs/": path does not have enough components'))
      assert.equal(cluster.calls.length, 0)
    })

    it('pins the new CID with the options of the old one, then unpins the old one (unless unpin=false)', async () => {
      const from = fakeCid('from')
      const to = fakeCid('to')
      await cluster.pin(from, opts)
      const r = await post(`/api/v0/pin/update?arg=/ipfs/${from.toString()}&arg=${to.toString()}`)
      assert.equal(r.status, 200)
      assert.equal(r.body, `{"Pins":["${from.toString()}","${to.toString()}"]}`)
      assertProxyHeaders(r)
      assert.equal(cluster.pinset.has(from.toString()), false)
      const pinned = cluster.pinset.get(to.toString()) as Pin
      assert.equal(pinned.name, 'orig')
      assert.equal(pinned.replicationFactorMax, 3)
      assert.deepEqual(pinned.metadata, { k: 'v' })
      assert.equal((cluster.callsOf('pinPath')[0][1] as Pin).pinUpdate?.toString(), from.toString())

      const to2 = fakeCid('to2')
      const keep = await post(`/api/v0/pin/update?arg=${to.toString()}&arg=${to2.toString()}&unpin=false`)
      assert.equal(keep.status, 200)
      assert.equal(cluster.pinset.has(to.toString()), true)
      assert.equal(cluster.pinset.has(to2.toString()), true)
    })

    it('fails when the old CID is not in the pinset', async () => {
      const r = await post(`/api/v0/pin/update?arg=${fakeCid('nofrom').toString()}&arg=${fakeCid('to').toString()}`)
      assert.equal(r.status, 500)
      assert.equal(r.body, kuboError('pin is not part of the pinset'))
    })
  })

  describe('repo/stat, repo/gc (§6.7)', () => {
    it('repo/stat sums the peers', async () => {
      const r = await post('/api/v0/repo/stat?size-only=true&human=true')
      assert.equal(r.status, 200)
      assert.equal(r.body, '{"RepoSize":1000,"StorageMax":10000}')
      assertProxyHeaders(r)
      cluster.failures.set('repoStat', new IPFSError('no peers'))
      const f = await post('/api/v0/repo/stat')
      assert.equal(f.status, 500)
      assert.equal(f.body, kuboError('no peers'))
    })

    it('repo/gc streams every peer\'s keys; errors go to the trailer unless stream-errors=true', async () => {
      const gcKey = fakeCid('gc1').toString()
      const r = await post('/api/v0/repo/gc?quiet=true')
      assert.equal(r.status, 200)
      assert.equal(r.headers.trailer, 'X-Stream-Error')
      assertProxyHeaders(r)
      const line = `{"Key":{"/":"${gcKey}"}}\n{"Key":null}\n`
      assert.equal(r.body, line.repeat(3))
      assert.deepEqual(trailerValues(r, 'X-Stream-Error'), ['could not remove; could not remove; could not remove;'])

      const se = await post('/api/v0/repo/gc?stream-errors=true')
      assert.equal(se.body, `{"Key":{"/":"${gcKey}"}}\n{"Key":null,"Error":"could not remove"}\n`.repeat(3))
      assert.deepEqual(trailerValues(se, 'X-Stream-Error'), [])

      cluster.failures.set('repoGC', new IPFSError('gc failed'))
      const f = await post('/api/v0/repo/gc')
      assert.equal(f.status, 500)
      assert.equal(f.body, kuboError('gc failed'))
    })
  })

  describe('add (§6.8)', () => {
    it('adds through the cluster and answers in Kubo\'s shape', async () => {
      const r = await post('/api/v0/add?cid-version=1&name=x&replication-min=2&replication-max=3', { headers: { 'Content-Type': MULTIPART_CT }, body: multipartBody([{ path: 'hello.txt', content: 'hello' }]) })
      assert.equal(r.status, 200)
      assertProxyHeaders(r)
      assert.equal(r.headers['x-chunked-output'], '1')
      assert.equal(r.headers.trailer, 'X-Stream-Error')
      assert.equal(r.headers['cache-control'], 'no-cache')
      assert.equal(r.headers.connection, 'close')
      assert.equal(r.body, `{"Name":"hello.txt","Hash":"${cidOf('hello')}","Size":"5"}\n`)
      assert.deepEqual(trailerValues(r, 'X-Stream-Error'), [])
      const params = cluster.addParams
      assert.equal(params?.cidVersion, 1)
      assert.equal(params?.rawLeaves, true)
      assert.equal(params?.noPin, false)
      assert.equal(params?.layout, '')
      assert.equal(params?.pinOptions.name, 'x')
      assert.equal(params?.pinOptions.replicationFactorMax, 3)
      assert.deepEqual(cluster.added.map((e) => e.path), ['hello.txt'])
    })

    it('maps pin=false to no-pin and trickle=true to the trickle layout; progress events have no Hash', async () => {
      const big = Buffer.alloc(300 * 1024, 1)
      const r = await post('/api/v0/add?pin=false&trickle=true&progress=true&quiet=true&chunker=size-1024&raw-leaves=true', { headers: { 'Content-Type': MULTIPART_CT }, body: multipartBody([{ path: 'big.bin', content: big }]) })
      assert.equal(r.status, 200)
      assert.equal(cluster.addParams?.noPin, true)
      assert.equal(cluster.addParams?.layout, 'trickle')
      assert.equal(cluster.addParams?.chunker, 'size-1024')
      assert.equal(cluster.addParams?.rawLeaves, true)
      const events = ndjson(r.body) as Array<Record<string, unknown>>
      assert.deepEqual(events[events.length - 1], { Name: 'big.bin', Hash: cidOf(big), Size: String(big.length) })
      const progress = events.slice(0, -1)
      assert.ok(progress.length >= 2)
      for (const ev of progress) {
        assert.deepEqual(Object.keys(ev), ['Name', 'Bytes'])
        assert.equal(ev.Name, 'big.bin')
      }
      assert.ok((progress[0].Bytes as number) >= 262144)
      assert.equal(progress[progress.length - 1].Bytes, big.length)
    })

    it('refuses only-hash (nothing added), non-multipart bodies and bad options with 500', async () => {
      const oh = await post('/api/v0/add?only-hash=true', { headers: { 'Content-Type': MULTIPART_CT }, body: multipartBody([{ path: 'a', content: 'a' }]) })
      assert.equal(oh.status, 500)
      assert.equal(oh.body, kuboError('only-hash is not supported when adding to cluster'))
      assertProxyHeaders(oh)
      assert.equal(cluster.callsOf('add').length, 0, 'quirk #12 fixed: no add')

      const nm = await post('/api/v0/add', { headers: { 'Content-Type': 'application/json' }, body: '{}' })
      assert.equal(nm.status, 500)
      assert.equal(nm.body, kuboError('error reading request: request Content-Type isn\'t multipart/form-data'))
      const nb = await post('/api/v0/add', { headers: { 'Content-Type': 'multipart/form-data' }, body: '' })
      assert.equal(nb.body, kuboError('error reading request: no multipart boundary param in Content-Type'))
      const bad = await post('/api/v0/add?cid-version=x', { headers: { 'Content-Type': MULTIPART_CT }, body: multipartBody([{ path: 'a', content: 'a' }]) })
      assert.equal(bad.status, 500)
      assert.equal(bad.body, kuboError('error parsing options:parameter cid-version invalid'))
      assert.equal(cluster.callsOf('add').length, 0)
    })

    it('stream-channels=false answers one JSON array, or the adder\'s 500 error body', async () => {
      const body = multipartBody([{ path: 'd', type: 'directory' }, { path: 'd/a', content: 'aa' }])
      const r = await post('/api/v0/add?stream-channels=false', { headers: { 'Content-Type': MULTIPART_CT }, body })
      assert.equal(r.status, 200)
      assert.equal(r.headers['x-chunked-output'], undefined)
      assert.deepEqual(JSON.parse(r.body), [
        { Name: 'd', Hash: cidOf('') },
        { Name: 'd/a', Hash: cidOf('aa'), Size: '2' }
      ])
      cluster.addFailAfter = 0
      const f = await post('/api/v0/add?stream-channels=false', { headers: { 'Content-Type': MULTIPART_CT }, body })
      assert.equal(f.status, 500)
      assert.equal(f.body, '{"code":500,"message":"fake add failure"}\n')
    })

    it('ends the stream with an X-Stream-Error trailer when the add fails after some output', async () => {
      cluster.addFailAfter = 1
      const r = await post('/api/v0/add', { headers: { 'Content-Type': MULTIPART_CT }, body: multipartBody([{ path: 'd', type: 'directory' }, { path: 'd/a', content: 'a' }]) })
      assert.equal(r.status, 200)
      assert.deepEqual(ndjson(r.body), [{ Name: 'd', Hash: cidOf('') }])
      assert.deepEqual(trailerValues(r, 'X-Stream-Error'), ['fake add failure'])
      // failing before any output: a Kubo error
      cluster.addFailAfter = 0
      const early = await post('/api/v0/add', { headers: { 'Content-Type': MULTIPART_CT }, body: multipartBody([{ path: 'a', content: 'a' }]) })
      assert.equal(early.status, 500)
      assert.equal(early.body, kuboError('fake add failure'))
    })
  })

  describe('block/put and dag/put with pin=true (§6.9)', () => {
    const part = (content: string): string => `--b\r\nContent-Disposition: form-data; name="file"\r\nContent-Type: application/octet-stream\r\n\r\n${content}\r\n`
    const body = (...contents: string[]): string => contents.map(part).join('') + '--b--\r\n'
    const ct = { 'Content-Type': 'multipart/form-data; boundary=b' }

    it('block/put: the daemon stores (and pins) the blocks, the cluster pins each one', async () => {
      const r = await post('/api/v0/block/put?pin=true&cid-codec=raw', { headers: ct, body: body('one', 'two') })
      assert.equal(r.status, 200)
      assertProxyHeaders(r)
      assert.equal(r.headers.trailer, 'X-Stream-Error')
      assert.equal(r.body, `{"Key":"${cidOf('one')}","Size":0}\n{"Key":"${cidOf('two')}","Size":0}\n`)
      assert.deepEqual(trailerValues(r, 'X-Stream-Error'), [])
      assert.equal(kubo.requests.find((q) => q.path.startsWith('block/put'))?.path, 'block/put?pin=true&cid-codec=raw', 'query forwarded unchanged')
      assert.deepEqual(cluster.callsOf('pin').map(([c, o]) => [String(c), (o as Pin).mode]), [[cidOf('one'), 'recursive'], [cidOf('two'), 'recursive']])
      assert.equal(kubo.hasBlock(CID.parse(cidOf('one'))), true)
    })

    it('dag/put: forwarded with pin=false, then cluster-pinned', async () => {
      const r = await post('/api/v0/dag/put?pin=true&store-codec=raw', { headers: ct, body: body('{"a":1}') })
      assert.equal(r.status, 200)
      assert.equal(r.body, `{"Cid":{"/":"${cidOf('{"a":1}')}"}}\n`)
      assert.equal(kubo.requests.find((q) => q.path.startsWith('dag/put'))?.path, 'dag/put?pin=false&store-codec=raw')
      assert.deepEqual(cluster.callsOf('pin').map(([c]) => String(c)), [cidOf('{"a":1}')])
    })

    it('keeps going when a pin fails, reporting it in the trailer', async () => {
      cluster.failures.set('pin', new IPFSError('cannot pin'))
      const r = await post('/api/v0/block/put?pin=true', { headers: ct, body: body('x', 'y') })
      assert.equal(r.status, 200)
      assert.equal(ndjson(r.body).length, 2)
      assert.deepEqual(trailerValues(r, 'X-Stream-Error'), ['cannot pin', 'cannot pin'])
    })

    it('relays daemon failures: status and body, our headers', async () => {
      const r = await post('/api/v0/block/put?pin=true', { headers: { 'Content-Type': 'text/plain' }, body: 'x' })
      assert.equal(r.status, 500)
      assert.equal(r.body, '')
      assertProxyHeaders(r)
      assert.equal(cluster.callsOf('pin').length, 0)
      kubo.override('dag/put', (_req, res) => {
        res.statusCode = 400
        res.end('{"Message":"bad dag","Code":1,"Type":"error"}')
      })
      const d = await post('/api/v0/dag/put?pin=true', { headers: ct, body: body('{}') })
      kubo.override('dag/put', undefined)
      assert.equal(d.status, 400)
      assert.equal(d.body, '{"Message":"bad dag","Code":1,"Type":"error"}')
    })

    it('stops at an undecodable daemon answer, with a trailer', async () => {
      kubo.override('block/put', (req, res) => {
        req.resume()
        res.setHeader('Content-Type', 'application/json')
        res.end(`{"Key":"${cidOf('z')}","Size":1}{"Key":"nope"}`)
      })
      const r = await post('/api/v0/block/put?pin=true', { headers: ct, body: body('z') })
      kubo.override('block/put', undefined)
      assert.equal(r.status, 200)
      assert.equal(r.body, `{"Key":"${cidOf('z')}","Size":1}\n`)
      assert.equal(trailerValues(r, 'X-Stream-Error').length, 1)
      assert.equal(cluster.callsOf('pin').length, 1)
    })

    it('answers 500 when the daemon cannot be reached', async () => {
      const down = await startProxy(cluster, proxyConfig(`/ip4/127.0.0.1/tcp/${await closedPort()}`))
      try {
        const r = await httpRequest(down.target, { method: 'POST', path: '/api/v0/block/put?pin=true', headers: ct, body: body('q') })
        assert.equal(r.status, 500)
        assert.equal(JSON.parse(r.body).Type, 'error')
        assert.match(JSON.parse(r.body).Message as string, /ECONNREFUSED/)
      } finally {
        await down.stop()
      }
    })
  })
})
