/**
 * The cluster adder through its public interface: output items (order,
 * names, sizes, allocations, progress), block streaming to destinations,
 * allocation and pinning rules of §4.6, CAR import, errors, back-pressure.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { CarWriter } from '@ipld/car/writer'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { PEER2, PEER3, SELF, addedLines, collect, dirEntry, fakeCluster, fileEntry, fromArray, params, pseudoRandom, reachableBlocks, symlinkEntry, verifyDag } from './helpers.js'
import { createAdder } from '../../src/adder/index.js'
import { defaultPinOptions } from '../../src/api/index.js'
import { silentLogger } from '../../src/logging/index.js'
import { UnixFS } from 'ipfs-unixfs'
import type { AddedOutput, BlockWithCid } from '../../src/api/types.js'
import type { AddEntry } from '../../src/interfaces.js'

const enc = new TextEncoder()

function names (outs: AddedOutput[]): string[] {
  return outs.filter((o) => o.cid != null).map((o) => o.name)
}

function last (outs: AddedOutput[]): AddedOutput {
  return outs[outs.length - 1]
}

function testFolder (prefix = 'testFolder'): AddEntry[] {
  return [
    dirEntry(prefix),
    fileEntry(`${prefix}/abc.txt`, enc.encode('abc\n')),
    fileEntry(`${prefix}/smallfile.bin`, pseudoRandom(500, 1)),
    dirEntry(`${prefix}/subfolder`),
    fileEntry(`${prefix}/subfolder/bigfile.bin`, pseudoRandom(600_000, 2))
  ]
}

async function makeCar (roots: CID[], blocks: BlockWithCid[]): Promise<Uint8Array> {
  const { writer, out } = CarWriter.create(roots)
  const parts: Uint8Array[] = []
  const reading = (async () => { for await (const p of out) parts.push(p) })()
  for (const b of blocks) await writer.put(b)
  await writer.close()
  await reading
  return Buffer.concat(parts)
}

describe('adder: outputs like ipfs add', () => {
  it('single file: one item named after the file, pinned recursively with the allocations', async () => {
    const fc = fakeCluster()
    const outs = await collect(fc.adder.add(fromArray([fileEntry('hello.txt', enc.encode('hello'))]), params()))
    assert.equal(outs.length, 1)
    assert.deepEqual({ ...outs[0], cid: String(outs[0].cid) }, { name: 'hello.txt', cid: 'QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX', bytes: 0, size: 13, allocations: [SELF] })
    assert.equal(fc.pins.length, 1)
    const pin = fc.pins[0]
    assert.equal(String(pin.cid), 'QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX')
    assert.equal(pin.mode, 'recursive')
    assert.equal(pin.maxDepth, -1)
    assert.deepEqual(pin.allocations, [SELF])
    assert.equal(fc.allocateCalls.length, 1)
  })

  it('the t0031 command set prints the expected lines', async () => {
    const small = pseudoRandom(500, 3)
    const big = pseudoRandom(3 * 1024 * 1024, 4)
    const run = async (entries: AddEntry[], p: Parameters<typeof params>[0]): Promise<string[]> => addedLines(await collect(fakeCluster().adder.add(fromArray(entries), params(p))))
    const s = (): AddEntry[] => [fileEntry('smallfile.bin', small)]
    const b = (): AddEntry[] => [fileEntry('bigfile.bin', big)]
    const plain = await run(s(), {})
    assert.equal(plain.length, 1)
    assert.match(plain[0], /^added Qm\w{44} smallfile\.bin$/)
    const wrapped = await run(s(), { wrapWithDirectory: true })
    assert.deepEqual(wrapped.map((l) => l.replace(/Qm\w{44}/, 'CID')), ['added CID smallfile.bin', 'added CID '])
    assert.equal(wrapped[0], plain[0])
    const rawWrapped = await run(s(), { wrapWithDirectory: true, rawLeaves: true })
    assert.match(rawWrapped[0], /^added bafkrei\w+ smallfile\.bin$/)
    assert.match(rawWrapped[1], /^added Qm\w{44} $/)
    assert.match((await run(b(), {}))[0], /^added Qm\w{44} bigfile\.bin$/)
    const trickle = await run(b(), { layout: 'trickle' })
    assert.notEqual(trickle[0], (await run(b(), {}))[0])
    assert.match((await run(b(), { rawLeaves: true }))[0], /^added Qm\w{44} bigfile\.bin$/)
    const r = await run(testFolder(), {})
    assert.deepEqual(r.map((l) => l.split(' ')[2]), ['testFolder/abc.txt', 'testFolder/smallfile.bin', 'testFolder/subfolder/bigfile.bin', 'testFolder/subfolder', 'testFolder'])
    const rw = await run(testFolder(), { wrapWithDirectory: true })
    assert.deepEqual(rw.slice(0, 5), r)
    assert.match(rw[5], /^added Qm\w{44} $/)
    const v1 = await run(testFolder(), { cidVersion: 1, rawLeaves: true })
    assert.match(v1[4], /^added bafybei\w+ testFolder$/)
    const sha3 = await run(testFolder(), { cidVersion: 1, rawLeaves: true, hashFun: 'sha3-512' })
    assert.match(sha3[4], /^added bafyb\w+ testFolder$/)
    assert.equal(CID.parse(sha3[4].split(' ')[1]).multihash.code, 0x14)
  })

  it('t0031 "check add folders": -w dir/abc.txt and -r dir (holding only abc.txt) give the same root', async () => {
    const wrapped = await collect(fakeCluster().adder.add(fromArray([fileEntry('abc.txt', enc.encode('abc\n'))]), params({ wrapWithDirectory: true })))
    const dir = await collect(fakeCluster().adder.add(fromArray([dirEntry('testFolder2'), fileEntry('testFolder2/abc.txt', enc.encode('abc\n'))]), params()))
    assert.ok(last(wrapped).cid?.equals(last(dir).cid as CID))
    assert.equal(last(wrapped).name, '')
    assert.equal(last(dir).name, 'testFolder2')
  })

  it('directories come after the files of their top-level entry, bottom-up, in name order', async () => {
    const fc = fakeCluster()
    const entries: AddEntry[] = [
      dirEntry('top'),
      dirEntry('top/b'),
      fileEntry('top/b/1', enc.encode('1')),
      dirEntry('top/a'),
      dirEntry('top/a/y'),
      fileEntry('top/a/y/2', enc.encode('2')),
      dirEntry('top/a/x'),
      fileEntry('top/z', enc.encode('z')),
      symlinkEntry('top/link', 'z')
    ]
    const outs = await collect(fc.adder.add(fromArray(entries), params()))
    assert.deepEqual(names(outs), ['top/b/1', 'top/a/y/2', 'top/z', 'top/link', 'top/a/x', 'top/a/y', 'top/a', 'top/b', 'top'])
    const root = last(outs)
    assert.equal(verifyDag(root.cid as CID, fc.blocks.get(SELF) as Map<string, Uint8Array>).count, 9)
    const link = outs.find((o) => o.name === 'top/link') as AddedOutput
    const node = dagPb.decode(fc.blocks.get(SELF)?.get(String(link.cid)) as Uint8Array)
    const fs = UnixFS.unmarshal(node.Data as Uint8Array)
    assert.equal(fs.type, 'symlink')
    assert.equal(new TextDecoder().decode(fs.data), 'z')
  })

  it('implied parent directories are created', async () => {
    const fc = fakeCluster()
    const outs = await collect(fc.adder.add(fromArray([fileEntry('d/e/f.txt', enc.encode('x'))]), params()))
    assert.deepEqual(names(outs), ['d/e/f.txt', 'd/e', 'd'])
  })

  it('several top-level entries without wrapping: each is its own root, the last one is pinned', async () => {
    const fc = fakeCluster()
    const outs = await collect(fc.adder.add(fromArray([fileEntry('b.txt', enc.encode('b')), ...testFolder('dir'), fileEntry('a.txt', enc.encode('a'))]), params()))
    assert.deepEqual(names(outs), ['b.txt', 'dir/abc.txt', 'dir/smallfile.bin', 'dir/subfolder/bigfile.bin', 'dir/subfolder', 'dir', 'a.txt'])
    assert.equal(fc.pins.length, 1)
    assert.ok(fc.pins[0].cid.equals(last(outs).cid as CID))
    const single = await collect(fakeCluster().adder.add(fromArray(testFolder('dir')), params()))
    assert.ok((outs.find((o) => o.name === 'dir')?.cid as CID).equals(last(single).cid as CID))
  })

  it('wrapping with no entries adds the empty directory', async () => {
    const fc = fakeCluster()
    const outs = await collect(fc.adder.add(fromArray([]), params({ wrapWithDirectory: true })))
    assert.deepEqual(outs.map((o) => [o.name, String(o.cid)]), [['', 'QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn']])
  })

  it('no entries without wrapping is an error', async () => {
    const fc = fakeCluster()
    await assert.rejects(collect(fc.adder.add(fromArray([]), params())), { name: 'InvalidArgumentError' })
    assert.equal(fc.pins.length, 0)
  })

  it('progress events every 256 KiB and at the end of each file, named relative to the top-level entry', async () => {
    const fc = fakeCluster()
    const data = pseudoRandom(600_000, 9)
    const seen: string[] = []
    const outs = await collect(fc.adder.add(fromArray([dirEntry('d'), fileEntry('d/f.bin', data, 100_000), fileEntry('d/g', enc.encode('g'))]), params({ progress: true }), {
      onProgress: (evt) => { seen.push(`${evt.type}:${evt.detail.name}:${evt.detail.bytes}`) }
    }))
    const summary = outs.map((o) => o.cid == null ? `progress ${o.name} ${o.bytes}` : `added ${o.name}`)
    assert.deepEqual(summary, [
      'progress f.bin 300000', 'progress f.bin 600000', 'progress f.bin 600000', 'added d/f.bin',
      'progress g 1', 'added d/g', 'added d'
    ])
    for (const o of outs.filter((x) => x.cid == null)) {
      assert.deepEqual(o.allocations, [])
      assert.equal(o.size, 0)
    }
    assert.deepEqual(seen, ['add:progress:f.bin:300000', 'add:progress:f.bin:600000', 'add:progress:f.bin:600000', 'add:progress:g:1'])
    const single = await collect(fakeCluster().adder.add(fromArray([fileEntry('one', enc.encode('abc'))]), params({ progress: true })))
    assert.deepEqual(single.map((o) => [o.name, o.bytes, o.cid == null]), [['', 3, true], ['one', 0, false]])
    const wrapped = await collect(fakeCluster().adder.add(fromArray([fileEntry('one', enc.encode('abc'))]), params({ progress: true, wrapWithDirectory: true })))
    assert.deepEqual(wrapped.map((o) => [o.name, o.cid == null]), [['one', true], ['one', false], ['', false]])
  })

  it('no progress events unless asked', async () => {
    const outs = await collect(fakeCluster().adder.add(fromArray([fileEntry('f', pseudoRandom(600_000, 1))]), params()))
    assert.equal(outs.length, 1)
  })
})

describe('adder: blocks, allocations and pins', () => {
  it('streams every block to every allocated peer and pins with the pin options', async () => {
    const fc = fakeCluster({}, { allocations: [PEER2, SELF, PEER3] })
    const pinOptions = { ...defaultPinOptions(), name: 'docs', replicationFactorMin: 2, replicationFactorMax: 3, metadata: { kind: 'text' } }
    const outs = await collect(fc.adder.add(fromArray(testFolder()), params({ pinOptions })))
    const root = last(outs).cid as CID
    for (const peer of [PEER2, SELF, PEER3]) {
      const store = fc.blocks.get(peer) as Map<string, Uint8Array>
      assert.equal(verifyDag(root, store).count, store.size, `all blocks on ${peer}`)
    }
    for (const o of outs) assert.deepEqual(o.allocations, [PEER2, SELF, PEER3])
    assert.equal(fc.allocateCalls.length, 1)
    assert.equal(fc.allocateCalls[0].name, 'docs')
    assert.equal(fc.allocateCalls[0].replicationFactorMin, 2)
    const pin = fc.pins[0]
    assert.ok(pin.cid.equals(root))
    assert.equal(pin.name, 'docs')
    assert.deepEqual(pin.metadata, { kind: 'text' })
    assert.equal(pin.replicationFactorMax, 3)
    assert.deepEqual(pin.allocations, [PEER2, SELF, PEER3])
  })

  it('replication -1: items list the destinations, the pin has no allocations (everywhere)', async () => {
    const fc = fakeCluster({}, { allocations: [SELF, PEER2] })
    const pinOptions = { ...defaultPinOptions(), replicationFactorMin: -1, replicationFactorMax: -1 }
    const outs = await collect(fc.adder.add(fromArray([fileEntry('f', enc.encode('x'))]), params({ pinOptions })))
    assert.deepEqual(outs[0].allocations, [SELF, PEER2])
    assert.deepEqual(fc.pins[0].allocations, [])
  })

  it('local=true: blocks only to this peer, which replaces the last allocation', async () => {
    const fc = fakeCluster({}, { allocations: [PEER2, PEER3] })
    const outs = await collect(fc.adder.add(fromArray(testFolder()), params({ local: true })))
    assert.deepEqual([...fc.blocks.keys()], [SELF])
    assert.deepEqual(last(outs).allocations, [PEER2, SELF])
    assert.deepEqual(fc.pins[0].allocations, [PEER2, SELF])
  })

  it('local=true with user allocations keeps them', async () => {
    const fc = fakeCluster({}, { allocations: [PEER2, PEER3] })
    const pinOptions = { ...defaultPinOptions(), userAllocations: [PEER2, PEER3] }
    await collect(fc.adder.add(fromArray([fileEntry('f', enc.encode('x'))]), params({ local: true, pinOptions })))
    assert.deepEqual([...fc.blocks.keys()], [SELF])
    assert.deepEqual(fc.pins[0].allocations, [PEER2, PEER3])
  })

  it('no-pin puts the blocks but does not pin', async () => {
    const fc = fakeCluster()
    const outs = await collect(fc.adder.add(fromArray([fileEntry('f', pseudoRandom(300_000, 1))]), params({ noPin: true })))
    assert.equal(fc.pins.length, 0)
    assert.equal(verifyDag(outs[0].cid as CID, fc.blocks.get(SELF) as Map<string, Uint8Array>).count, 3)
  })

  it('succeeds when some destinations fail', async () => {
    const fc = fakeCluster({}, { allocations: [SELF, PEER2] })
    fc.failing.set(PEER2, 1)
    const outs = await collect(fc.adder.add(fromArray([fileEntry('f', pseudoRandom(2_000_000, 1))]), params()))
    assert.equal(verifyDag(last(outs).cid as CID, fc.blocks.get(SELF) as Map<string, Uint8Array>).count, 9)
    assert.equal(fc.pins.length, 1)
  })

  it('fails with "failed to put block on all destinations" when every destination fails; nothing pinned', async () => {
    const fc = fakeCluster({ maxBufferedBlocks: 2 }, { allocations: [SELF, PEER2] })
    fc.failing.set(SELF, 0)
    fc.failing.set(PEER2, 2)
    await assert.rejects(collect(fc.adder.add(fromArray([fileEntry('f', pseudoRandom(5_000_000, 1))]), params())), { name: 'BlockPutError', message: 'failed to put block on all destinations' })
    assert.equal(fc.pins.length, 0)
  })

  it('an empty allocation without local=true fails the same way', async () => {
    const fc = fakeCluster({}, { allocations: [] })
    await assert.rejects(collect(fc.adder.add(fromArray([fileEntry('f', enc.encode('x'))]), params())), { name: 'BlockPutError' })
  })

  it('allocation errors fail the add; nothing pinned', async () => {
    const err = Object.assign(new Error('not enough peers to allocate CID'), { name: 'NotEnoughPeersError' })
    const fc = fakeCluster({}, { allocateError: err })
    await assert.rejects(collect(fc.adder.add(fromArray([fileEntry('f', enc.encode('x'))]), params())), { name: 'NotEnoughPeersError' })
    assert.equal(fc.pins.length, 0)
  })

  it('repeated identical blocks are sent once (dedup against the two previous blocks)', async () => {
    const fc = fakeCluster()
    const received: string[] = []
    const adder = createAdder({
      peerId: SELF,
      logger: silentLogger(),
      allocate: async () => [SELF],
      pin: async (pin) => pin,
      putBlocks: async (_peer, blocks) => { for await (const b of blocks) received.push(String(b.cid)) }
    })
    void fc
    await collect(adder.add(fromArray([fileEntry('zeros', new Uint8Array(262144 * 10))]), params()))
    // ten identical leaves sent once, then the root, then the MFS root
    // directory Kubo's adder flushes (it links the file under its CID)
    assert.equal(received.length, 3)
    assert.equal(new Set(received).size, 3)
  })

  it('back-pressure: the input is read no further than the buffer limits ahead of the slowest destination', async () => {
    const limit = 1024 * 1024
    const fc = fakeCluster({ maxBufferedBytes: limit, maxBufferedBlocks: 1000 }, { allocations: [SELF, PEER2] })
    fc.sinkDelay = 1
    let pulled = 0
    let maxAhead = 0
    const piece = 64 * 1024
    const total = 16 * 1024 * 1024
    const content = (async function * () {
      for (let off = 0; off < total; off += piece) {
        const consumed = Math.min(...[SELF, PEER2].map((p) => [...(fc.blocks.get(p)?.values() ?? [])].reduce((s, b) => s + b.length, 0)))
        maxAhead = Math.max(maxAhead, pulled - consumed)
        pulled += piece
        yield pseudoRandom(piece, off)
      }
    })()
    const outs = await collect(fc.adder.add(fromArray([{ path: 'f', type: 'file', content }]), params()))
    assert.equal(outs.length, 1)
    // buffered blocks + leaves being hashed (hash window 8) + one chunk being assembled + one piece
    assert.ok(maxAhead <= limit + (8 + 2) * 262_144 + 2 * piece, `read ${maxAhead} bytes ahead`)
    assert.ok(maxAhead >= limit / 2, `the sinks were slow, yet only ${maxAhead} bytes were read ahead`)
  })

  it('abort stops the add and the block streams', async () => {
    const fc = fakeCluster()
    const controller = new AbortController()
    const content = (async function * () {
      for (let i = 0; ; i++) {
        if (i === 20) controller.abort()
        yield pseudoRandom(65536, i)
      }
    })()
    await assert.rejects(collect(fc.adder.add(fromArray([{ path: 'f', type: 'file', content }]), params(), { signal: controller.signal })), { name: 'AbortError' })
    assert.equal(fc.pins.length, 0)
  })

  it('a consumer that stops iterating cancels the add', async () => {
    const fc = fakeCluster()
    const gen = fc.adder.add(fromArray(testFolder()), params())
    const first = await gen.next()
    assert.equal(first.done, false)
    await gen.return(undefined)
    assert.equal(fc.pins.length, 0)
  })
})

describe('adder: bad input', () => {
  const cases: Array<[string, Parameters<typeof params>[0], string, string | RegExp]> = [
    ['unknown chunker', { chunker: 'foo' }, 'InvalidArgumentError', 'unrecognized chunker option: foo'],
    ['bad cid version', { cidVersion: 7 }, 'InvalidArgumentError', 'bad CID Version: unknown CID version: 7'],
    ['unknown hash', { hashFun: 'md6' }, 'InvalidArgumentError', 'hash function name not known'],
    ['CIDv0 with sha3-512', { hashFun: 'sha3-512' }, 'InvalidArgumentError', /invalid v0 prefix/],
    ['bad format', { format: 'tar' as 'car' }, 'InvalidArgumentError', 'format parameter is invalid'],
    ['wrap with car', { format: 'car', wrapWithDirectory: true }, 'InvalidArgumentError', 'cannot wrap a CAR file upload']
  ]
  for (const [label, p, name, message] of cases) {
    it(`${label}: ${String(message)}; nothing allocated or pinned`, async () => {
      const fc = fakeCluster()
      await assert.rejects(collect(fc.adder.add(fromArray([fileEntry('f', enc.encode('x'))]), params(p))), { name, message })
      assert.equal(fc.allocateCalls.length, 0)
      assert.equal(fc.pins.length, 0)
    })
  }

  it('duplicate file names in a directory', async () => {
    const fc = fakeCluster()
    await assert.rejects(collect(fc.adder.add(fromArray([dirEntry('d'), fileEntry('d/a', enc.encode('1')), fileEntry('d/a', enc.encode('2'))]), params())), { name: 'InvalidArgumentError', message: 'directory already has entry by that name' })
    assert.equal(fc.pins.length, 0)
  })
})

describe('adder: CAR import', () => {
  async function dagBlocks (entries: AddEntry[]): Promise<{ root: CID, blocks: BlockWithCid[] }> {
    const fc = fakeCluster()
    const outs = await collect(fc.adder.add(fromArray(entries), params({ noPin: true })))
    const root = last(outs).cid as CID
    return { root, blocks: reachableBlocks(root, fc.blocks.get(SELF) as Map<string, Uint8Array>) }
  }

  it('imports the blocks, reports bytes and the UnixFS size, pins the root', async () => {
    const data = pseudoRandom(700_000, 12)
    const { root, blocks } = await dagBlocks([fileEntry('f.bin', data)])
    const car = await makeCar([root], blocks)
    const fc = fakeCluster({}, { allocations: [SELF, PEER2] })
    const outs = await collect(fc.adder.add(fromArray([fileEntry('test.car', car, 10_000)]), params({ format: 'car' })))
    assert.equal(outs.length, 1)
    assert.deepEqual({ ...outs[0], cid: String(outs[0].cid) }, {
      name: 'test.car', cid: String(root), bytes: blocks.reduce((s, b) => s + b.bytes.length, 0), size: 700_000, allocations: [SELF, PEER2]
    })
    for (const p of [SELF, PEER2]) assert.equal(verifyDag(root, fc.blocks.get(p) as Map<string, Uint8Array>).count, blocks.length)
    assert.ok(fc.pins[0].cid.equals(root))
    assert.deepEqual(fc.pins[0].allocations, [SELF, PEER2])
  })

  it('a directory root has no size; only the first top-level entry is read', async () => {
    const { root, blocks } = await dagBlocks(testFolder())
    const car = await makeCar([root], blocks)
    const fc = fakeCluster()
    const outs = await collect(fc.adder.add(fromArray([fileEntry('a.car', car), fileEntry('b.car', new Uint8Array([1, 2, 3]))]), params({ format: 'car' })))
    assert.equal(outs.length, 1)
    assert.equal(outs[0].size, 0)
    assert.ok(outs[0].cid?.equals(root))
  })

  it('rejects CARs with several roots, no roots, version 2, corrupt blocks, non-file entries', async () => {
    const { root, blocks } = await dagBlocks([fileEntry('f', pseudoRandom(1000, 1))])
    const other = CID.createV1(0x55, await sha256.digest(enc.encode('other')))
    const bad = async (entry: AddEntry, message: string | RegExp): Promise<void> => {
      const fc = fakeCluster()
      await assert.rejects(collect(fc.adder.add(fromArray([entry]), params({ format: 'car' }))), { name: 'InvalidArgumentError', message })
      assert.equal(fc.pins.length, 0)
    }
    await bad(fileEntry('x.car', await makeCar([root, other], blocks)), 'only CAR files with a single root are supported')
    await bad(fileEntry('x.car', await makeCar([], blocks)), 'empty car, no roots')
    const v1 = await makeCar([root], blocks)
    const header = new Uint8Array(40)
    const view = new DataView(header.buffer)
    view.setBigUint64(16, 51n, true)
    view.setBigUint64(24, BigInt(v1.length), true)
    const v2 = Buffer.concat([Uint8Array.of(0x0a, 0xa1, 0x67, 0x76, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0x02), header, v1])
    await bad(fileEntry('x.car', v2), 'invalid car version: 2')
    const corrupt = await makeCar([root], blocks.map((b) => ({ cid: b.cid, bytes: Uint8Array.from(b.bytes, (x, i) => i === 3 ? x ^ 1 : x) })))
    await bad(fileEntry('x.car', corrupt), /mismatch in content integrity/)
    await bad(fileEntry('x.car', enc.encode('not a car at all')), /error reading CAR header/)
    await bad(dirEntry('dir'), 'expected CAR file is not of type file')
  })
})
