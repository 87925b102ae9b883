import { describe, it, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { request as rawRequest } from 'node:http'
import { Readable } from 'node:stream'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { create as createDigest } from 'multiformats/hashes/digest'
import { IPFSError } from '../../src/errors.js'
import { silentLogger } from '../../src/logging/index.js'
import { createRESTAPI, type RESTAPI } from '../../src/restapi/index.js'
import { FakeCluster } from '../fakes/fake-cluster.js'
import { httpConfig, httpRequest, ndjson, targetOf, trailerValues, type Target } from '../helpers/http.js'
import { BOUNDARY, MULTIPART_CT, multipartBody, partHeader } from '../helpers/multipart.js'
import { waitFor } from '../helpers/wait-for.js'

function cidOf (content: string | Buffer): string {
  return CID.createV1(raw.code, createDigest(0x12, createHash('sha256').update(content).digest())).toString()
}

describe('REST API /add', () => {
  const fake = new FakeCluster(2)
  let api: RESTAPI
  let t: Target

  before(async () => {
    api = createRESTAPI({ cluster: fake, logger: silentLogger() }, httpConfig({ headers: { 'X-Custom': ['v'] } }))
    await api.start()
    t = targetOf(api.addresses()[0])
  })

  after(async () => {
    await api.stop()
  })

  beforeEach(() => {
    fake.reset()
  })

  it('streams the outputs of a single file add', async () => {
    const r = await httpRequest(t, { method: 'POST', path: '/add?name=x&cid-version=1', headers: { 'Content-Type': MULTIPART_CT }, body: multipartBody([{ path: 'hello.txt', content: 'hello' }]) })
    assert.equal(r.status, 200)
    assert.equal(r.headers['content-type'], 'application/json')
    assert.equal(r.headers['cache-control'], 'no-cache')
    assert.equal(r.headers.connection, 'close')
    assert.equal(r.headers['x-chunked-output'], '1')
    assert.equal(r.headers.trailer, 'X-Stream-Error')
    assert.equal(r.headers['x-custom'], 'v')
    assert.equal(r.body, `{"name":"hello.txt","cid":"${cidOf('hello')}","size":5}\n`)
    assert.deepEqual(r.rawTrailers, [], 'no trailer on success')
    assert.deepEqual(fake.added, [{ path: 'hello.txt', type: 'file', size: 5, sha256: createHash('sha256').update('hello').digest('hex') }])
    assert.equal(fake.addParams?.cidVersion, 1)
    assert.equal(fake.addParams?.rawLeaves, true)
    assert.equal(fake.addParams?.pinOptions.name, 'x')
  })

  it('adds directories, nested files and symlinks in order', async () => {
    const body = multipartBody([
      { path: 'dir', type: 'directory' },
      { path: 'dir/a b.txt', content: 'A' },
      { path: 'dir/sub/c.txt', content: 'C' },
      { path: 'dir/ln', type: 'symlink', content: 'a b.txt' }
    ])
    const r = await httpRequest(t, { method: 'POST', path: '/add?local=true', headers: { 'Content-Type': MULTIPART_CT }, body })
    assert.equal(r.status, 200)
    assert.deepEqual((ndjson(r.body) as Array<{ name: string, allocations: string[] }>).map((o) => [o.name, o.allocations]), [
      ['dir', [fake.selfId]], ['dir/a b.txt', [fake.selfId]], ['dir/sub', [fake.selfId]], ['dir/sub/c.txt', [fake.selfId]], ['dir/ln', [fake.selfId]]
    ])
    assert.deepEqual(fake.added.map((e) => [e.path, e.type, e.target ?? null]), [
      ['dir', 'directory', null], ['dir/a b.txt', 'file', null], ['dir/sub', 'directory', null], ['dir/sub/c.txt', 'file', null], ['dir/ln', 'symlink', 'a b.txt']
    ])
  })

  it('answers one JSON array with stream-channels=false', async () => {
    const r = await httpRequest(t, { method: 'POST', path: '/add?stream-channels=false', headers: { 'Content-Type': MULTIPART_CT }, body: multipartBody([{ path: 'a', content: '1' }, { path: 'b', content: '22' }]) })
    assert.equal(r.status, 200)
    assert.equal(r.headers['x-chunked-output'], undefined)
    assert.equal(r.headers.trailer, undefined)
    assert.equal(r.headers['cache-control'], 'no-cache')
    assert.equal(r.headers.connection, 'close')
    assert.equal(r.headers['x-custom'], 'v')
    assert.equal(r.body, `[{"name":"a","cid":"${cidOf('1')}","size":1},{"name":"b","cid":"${cidOf('22')}","size":2}]\n`)
    const empty = await httpRequest(t, { method: 'POST', path: '/add?stream-channels=false', headers: { 'Content-Type': MULTIPART_CT }, body: `--${BOUNDARY}--\r\n` })
    assert.equal(empty.status, 200)
    assert.equal(empty.body, 'null\n')
  })

  it('interleaves progress events when progress=true', async () => {
    const content = Buffer.alloc(600 * 1024, 1)
    const r = await httpRequest(t, { method: 'POST', path: '/add?progress=true', headers: { 'Content-Type': MULTIPART_CT }, body: multipartBody([{ path: 'big', content }]) })
    assert.equal(r.status, 200)
    const items = ndjson(r.body) as Array<{ name: string, cid: string | null, bytes?: number, size?: number }>
    const progress = items.filter((i) => i.cid === null)
    assert.ok(progress.length >= 2, `${progress.length} progress events`)
    assert.deepEqual(progress[progress.length - 1], { name: 'big', cid: null, bytes: content.length })
    assert.deepEqual(items[items.length - 1], { name: 'big', cid: cidOf(content), size: content.length })
    const noProgress = await httpRequest(t, { method: 'POST', path: '/add', headers: { 'Content-Type': MULTIPART_CT }, body: multipartBody([{ path: 'big', content }]) })
    assert.equal(ndjson(noProgress.body).length, 1)
  })

  it('refuses non-multipart requests and bad options before reading the body', async () => {
    const cases: Array<[Record<string, string>, string, string]> = [
      [{}, '/add', "request Content-Type isn't multipart/form-data"],
      [{ 'Content-Type': 'application/json' }, '/add', "request Content-Type isn't multipart/form-data"],
      [{ 'Content-Type': 'multipart/form-data' }, '/add', 'no multipart boundary param in Content-Type'],
      [{ 'Content-Type': MULTIPART_CT }, '/add?layout=fancy', 'layout parameter is invalid'],
      [{ 'Content-Type': MULTIPART_CT }, '/add?format=zip', 'format parameter is invalid'],
      [{ 'Content-Type': MULTIPART_CT }, '/add?wrap-with-directory=maybe', 'parameter wrap-with-directory invalid'],
      [{ 'Content-Type': MULTIPART_CT }, '/add?replication-min=x', 'parameter replication-min invalid']
    ]
    for (const [headers, path, message] of cases) {
      const r = await httpRequest(t, { method: 'POST', path, headers, body: multipartBody([{ path: 'f', content: 'x' }]) })
      assert.equal(r.status, 400, path)
      assert.equal(r.body, JSON.stringify({ code: 400, message }) + '\n')
    }
    assert.equal(fake.callsOf('add').length, 0)
  })

  it('answers 400 for a broken multipart body, before any output', async () => {
    const good = multipartBody([{ path: 'f', content: 'some content' }])
    const bodies: Array<[Buffer, RegExp]> = [
      [Buffer.from('not multipart at all'), /^malformed multipart body: no multipart boundary found$/],
      [good.subarray(0, good.length - 30), /^malformed multipart body: unexpected end of body in part content$/],
      [Buffer.from(`--${BOUNDARY}\r\nbroken header\r\n\r\nx\r\n--${BOUNDARY}--\r\n`), /^malformed multipart body: malformed MIME header line/]
    ]
    for (const [body, re] of bodies) {
      for (const sc of ['true', 'false']) {
        const r = await httpRequest(t, { method: 'POST', path: `/add?stream-channels=${sc}`, headers: { 'Content-Type': MULTIPART_CT }, body })
        assert.equal(r.status, 400)
        assert.equal(r.headers['x-chunked-output'], undefined)
        assert.equal(r.headers['x-custom'], 'v')
        const err = JSON.parse(r.body) as { code: number, message: string }
        assert.equal(err.code, 400)
        assert.match(err.message, re)
      }
    }
  })

  it('refuses path traversal with 400 and processes nothing', async () => {
    for (const name of ['../escape.txt', '/etc/passwd', 'a/../../b']) {
      const r = await httpRequest(t, { method: 'POST', path: '/add', headers: { 'Content-Type': MULTIPART_CT }, body: multipartBody([{ path: name, content: 'x' }, { path: 'ok.txt', content: 'y' }]) })
      assert.equal(r.status, 400, name)
      const err = JSON.parse(r.body) as { code: number, message: string }
      assert.equal(err.code, 400)
      assert.match(err.message, /^invalid file name ".*": (path escapes the upload root|absolute paths are not allowed)$/)
      assert.deepEqual(fake.added, [])
      assert.equal((fake.addError as Error).name, 'InvalidArgumentError')
    }
  })

  it('answers an early error while the client is still uploading, and drains the rest', async () => {
    async function * body (): AsyncGenerator<Buffer> {
      yield Buffer.from(partHeader({ path: '../bad' }))
      for (let i = 0; i < 320; i++) yield Buffer.alloc(65536, 1)
      yield Buffer.from(`\r\n--${BOUNDARY}--\r\n`)
    }
    const r = await httpRequest(t, { method: 'POST', path: '/add', headers: { 'Content-Type': MULTIPART_CT }, body: Readable.from(body()) })
    assert.equal(r.status, 400)
    assert.equal(r.body, '{"code":400,"message":"invalid file name \\"../bad\\": path escapes the upload root"}\n')
    assert.equal((await httpRequest(t, { path: '/version' })).status, 200)
  })

  it('ends the stream with an X-Stream-Error trailer when the add fails after some output', async () => {
    const body = multipartBody([{ path: 'a', content: '1' }, { path: 'b', content: '2' }, { path: '../c', content: '3' }])
    const r = await httpRequest(t, { method: 'POST', path: '/add', headers: { 'Content-Type': MULTIPART_CT }, body })
    assert.equal(r.status, 200)
    assert.deepEqual((ndjson(r.body) as Array<{ name: string }>).map((o) => o.name), ['a', 'b'])
    assert.deepEqual(trailerValues(r, 'X-Stream-Error'), ['invalid file name "../c": path escapes the upload root'])
    // non-streaming: a failure is a single error body
    fake.addFailAfter = 1
    const ns = await httpRequest(t, { method: 'POST', path: '/add?stream-channels=false', headers: { 'Content-Type': MULTIPART_CT }, body: multipartBody([{ path: 'a', content: '1' }, { path: 'b', content: '2' }]) })
    assert.equal(ns.status, 400)
    assert.equal(ns.body, '{"code":400,"message":"fake add failure"}\n')
    fake.addFailAfter = undefined
    fake.failures.set('add', new IPFSError('ipfs is down'))
    const down = await httpRequest(t, { method: 'POST', path: '/add?stream-channels=false', headers: { 'Content-Type': MULTIPART_CT }, body: multipartBody([{ path: 'a', content: '1' }]) })
    assert.equal(down.status, 500)
    assert.equal(down.body, '{"code":500,"message":"ipfs is down"}\n')
    const downStream = await httpRequest(t, { method: 'POST', path: '/add', headers: { 'Content-Type': MULTIPART_CT }, body: multipartBody([{ path: 'a', content: '1' }]) })
    assert.equal(downStream.status, 500)
    assert.equal(downStream.body, '{"code":500,"message":"ipfs is down"}\n')
  })

  it('streams a 50 MB upload through /add with bounded memory', async () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const size = 50 * 1024 * 1024
    const chunk = 64 * 1024
    const expected = createHash('sha256')
    let produced = 0
    async function * body (): AsyncGenerator<Buffer> {
      yield Buffer.from(partHeader({ path: 'big.bin' }))
      while (produced < size) {
        const b = Buffer.allocUnsafe(chunk)
        for (let i = 0; i < chunk; i += 4) b.writeUInt32LE((produced + i) * 2654435761 >>> 0, i)
        expected.update(b)
        produced += chunk
        yield b
      }
      yield Buffer.from(`\r\n--${BOUNDARY}--\r\n`)
    }
    gc()
    const baseline = process.memoryUsage().arrayBuffers
    let peak = 0
    let nextSample = 0
    fake.onAddChunk = (n) => {
      if (n < nextSample) return
      nextSample = n + 4 * 1024 * 1024
      gc()
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - baseline)
    }
    const r = await httpRequest(t, { method: 'POST', path: '/add', headers: { 'Content-Type': MULTIPART_CT }, body: Readable.from(body()) })
    assert.equal(r.status, 200)
    assert.deepEqual(fake.added, [{ path: 'big.bin', type: 'file', size, sha256: expected.digest('hex') }])
    // Socket buffers of the client and the server (same process) account for
    // a few MB whatever the size; holding the upload would need 50 MB.
    assert.ok(peak < 24 * 1024 * 1024, `live buffers grew by ${peak} bytes`)
  })

  it('stops the add when the client goes away mid-upload', async () => {
    let sent = 0
    await new Promise<void>((resolve) => {
      const req = rawRequest({ host: '127.0.0.1', port: t.port, method: 'POST', path: '/add', headers: { 'Content-Type': MULTIPART_CT }, agent: false })
      req.on('error', () => { resolve() })
      req.write(partHeader({ path: 'slow.bin' }))
      const pump = (): void => {
        sent += 65536
        req.write(Buffer.alloc(65536))
        if (fake.added.length === 0 && fake.addError == null && sent < 1024 * 1024) {
          setImmediate(pump)
        } else {
          req.destroy()
          resolve()
        }
      }
      pump()
    })
    await waitFor(() => fake.addError != null, { message: 'add not stopped' })
    assert.equal((fake.addError as Error).name, 'AbortError')
    const after = await httpRequest(t, { path: '/version' })
    assert.equal(after.status, 200)
  })
})
