import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { cleanEntryPath, MultipartReader, multipartBoundary, multipartEntries, parseMediaType, queryUnescape } from '../../src/httpapi/index.js'
import type { AddEntry } from '../../src/interfaces.js'

interface PartSpec {
  filename?: string
  name?: string
  contentType?: string
  body?: string | Buffer
  /** Raw Content-Disposition value (overrides name/filename). */
  disposition?: string
  extra?: string[]
}

const B = 'XyZboundary'

function multipart (parts: PartSpec[], opts: { nl?: string, preamble?: string, epilogue?: string, boundary?: string, final?: boolean } = {}): Buffer {
  const nl = opts.nl ?? '\r\n'
  const boundary = opts.boundary ?? B
  const out: Buffer[] = []
  if (opts.preamble != null) out.push(Buffer.from(opts.preamble))
  for (const p of parts) {
    const disp = p.disposition ?? `form-data; name="${p.name ?? 'file'}"; filename="${p.filename ?? ''}"`
    let head = `--${boundary}${nl}Content-Disposition: ${disp}${nl}`
    if (p.contentType != null) head += `Content-Type: ${p.contentType}${nl}`
    for (const e of p.extra ?? []) head += `${e}${nl}`
    out.push(Buffer.from(head + nl))
    out.push(typeof p.body === 'string' ? Buffer.from(p.body) : p.body ?? Buffer.alloc(0))
    out.push(Buffer.from(nl))
  }
  if (opts.final !== false) out.push(Buffer.from(`--${boundary}--${nl}`))
  if (opts.epilogue != null) out.push(Buffer.from(opts.epilogue))
  return Buffer.concat(out)
}

async function * chunked (buf: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size)
}

interface Collected {
  path: string
  type: AddEntry['type']
  content?: string
  mode?: number
  mtime?: { secs: bigint, nsecs?: number }
}

async function collect (buf: Buffer, chunkSize = 65536, boundary = B): Promise<Collected[]> {
  const out: Collected[] = []
  for await (const e of multipartEntries(chunked(buf, chunkSize), { boundary })) {
    const c: Collected = { path: e.path, type: e.type }
    if (e.content != null) {
      const chunks: Buffer[] = []
      for await (const x of e.content) chunks.push(Buffer.from(x))
      c.content = Buffer.concat(chunks).toString('latin1')
    }
    if (e.mode != null) c.mode = e.mode
    if (e.mtime != null) c.mtime = e.mtime
    out.push(c)
  }
  return out
}

const DIR = 'application/x-directory'
const FILE = 'application/octet-stream'

