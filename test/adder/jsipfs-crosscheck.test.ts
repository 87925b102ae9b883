/**
 * CID equality with an independent UnixFS importer: the js-ipfs 0.66 daemon
 * (Kubo `add` options over HTTP) and, for hash functions js-ipfs does not
 * ship (sha3-512, blake2b-256), the same importer (ipfs-unixfs-importer 12)
 * called in-process with the hasher. Everything goes through the full
 * cluster adder (entries in, AddedOutput items out).
 *
 * Not cross-checked here: rabin (js-ipfs' rabin differs from Kubo's; see
 * unixfs.test.ts for the model test) and the HAMT switch point (js-ipfs
 * shards at 1000 entries, Kubo at 256 KiB estimated; the HAMT test uses a
 * directory both shard).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { blake2b256 } from '@multiformats/blake2/blake2b'
import { sha3512 } from '@multiformats/sha3'
import { addedLines, collect, dirEntry, fakeCluster, fileEntry, fromArray, params, pseudoRandom } from './helpers.js'
import { JSIPFS_BIN, jsIpfsAvailable, startJsIpfs } from './jsipfs-daemon.js'
import type { JsIpfsAddEntry, JsIpfsDaemon } from './jsipfs-daemon.js'
import type { AddedOutput } from '../../src/api/types.js'
import type { AddEntry, AddParams } from '../../src/interfaces.js'
import type { MultihashHasher } from 'multiformats/hashes/interface'

const skip = !jsIpfsAvailable()

interface Item { path: string, type: 'file' | 'directory', data?: Uint8Array }

function toEntries (items: Item[]): AddEntry[] {
  return items.map((i) => i.type === 'directory' ? dirEntry(i.path) : fileEntry(i.path, i.data as Uint8Array, 50_000))
}

function toJs (items: Item[]): JsIpfsAddEntry[] {
  return items.map((i) => ({ path: i.path, type: i.type, content: i.data }))
}

async function ours (items: Item[], p: Partial<AddParams>): Promise<AddedOutput[]> {
  const fc = fakeCluster()
  return await collect(fc.adder.add(fromArray(toEntries(items)), params(p)))
}

function byName (outs: Array<{ name: string, cid: { bytes: Uint8Array } | null, size: number }>): Map<string, string> {
  const m = new Map<string, string>()
  for (const o of outs) {
    if (o.cid == null) continue
    m.set(o.name, `${Buffer.from(o.cid.bytes).toString('hex')}/${o.size}`)
  }
  return m
}

const enc = new TextEncoder()

/**
 * Our outputs agree with js-ipfs' for every name js-ipfs prints; js-ipfs
 * does not print some directories Kubo prints (empty directories, sharded
 * sub-directories): those must be exactly `extra`.
 */
function assertSameCids (outs: AddedOutput[], expected: Array<{ name: string, cid: { bytes: Uint8Array } | null, size: number }>, extra: string[] = []): void {
  const o = byName(outs)
  const e = byName(expected)
  for (const [name, v] of e) assert.equal(o.get(name), v, name)
  assert.deepEqual([...o.keys()].filter((k) => !e.has(k)).sort(), [...extra].sort())
}

/** The sharness testFolder plus nesting, a hidden file and an empty directory. */
function testFolder (prefix = 'testFolder'): Item[] {
  return [
    { path: prefix, type: 'directory' },
    { path: `${prefix}/.hidden`, type: 'file', data: enc.encode('secret\n') },
    { path: `${prefix}/abc.txt`, type: 'file', data: enc.encode('abc\n') },
    { path: `${prefix}/empty`, type: 'directory' },
    { path: `${prefix}/smallfile.bin`, type: 'file', data: pseudoRandom(500, 1) },
    { path: `${prefix}/subfolder`, type: 'directory' },
    { path: `${prefix}/subfolder/bigfile.bin`, type: 'file', data: pseudoRandom(1_300_000, 2) },
    { path: `${prefix}/subfolder/deeper`, type: 'directory' },
    { path: `${prefix}/subfolder/deeper/zero.bin`, type: 'file', data: new Uint8Array(262145) }
  ]
}

