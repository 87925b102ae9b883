/**
 * Sharded adds (§4.6.3): shards of less than shard-size bytes, each with
 * its own allocation, shard pins chained by reference, the cluster DAG and
 * the meta pin.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { PinType, defaultPinOptions } from '../../src/api/index.js'
import { SHARD_MAX_LINKS, makeShardDag } from '../../src/adder/sharding.js'
import { PEER2, PEER3, SELF, collect, fakeCluster, fileEntry, fromArray, params, pseudoRandom, reachableBlocks, verifyDag } from './helpers.js'
import type { AddedOutput } from '../../src/api/types.js'

const LEAF = 262158 // a dag-pb leaf holding 256 KiB

describe('sharded adds', () => {
  it('splits the blocks into shards, pins them, the cluster DAG and the meta pin', async () => {
    const rotation = [[SELF, PEER2], [PEER2, PEER3], [PEER3, SELF]]
    const fc = fakeCluster({}, { allocateFn: (n) => rotation[n % 3] })
    const pinOptions = { ...defaultPinOptions(), name: 'movie', shardSize: 700_000, replicationFactorMin: 2, replicationFactorMax: 2, metadata: { a: 'b' } }
    const data = pseudoRandom(8 * 262144, 21)
    const outs = await collect(fc.adder.add(fromArray([fileEntry('movie.bin', data)]), params({ shard: true, pinOptions })))

    // eight leaves of 262158 bytes: two per shard (a third would reach 700000);
    // the file root and the MFS root block fit in the last shard
    assert.deepEqual(outs.map((o) => o.name), ['shard-0', 'shard-1', 'shard-2', 'movie.bin', 'shard-3', 'movie-clusterDAG'])
    const shardOuts = [outs[0], outs[1], outs[2], outs[4]]
    for (let i = 0; i < 3; i++) assert.equal(shardOuts[i].size, 2 * LEAF, `shard-${i} holds two leaves`)
    assert.ok(shardOuts[3].size > 2 * LEAF && shardOuts[3].size < 2 * LEAF + 1000)
    const fileOut = outs[3]
    const root = fileOut.cid as CID
    assert.deepEqual(fileOut.allocations, rotation[3 % 3], 'content items carry the current shard allocations')
    shardOuts.forEach((o, i) => { assert.deepEqual(o.allocations, rotation[i % 3]) })
    const dagOut = outs[5]
    assert.deepEqual(dagOut.allocations, [])
    assert.equal(dagOut.size, shardOuts.reduce((s, o) => s + o.size, 0))

    // every block of a shard (and the shard node) is on that shard's peers
    for (let i = 0; i < 4; i++) {
      const shardCid = shardOuts[i].cid as CID
      for (const peer of rotation[i % 3]) {
        const bytes = fc.blocks.get(peer)?.get(shardCid.toString())
        assert.ok(bytes != null, `shard ${i} node on ${peer}`)
        const links = dagCbor.decode(bytes) as Record<string, CID>
        for (const c of Object.values(links)) assert.ok(fc.blocks.get(peer)?.has(c.toString()))
      }
    }
    // the content DAG is complete across the shards
    const all = new Map<string, Uint8Array>()
    for (const store of fc.blocks.values()) for (const [k, v] of store) all.set(k, v)
    assert.equal(verifyDag(root, all).count, 9)

    // pins: 4 shard pins chained by reference, then the cluster DAG, then the meta pin
    assert.equal(fc.pins.length, 6)
    const shardPins = fc.pins.slice(0, 4)
    shardPins.forEach((p, i) => {
      assert.equal(p.type, PinType.Shard)
      assert.equal(p.name, `movie-shard-${i}`)
      assert.equal(p.maxDepth, 1)
      assert.deepEqual(p.allocations, rotation[i % 3])
      assert.equal(p.shardSize, shardOuts[i].size)
      assert.deepEqual(p.metadata, { a: 'b' })
      if (i === 0) assert.equal(p.reference, null)
      else assert.ok(p.reference?.equals(shardPins[i - 1].cid))
    })
    const dagPin = fc.pins[4]
    assert.equal(dagPin.type, PinType.ClusterDAG)
    assert.equal(dagPin.name, 'movie-clusterDAG')
    assert.equal(dagPin.replicationFactorMin, -1)
    assert.equal(dagPin.replicationFactorMax, -1)
    assert.equal(dagPin.maxDepth, 0)
    assert.deepEqual(dagPin.allocations, [])
    assert.ok(dagPin.reference?.equals(root))
    assert.ok(dagPin.cid.equals(dagOut.cid as CID))
    const clusterDag = dagCbor.decode(fc.blocks.get(SELF)?.get(dagPin.cid.toString()) as Uint8Array) as Record<string, CID>
    assert.deepEqual(Object.keys(clusterDag), ['0', '1', '2', '3'])
    shardPins.forEach((p, i) => { assert.ok(clusterDag[String(i)].equals(p.cid)) })
    const metaPin = fc.pins[5]
    assert.equal(metaPin.type, PinType.Meta)
    assert.ok(metaPin.cid.equals(root))
    assert.ok(metaPin.reference?.equals(dagPin.cid))
    assert.equal(metaPin.maxDepth, 0)
    assert.equal(fc.allocateCalls.length, 4)
  })

  it('the content root is the same as a plain add', async () => {
    const data = pseudoRandom(1_000_000, 2)
    const plain = await collect(fakeCluster().adder.add(fromArray([fileEntry('f', data)]), params()))
    const sharded = await collect(fakeCluster().adder.add(fromArray([fileEntry('f', data)]), params({ shard: true, pinOptions: { ...defaultPinOptions(), shardSize: 600_000 } })))
    const file = sharded.find((o: AddedOutput) => o.name === 'f') as AddedOutput
    assert.ok(file.cid?.equals(plain[0].cid as CID))
  })

  it('shard-size 0 fails: block does not fit in an empty shard; nothing pinned', async () => {
    const fc = fakeCluster()
    const p = params({ shard: true })
    p.pinOptions = { ...p.pinOptions, shardSize: 0 }
    await assert.rejects(collect(fc.adder.add(fromArray([fileEntry('f', pseudoRandom(1000, 1))]), p)), { message: "block doesn't fit in empty shard: shard size too small?" })
    assert.equal(fc.pins.length, 0)
    assert.equal(fc.allocateCalls.length, 1)
  })

  it('CAR import can be sharded too', async () => {
    const fc0 = fakeCluster()
    const outs0 = await collect(fc0.adder.add(fromArray([fileEntry('f', pseudoRandom(900_000, 5))]), params({ noPin: true })))
    const root = outs0[0].cid as CID
    const blocks = reachableBlocks(root, fc0.blocks.get(SELF) as Map<string, Uint8Array>)
    const { CarWriter } = await import('@ipld/car/writer')
    const { writer, out } = CarWriter.create([root])
    const parts: Uint8Array[] = []
    const reading = (async () => { for await (const p of out) parts.push(p) })()
    for (const b of blocks) await writer.put(b)
    await writer.close()
    await reading
    const fc = fakeCluster()
    const outs = await collect(fc.adder.add(fromArray([fileEntry('x.car', Buffer.concat(parts))]), params({ format: 'car', shard: true, pinOptions: { ...defaultPinOptions(), name: 'c', shardSize: 600_000 } })))
    // CAR order is root first: [root, leaf0, leaf1] then [leaf2, leaf3]
    assert.deepEqual(outs.map((o) => o.name), ['shard-0', 'x.car', 'shard-1', 'c-clusterDAG'])
    assert.ok(outs[1].cid?.equals(root))
    assert.equal(fc.pins.filter((p) => p.type === PinType.Shard).length, 2)
    assert.ok(fc.pins[fc.pins.length - 1].cid.equals(root))
  })
})

describe('cluster DAG nodes', () => {
  const cids = async (n: number): Promise<CID[]> => await Promise.all(Array.from({ length: n }, async (_, i) => CID.createV1(0x55, await sha256.digest(new TextEncoder().encode(String(i))))))

  it('one dag-cbor node with links "0", "1", … (CIDv1 dag-cbor sha2-256)', async () => {
    const links = await cids(3)
    const [node] = makeShardDag(links)
    assert.equal(node.cid.version, 1)
    assert.equal(node.cid.code, 0x71)
    assert.equal(node.cid.multihash.code, 0x12)
    assert.deepEqual(dagCbor.decode(node.bytes), { 0: links[0], 1: links[1], 2: links[2] })
    assert.deepEqual(node.bytes, dagCbor.encode({ 0: links[0], 1: links[1], 2: links[2] }))
  })

  it(`an indirect level above ${SHARD_MAX_LINKS} links (empty last leaf on an exact multiple)`, async () => {
    const links = await cids(SHARD_MAX_LINKS + 1)
    const nodes = makeShardDag(links)
    assert.equal(nodes.length, 3)
    const indirect = dagCbor.decode(nodes[0].bytes) as Record<string, CID>
    assert.deepEqual(Object.keys(indirect), ['0', '1'])
    assert.deepEqual(Object.keys(dagCbor.decode(nodes[2].bytes) as object), ['0'])
    assert.equal(makeShardDag(await cids(SHARD_MAX_LINKS)).length, 1)
    const exact = makeShardDag(await cids(2 * SHARD_MAX_LINKS))
    assert.equal(exact.length, 4)
    assert.deepEqual(dagCbor.decode(exact[3].bytes), {})
  })
})
