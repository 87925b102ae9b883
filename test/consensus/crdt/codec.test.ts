import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { base58btc } from 'multiformats/bases/base58'
import * as dagPB from '@ipld/dag-pb'
import { crdtTopicName, decodeBroadcast, decodeDelta, decodeNode, encodeBroadcast, encodeDelta, encodeNode, nodeCid, verifyBlock, mhKey, cidFromMhKey } from '../../../src/consensus/crdt/index.js'
import { base32Upper } from '../../../src/api/encoding.js'
import { testCid } from '../../helpers/pins.js'

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('CRDT wire formats', () => {
  it('round-trips deltas with elements, tombstones and priority', () => {
    const d = {
      elements: [{ key: '/K1', value: enc('v1') }, { key: '/K2', value: enc('') }],
      tombstones: [{ key: '/K0', id: '/CIQABC' }],
      priority: 300
    }
    const back = decodeDelta(encodeDelta(d))
    assert.equal(back.priority, 300)
    assert.deepEqual(back.elements.map((e) => [e.key, e.id, e.value == null ? undefined : new TextDecoder().decode(e.value)]), [['/K1', undefined, 'v1'], ['/K2', undefined, undefined]])
    assert.deepEqual(back.tombstones, [{ key: '/K0', id: '/CIQABC' }])
  })

  it('encodes a delta with the exact protobuf bytes', () => {
    const bytes = encodeDelta({ elements: [{ key: '/a', value: enc('x') }], tombstones: [{ key: '/b', id: '/I' }], priority: 2 })
    assert.deepEqual([...bytes], [
      0x0a, 0x07, 0x0a, 0x02, 0x2f, 0x61, 0x1a, 0x01, 0x78, // elements {key "/a", value "x"}
      0x12, 0x08, 0x0a, 0x02, 0x2f, 0x62, 0x12, 0x02, 0x2f, 0x49, // tombstones {key "/b", id "/I"}
      0x18, 0x02 // priority 2
    ])
  })

  it('builds dag-pb nodes readable by @ipld/dag-pb, CIDv1 dag-pb sha2-256', () => {
    const links = [testCid('a'), testCid('b')]
    const data = encodeDelta({ elements: [{ key: '/k', value: enc('v') }], tombstones: [], priority: 3 })
    const block = encodeNode(data, links)
    const viaLib = dagPB.decode(block)
    assert.deepEqual(viaLib.Data, data)
    assert.deepEqual(viaLib.Links.map((l) => [l.Hash.toString(), l.Name, l.Tsize]), links.map((l) => [l.toString(), '', 0]))
    // identical to the library's canonical encoding of the same node
    assert.deepEqual(dagPB.encode({ Data: data, Links: links.map((Hash) => ({ Hash, Name: '', Tsize: 0 })) }), block)
    const node = decodeNode(block)
    assert.deepEqual(node.links.map(String), links.map(String))
    assert.deepEqual(node.data, data)
    const cid = nodeCid(block)
    assert.equal(cid.version, 1)
    assert.equal(cid.code, 0x70)
    assert.equal(cid.multihash.code, 0x12)
    assert.deepEqual(cid.multihash.digest, new Uint8Array(createHash('sha256').update(block).digest()))
    assert.equal(verifyBlock(cid, block), true)
    assert.equal(verifyBlock(cid, block.subarray(1)), false)
    assert.equal(mhKey(cid), base32Upper(cid.multihash.bytes))
    assert.equal(cidFromMhKey('/' + mhKey(cid)).toString(), cid.toString())
  })

  it('round-trips broadcasts, with and without inline blocks', () => {
    const block = encodeNode(new Uint8Array([1, 2, 3]), [])
    const head = nodeCid(block)
    const other = testCid('other')
    const plain = encodeBroadcast({ heads: [head, other], blocks: [] })
    // CRDTBroadcast{Heads:[{Cid}...]} exactly
    assert.deepEqual([...plain.subarray(0, 4)], [0x0a, head.bytes.length + 2, 0x0a, head.bytes.length])
    assert.deepEqual(decodeBroadcast(plain).heads.map(String), [head, other].map(String))
    const withBlock = decodeBroadcast(encodeBroadcast({ heads: [head], blocks: [{ cid: head, data: block }] }))
    assert.deepEqual(withBlock.heads.map(String), [head.toString()])
    assert.equal(withBlock.blocks.length, 1)
    assert.deepEqual(withBlock.blocks[0].data, block)
  })

  it('reads legacy broadcasts made of a raw CID (v1 and v0)', () => {
    const c = testCid('legacy')
    assert.deepEqual(decodeBroadcast(c.bytes).heads.map(String), [c.toString()])
    const mh = new Uint8Array([0x12, 0x20, ...createHash('sha256').update('x').digest()])
    assert.equal(decodeBroadcast(mh).heads[0].version, 0)
    assert.throws(() => decodeBroadcast(new Uint8Array([0xff, 0xff])), { name: 'InvalidArgumentError' })
  })

  it('derives the pubsub topic from the MD5 multihash of the cluster name', () => {
    const topic = crdtTopicName('ipfs-cluster')
    const mh = base58btc.baseDecode(topic)
    // multihash = varint(0xd5) = 0xd5 0x01, then length 16, then the digest
    assert.deepEqual([...mh.subarray(0, 3)], [0xd5, 0x01, 16])
    assert.deepEqual(mh.subarray(3), new Uint8Array(createHash('md5').update('ipfs-cluster').digest()))
    assert.notEqual(crdtTopicName('other'), topic)
  })
})
