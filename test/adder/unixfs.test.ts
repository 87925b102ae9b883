/**
 * UnixFS builder unit tests: known Kubo CIDs, canonical encodings, chunker
 * parsing and behaviour, HAMT threshold and layout. Cross-checks against
 * an independent importer are in jsipfs-crosscheck.test.ts.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { dagOptionsFromParams, defaultAddParams } from '../../src/adder/params.js'
import { DirectoryTree, finalizeTree, symlinkNode } from '../../src/adder/unixfs/dir.js'
import { FileBuilder } from '../../src/adder/unixfs/file.js'
import { createChunker, parseChunker } from '../../src/adder/unixfs/chunker.js'
import { hasherByName } from '../../src/adder/unixfs/hasher.js'
import { murmur3x64h1 } from '../../src/adder/unixfs/murmur3.js'
import { pseudoRandom } from './helpers.js'
import type { BlockWithCid } from '../../src/api/types.js'
import type { AddParams } from '../../src/interfaces.js'
import type { DagOptions } from '../../src/adder/unixfs/block.js'

/** Synchronous hashing (hashWindow 0) unless asked otherwise. */
function opts (p: Partial<AddParams> = {}, hashWindow = 0): DagOptions {
  return dagOptionsFromParams({ ...defaultAddParams(), ...p }, { hashWindow })
}

function buildFile (data: Uint8Array, o: DagOptions, piece = 65536): { cid: CID, size: number, blocks: BlockWithCid[] } {
  const blocks: BlockWithCid[] = []
  const fb = new FileBuilder(o, (b) => { blocks.push(b) })
  for (let i = 0; i < data.length; i += piece) fb.write(data.subarray(i, i + piece))
  const r = fb.finish()
  return { cid: r.cid, size: r.size, blocks }
}

const enc = new TextEncoder()

