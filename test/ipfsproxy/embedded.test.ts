/**
 * The IPFS proxy in front of the embedded IPFS node (no daemon): the Kubo
 * read calls answered by the proxy itself, unpinned and pinned
 * `block/put`/`dag/put`, the hijacked calls without daemon headers, and an
 * end-to-end check with an independent client (the js-ipfs CLI).
 */
import '../../src/polyfill.js'
import { describe, it, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import { execFile, spawnSync } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { gunzipSync } from 'node:zlib'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import { publicKeyFromProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256, sha512 } from 'multiformats/hashes/sha2'
import { FakeCluster } from '../fakes/fake-cluster.js'
import { FakeKubo } from '../fakes/fake-kubo.js'
import { httpRequest, ndjson, trailerValues, type HTTPResult } from '../helpers/http.js'
import { JSIPFS_BIN, jsIpfsSkipReason } from '../helpers/jsipfs.js'
import { importBlocks, putBlocks, randomBytes, startNode, tempFolder, type Imported } from '../ipfsconn/embedded-helpers.js'
import { proxyConfig, startProxy, type RunningProxy } from './helpers.js'
import { readTar } from './tar-reader.js'
import type { AbortOptions, IPFSConnector } from '../../src/interfaces.js'
import type { EmbeddedIPFS } from '../../src/ipfsconn/embedded/index.js'

const enc = new TextEncoder()
const execFileP = promisify(execFile)

/** A fake cluster whose IPFS connector is a real embedded node. */
class EmbeddedCluster extends FakeCluster {
  constructor (readonly node: EmbeddedIPFS) {
    super(1)
  }

  override ipfsConnector (): IPFSConnector {
    return this.node
  }

  override async resolve (path: string, options?: AbortOptions): Promise<CID> {
    return await this.node.resolve(path, options)
  }
}

function kuboError (message: string, code = 0): string {
  return JSON.stringify({ Message: message, Code: code, Type: 'error' }) + '\n'
}

function multipart (...parts: Array<string | Uint8Array>): { headers: Record<string, string>, body: Buffer } {
  const chunks: Buffer[] = []
  for (const p of parts) {
    chunks.push(Buffer.from('--b\r\nContent-Disposition: form-data; name="file"\r\nContent-Type: application/octet-stream\r\n\r\n'))
    chunks.push(Buffer.from(p))
    chunks.push(Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from('--b--\r\n'))
  return { headers: { 'Content-Type': 'multipart/form-data; boundary=b' }, body: Buffer.concat(chunks) }
}

/** Kubo headers of a single JSON value. */
function assertKuboValue (r: HTTPResult): void {
  assert.equal(r.status, 200)
  assert.equal(r.headers['content-type'], 'application/json')
  assert.equal(r.headers.trailer, 'X-Stream-Error')
  assert.equal(r.headers['access-control-expose-headers'], 'X-Stream-Output, X-Chunked-Output, X-Content-Length')
  assert.equal(r.headers['x-chunked-output'], undefined)
  assert.equal(r.headers['x-stream-output'], undefined)
}

describe('IPFS proxy in front of the embedded IPFS node', () => {
  let folder: Awaited<ReturnType<typeof tempFolder>>
  let node: EmbeddedIPFS
  let cluster: EmbeddedCluster
  /** A daemon that must never be contacted. */
  const kubo = new FakeKubo()
  let p: RunningProxy
  let dir: Imported
  let bigFile: Imported
  let hello: Imported
  let dirA: CID
  let dirSub: CID
  let cbor: { cid: CID, bytes: Uint8Array, value: unknown }
  const big = randomBytes(300_000, 3)

  before(async () => {
    folder = await tempFolder('proxy-embedded-')
    node = await startNode(folder.path, { ipfsRequestTimeout: 1000 })
    cluster = new EmbeddedCluster(node)
    await kubo.start()
    p = await startProxy(cluster, proxyConfig(kubo.apiMultiaddr, { extractHeadersExtra: ['X-Custom-Header'] }))
    dir = await importBlocks([
      { path: 'a/hello.txt', content: enc.encode('hello world') },
      { path: 'a/big.bin', content: big },
      { path: 'a/sub/x.txt', content: enc.encode('x') }
    ], { wrapWithDirectory: true, chunkSize: 100_000 })
    await putBlocks(node, dir.blocks)
    bigFile = await importBlocks({ content: big }, { chunkSize: 100_000 })
    hello = await importBlocks({ content: enc.encode('hello world') })
    dirA = await node.resolve(`/ipfs/${dir.root.toString()}/a`)
    dirSub = await node.resolve(`/ipfs/${dir.root.toString()}/a/sub`)
    const value = { greeting: 'hi', n: 3, link: hello.root, list: [1, { deep: true }] }
    const bytes = dagCbor.encode(value)
    cbor = { cid: CID.createV1(dagCbor.code, await sha256.digest(bytes)), bytes, value }
    await putBlocks(node, [cbor])
  })

  after(async () => {
    await p.stop()
    await node.stop()
    await kubo.stop()
    await folder.remove()
  })

  beforeEach(() => {
    cluster.reset()
  })

  const post = async (path: string, opts: { method?: string, headers?: Record<string, string>, body?: string | Buffer } = {}): Promise<HTTPResult> =>
    await httpRequest(p.target, { method: opts.method ?? 'POST', path, headers: opts.headers, body: opts.body })

  /** Raw bytes of a response. */
  const postBytes = async (path: string): Promise<{ status: number, headers: Record<string, unknown>, body: Buffer }> => {
    const { request } = await import('node:http')
    return await new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: p.target.port, method: 'POST', path, agent: false }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }) })
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end()
    })
  }

  it('id and version', async () => {
    const self = await node.id()
    const r = await post('/api/v0/id')
    assertKuboValue(r)
    assert.equal(r.headers.server, 'ipfs-cluster/ipfsproxy/1.1.6')
    const id = JSON.parse(r.body)
    assert.deepEqual(Object.keys(id), ['ID', 'PublicKey', 'Addresses', 'AgentVersion', 'Protocols'])
    assert.equal(id.ID, self.id)
    assert.deepEqual(id.Addresses, self.addresses)
    assert.equal(id.AgentVersion, 'ipfs-cluster/1.1.6/embedded')
    assert.equal(peerIdFromPublicKey(publicKeyFromProtobuf(Buffer.from(id.PublicKey, 'base64'))).toString(), self.id)
    assert.equal((await post(`/api/v0/id?arg=${self.id}`)).status, 200)
    const other = await post('/api/v0/id?arg=12D3KooWLhHy2o7Ebkm8b1RZr1JzMzS6Yc2zVw1k7n9G4h5s3xQb')
    assert.equal(other.status, 500)

    const v = await post('/api/v0/version')
    assertKuboValue(v)
    const version = JSON.parse(v.body)
    assert.deepEqual(Object.keys(version), ['Version', 'Commit', 'Repo', 'System', 'Golang'])
    assert.equal(version.Version, '1.1.6')
    assert.match(version.System, /^[a-z0-9]+\/[a-z]+$/)
  })

  it('cat: bytes, offset and length, several files, errors', async () => {
    const root = dir.root.toString()
    const r = await postBytes(`/api/v0/cat?arg=/ipfs/${root}/a/big.bin`)
    assert.equal(r.status, 200)
    assert.deepEqual(new Uint8Array(r.body), big)
    assert.equal(r.headers['x-stream-output'], '1')
    assert.equal(r.headers['content-type'], 'text/plain')
    assert.equal(r.headers['x-content-length'], '300000')

    const part = await postBytes(`/api/v0/cat?arg=${root}/a/big.bin&offset=150000&length=100000`)
    assert.deepEqual(new Uint8Array(part.body), big.subarray(150_000, 250_000))
    assert.equal(part.headers['x-content-length'], '100000')
    const tail = await postBytes(`/api/v0/cat?arg=${root}/a/big.bin&o=299990`)
    assert.deepEqual(new Uint8Array(tail.body), big.subarray(299_990))

    // offset and length span the concatenation (as Kubo)
    const two = await postBytes(`/api/v0/cat?arg=${hello.root.toString()}&arg=/ipfs/${root}/a/big.bin&offset=6&length=10`)
    assert.equal(two.body.toString('latin1'), 'world' + Buffer.from(big.subarray(0, 5)).toString('latin1'))

    const d = await post(`/api/v0/cat?arg=${dirA.toString()}`)
    assert.equal(d.status, 500)
    assert.equal(d.body, kuboError('this dag node is a directory'))
    const none = await post('/api/v0/cat')
    assert.equal(none.status, 400)
    assert.equal(none.body, kuboError('argument "ipfs-path" is required', 1))
    const neg = await post(`/api/v0/cat?arg=${root}&offset=-1`)
    assert.equal(neg.status, 400)
    assert.equal(neg.body, kuboError('cannot specify negative offset', 1))
    const badInt = await post(`/api/v0/cat?arg=${root}&length=x`)
    assert.equal(badInt.status, 400)
    const missing = await post(`/api/v0/cat?arg=${CID.createV1(raw.code, await sha256.digest(randomBytes(10, 99))).toString()}`)
    assert.equal(missing.status, 500)
    assert.equal(JSON.parse(missing.body).Type, 'error')
  })

  it('get: a tar archive of a directory or a file (gzipped on request)', async () => {
    const root = dir.root.toString()
    const r = await postBytes(`/api/v0/get?arg=/ipfs/${root}/a`)
    assert.equal(r.status, 200)
    assert.equal(r.headers['x-stream-output'], '1')
    const entries = readTar(r.body)
    assert.deepEqual(entries.map((e) => [e.name, e.type, e.size]), [
      ['a', '5', 0],
      ['a/big.bin', '0', 300_000],
      ['a/hello.txt', '0', 11],
      ['a/sub', '5', 0],
      ['a/sub/x.txt', '0', 1]
    ])
    assert.deepEqual(new Uint8Array(entries[1].content), big)
    assert.equal(entries[2].content.toString(), 'hello world')
    assert.equal(entries[0].mode, 0o777)
    assert.equal(entries[2].mode, 0o644)

    const file = readTar((await postBytes(`/api/v0/get?arg=${hello.root.toString()}`)).body)
    assert.deepEqual(file.map((e) => [e.name, e.content.toString()]), [[hello.root.toString(), 'hello world']])

    const gz = await postBytes(`/api/v0/get?arg=/ipfs/${root}&archive=true&compress=true&compression-level=9`)
    assert.deepEqual(readTar(gunzipSync(gz.body)).map((e) => e.name), [root, `${root}/a`, `${root}/a/big.bin`, `${root}/a/hello.txt`, `${root}/a/sub`, `${root}/a/sub/x.txt`])
    const gzFile = await postBytes(`/api/v0/get?arg=${hello.root.toString()}&compress=true`)
    assert.equal(gunzipSync(gzFile.body).toString(), 'hello world', 'a single compressed file is not archived')

    // GNU tar reads the archive too
    if (spawnSync('tar', ['--version']).status === 0) {
      const out = await mkdtemp(join(tmpdir(), 'proxy-get-'))
      try {
        const { writeFile } = await import('node:fs/promises')
        await writeFile(join(out, 'x.tar'), r.body)
        await execFileP('tar', ['-xf', join(out, 'x.tar'), '-C', out])
        assert.deepEqual(await readFile(join(out, 'a', 'big.bin')), Buffer.from(big))
        assert.equal(await readFile(join(out, 'a', 'sub', 'x.txt'), 'utf8'), 'x')
        assert.deepEqual((await readdir(join(out, 'a'))).sort(), ['big.bin', 'hello.txt', 'sub'])
      } finally {
        await rm(out, { recursive: true, force: true })
      }
    }
  })

  it('ls: Objects with typed links, streamed or not', async () => {
    const path = `/ipfs/${dir.root.toString()}/a`
    const r = await post(`/api/v0/ls?arg=${path}`)
    assert.equal(r.status, 200)
    assert.equal(r.headers['x-chunked-output'], '1')
    assert.deepEqual(JSON.parse(r.body), {
      Objects: [{
        Hash: path,
        Links: [
          { Name: 'big.bin', Hash: bigFile.root.toString(), Size: 300000, Type: 2, Target: '' },
          { Name: 'hello.txt', Hash: hello.root.toString(), Size: 11, Type: 2, Target: '' },
          { Name: 'sub', Hash: dirSub.toString(), Size: 0, Type: 1, Target: '' }
        ]
      }]
    })
    const s = await post(`/api/v0/ls?arg=${dirSub.toString()}&stream=true&size=false`)
    assert.deepEqual(ndjson(s.body), [{ Objects: [{ Hash: dirSub.toString(), Links: [{ Name: 'x.txt', Hash: CID.createV1(raw.code, await sha256.digest(enc.encode('x'))).toString(), Size: 0, Type: 2, Target: '' }] }] }])
  })

  it('block/get, block/stat, dag/get, resolve', async () => {
    const leaf = bigFile.blocks[0]
    const bg = await postBytes(`/api/v0/block/get?arg=${leaf.cid.toString()}`)
    assert.equal(bg.status, 200)
    assert.deepEqual(new Uint8Array(bg.body), leaf.bytes)
    assert.equal(bg.headers['x-stream-output'], '1')

    const bs = await post(`/api/v0/block/stat?arg=${leaf.cid.toString()}`)
    assertKuboValue(bs)
    assert.equal(bs.body, `{"Key":"${leaf.cid.toString()}","Size":100000}\n`)
    const bsPath = await post(`/api/v0/block/stat?arg=/ipfs/${dir.root.toString()}/a/hello.txt`)
    assert.equal(JSON.parse(bsPath.body).Key, hello.root.toString())

    const dg = await postBytes(`/api/v0/dag/get?arg=${cbor.cid.toString()}`)
    assert.equal(dg.status, 200)
    assert.equal(dg.body.toString(), Buffer.from(dagJson.encode(cbor.value)).toString())
    const inside = await postBytes(`/api/v0/dag/get?arg=/ipfs/${cbor.cid.toString()}/list/1`)
    assert.equal(inside.body.toString(), '{"deep":true}')
    const followed = await postBytes(`/api/v0/dag/get?arg=${cbor.cid.toString()}/link`)
    assert.equal(followed.body.toString(), Buffer.from(dagJson.encode(enc.encode('hello world'))).toString())
    const asCbor = await postBytes(`/api/v0/dag/get?arg=${cbor.cid.toString()}&output-codec=dag-cbor`)
    assert.deepEqual(new Uint8Array(asCbor.body), cbor.bytes)
    const pb = await postBytes(`/api/v0/dag/get?arg=${dir.root.toString()}/a`)
    const pbValue = JSON.parse(pb.body.toString())
    assert.deepEqual(pbValue.Links.map((l: { Name: string }) => l.Name), ['big.bin', 'hello.txt', 'sub'])
    const badPath = await post(`/api/v0/dag/get?arg=${cbor.cid.toString()}/nope`)
    assert.equal(badPath.status, 500)

    const rs = await post(`/api/v0/resolve?arg=/ipfs/${dir.root.toString()}/a/sub`)
    assertKuboValue(rs)
    assert.equal(rs.body, `{"Path":"/ipfs/${dirSub.toString()}"}\n`)
  })

  it('refs: direct links, recursive, unique, edges, format, max-depth', async () => {
    const root = dir.root.toString()
    const leaves = bigFile.blocks.filter((b) => !b.cid.equals(bigFile.root)).map((b) => b.cid.toString())
    const x = CID.createV1(raw.code, await sha256.digest(enc.encode('x'))).toString()
    const refs = async (q: string): Promise<string[]> => {
      const r = await post(`/api/v0/refs?${q}`)
      assert.equal(r.status, 200, r.body)
      assert.equal(r.headers['x-chunked-output'], '1')
      return (ndjson(r.body) as Array<{ Ref: string, Err: string }>).map((o) => {
        assert.equal(o.Err, '')
        return o.Ref
      })
    }
    assert.deepEqual(await refs(`arg=${root}`), [dirA.toString()])
    assert.deepEqual(await refs(`arg=/ipfs/${root}/a&r=true`), [bigFile.root.toString(), ...leaves, hello.root.toString(), dirSub.toString(), x])
    assert.deepEqual(await refs(`arg=${root}&recursive=true&max-depth=2`), [dirA.toString(), bigFile.root.toString(), hello.root.toString(), dirSub.toString()])
    assert.deepEqual(await refs(`arg=${dirA.toString()}&edges=true`), [bigFile.root.toString(), hello.root.toString(), dirSub.toString()].map((c) => `${dirA.toString()} -> ${c}`))
    assert.deepEqual(await refs(`arg=${dirA.toString()}&format=<dst>:<src>`), [bigFile.root.toString(), hello.root.toString(), dirSub.toString()].map((c) => `${c}:${dirA.toString()}`))
    const both = await post(`/api/v0/refs?arg=${root}&edges=true&format=x`)
    assert.equal(both.status, 400)
    assert.equal(both.body, kuboError('using format argument with edges is not allowed', 1))

    // refs/local: every stored block, as raw CIDv1 of its multihash
    const noArg = await post('/api/v0/refs')
    assert.equal(noArg.status, 400)
    assert.equal(noArg.body, kuboError('argument "ipfs-path" is required', 1))
    const lr = await post('/api/v0/refs/local')
    assert.equal(lr.status, 200)
    const stored = new Set((ndjson(lr.body) as Array<{ Ref: string }>).map((o) => o.Ref))
    for (const b of [...dir.blocks, cbor]) {
      assert.ok(stored.has(CID.createV1(raw.code, b.cid.multihash).toString()), b.cid.toString())
    }
  })

  it('swarm/peers', async () => {
    const r = await post('/api/v0/swarm/peers')
    assertKuboValue(r)
    assert.equal(r.body, '{"Peers":null}\n')
  })

  it('block/put without pin: stores each part, codecs and hashes as asked, no cluster pin', async () => {
    const m = multipart('block one', 'block two')
    const r = await post('/api/v0/block/put', m)
    assert.equal(r.status, 200)
    assert.equal(r.headers['x-chunked-output'], '1')
    const one = CID.createV1(raw.code, await sha256.digest(enc.encode('block one')))
    const two = CID.createV1(raw.code, await sha256.digest(enc.encode('block two')))
    assert.deepEqual(ndjson(r.body), [{ Key: one.toString(), Size: 9 }, { Key: two.toString(), Size: 9 }])
    assert.deepEqual(await node.blockGet(two), enc.encode('block two'))

    const cb = dagCbor.encode({ a: 1 })
    const r2 = await post('/api/v0/block/put?cid-codec=dag-cbor&mhtype=sha2-512', multipart(cb))
    const expected = CID.createV1(dagCbor.code, await sha512.digest(cb))
    assert.deepEqual(ndjson(r2.body), [{ Key: expected.toString(), Size: cb.byteLength }])
    assert.deepEqual(await node.blockGet(expected), cb)

    const v0 = await post('/api/v0/block/put?format=v0', multipart(dir.blocks[dir.blocks.length - 1].bytes))
    assert.match((ndjson(v0.body)[0] as { Key: string }).Key, /^Qm/)
    assert.equal(cluster.callsOf('pin').length, 0)

    const huge = await post('/api/v0/block/put', multipart(new Uint8Array(1024 * 1024 + 1)))
    assert.equal(huge.status, 400)
    assert.match(JSON.parse(huge.body).Message as string, /^produced block is over 1MiB/)
    const ok = await post('/api/v0/block/put?allow-big-block=true', multipart(new Uint8Array(1024 * 1024 + 1)))
    assert.equal(ok.status, 200)
    const empty = await post('/api/v0/block/put', { headers: { 'Content-Type': 'multipart/form-data; boundary=b' }, body: '--b--\r\n' })
    assert.equal(empty.status, 400)
    assert.equal(empty.body, kuboError('File argument \'data\' is required', 1))
    const badCodec = await post('/api/v0/block/put?cid-codec=nope', multipart('x'))
    assert.equal(badCodec.status, 400)
  })

  it('dag/put without pin: input-codec → store-codec, stored and readable', async () => {
    const input = `{"a":1,"l":{"/":"${hello.root.toString()}"}}`
    const r = await post('/api/v0/dag/put', multipart(input))
    assert.equal(r.status, 200)
    const value = dagJson.decode(enc.encode(input))
    const bytes = dagCbor.encode(value)
    const cid = CID.createV1(dagCbor.code, await sha256.digest(bytes))
    assert.equal(r.body, `{"Cid":{"/":"${cid.toString()}"}}\n`)
    assert.deepEqual(await node.blockGet(cid), bytes)
    const back = await postBytes(`/api/v0/dag/get?arg=${cid.toString()}`)
    assert.equal(back.body.toString(), `{"a":1,"l":{"/":"${hello.root.toString()}"}}`)

    const asJson = await post('/api/v0/dag/put?store-codec=dag-json&input-codec=json&hash=sha2-512', multipart('{"b": [1, 2]}'))
    const jbytes = dagJson.encode({ b: [1, 2] })
    assert.equal(asJson.body, `{"Cid":{"/":"${CID.createV1(dagJson.code, await sha512.digest(jbytes)).toString()}"}}\n`)
    const bad = await post('/api/v0/dag/put', multipart('not json'))
    assert.equal(bad.status, 400)
    assert.equal(cluster.callsOf('pin').length, 0)
  })

  it('block/put and dag/put with pin=true: stored locally, then pinned through the cluster', async () => {
    const r = await post('/api/v0/block/put?pin=true', multipart('pinned block'))
    const cid = CID.createV1(raw.code, await sha256.digest(enc.encode('pinned block')))
    assert.equal(r.status, 200)
    assert.equal(r.headers.server, 'ipfs-cluster/ipfsproxy/1.1.6')
    assert.equal(r.headers.trailer, 'X-Stream-Error')
    assert.equal(r.body, `{"Key":"${cid.toString()}","Size":12}\n`)
    assert.deepEqual(trailerValues(r, 'X-Stream-Error'), [])
    assert.deepEqual(cluster.callsOf('pin').map(([c]) => String(c)), [cid.toString()])
    assert.deepEqual(await node.blockGet(cid), enc.encode('pinned block'))

    const d = await post('/api/v0/dag/put?pin=true&store-codec=dag-json', multipart('{"z":9}'))
    const dbytes = dagJson.encode({ z: 9 })
    const dcid = CID.createV1(dagJson.code, await sha256.digest(dbytes))
    assert.equal(d.body, `{"Cid":{"/":"${dcid.toString()}"}}\n`)
    assert.equal(String(cluster.callsOf('pin')[1][0]), dcid.toString())

    const bad = await post('/api/v0/dag/put?pin=true', multipart('{'))
    assert.equal(bad.status, 400)
    assert.equal(JSON.parse(bad.body).Type, 'error')
    assert.equal(cluster.callsOf('pin').length, 2)
  })

  it('Kubo conventions: POST only, OPTIONS, unknown commands', async () => {
    const get = await post(`/api/v0/cat?arg=${hello.root.toString()}`, { method: 'GET' })
    assert.equal(get.status, 405)
    assert.equal(get.headers.allow, 'OPTIONS, POST')
    assert.equal(get.body, '405 - Method Not Allowed\n')
    const opt = await post('/api/v0/cat', { method: 'OPTIONS' })
    assert.equal(opt.status, 204)
    assert.equal(opt.headers.allow, 'OPTIONS, POST')
    const unknown = await post('/api/v0/name/publish?arg=x')
    assert.equal(unknown.status, 404)
    assert.equal(unknown.body, kuboError('command not supported by the embedded IPFS node of this cluster peer: /api/v0/name/publish', 3))
    const outside = await post('/webui')
    assert.equal(outside.status, 404)
  })

  it('hijacked calls go to the cluster, with our headers only (no daemon is asked)', async () => {
    const before = kubo.requests.length
    const cid = hello.root.toString()
    const pin = await post(`/api/v0/pin/add?arg=${cid}`, { method: 'GET', headers: { Origin: 'myorigin' } })
    assert.equal(pin.status, 200)
    assert.equal(pin.body, `{"Pins":["${cid}"]}`)
    assert.equal(pin.headers.server, 'ipfs-cluster/ipfsproxy/1.1.6')
    assert.equal(pin.headers['access-control-allow-origin'], undefined)
    assert.equal(pin.headers['x-custom-header'], undefined)
    const ls = await post('/api/v0/pin/ls?stream=true')
    assert.equal(ls.body, `{"Cid":"${cid}","Type":"recursive"}\n`)
    const up = await post(`/api/v0/pin/update?arg=${cid}&arg=/ipfs/${dir.root.toString()}/a`)
    assert.equal(up.status, 200)
    assert.equal(up.body, `{"Pins":["${cid}","${dirA.toString()}"]}`)
    assert.equal(kubo.requests.length, before, 'the configured daemon was never contacted')
  })

  describe('with the js-ipfs CLI as an independent client', { skip: jsIpfsSkipReason() }, () => {
    let home: string

    before(async () => {
      home = await mkdtemp(join(tmpdir(), 'proxy-jsipfs-home-'))
    })

    after(async () => {
      await rm(home, { recursive: true, force: true })
    })

    const jsipfs = async (...args: string[]): Promise<string> => {
      // the fixture's CLI rejects multiaddr --api values (multiaddr version
      // mismatch inside the fixture), so the URL form is used
      const { stdout } = await execFileP(process.execPath, [JSIPFS_BIN, '--api', `http://127.0.0.1:${p.target.port ?? 0}`, ...args], {
        env: { ...process.env, HOME: home, IPFS_PATH: join(home, 'repo') },
        timeout: 60_000
      })
      return stdout
    }

    it('version, id, cat, ls, refs, get, add, pin add/ls', async () => {
      const self = await node.id()
      const root = dir.root.toString()
      const out = await mkdtemp(join(tmpdir(), 'proxy-jsipfs-get-'))
      try {
        const { writeFile } = await import('node:fs/promises')
        await writeFile(join(out, 'up.txt'), 'uploaded through the proxy')
        // each CLI run costs seconds: the independent calls run side by side
        const [version, id, cat, ls, refs, , added] = await Promise.all([
          jsipfs('version'),
          jsipfs('id'),
          jsipfs('cat', `/ipfs/${root}/a/hello.txt`),
          jsipfs('ls', '--cid-base', 'base32', `/ipfs/${root}/a`),
          jsipfs('refs', dirA.toString()),
          jsipfs('get', `/ipfs/${root}/a`, '--output', join(out, 'got')),
          jsipfs('add', '--progress', 'false', '--cid-version', '1', '--cid-base', 'base32', join(out, 'up.txt'))
        ])
        // the fake cluster's add: CIDv1 raw of the sha2-256 of the content
        const upCid = CID.createV1(raw.code, await sha256.digest(enc.encode('uploaded through the proxy'))).toString()
        assert.equal(added.trim(), `added ${upCid} up.txt`)
        assert.equal(cluster.addParams?.cidVersion, 1)
        assert.equal(version.trim(), 'js-ipfs version: 1.1.6')
        assert.equal(JSON.parse(id).id, self.id)
        assert.equal(cat, 'hello world')
        assert.deepEqual(ls.trim().split('\n').map((l) => l.trim().split(/\s+/).slice(-3)), [
          [bigFile.root.toString(), '300000', 'big.bin'],
          [hello.root.toString(), '11', 'hello.txt'],
          [dirSub.toString(), '-', 'sub/']
        ])
        assert.deepEqual(refs.trim().split('\n'), [bigFile.root.toString(), hello.root.toString(), dirSub.toString()])
        assert.deepEqual(await readFile(join(out, 'got', 'a', 'big.bin')), Buffer.from(big))
        assert.equal(await readFile(join(out, 'got', 'a', 'hello.txt'), 'utf8'), 'hello world')
        assert.equal(await readFile(join(out, 'got', 'a', 'sub', 'x.txt'), 'utf8'), 'x')
      } finally {
        await rm(out, { recursive: true, force: true })
      }

      assert.match(await jsipfs('pin', 'add', '--cid-base', 'base32', root), new RegExp(`pinned ${root} recursively`))
      assert.ok(cluster.pinset.has(root))
      assert.equal((await jsipfs('pin', 'ls', '--cid-base', 'base32')).trim(), `${root} recursive`)
    })
  })
})