describe('CIDs equal to js-ipfs (daemon)', { skip }, () => {
  let js: JsIpfsDaemon

  before(async () => {
    js = await startJsIpfs({ sharding: true })
  })

  after(async () => {
    await js?.stop()
  })

  const combos: Array<{ label: string, q: Record<string, string | number | boolean>, p: Partial<AddParams> }> = [
    { label: 'defaults', q: {}, p: {} },
    { label: 'raw-leaves', q: { 'raw-leaves': true }, p: { rawLeaves: true } },
    { label: 'cid-version 1', q: { 'cid-version': 1 }, p: { cidVersion: 1, rawLeaves: true } },
    { label: 'cid-version 1 raw-leaves=false', q: { 'cid-version': 1, 'raw-leaves': false }, p: { cidVersion: 1, rawLeaves: false } },
    { label: 'trickle', q: { trickle: true }, p: { layout: 'trickle' } },
    { label: 'trickle raw-leaves', q: { trickle: true, 'raw-leaves': true }, p: { layout: 'trickle', rawLeaves: true } },
    { label: 'size-1000', q: { chunker: 'size-1000' }, p: { chunker: 'size-1000' } },
    { label: 'sha2-512', q: { hash: 'sha2-512', 'raw-leaves': true }, p: { hashFun: 'sha2-512', cidVersion: 1, rawLeaves: true } }
  ]
  const sizes = [0, 5, 500, 262144, 262145, 20 * 1024 * 1024]

  for (const size of sizes) {
    it(`files of ${size} bytes, every option combination`, async () => {
      const data = pseudoRandom(size, size)
      for (const c of combos) {
        if (c.label === 'size-1000' && size > 1_000_000) continue
        const [expected] = await js.add([{ path: 'file.bin', type: 'file', content: data }], c.q)
        const outs = await ours([{ path: 'file.bin', type: 'file', data }], c.p)
        assert.equal(outs.length, 1)
        assert.equal(outs[0].name, 'file.bin')
        assert.deepEqual(byName(outs), byName([expected]), `${c.label}, ${size} bytes`)
      }
    })
  }

  it('size-1000 on 2 MiB (depth-2 balanced tree, deep trickle tree)', async () => {
    const data = pseudoRandom(2 * 1024 * 1024, 99)
    const cases: Array<{ q: Record<string, string | boolean>, o: Partial<AddParams> }> = [
      { q: { chunker: 'size-1000' }, o: { chunker: 'size-1000' } },
      { q: { chunker: 'size-1000', trickle: true }, o: { chunker: 'size-1000', layout: 'trickle' } }
    ]
    for (const p of cases) {
      const [expected] = await js.add([{ path: 'big.bin', type: 'file', content: data }], p.q)
      const outs = await ours([{ path: 'big.bin', type: 'file', data }], p.o)
      assert.deepEqual(byName(outs), byName([expected]))
    }
  })

  const dirCombos: Array<{ label: string, q: Record<string, string | number | boolean>, p: Partial<AddParams> }> = [
    { label: '-r', q: {}, p: {} },
    { label: '-r -w', q: { 'wrap-with-directory': true }, p: { wrapWithDirectory: true } },
    { label: '--cid-version 1 -r', q: { 'cid-version': 1 }, p: { cidVersion: 1, rawLeaves: true } },
    { label: '--raw-leaves -r', q: { 'raw-leaves': true }, p: { rawLeaves: true } },
    { label: '--trickle -r', q: { trickle: true }, p: { layout: 'trickle' } }
  ]
  for (const c of dirCombos) {
    it(`directories: ${c.label}`, async () => {
      const items = testFolder()
      const expected = await js.add(toJs(items), c.q)
      const outs = await ours(items, c.p)
      assertSameCids(outs, expected, ['testFolder/empty'])
      const emptyDir = outs.find((o) => o.name === 'testFolder/empty')
      assert.equal(emptyDir?.cid?.toString(), c.p.cidVersion === 1 ? 'bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354' : 'QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn')
      // Kubo's order: files as added, then directories bottom-up (sorted)
      const names = outs.map((o) => o.name)
      const dirs = ['testFolder/empty', 'testFolder/subfolder/deeper', 'testFolder/subfolder', 'testFolder']
      assert.deepEqual(names, [
        'testFolder/.hidden', 'testFolder/abc.txt', 'testFolder/smallfile.bin', 'testFolder/subfolder/bigfile.bin',
        'testFolder/subfolder/deeper/zero.bin', ...dirs, ...(c.p.wrapWithDirectory === true ? [''] : [])
      ])
    })
  }

  it('wrap a single file (-w, --raw-leaves -w)', async () => {
    const data = pseudoRandom(500, 5)
    for (const [q, p] of [[{}, {}], [{ 'raw-leaves': true }, { rawLeaves: true }]] as const) {
      const expected = await js.add([{ path: 'smallfile.bin', type: 'file', content: data }], { ...q, 'wrap-with-directory': true })
      const outs = await ours([{ path: 'smallfile.bin', type: 'file', data }], { ...p, wrapWithDirectory: true })
      assert.deepEqual(outs.map((o) => o.name), ['smallfile.bin', ''])
      assert.deepEqual(byName(outs), byName(expected))
      assert.match(addedLines(outs)[1], /^added Qm\w+ $/)
    }
  })

  it('wrap several top-level entries', async () => {
    const items: Item[] = [
      { path: 'a.txt', type: 'file', data: enc.encode('a') },
      ...testFolder('dir1'),
      { path: 'z.bin', type: 'file', data: pseudoRandom(300_000, 8) }
    ]
    const expected = await js.add(toJs(items), { 'wrap-with-directory': true })
    const outs = await ours(items, { wrapWithDirectory: true })
    assertSameCids(outs, expected, ['dir1/empty'])
    assert.equal(outs[outs.length - 1].name, '')
  })
})