describe('multipart entries', () => {
  it('reads files, directories and symlinks, parents first', async () => {
    const body = multipart([
      { filename: 'dir', contentType: DIR },
      { filename: 'dir%2Fa.txt', contentType: FILE, body: 'hello' },
      { filename: 'dir%2Fsub', contentType: DIR },
      { filename: 'dir%2Fsub%2Fb.bin', contentType: FILE, body: Buffer.from([0, 1, 2, 255]) },
      { filename: 'dir%2Flink', contentType: 'application/symlink', body: 'a.txt' },
      { filename: 'dir%2Fempty', contentType: FILE, body: '' }
    ])
    assert.deepEqual(await collect(body), [
      { path: 'dir', type: 'directory' },
      { path: 'dir/a.txt', type: 'file', content: 'hello' },
      { path: 'dir/sub', type: 'directory' },
      { path: 'dir/sub/b.bin', type: 'file', content: '\x00\x01\x02\xff' },
      { path: 'dir/link', type: 'symlink', content: 'a.txt' },
      { path: 'dir/empty', type: 'file', content: '' }
    ])
  })

  it('implies missing parent directories', async () => {
    const body = multipart([
      { filename: 'a/b/c.txt', contentType: FILE, body: 'c' },
      { filename: 'a/d.txt', contentType: FILE, body: 'd' },
      { filename: 'a/b', contentType: DIR },
      { filename: 'top.txt', body: 'no content type is a file' }
    ])
    assert.deepEqual(await collect(body), [
      { path: 'a', type: 'directory' },
      { path: 'a/b', type: 'directory' },
      { path: 'a/b/c.txt', type: 'file', content: 'c' },
      { path: 'a/d.txt', type: 'file', content: 'd' },
      { path: 'top.txt', type: 'file', content: 'no content type is a file' }
    ])
  })

  it('unescapes and cleans names, and accepts multipart/form-data directories and RFC 2231 names', async () => {
    const body = multipart([
      { filename: 'my+dir', contentType: 'multipart/form-data; boundary=nested' },
      { filename: 'my%20dir/./x%2By.txt', contentType: FILE, body: '1' },
      { filename: 'my dir/sub/../z.txt', contentType: FILE, body: '2' },
      { disposition: "form-data; name=\"file\"; filename*=UTF-8''%C3%A9t%C3%A9.txt", contentType: FILE, body: '3' },
      { filename: 'bad%zzescape', contentType: FILE, body: '4' }
    ])
    assert.deepEqual(await collect(body), [
      { path: 'my dir', type: 'directory' },
      { path: 'my dir/x+y.txt', type: 'file', content: '1' },
      { path: 'my dir/z.txt', type: 'file', content: '2' },
      { path: 'été.txt', type: 'file', content: '3' },
      { path: 'bad%zzescape', type: 'file', content: '4' }
    ])
  })

  it("reads Kubo's mode and mtime from the part name", async () => {
    const body = multipart([
      { name: 'file?mode=0755&mtime=1700000000&mtime-nsecs=42', filename: 'd', contentType: DIR },
      { name: 'file?mode=644', filename: 'd/f', contentType: FILE, body: 'x' }
    ])
    assert.deepEqual(await collect(body), [
      { path: 'd', type: 'directory', mode: 0o755, mtime: { secs: 1700000000n, nsecs: 42 } },
      { path: 'd/f', type: 'file', content: 'x', mode: 0o644 }
    ])
  })

  it('gives the same result whatever the chunking', async () => {
    const content = `line1\r\n--${B}x not a boundary\r\n-${B}\r\n--${B.slice(0, 5)}\r\n`
    const body = multipart([
      { filename: 'f1', contentType: FILE, body: content },
      { filename: 'f2', contentType: FILE, body: '' },
      { filename: 'f3', contentType: FILE, body: '\r\n' },
      { filename: 'f4', contentType: FILE, body: `--${B}-x` }
    ], { preamble: 'This is a preamble\r\n', epilogue: 'trailing epilogue' })
    const expected = [
      { path: 'f1', type: 'file', content },
      { path: 'f2', type: 'file', content: '' },
      { path: 'f3', type: 'file', content: '\r\n' },
      { path: 'f4', type: 'file', content: `--${B}-x` }
    ]
    for (const size of [1, 2, 3, 5, 7, 13, 16, 31, 64, 1000]) {
      assert.deepEqual(await collect(body, size), expected, `chunk size ${size}`)
    }
  })

  it('accepts LF-only line endings and a bare boundary ending an empty body', async () => {
    const lf = multipart([
      { filename: 'a', contentType: FILE, body: 'A' },
      { filename: 'b', contentType: FILE, body: 'B\nB' }
    ], { nl: '\n' })
    assert.deepEqual(await collect(lf, 3), [
      { path: 'a', type: 'file', content: 'A' },
      { path: 'b', type: 'file', content: 'B\nB' }
    ])
    const bare = Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="file"; filename="e"\r\n\r\n--${B}--\r\n`)
    assert.deepEqual(await collect(bare, 4), [{ path: 'e', type: 'file', content: '' }])
  })

  it('skips the content the consumer did not read', async () => {
    const body = multipart([
      { filename: 'big', contentType: FILE, body: 'x'.repeat(100000) },
      { filename: 'small', contentType: FILE, body: 'y' }
    ])
    const seen: string[] = []
    for await (const e of multipartEntries(chunked(body, 1000), { boundary: B })) {
      seen.push(e.path)
      if (e.path === 'small') {
        const chunks: Buffer[] = []
        for await (const c of e.content ?? []) chunks.push(Buffer.from(c))
        assert.equal(Buffer.concat(chunks).toString(), 'y')
      } else {
        // read a bit, then leave
        for await (const c of e.content ?? []) { assert.ok(c.byteLength > 0); break }
      }
    }
    assert.deepEqual(seen, ['big', 'small'])
  })

  it('streams part bodies in pieces no bigger than the input chunks', async () => {
    const size = 8 * 1024 * 1024
    const body = multipart([{ filename: 'f', contentType: FILE, body: Buffer.alloc(size, 7) }])
    let total = 0
    let biggest = 0
    for await (const e of multipartEntries(chunked(body, 65536), { boundary: B })) {
      for await (const c of e.content ?? []) {
        total += c.byteLength
        biggest = Math.max(biggest, c.byteLength)
      }
    }
    assert.equal(total, size)
    assert.ok(biggest <= 65536 + B.length + 4, `chunk of ${biggest} bytes`)
  })

  it('refuses paths escaping the upload root and absolute paths', async () => {
    for (const filename of ['../etc/passwd', 'a/../../b', '%2Fetc%2Fpasswd', '/abs', '..', 'a/../..', '.', 'a/..', '']) {
      await assert.rejects(collect(multipart([{ filename, contentType: FILE, body: 'x' }])), { name: 'InvalidArgumentError' }, filename)
    }
    assert.equal(cleanEntryPath('a/./b//c/../d'), 'a/b/d')
    assert.throws(() => cleanEntryPath('a/\0b'), { name: 'InvalidArgumentError' })
  })

  it('refuses conflicting entries', async () => {
    await assert.rejects(collect(multipart([{ filename: 'a', body: '1' }, { filename: 'a', body: '2' }])), /duplicate entry "a"/)
    await assert.rejects(collect(multipart([{ filename: 'a', body: '1' }, { filename: 'a/b', body: '2' }])), /inside "a", which is not a directory/)
    await assert.rejects(collect(multipart([{ filename: 'a/b', body: '1' }, { filename: 'a', body: '2' }])), /duplicate entry "a"/)
  })

  it('fails broken bodies with InvalidArgumentError', async () => {
    const good = multipart([{ filename: 'f', contentType: FILE, body: 'data' }])
    const cases: Array<[string, Buffer, RegExp]> = [
      ['no boundary at all', Buffer.from('just some text\r\n'), /no multipart boundary found/],
      ['empty body', Buffer.alloc(0), /no multipart boundary found/],
      ['truncated content', good.subarray(0, good.length - 20), /unexpected end of body in part content/],
      ['truncated headers', Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n`), /unexpected end of body in part headers/],
      ['no final boundary', multipart([{ filename: 'f', body: 'data' }], { final: false }), /unexpected end of body/],
      ['bad header line', Buffer.from(`--${B}\r\nthis is not a header\r\n\r\nx\r\n--${B}--\r\n`), /malformed MIME header line/],
      ['garbage after delimiter', Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\nx\r\n--${B} junk\r\n`), /expecting a new part/],
      ['no filename', multipart([{ disposition: 'form-data; name="file"', body: 'x' }]), /no filename/],
      ['bad disposition', multipart([{ disposition: 'form-data; name="unterminated', body: 'x' }]), /invalid Content-Disposition/],
      ['bad content type', multipart([{ filename: 'f', contentType: '/', body: 'x' }]), /invalid Content-Type/],
      ['bad mode', multipart([{ name: 'file?mode=999', filename: 'f', body: 'x' }]), /invalid mode/],
      ['huge header', Buffer.from(`--${B}\r\nX-Big: ${'a'.repeat(70000)}\r\n\r\nx\r\n--${B}--\r\n`), /too large/]
    ]
    for (const [what, body, re] of cases) {
      await assert.rejects(collect(body, 1024), (err: Error) => {
        assert.equal(err.name, 'InvalidArgumentError', what)
        assert.match(err.message, re, what)
        return true
      })
    }
  })

  it('stops at the final boundary and yields nothing for an empty form', async () => {
    assert.deepEqual(await collect(Buffer.from(`--${B}--\r\n`)), [])
    const reader = new MultipartReader(chunked(Buffer.from(`--${B}--`), 1), B)
    assert.equal(await reader.nextPart(), null)
    assert.equal(await reader.nextPart(), null)
  })

  it('turns source failures into AbortError', async () => {
    async function * broken (): AsyncGenerator<Uint8Array> {
      yield Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\nsome`)
      throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' })
    }
    await assert.rejects(async () => {
      for await (const e of multipartEntries(broken(), { boundary: B })) {
        for await (const c of e.content ?? []) { assert.ok(c) }
      }
    }, { name: 'AbortError' })
  })
})

