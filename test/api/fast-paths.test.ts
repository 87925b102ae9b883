/**
 * The hand-written fast paths of the encodings (used by listings of
 * millions of pins) give exactly what the generic ones give.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { base32UpperDecode, cidFromDsKey, cidToDsKey, cidToString, formatTime, parseCid } from '../../src/api/encoding.js'
import { pinToJSON, pinToJSONText, toJSONText } from '../../src/api/json.js'
import { PinType } from '../../src/api/enums.js'
import { testCid, testCidV0, testPin, toV1 } from '../fakes/cids.js'

const CIDS: CID[] = [
  testCid('a'),
  testCidV0('b'),
  toV1(testCidV0('c')),
  CID.createV1(0x71, Digest.create(0x12, new Uint8Array(32).fill(7))), // dag-cbor
  CID.createV1(0x0129, Digest.create(0x12, new Uint8Array(32).fill(9))), // dag-json: two-byte codec varint
  CID.createV1(0x55, Digest.create(0xb220, new Uint8Array(32).fill(3))), // blake2b-256: two-byte hash code
  CID.createV1(0x55, Digest.create(0x00, new TextEncoder().encode('identity'))), // identity, short digest
  CID.createV1(0x72, Digest.create(0x00, new Uint8Array(36).fill(1))), // libp2p-key
  parseCid('bafk2bzaceawsyhsnrwwy5mtit2emnjfalkxsyq2p2ptd6fuliolzwwjbs42fq')
]

describe('encoding fast paths', () => {
  it('cidFromDsKey gives back the same CID (bytes, version, codec, multihash) for every shape', () => {
    for (const cid of CIDS) {
      const back = cidFromDsKey(cidToDsKey(cid))
      assert.ok(back.equals(cid), cid.toString())
      assert.equal(back.version, cid.version)
      assert.equal(back.code, cid.code)
      assert.equal(back.multihash.code, cid.multihash.code)
      assert.equal(back.multihash.size, cid.multihash.size)
      assert.deepEqual([...back.multihash.digest], [...cid.multihash.digest])
      assert.deepEqual([...back.multihash.bytes], [...cid.multihash.bytes])
      assert.equal(back.toString(), cid.toString())
      assert.ok(back.bytes.buffer instanceof ArrayBuffer)
      // a key without the leading slash too
      assert.ok(cidFromDsKey(cidToDsKey(cid).slice(1)).equals(cid))
    }
  })

  it('cidToString equals CID.toString() (v0 base58btc, v1 base32)', () => {
    for (const cid of CIDS) {
      assert.equal(cidToString(cid), cid.toString())
      assert.equal(cidToString(cidFromDsKey(cidToDsKey(cid))), cid.toString())
    }
    // a CIDv1 parsed from another base still prints in base32
    const b36 = CID.parse(CIDS[0].toString(), undefined).toString()
    assert.equal(cidToString(parseCid(b36)), CIDS[0].toString())
  })

  it('base32UpperDecode rejects characters outside the alphabet', () => {
    assert.throws(() => base32UpperDecode('AB1C'), { name: 'InvalidArgumentError', message: 'invalid base32 character 1' })
    assert.throws(() => base32UpperDecode('abc'), { name: 'InvalidArgumentError' })
    assert.throws(() => base32UpperDecode('AÉ'), { name: 'InvalidArgumentError', message: 'invalid base32 character É' })
    assert.deepEqual([...base32UpperDecode('')], [])
    assert.deepEqual([...base32UpperDecode('/ME', 1)], [0x61])
  })

  it('formatTime gives Go RFC3339Nano in UTC for every millisecond shape', () => {
    const at = (ms: number): Date => new Date(Date.UTC(2023, 10, 14, 22, 13, 20, ms))
    assert.equal(formatTime(at(0)), '2023-11-14T22:13:20Z')
    assert.equal(formatTime(at(1)), '2023-11-14T22:13:20.001Z')
    assert.equal(formatTime(at(10)), '2023-11-14T22:13:20.01Z')
    assert.equal(formatTime(at(100)), '2023-11-14T22:13:20.1Z')
    assert.equal(formatTime(at(120)), '2023-11-14T22:13:20.12Z')
    assert.equal(formatTime(at(123)), '2023-11-14T22:13:20.123Z')
    assert.equal(formatTime(at(123), true), '2023-11-14T22:13:20Z')
    assert.equal(formatTime(null), '0001-01-01T00:00:00Z')
    assert.equal(formatTime(new Date(Date.UTC(12000, 0, 1))), '12000-01-01T00:00:00Z')
    assert.equal(formatTime(new Date(Date.UTC(999, 0, 1, 0, 0, 0, 5))), '0999-01-01T00:00:00.005Z')
  })

  it('formatTime uses the local offset outside UTC', () => {
    const saved = process.env.TZ
    try {
      process.env.TZ = 'Asia/Kolkata'
      assert.equal(formatTime(new Date(Date.UTC(2023, 10, 14, 22, 13, 20, 120))), '2023-11-15T03:43:20.12+05:30')
      process.env.TZ = 'America/New_York'
      assert.equal(formatTime(new Date(Date.UTC(2023, 6, 1, 12, 0, 0))), '2023-07-01T08:00:00-04:00')
      assert.equal(formatTime(new Date(Date.UTC(2023, 0, 1, 12, 0, 0, 1)), true), '2023-01-01T07:00:00-05:00')
    } finally {
      if (saved === undefined) delete process.env.TZ
      else process.env.TZ = saved
    }
  })

  it('pinToJSONText equals toJSONText(pinToJSON(pin))', () => {
    const pins = [
      testPin(CIDS[0]),
      testPin(CIDS[1], { timestamp: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 60)) }),
      testPin(CIDS[2], {
        name: 'a "quoted" <name> & more\u2028\n\t\u0001 ünïcødé 🎉',
        replicationFactorMin: 2,
        replicationFactorMax: 3,
        allocations: ['12D3KooWRN8KRjpyg9rsW2w7StbBRGper65psTZm68cjud9KAkaW', 'QmXZrtE5jQwXNqCJMfHUTQkvhQ4ZAnqMnmzFMJfLewuabc'],
        userAllocations: ['QmXZrtE5jQwXNqCJMfHUTQkvhQ4ZAnqMnmzFMJfLewuabc'],
        metadata: { z: 'last', a: 'first <&>', 'k"ey': 'v\\al' },
        origins: ['/ip4/127.0.0.1/tcp/4001/p2p/QmXZrtE5jQwXNqCJMfHUTQkvhQ4ZAnqMnmzFMJfLewuabc'],
        expireAt: new Date(Date.UTC(2030, 5, 6)),
        pinUpdate: CIDS[3],
        reference: CIDS[4],
        maxDepth: 0,
        mode: 'direct',
        shardSize: 104857600
      }),
      testPin(CIDS[5], { type: PinType.Meta, maxDepth: 1, shardSize: 1, timestamp: null, metadata: {}, origins: [], allocations: [] }),
      testPin(CIDS[6], { type: PinType.Shard, maxDepth: 1 }),
      testPin(CIDS[7], { type: PinType.ClusterDAG, maxDepth: 0 }),
      testPin(CIDS[8], { type: 0, replicationFactorMin: Number.NaN })
    ]
    for (const p of pins) {
      assert.equal(pinToJSONText(p), toJSONText(pinToJSON(p)))
    }
  })
})