describe('UnixFS files: known Kubo CIDs', () => {
  it('empty file is QmbFMke1… (6-byte node)', () => {
    const r = buildFile(new Uint8Array(0), opts())
    assert.equal(r.cid.toString(), 'QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH')
    assert.equal(r.size, 6)
    assert.equal(r.blocks.length, 1)
  })

  it('empty file with raw leaves is the empty raw block', () => {
    const r = buildFile(new Uint8Array(0), opts({ rawLeaves: true }))
    assert.equal(r.cid.toString(), 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku')
    assert.equal(r.size, 0)
  })

  it('"hello" is a single 13-byte dag-pb leaf', () => {
    const r = buildFile(enc.encode('hello'), opts())
    assert.equal(r.cid.toString(), 'QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX')
    assert.equal(r.size, 13)
    assert.equal(r.blocks.length, 1)
  })

  it('"hello world\\n" is QmT78zSu…', () => {
    assert.equal(buildFile(enc.encode('hello world\n'), opts()).cid.toString(), 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o')
  })

  it('single chunk with raw leaves reduces to the raw leaf (CIDv1 raw under CIDv0)', async () => {
    const data = enc.encode('hello')
    const r = buildFile(data, opts({ rawLeaves: true }))
    const expected = CID.createV1(0x55, await sha256.digest(data))
    assert.ok(r.cid.equals(expected))
    assert.equal(r.size, 5)
  })

  it('leaves are canonical dag-pb with UnixFS File data; parents carry blocksizes', () => {
    const data = pseudoRandom(262144 * 2 + 10, 7)
    const r = buildFile(data, opts(), 10000)
    assert.equal(r.blocks.length, 4)
    for (const b of r.blocks) {
      assert.deepEqual(dagPb.encode(dagPb.prepare(dagPb.decode(b.bytes))), new Uint8Array(b.bytes), 'canonical encoding')
    }
    const leaf = UnixFS.unmarshal(dagPb.decode(r.blocks[0].bytes).Data as Uint8Array)
    assert.equal(leaf.type, 'file')
    assert.equal(leaf.data?.length, 262144)
    assert.equal(leaf.fileSize(), 262144n)
    const root = dagPb.decode(r.blocks[3].bytes)
    assert.equal(root.Links.length, 3)
    for (const l of root.Links) assert.equal(l.Name, '')
    const fs = UnixFS.unmarshal(root.Data as Uint8Array)
    assert.deepEqual(fs.blockSizes, [262144n, 262144n, 10n])
    assert.equal(fs.fileSize(), BigInt(data.length))
    assert.equal(r.size, r.blocks.reduce((s, b) => s + b.bytes.length, 0))
  })

  it('hashing leaves on the thread pool gives the same blocks in the same order', async () => {
    const data = pseudoRandom(3_000_000, 8)
    for (const p of [{}, { rawLeaves: true }, { layout: 'trickle' as const, chunker: 'size-10000' }]) {
      const sync = buildFile(data, opts(p))
      const blocks: BlockWithCid[] = []
      const fb = new FileBuilder(opts(p, 4), (b) => { blocks.push(b) })
      for (let i = 0; i < data.length; i += 65536) {
        fb.write(data.subarray(i, i + 65536))
        await fb.ready()
        assert.ok(fb.backlog <= 4)
      }
      assert.throws(() => fb.finish(), /still being hashed/)
      const r = await fb.close()
      assert.ok(r.cid.equals(sync.cid))
      assert.equal(r.size, sync.size)
      assert.deepEqual(blocks.map((b) => b.cid.toString()), sync.blocks.map((b) => b.cid.toString()))
    }
  })

  it('the CID does not depend on how the content is split into pieces', () => {
    const data = pseudoRandom(700_001, 3)
    const a = buildFile(data, opts(), 1)
    const b = buildFile(data, opts(), 300_000)
    const c = buildFile(data, opts(), 700_001)
    assert.ok(a.cid.equals(b.cid))
    assert.ok(a.cid.equals(c.cid))
  })

  it('balanced layout: 174 links per node, all leaves at the same depth', () => {
    const o = opts({ chunker: 'size-1' })
    const count = (n: number): number => buildFile(new Uint8Array(n).fill(1), o, 4096).blocks.length
    // 174 leaves: one root; 175 leaves: two depth-1 nodes under a new root
    assert.equal(count(174), 174 + 1)
    assert.equal(count(175), 175 + 2 + 1)
    const r = buildFile(pseudoRandom(175, 1), o)
    const root = dagPb.decode(r.blocks[r.blocks.length - 1].bytes)
    assert.equal(root.Links.length, 2)
    const second = r.blocks.find((b) => b.cid.equals(root.Links[1].Hash)) as BlockWithCid
    assert.equal(dagPb.decode(second.bytes).Links.length, 1, 'the single last leaf is under its own depth-1 node')
  })

  it('trickle layout: UnixFS Raw leaves and a root node even for one chunk', () => {
    const r = buildFile(enc.encode('hello'), opts({ layout: 'trickle' }))
    assert.equal(r.blocks.length, 2)
    const leaf = UnixFS.unmarshal(dagPb.decode(r.blocks[0].bytes).Data as Uint8Array)
    assert.equal(leaf.type, 'raw')
    const root = dagPb.decode(r.blocks[1].bytes)
    assert.equal(root.Links.length, 1)
    assert.equal(UnixFS.unmarshal(root.Data as Uint8Array).type, 'file')
  })

  it('trickle layout: 174 leaves, then 4 subtrees of each depth', () => {
    // 174 + 4*174 leaves fill the root's leaves and its four depth-1 subtrees
    const o = opts({ chunker: 'size-1', layout: 'trickle' })
    const r = buildFile(new Uint8Array(174 + 4 * 174 + 1).map((_, i) => i & 0xff), o, 997)
    const root = dagPb.decode(r.blocks[r.blocks.length - 1].bytes)
    assert.equal(root.Links.length, 174 + 4 + 1)
    // the 5th subtree is the first of depth 2: 174 leaves + its own children
    const last = r.blocks.find((b) => b.cid.equals(root.Links[178].Hash)) as BlockWithCid
    assert.equal(dagPb.decode(last.bytes).Links.length, 1)
  })

  it('sha3-512 gives CIDv1 dag-pb/raw CIDs with the sha3-512 multihash', () => {
    const r = buildFile(pseudoRandom(600_000, 4), opts({ cidVersion: 1, rawLeaves: true, hashFun: 'sha3-512' }))
    assert.equal(r.cid.version, 1)
    assert.equal(r.cid.code, 0x70)
    assert.equal(r.cid.multihash.code, 0x14)
    assert.equal(r.cid.multihash.size, 64)
    for (const b of r.blocks.slice(0, 3)) assert.equal(b.cid.code, 0x55)
  })
})

describe('UnixFS directories', () => {
  it('empty directory is QmUNLLs… (CIDv0) and bafybeiczss… (CIDv1)', () => {
    const v0 = finalizeTree(new DirectoryTree(), opts(), () => {})
    assert.equal(v0[0].cid.toString(), 'QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn')
    assert.equal(v0[0].size, 4)
    const v1 = finalizeTree(new DirectoryTree(), opts({ cidVersion: 1, rawLeaves: true }), () => {})
    assert.equal(v1[0].cid.toString(), 'bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354')
  })

  it('links are sorted by name bytes, Tsize is the cumulative size, output is bottom-up', () => {
    const o = opts()
    const blocks: BlockWithCid[] = []
    const emit = (b: BlockWithCid): void => { blocks.push(b) }
    const tree = new DirectoryTree()
    const file = (s: string): { cid: CID, size: number } => {
      const r = buildFile(enc.encode(s), o)
      return { cid: r.cid, size: r.size }
    }
    tree.mkdirp('b/x').put('f', file('1'))
    tree.put('a', file('22'))
    tree.put('Z', file('333'))
    tree.mkdirp('a2')
    tree.put('é', file('4'))
    const dirs = finalizeTree(tree, o, emit)
    assert.deepEqual(dirs.map((d) => d.path), ['a2', 'b/x', 'b', ''])
    const root = dagPb.decode(blocks[blocks.length - 1].bytes)
    assert.deepEqual(root.Links.map((l) => l.Name), ['Z', 'a', 'a2', 'b', 'é'])
    const b = dirs[2]
    assert.equal(root.Links[3].Tsize, b.size)
    assert.equal(dirs[3].size, blocks[blocks.length - 1].bytes.length + root.Links.reduce((s, l) => s + (l.Tsize ?? 0), 0))
  })

  it('duplicate names are rejected', () => {
    const tree = new DirectoryTree()
    const f = buildFile(enc.encode('x'), opts())
    tree.put('a', f)
    assert.throws(() => { tree.put('a', f) }, { name: 'InvalidArgumentError', message: 'directory already has entry by that name' })
    assert.throws(() => tree.mkdirp('a/b'), { name: 'InvalidArgumentError' })
  })

  it('symlink node is Type Symlink with the target as Data', () => {
    const blocks: BlockWithCid[] = []
    const n = symlinkNode('../target', opts(), (b) => { blocks.push(b) })
    const node = dagPb.decode(blocks[0].bytes)
    assert.deepEqual(node.Data, new UnixFS({ type: 'symlink', data: enc.encode('../target') }).marshal())
    assert.equal(n.size, blocks[0].bytes.length)
  })

  it('switches to a HAMT exactly when the estimated size reaches 256 KiB', () => {
    const o = opts()
    const leaf = buildFile(enc.encode('x'), o)
    const dirWith = (lastNameLen: number): Uint8Array => {
      // 2048 entries × (94-byte name + 34-byte CIDv0) = 262144 bytes
      const tree = new DirectoryTree()
      for (let i = 0; i < 2048; i++) {
        const base = `f${String(i).padStart(5, '0')}`
        const len = i === 2047 ? lastNameLen : 94
        tree.put(base + 'x'.repeat(len - base.length), leaf)
      }
      const blocks: BlockWithCid[] = []
      finalizeTree(tree, o, (b) => { blocks.push(b) })
      return blocks[blocks.length - 1].bytes
    }
    const below = UnixFS.unmarshal(dagPb.decode(dirWith(93)).Data as Uint8Array)
    assert.equal(below.type, 'directory')
    const at = dagPb.decode(dirWith(94))
    const fs = UnixFS.unmarshal(at.Data as Uint8Array)
    assert.equal(fs.type, 'hamt-sharded-directory')
    assert.equal(fs.fanout, 256n)
    // ipfs-unixfs does not decode hashType: the Data ends with hashType=0x22, fanout=256
    assert.deepEqual([...(at.Data as Uint8Array).subarray(-5)], [0x28, 0x22, 0x30, 0x80, 0x02])
    // 2048 entries over 256 slots: every slot is used, each link is a 2-hex-digit prefix
    assert.equal(at.Links.length, 256)
    assert.deepEqual(fs.data, new Uint8Array(32).fill(0xff))
    assert.deepEqual(at.Links.slice(0, 3).map((l) => l.Name?.slice(0, 2)), ['00', '01', '02'])
  })

  it('HAMT slots: a single entry links as <prefix><name>, several as a sub-shard <prefix>', () => {
    const o = { ...opts(), shardingThreshold: 0 }
    const leaf = buildFile(enc.encode('x'), o)
    const tree = new DirectoryTree()
    const names = Array.from({ length: 300 }, (_, i) => `name-${i}`)
    for (const n of names) tree.put(n, leaf)
    const blocks: BlockWithCid[] = []
    finalizeTree(tree, o, (b) => { blocks.push(b) })
    const root = dagPb.decode(blocks[blocks.length - 1].bytes)
    const slotOf = (n: string): string => murmur3x64h1(enc.encode(n))[0].toString(16).toUpperCase().padStart(2, '0')
    const bySlot = new Map<string, string[]>()
    for (const n of names) bySlot.set(slotOf(n), [...(bySlot.get(slotOf(n)) ?? []), n])
    const expected = [...bySlot.entries()].sort(([a], [b]) => a < b ? -1 : 1).map(([slot, ns]) => ns.length === 1 ? slot + ns[0] : slot)
    assert.deepEqual(root.Links.map((l) => l.Name), expected)
  })
})

describe('murmur3-x64-64', () => {
  it('matches the reference MurmurHash3_x64_128 h1 (big-endian)', () => {
    const hex = (s: string): string => Buffer.from(murmur3x64h1(enc.encode(s))).toString('hex')
    assert.equal(hex(''), '0000000000000000')
    assert.equal(hex('hello'), 'cbd8a7b341bd9b02')
  })
})

describe('chunker strings', () => {
  it('parses Kubo syntax', () => {
    assert.deepEqual(parseChunker(''), { type: 'size', size: 262144 })
    assert.deepEqual(parseChunker('default'), { type: 'size', size: 262144 })
    assert.deepEqual(parseChunker('size-1000'), { type: 'size', size: 1000 })
    assert.deepEqual(parseChunker('rabin'), { type: 'rabin', min: 87381, avg: 262144, max: 393216 })
    assert.deepEqual(parseChunker('rabin-3000'), { type: 'rabin', min: 1000, avg: 3000, max: 4500 })
    assert.deepEqual(parseChunker('rabin-16-32-64'), { type: 'rabin', min: 16, avg: 32, max: 64 })
    assert.deepEqual(parseChunker('rabin-min:100-avg:200-max:300'), { type: 'rabin', min: 100, avg: 200, max: 300 })
  })

  const bad: Array<[string, string]> = [
    ['foo', 'unrecognized chunker option: foo'],
    ['buzhash2', 'unrecognized chunker option: buzhash2'],
    ['size-0', 'chunker size must be greater than 0'],
    ['size-abc', 'strconv.Atoi: parsing "abc": invalid syntax'],
    ['size-1048577', 'chunker parameters may not exceed the maximum chunk size of 1048576'],
    ['rabin-1-2', "incorrect format (expected 'rabin' 'rabin-[avg]' or 'rabin-[min]-[avg]-[max]'"],
    ['rabin-8-32-64', 'rabin min must be greater than 16'],
    ['rabin-64-32-128', 'incorrect format: rabin-min must be smaller than rabin-avg'],
    ['rabin-16-64-64', 'incorrect format: rabin-avg must be smaller than rabin-max'],
    ['rabin-16-64-2000000', 'chunker parameters may not exceed the maximum chunk size of 1048576'],
    ['rabin-800000', 'chunker parameters may not exceed the maximum chunk size of 1048576'],
    ['rabin-foo:16-32-64', 'first label must be min']
  ]
  for (const [s, msg] of bad) {
    it(`rejects ${s}`, () => {
      assert.throws(() => parseChunker(s), { name: 'InvalidArgumentError', message: msg })
    })
  }
})

/**
 * A literal model of go-ipfs-chunker's Rabin splitter (whyrusleeping/chunker):
 * BigInt digest, 512 KiB buffered reads, the first min-16 bytes of a chunk
 * skipped, window restarted with a 1 byte after each cut.
 */
function modelRabinCuts (data: Uint8Array, min: number, avg: number, max: number): number[] {
  const pol = 17437180132763653n
  const degOf = (p: bigint): number => p.toString(2).length - 1
  const mod = (x: bigint): bigint => {
    while (x !== 0n && degOf(x) >= 53) x ^= pol << BigInt(degOf(x) - 53)
    return x
  }
  const appendByte = (h: bigint, b: number): bigint => mod((h << 8n) | BigInt(b))
  const outT: bigint[] = []
  const modT: bigint[] = []
  for (let b = 0; b < 256; b++) {
    let h = appendByte(0n, b)
    for (let i = 0; i < 15; i++) h = appendByte(h, 0)
    outT.push(h)
    modT.push(mod(BigInt(b) << 53n) | (BigInt(b) << 53n))
  }
  const mask = (1n << BigInt(Math.floor(Math.log2(avg)))) - 1n
  let window = new Array<number>(16).fill(0)
  let wpos = 0
  let digest = 0n
  const slide = (b: number): void => {
    const out = window[wpos]
    window[wpos] = b
    digest ^= outT[out]
    wpos = (wpos + 1) % 16
    const index = digest >> 45n
    digest = ((digest << 8n) | BigInt(b)) ^ modT[Number(index)]
  }
  let count = 0
  let pre = 0
  const reset = (): void => {
    window = new Array<number>(16).fill(0)
    wpos = 0
    digest = 0n
    count = 0
    slide(1)
    pre = min - 16
  }
  reset()
  const cuts: number[] = []
  const BUF = 512 * 1024
  let pos = 0
  while (pos < data.length) {
    const buf = data.subarray(pos, pos + BUF)
    pos += buf.length
    let bpos = 0
    while (bpos < buf.length) {
      if (pre > 0) {
        const n = buf.length - bpos
        if (pre > n) {
          pre -= n
          count += n
          bpos = buf.length
          continue
        }
        bpos += pre
        count += pre
        pre = 0
      }
      let add = count
      let cut = false
      for (; bpos < buf.length;) {
        slide(buf[bpos++])
        add++
        if (add < min) continue
        if ((digest & mask) === 0n || add >= max) {
          cuts.push(add)
          reset()
          cut = true
          break
        }
      }
      if (!cut) count = add
    }
  }
  if (count > 0) cuts.push(count)
  return cuts
}

function ourCuts (data: Uint8Array, spec: string, piece: number): number[] {
  const cuts: number[] = []
  const ch = createChunker(parseChunker(spec), () => 0, () => 0)
  for (let i = 0; i < data.length; i += piece) ch.push(data.subarray(i, i + piece), (_buf, _s, len) => { cuts.push(len) })
  ch.end((_buf, _s, len) => { cuts.push(len) })
  return cuts
}

describe('rabin chunker', () => {
  const data = pseudoRandom(1_500_000, 11)
  for (const [spec, min, avg, max] of [['rabin-1000-4096-8192', 1000, 4096, 8192], ['rabin-16-32-64', 16, 32, 64], ['rabin-20000', 6666, 20000, 30000], ['rabin', 87381, 262144, 393216]] as Array<[string, number, number, number]>) {
    it(`${spec} cuts where the reference algorithm does`, () => {
      const input = spec === 'rabin-16-32-64' ? data.subarray(0, 200_000) : data
      const expected = modelRabinCuts(input, min, avg, max)
      assert.ok(expected.length > 1)
      assert.deepEqual(ourCuts(input, spec, 65536), expected)
      assert.deepEqual(ourCuts(input, spec, 7), expected)
      for (const c of expected.slice(0, -1)) assert.ok(c >= min && c <= max)
    })
  }

  it('is content-defined: a prefix insertion only changes the first chunks', () => {
    const base = pseudoRandom(400_000, 5)
    const shifted = new Uint8Array(base.length + 100)
    shifted.set(pseudoRandom(100, 6))
    shifted.set(base, 100)
    const ends = (cuts: number[]): number[] => { let s = 0; return cuts.map((c) => (s += c)) }
    const a = ends(ourCuts(base, 'rabin-1000-4096-8192', 65536))
    const b = ends(ourCuts(shifted, 'rabin-1000-4096-8192', 65536)).map((e) => e - 100)
    const common = a.filter((e) => b.includes(e))
    assert.ok(common.length > a.length * 0.9, `${common.length} of ${a.length} boundaries kept`)
  })

  it('builds the file from the rabin chunks (leaf sizes = cuts)', () => {
    const input = data.subarray(0, 300_000)
    const r = buildFile(input, opts({ chunker: 'rabin-1000-4096-8192', rawLeaves: true }))
    const leaves = r.blocks.filter((b) => b.cid.code === 0x55).map((b) => b.bytes.length)
    assert.deepEqual(leaves, modelRabinCuts(input, 1000, 4096, 8192))
  })
})

describe('AddParams validation', () => {
  it('reports the reference errors', () => {
    const p = defaultAddParams()
    assert.throws(() => dagOptionsFromParams({ ...p, chunker: 'nope' }), { name: 'InvalidArgumentError', message: 'unrecognized chunker option: nope' })
    assert.throws(() => dagOptionsFromParams({ ...p, cidVersion: 2 }), { name: 'InvalidArgumentError', message: 'bad CID Version: unknown CID version: 2' })
    assert.throws(() => dagOptionsFromParams({ ...p, hashFun: 'sha4-1' }), { name: 'InvalidArgumentError', message: 'hash function name not known' })
    assert.throws(() => dagOptionsFromParams({ ...p, hashFun: 'sha3-512' }), { name: 'InvalidArgumentError', message: /invalid v0 prefix/ })
    assert.throws(() => dagOptionsFromParams({ ...p, layout: 'weird' as 'trickle' }), { name: 'InvalidArgumentError', message: 'layout parameter is invalid' })
  })

  it('hash names are case-insensitive and cover sha2/sha3/blake2/keccak', () => {
    for (const [name, code, size] of [['SHA2-256', 0x12, 32], ['sha2-512', 0x13, 64], ['sha3-224', 0x17, 28], ['sha3-256', 0x16, 32], ['sha3-384', 0x15, 48], ['sha3-512', 0x14, 64], ['blake2b-256', 0xb220, 32], ['blake2b-512', 0xb240, 64], ['blake2s-256', 0xb260, 32], ['keccak-256', 0x1b, 32]] as Array<[string, number, number]>) {
      const h = hasherByName(name)
      assert.equal(h.code, code, name)
      const d = h.digest(enc.encode('abc'))
      assert.equal(d.code, code)
      assert.equal(d.digest.length, size)
    }
    assert.equal(Buffer.from(hasherByName('sha3-256').digest(enc.encode('abc')).digest).toString('hex'), '3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532')
    assert.equal(Buffer.from(hasherByName('blake2b-256').digest(enc.encode('abc')).digest).toString('hex'), 'bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319')
  })
})