describe('CIDs equal to ipfs-unixfs-importer 12 (the js-ipfs importer) in-process: other hashes, HAMT', { skip }, () => {
  type ImporterFn = (source: Array<{ path: string, content?: Uint8Array }>, blockstore: unknown, options: Record<string, unknown>) => AsyncIterable<{ cid: { bytes: Uint8Array }, path: string, size: number | bigint }>
  let importer: ImporterFn

  before(async () => {
    const file = join(JSIPFS_BIN, '..', '..', '..', 'ipfs-unixfs-importer', 'src', 'index.js')
    importer = (await import(pathToFileURL(file).href)).importer
  })

  async function reference (items: Item[], hasher: MultihashHasher | undefined, extra: Record<string, unknown>): Promise<Map<string, string>> {
    const blockstore = { put: async (cid: unknown) => cid, has: async () => false }
    const out: Array<{ name: string, cid: { bytes: Uint8Array }, size: number }> = []
    const source = items.map((i) => i.type === 'directory' ? { path: i.path } : { path: i.path, content: i.data })
    for await (const r of importer(source, blockstore, { cidVersion: 1, rawLeaves: true, ...(hasher != null ? { hasher } : {}), ...extra })) {
      out.push({ name: r.path, cid: r.cid, size: Number(r.size) })
    }
    return byName(out)
  }

  for (const [name, hasher] of [['sha3-512', sha3512], ['blake2b-256', blake2b256]] as Array<[string, MultihashHasher]>) {
    it(`--hash ${name} -r (CIDv1, raw leaves), balanced and trickle`, async () => {
      const items = testFolder()
      const check = (outs: AddedOutput[], ref: Map<string, string>): void => {
        const o = byName(outs)
        for (const [k, v] of ref) assert.equal(o.get(k), v, k)
        assert.deepEqual([...o.keys()].filter((k) => !ref.has(k)), ['testFolder/empty'])
      }
      check(await ours(items, { hashFun: name, cidVersion: 1, rawLeaves: true }), await reference(items, hasher, {}))
      const trickleRef = await reference(items, hasher, { strategy: 'trickle', leafType: 'raw', reduceSingleLeafToSelf: false })
      check(await ours(items, { hashFun: name, cidVersion: 1, rawLeaves: true, layout: 'trickle' }), trickleRef)
    })

    it(`--hash ${name}: files of 0, 5 and 600000 bytes`, async () => {
      for (const size of [0, 5, 600_000]) {
        const items: Item[] = [{ path: 'f', type: 'file', data: pseudoRandom(size, 3) }]
        assert.deepEqual(byName(await ours(items, { hashFun: name, cidVersion: 1, rawLeaves: true })), await reference(items, hasher, {}))
        assert.deepEqual(byName(await ours(items, { hashFun: name, cidVersion: 1, rawLeaves: false })), await reference(items, hasher, { rawLeaves: false }))
      }
    })
  }
  it('HAMT-sharded directories (root and nested), CIDv0 and CIDv1', async () => {
    const items: Item[] = [{ path: 'big', type: 'directory' }]
    // ≥ 1000 entries (js-ipfs shards) and ≥ 256 KiB estimated (Kubo shards) in both
    for (let i = 0; i < 1000; i++) {
      items.push({ path: `big/${'entry-with-a-rather-long-name-'.repeat(8)}${i}.txt`, type: 'file', data: enc.encode(`content ${i}`) })
    }
    items.push({ path: 'big/sub', type: 'directory' })
    for (let i = 0; i < 1000; i++) {
      items.push({ path: `big/sub/${'nested-long-file-name-'.repeat(11)}${i}`, type: 'file', data: enc.encode(`n${i}`) })
    }
    for (const [cidVersion, rawLeaves] of [[0, false], [1, true]] as const) {
      // the importer's own sha2-256 (it forces CIDv1 for any other hasher object)
      const ref = await reference(items, undefined, { cidVersion, rawLeaves, shardSplitThreshold: 1000 })
      const o = byName(await ours(items, { cidVersion, rawLeaves }))
      assert.ok(ref.has('big'))
      for (const [k, v] of ref) assert.equal(o.get(k), v, k)
      assert.deepEqual([...o.keys()].filter((k) => !ref.has(k)), ['big/sub'])
    }
  })
})
