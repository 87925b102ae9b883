import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { chmod, lutimes, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient, defaultAddParams } from '../../src/client/index.js'
import { FakeRestServer, sendStream } from '../fakes/fake-rest-server.js'
import { CID1, CID2 } from '../fakes/rest-fixtures.js'
import { boundaryOf, parseMultipart, partFilename, partName } from '../helpers/multipart-parse.js'
import type { RestClient, UploadProgress } from '../../src/client/index.js'
import type { AddressInfo } from 'node:net'

const MTIME = 1715422661
const DEFAULT_QUERY = 'chunker=size-262144&cid-version=0&format=unixfs&hash=sha2-256&hidden=false&layout=&local=false&mode=recursive&name=&no-pin=false&nocopy=false&progress=false&raw-leaves=false&recursive=false&replication-max=0&replication-min=0&shard=false&shard-size=104857600&stream-channels=true&user-allocations=&wrap-with-directory=false'

async function collect<T> (it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

describe('client: add', () => {
  let server: FakeRestServer
  let client: RestClient
  let dir: string

  before(async () => {
    server = await FakeRestServer.start()
    server.on('POST', '/add', async (_req, res) => {
      await sendStream(res, [{ name: 'x', cid: CID1, size: 12 }, { name: '', cid: CID2, size: 99, allocations: [] }])
    })
    client = createClient({ hosts: [server.multiaddr] })
    dir = await mkdtemp(join(tmpdir(), 'ctl-add-'))
    // testFolder/{abc.txt, .hidden, link -> abc.txt, subfolder/{bigfile.bin}, 'sp ace&.txt'}
    const tf = join(dir, 'testFolder')
    await mkdir(join(tf, 'subfolder'), { recursive: true })
    await writeFile(join(tf, 'abc.txt'), 'abc\n')
    await writeFile(join(tf, '.hidden'), 'secret')
    await writeFile(join(tf, 'sp ace&.txt'), '')
    await writeFile(join(tf, 'subfolder', 'bigfile.bin'), Buffer.alloc(300000, 7))
    await symlink('abc.txt', join(tf, 'link'))
    for (const p of ['abc.txt', '.hidden', 'sp ace&.txt', 'subfolder/bigfile.bin']) {
      await chmod(join(tf, p), 0o644)
      await utimes(join(tf, p), MTIME, MTIME + 0.5)
    }
    for (const p of ['', 'subfolder']) {
      await chmod(join(tf, p), 0o755)
    }
    await lutimes(join(tf, 'link'), MTIME, MTIME)
    await utimes(join(tf, 'subfolder'), MTIME, MTIME)
    await utimes(tf, MTIME, MTIME)
    await writeFile(join(dir, 'single.txt'), 'hello\n')
    await chmod(join(dir, 'single.txt'), 0o600)
    await utimes(join(dir, 'single.txt'), MTIME, MTIME)
  })

  after(async () => {
    client.close()
    await server.stop()
    await rm(dir, { recursive: true, force: true })
  })

  afterEach(() => {
    server.requests.length = 0
  })

  it('sends a single file as one part with the default query', async () => {
    const out = await collect(client.add([join(dir, 'single.txt')], defaultAddParams()))
    assert.deepEqual(out, [{ name: 'x', cid: CID1, size: 12 }, { name: '', cid: CID2, size: 99 }])
    const r = server.requests[0]
    assert.equal(r.method, 'POST')
    assert.equal(r.rawQuery, DEFAULT_QUERY)
    assert.equal(r.headers['transfer-encoding'], 'chunked')
    const boundary = boundaryOf(r.headers['content-type'])
    assert.match(boundary, /^[0-9a-f]{60}$/)
    const parts = parseMultipart(r.body, boundary)
    assert.equal(parts.length, 1)
    assert.deepEqual(parts[0].headerOrder, ['Abspath-Encoded', 'Content-Disposition', 'Content-Type'])
    assert.equal(parts[0].headers['Abspath-Encoded'], encodeURIComponent(join(dir, 'single.txt')))
    assert.equal(parts[0].headers['Content-Disposition'], `form-data; name="file?mode=0600&mtime=${MTIME}"; filename="single.txt"`)
    assert.equal(parts[0].headers['Content-Type'], 'application/octet-stream')
    assert.equal(parts[0].body.toString(), 'hello\n')
    // exact framing of Go mime/multipart
    assert.ok(r.body.toString().endsWith(`hello\n\r\n--${boundary}--\r\n`))
  })

  it('walks directories: parents first, sorted names, no dot-files, symlinks as symlinks', async () => {
    const p = { ...defaultAddParams(), recursive: true }
    await collect(client.add([join(dir, 'testFolder')], p))
    const r = server.requests[0]
    assert.match(r.rawQuery, /&recursive=true&/)
    const parts = parseMultipart(r.body, boundaryOf(r.headers['content-type']))
    assert.deepEqual(parts.map((x) => [partFilename(x), x.headers['Content-Type']]), [
      ['testFolder', 'application/x-directory'],
      ['testFolder/abc.txt', 'application/octet-stream'],
      ['testFolder/link', 'application/symlink'],
      ['testFolder/sp ace&.txt', 'application/octet-stream'],
      ['testFolder/subfolder', 'application/x-directory'],
      ['testFolder/subfolder/bigfile.bin', 'application/octet-stream']
    ])
    assert.equal(parts[0].headers['Content-Disposition'], `form-data; name="file?mode=020000000755&mtime=${MTIME}"; filename="testFolder"`)
    assert.equal(parts[0].headers['Abspath-Encoded'], undefined)
    assert.equal(parts[0].body.length, 0)
    assert.equal(partName(parts[1]), `file?mode=0644&mtime=${MTIME}&mtime-nsecs=500000000`)
    assert.equal(parts[1].headers['Content-Disposition'].split('; ')[2], 'filename="testFolder%2Fabc.txt"')
    assert.equal(parts[1].body.toString(), 'abc\n')
    assert.equal(partName(parts[2]), `file?mode=01000000777&mtime=${MTIME}`)
    assert.equal(parts[2].body.toString(), 'abc.txt')
    assert.equal(parts[3].headers['Content-Disposition'].split('; ')[2], 'filename="testFolder%2Fsp+ace%26.txt"')
    assert.equal(parts[3].body.length, 0)
    assert.deepEqual(parts[5].body, Buffer.alloc(300000, 7))
  })

  it('includes dot-files with hidden', async () => {
    await collect(client.add([join(dir, 'testFolder')], { ...defaultAddParams(), recursive: true, hidden: true }))
    const r = server.requests[0]
    assert.match(r.rawQuery, /&hidden=true&/)
    const names = parseMultipart(r.body, boundaryOf(r.headers['content-type'])).map(partFilename)
    assert.deepEqual(names.slice(0, 2), ['testFolder', 'testFolder/.hidden'])
  })

  it('sends several top-level entries and the pin/add options in the query', async () => {
    const params = {
      ...defaultAddParams(),
      wrap: true,
      name: 'n',
      replicationFactorMin: -1,
      replicationFactorMax: -1,
      metadata: { kind: 'text' },
      userAllocations: ['12D3KooWGHTKzeT4KaLGLrbKKyT8zKrBPXAUBRzCAN6ZMDMo4M6M'],
      cidVersion: 1,
      rawLeaves: true,
      layout: 'trickle',
      format: 'unixfs',
      local: true,
      noPin: true
    }
    await collect(client.add([join(dir, 'single.txt'), join(dir, 'testFolder', 'abc.txt')], params))
    const r = server.requests[0]
    assert.equal(r.rawQuery, 'chunker=size-262144&cid-version=1&format=unixfs&hash=sha2-256&hidden=false&layout=trickle&local=true&meta-kind=text&mode=recursive&name=n&no-pin=true&nocopy=false&progress=false&raw-leaves=true&recursive=false&replication-max=-1&replication-min=-1&shard=false&shard-size=104857600&stream-channels=true&user-allocations=12D3KooWGHTKzeT4KaLGLrbKKyT8zKrBPXAUBRzCAN6ZMDMo4M6M&wrap-with-directory=true')
    assert.deepEqual(parseMultipart(r.body, boundaryOf(r.headers['content-type'])).map(partFilename), ['single.txt', 'abc.txt'])
  })

  it('uses the real directory name for "." and trailing slashes', async () => {
    await collect(client.add([join(dir, 'testFolder', 'subfolder', '.'), join(dir, 'testFolder') + '/'], { ...defaultAddParams(), recursive: true }))
    const r = server.requests[0]
    const names = parseMultipart(r.body, boundaryOf(r.headers['content-type'])).map(partFilename)
    assert.deepEqual(names, ['subfolder', 'subfolder/bigfile.bin', 'testFolder', 'testFolder/abc.txt', 'testFolder/link', 'testFolder/sp ace&.txt', 'testFolder/subfolder', 'testFolder/subfolder/bigfile.bin'])
  })

  it('reports upload progress', async () => {
    const seen: UploadProgress[] = []
    await collect(client.add([join(dir, 'testFolder')], { ...defaultAddParams(), recursive: true }, { onUploadProgress: (p) => seen.push(p) }))
    assert.ok(seen.length >= 2)
    assert.deepEqual(seen.at(-1), { bytes: 300004, total: 300004 })
  })

  it('fails locally, before any request, on bad arguments', async () => {
    await assert.rejects(collect(client.add([join(dir, 'testFolder')], defaultAddParams())), {
      name: 'InvalidArgumentError',
      message: `${join(dir, 'testFolder')} is a directory, but Recursive option is not set`
    })
    await assert.rejects(collect(client.add([join(dir, 'missing')], defaultAddParams())), {
      name: 'InvalidArgumentError',
      message: `lstat ${join(dir, 'missing')}: no such file or directory`
    })
    await assert.rejects(collect(client.add([join(dir, 'single.txt')], { ...defaultAddParams(), noCopy: true })), {
      message: 'nocopy option is only valid for URLs'
    })
    assert.equal(server.requests.length, 0)
  })

  it('fetches http(s) arguments and uploads them under their URL basename', async () => {
    const web = http.createServer((req, res) => {
      if (req.url === '/files/hello.txt?x=1') {
        res.end('from the web')
        return
      }
      res.statusCode = 404
      res.end()
    })
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(web.address() as AddressInfo).port}/files/hello.txt?x=1`
    try {
      await collect(client.add([url], { ...defaultAddParams(), noCopy: true, rawLeaves: true }))
      const r = server.requests[0]
      assert.match(r.rawQuery, /&nocopy=true&/)
      const [part] = parseMultipart(r.body, boundaryOf(r.headers['content-type']))
      assert.equal(part.headers['Content-Disposition'], 'form-data; name="file"; filename="hello.txt"')
      assert.equal(part.headers['Abspath-Encoded'], encodeURIComponent(url))
      assert.equal(part.body.toString(), 'from the web')
      // a failing download fails the request (transport error)
      await assert.rejects(collect(client.add([url.replace('hello', 'nope')], defaultAddParams())), { name: 'ApiError', code: 0, message: /got non-2XX status code 404/ })
    } finally {
      await new Promise<void>((resolve) => web.close(() => { resolve() }))
    }
  })

  it('sends in-memory entries (addEntries)', async () => {
    await collect(client.addEntries([
      { kind: 'directory', name: 'd', entries: [{ kind: 'file', name: 'a', data: 'A' }, { kind: 'symlink', name: 's', target: 'a' }] }
    ], { ...defaultAddParams(), recursive: true }))
    const r = server.requests[0]
    const parts = parseMultipart(r.body, boundaryOf(r.headers['content-type']))
    assert.deepEqual(parts.map((p) => [p.headers['Content-Disposition'], p.body.toString()]), [
      ['form-data; name="file"; filename="d"', ''],
      ['form-data; name="file"; filename="d%2Fa"', 'A'],
      ['form-data; name="file"; filename="d%2Fs"', 'a']
    ])
  })
})