describe('multipart helpers', () => {
  it('checks the request content type like Go MultipartReader', () => {
    assert.equal(multipartBoundary('multipart/form-data; boundary=abc'), 'abc')
    assert.equal(multipartBoundary('Multipart/Mixed; boundary="a b"'), 'a b')
    for (const ct of [undefined, '', 'application/json', 'text/plain; boundary=x', 'multipart/related; boundary=x', ';;;', 'multipart/form-data; boundary=']) {
      assert.throws(() => multipartBoundary(ct), { name: 'InvalidArgumentError', message: "request Content-Type isn't multipart/form-data" })
    }
    for (const ct of ['multipart/form-data', 'multipart/form-data; boundary=""', 'multipart/form-data; charset=utf-8']) {
      assert.throws(() => multipartBoundary(ct), { name: 'InvalidArgumentError', message: 'no multipart boundary param in Content-Type' })
    }
  })

  it('parses media types with quoted, escaped and continued parameters', () => {
    assert.deepEqual(parseMediaType('Form-Data; Name="a\\"b"; filename=plain.txt'), { type: 'form-data', params: { name: 'a"b', filename: 'plain.txt' } })
    assert.deepEqual(parseMediaType("attachment; filename*0=\"long\"; filename*1*=%20name"), { type: 'attachment', params: { filename: 'long name' } })
    assert.throws(() => parseMediaType('form-data; a=1; a=2'), /duplicate parameter/)
  })

  it('unescapes like Go url.QueryUnescape', () => {
    assert.equal(queryUnescape('a+b%2Fc%C3%A9'), 'a b/cé')
    assert.equal(queryUnescape('100%'), '100%')
  })
})
