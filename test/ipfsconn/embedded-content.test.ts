import '../../src/polyfill.js'
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { hasEmbeddedContent } from '../../src/ipfsconn/embedded/index.js'
import { waitFor } from '../helpers/wait-for.js'
import { collect, importBlocks, putBlocks, randomBytes, startNode, tempFolder } from './embedded-helpers.js'
import type { EmbeddedIPFS } from '../../src/ipfsconn/embedded/index.js'
import type { Imported } from './embedded-helpers.js'

const enc = new TextEncoder()
const dec = new TextDecoder()

function concat (chunks: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(chunks))
}

describe('embedded IPFS node: read API', () => {
  const folders: Array<Awaited<ReturnType<typeof tempFolder>>> = []
  let node: EmbeddedIPFS
  let other: EmbeddedIPFS
  let dir: Imported
  const big = randomBytes(300_000, 7)
  let bigFile: Imported
  let hello: Imported
  let x: Imported
  let dirA: CID
  let dirSub: CID

  before(async () => {
    for (let i = 0; i < 2; i++) folders.push(await tempFolder())
    node = await startNode(folders[0].path, { ipfsRequestTimeout: 500 })
    other = await startNode(folders[1].path, { ipfsRequestTimeout: 2000 })
    dir = await importBlocks([
      { path: 'a/hello.txt', content: enc.encode('hello world') },
      { path: 'a/dup.txt', content: enc.encode('hello world') },
      { path: 'a/big.bin', content: big },
      { path: 'a/sub/x.txt', content: enc.encode('x') }
    ], { wrapWithDirectory: true, chunkSize: 100_000 })
    await putBlocks(node, dir.blocks)
    bigFile = await importBlocks({ content: big }, { chunkSize: 100_000 })
    hello = await importBlocks({ content: enc.encode('hello world') })
    x = await importBlocks({ content: enc.encode('x') })
    dirA = await node.resolve(`/ipfs/${dir.root.toString()}/a`)
    dirSub = await node.resolve(`/ipfs/${dir.root.toString()}/a/sub`)
  })

  after(async () => {
    await node.stop()
    await other.stop()
    for (const f of folders) await f.remove()
  })

  it('is detected as offering the read API', () => {
    assert.equal(hasEmbeddedContent(node), true)
    assert.equal(node.content(), node)
  })

  it('cats files, with offset and length', async () => {
    const root = dir.root.toString()
    assert.equal(dec.decode(concat(await collect(node.cat(`/ipfs/${root}/a/hello.txt`)))), 'hello world')
    assert.equal(dec.decode(concat(await collect(node.cat(`${root}/a/hello.txt`, { offset: 6, length: 5 })))), 'world')
    assert.deepEqual(concat(await collect(node.cat(`/ipfs/${root}/a/big.bin`))), big)
    assert.deepEqual(concat(await collect(node.cat(`/ipfs/${root}/a/big.bin`, { offset: 150_000, length: 100_000 }))), big.subarray(150_000, 250_000))
    await assert.rejects(collect(node.cat(`/ipfs/${root}/a`)), { name: 'InvalidArgumentError', message: 'this dag node is a directory' })
    await assert.rejects(collect(node.cat(`/ipfs/${root}/a/nope`)), { name: 'NotFoundError' })
  })

  it('lists directories with resolved types and sizes', async () => {
    const entries = await collect(node.ls(`/ipfs/${dir.root.toString()}/a`))
    assert.deepEqual(entries.map((e) => ({ ...e, cid: e.cid.toString() })), [
      { name: 'big.bin', cid: bigFile.root.toString(), size: 300_000n, type: 'file' },
      { name: 'dup.txt', cid: hello.root.toString(), size: 11n, type: 'file' },
      { name: 'hello.txt', cid: hello.root.toString(), size: 11n, type: 'file' },
      { name: 'sub', cid: dirSub.toString(), size: 0n, type: 'directory' }
    ])
    // a chunked file lists its chunks
    const chunks = await collect(node.ls(bigFile.root.toString()))
    assert.deepEqual(chunks.map((c) => [c.name, c.cid.toString(), c.size, c.type]),
      bigFile.blocks.filter((blk) => !blk.cid.equals(bigFile.root)).map((blk) => ['', blk.cid.toString(), BigInt(blk.bytes.byteLength), 'file']))
  })

  it('walks refs depth-first in link order, unique or not, to a max depth', async () => {
    const leaves = bigFile.blocks.filter((blk) => !blk.cid.equals(bigFile.root)).map((blk) => blk.cid.toString())
    const strs = (cids: CID[]): string[] => cids.map((c) => c.toString())
    assert.deepEqual(strs(await collect(node.refs(dir.root))), [dirA.toString()])
    assert.deepEqual(strs(await collect(node.refs(dir.root, { recursive: true }))), [
      dirA.toString(), bigFile.root.toString(), ...leaves, hello.root.toString(), hello.root.toString(), dirSub.toString(), x.root.toString()
    ])
    assert.deepEqual(strs(await collect(node.refs(dir.root, { recursive: true, unique: true }))), [
      dirA.toString(), bigFile.root.toString(), ...leaves, hello.root.toString(), dirSub.toString(), x.root.toString()
    ])
    assert.deepEqual(strs(await collect(node.refs(dir.root, { maxDepth: 2 }))), [
      dirA.toString(), bigFile.root.toString(), hello.root.toString(), hello.root.toString(), dirSub.toString()
    ])
    const edges = await collect(node.refEdges(dirA))
    assert.deepEqual(edges.map((e) => [e.from.toString(), e.to.toString()]), [
      [dirA.toString(), bigFile.root.toString()],
      [dirA.toString(), hello.root.toString()],
      [dirA.toString(), hello.root.toString()],
      [dirA.toString(), dirSub.toString()]
    ])
  })

  it('stats blocks and nodes', async () => {
    const leaf = bigFile.blocks[0]
    const bs = await node.blockStat(leaf.cid)
    assert.ok(bs.cid.equals(leaf.cid))
    assert.equal(bs.size, 100_000)

    const fileStat = await node.stat(`/ipfs/${dir.root.toString()}/a/big.bin`)
    const rootBlock = bigFile.blocks.find((blk) => blk.cid.equals(bigFile.root))
    assert.ok(rootBlock != null)
    assert.deepEqual({ ...fileStat, cid: fileStat.cid.toString() }, {
      cid: bigFile.root.toString(),
      type: 'file',
      size: 300_000n,
      blockSize: rootBlock.bytes.byteLength,
      numLinks: 3,
      cumulativeSize: BigInt(rootBlock.bytes.byteLength + 300_000)
    })
    const helloStat = await node.stat(hello.root.toString())
    assert.deepEqual({ ...helloStat, cid: helloStat.cid.toString() }, {
      cid: hello.root.toString(), type: 'file', size: 11n, blockSize: 11, numLinks: 0, cumulativeSize: 11n
    })
    const dirStat = await node.stat(`/ipfs/${dir.root.toString()}/a`)
    assert.equal(dirStat.type, 'directory')
    assert.equal(dirStat.size, 0n)
    assert.equal(dirStat.numLinks, 4)

    const missing = CID.createV1(0x55, await sha256.digest(randomBytes(32, 99)))
    await assert.rejects(node.blockStat(missing), { name: 'TimeoutError' })
  })

  it('decodes blocks with dagGet', async () => {
    const value = { hello: 'world', n: 3, link: hello.root }
    const bytes = dagCbor.encode(value)
    const cid = CID.createV1(dagCbor.code, await sha256.digest(bytes))
    await putBlocks(node, [{ cid, bytes }])
    const got = await node.dagGet(cid)
    assert.equal(got.codec, 'dag-cbor')
    assert.deepEqual(got.value, value)
    assert.deepEqual((await collect(node.refs(cid))).map((c) => c.toString()), [hello.root.toString()])
    await assert.rejects(collect(node.cat(cid.toString())), { name: 'InvalidArgumentError' })

    const pb = await node.dagGet(dirA)
    assert.equal(pb.codec, 'dag-pb')
    assert.equal((pb.value as { Links: unknown[] }).Links.length, 4)
  })

  it('reads content another connected node has', async () => {
    const idNode = await node.id()
    await other.connectSwarms(idNode.addresses ?? [])
    await waitFor(async () => (await other.swarmPeers()).includes(idNode.id))
    assert.deepEqual(concat(await collect(other.cat(`/ipfs/${dir.root.toString()}/a/big.bin`, { offset: 10, length: 20 }))), big.subarray(10, 30))
    assert.deepEqual((await collect(other.ls(`/ipfs/${dir.root.toString()}/a/sub`))).map((e) => e.name), ['x.txt'])
  })
})
