/**
 * The tar writer of `get`: ustar headers, PAX records for long and
 * non-ASCII names, symlinks, size checks; read back by an independent
 * reader and by GNU tar when available.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile, spawnSync } from 'node:child_process'
import { lstat, mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { tarHeader, tarStream, type TarEntry } from '../../src/ipfsproxy/index.js'
import { readTar } from './tar-reader.js'

const execFileP = promisify(execFile)

async function archive (entries: Array<{ entry: TarEntry, content?: string | Buffer }>): Promise<Buffer> {
  const source = (async function * () {
    for (const { entry, content } of entries) {
      yield {
        entry,
        content: content == null ? undefined : (async function * () { yield Buffer.from(content) })()
      }
    }
  })()
  const chunks: Uint8Array[] = []
  for await (const c of tarStream(source)) chunks.push(c)
  return Buffer.concat(chunks)
}

describe('tar writer', () => {
  const longDir = 'd'.repeat(120)
  const longName = `${longDir}/${'f'.repeat(90)}`
  const veryLong = `${'x'.repeat(200)}/${'y'.repeat(150)}`
  const entries = [
    { entry: { name: 'root', type: 'directory' as const, mtime: 1700000000 } },
    { entry: { name: 'root/a.txt', type: 'file' as const, size: 5, mtime: 1700000000 }, content: 'hello' },
    { entry: { name: 'root/empty', type: 'file' as const, size: 0 }, content: '' },
    { entry: { name: 'root/block', type: 'file' as const, size: 512 }, content: Buffer.alloc(512, 0x61) },
    { entry: { name: 'root/link', type: 'symlink' as const, linkname: 'a.txt' } },
    { entry: { name: `root/${longName}`, type: 'file' as const, size: 1 }, content: 'L' },
    { entry: { name: `root/${veryLong}`, type: 'file' as const, size: 2 }, content: 'VL' },
    { entry: { name: 'root/café ☕.txt', type: 'file' as const, size: 3 }, content: 'uni' },
    { entry: { name: 'root/longlink', type: 'symlink' as const, linkname: 'z'.repeat(150) } }
  ]

  it('writes entries an independent reader reads back', async () => {
    const tar = await archive(entries)
    assert.equal(tar.length % 512, 0)
    assert.ok(tar.subarray(tar.length - 1024).every((b) => b === 0), 'ends with two zero blocks')
    const read = readTar(tar)
    assert.deepEqual(read.map((e) => [e.name, e.type, e.size, e.linkname, e.content.toString()]), [
      ['root', '5', 0, '', ''],
      ['root/a.txt', '0', 5, '', 'hello'],
      ['root/empty', '0', 0, '', ''],
      ['root/block', '0', 512, '', 'a'.repeat(512)],
      ['root/link', '2', 0, 'a.txt', ''],
      [`root/${longName}`, '0', 1, '', 'L'],
      [`root/${veryLong}`, '0', 2, '', 'VL'],
      ['root/café ☕.txt', '0', 3, '', 'uni'],
      ['root/longlink', '2', 0, 'z'.repeat(150), '']
    ])
    assert.equal(read[0].mode, 0o777)
    assert.equal(read[1].mode, 0o644)
  })

  it('uses the ustar prefix for long paths and PAX only when needed', () => {
    assert.equal(tarHeader({ name: 'short', type: 'file', size: 1 }).byteLength, 512)
    assert.equal(tarHeader({ name: `root/${longName}`, type: 'file', size: 1 }).byteLength, 512, 'prefix/name split')
    assert.ok(tarHeader({ name: veryLong, type: 'file', size: 1 }).byteLength > 512, 'PAX header')
    assert.ok(tarHeader({ name: 'é', type: 'file', size: 1 }).byteLength > 512, 'non-ASCII → PAX')
    const huge = tarHeader({ name: 'big', type: 'file', size: 10n * 1024n ** 3n })
    assert.ok(huge.byteLength > 512, 'sizes beyond 8 GiB → PAX')
    assert.match(Buffer.from(huge).toString('latin1'), /\d+ size=10737418240\n/)
  })

  it('fails when a file content does not match its size', async () => {
    await assert.rejects(archive([{ entry: { name: 'f', type: 'file', size: 3 }, content: 'ab' }]), /content of 2 bytes, expected 3/)
    await assert.rejects(archive([{ entry: { name: 'f', type: 'file', size: 1 }, content: 'ab' }]), /content longer than its size/)
  })

  it('is read by GNU tar', { skip: spawnSync('tar', ['--version']).status !== 0 ? 'no tar command' : false }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tar-writer-'))
    try {
      await writeFile(join(dir, 'x.tar'), await archive(entries))
      const { stdout } = await execFileP('tar', ['-tf', join(dir, 'x.tar')])
      assert.deepEqual(stdout.trim().split('\n'), entries.map((e) => e.entry.name))
      await execFileP('tar', ['-xf', join(dir, 'x.tar'), '-C', dir])
      assert.equal(await readFile(join(dir, 'root', 'a.txt'), 'utf8'), 'hello')
      assert.equal(await readFile(join(dir, 'root', veryLong), 'utf8'), 'VL')
      assert.equal(await readFile(join(dir, 'root', 'café ☕.txt'), 'utf8'), 'uni')
      assert.equal(await readlink(join(dir, 'root', 'link')), 'a.txt')
      assert.equal(await readlink(join(dir, 'root', 'longlink')), 'z'.repeat(150))
      assert.equal((await lstat(join(dir, 'root', 'a.txt'))).mtime.getTime(), 1700000000 * 1000)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
