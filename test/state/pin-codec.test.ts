import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { pinFromProto, pinToProto, pinCidFromProto } from '../../src/state/index.js'
import { PinType } from '../../src/api/enums.js'
import { defaultPinOptions, newPin, pinToJSON, toJSONText } from '../../src/api/json.js'
import type { Pin } from '../../src/api/types.js'
import { testCid, testPeerId, testPin } from '../helpers/pins.js'

describe('Pin protobuf codec', () => {
  it('encodes a default pin exactly as the reference (golden bytes)', () => {
    const cid = testCid('golden')
    const pin = newPin(cid, defaultPinOptions())
    const bytes = pinToProto(pin)
    // Cid(1) | Type(2)=DataType(1) | MaxDepth(4)=sint32(-1) | Options(6)=empty
    const expected = new Uint8Array([0x0a, cid.bytes.length, ...cid.bytes, 0x10, 0x01, 0x20, 0x01, 0x32, 0x00])
    assert.deepEqual(bytes, expected)
  })

  it('round-trips every stored field and drops what is never stored', () => {
    const peerA = testPeerId('a')
    const peerB = testPeerId('b')
    const pin = {
      ...testPin('full'),
      type: PinType.Shard,
      maxDepth: 5,
      allocations: [peerB, peerA],
      reference: testCid('ref'),
      replicationFactorMin: 2,
      replicationFactorMax: 3,
      name: 'some name ñ',
      shardSize: 104857600,
      userAllocations: [peerA],
      expireAt: new Date('2030-01-02T03:04:05.678Z'),
      metadata: { zeta: 'last', alpha: 'first', empty: '' },
      pinUpdate: testCid('update'),
      origins: [`/ip4/1.2.3.4/tcp/4001/p2p/${peerA}`],
      timestamp: new Date('2026-05-11T08:17:41.999Z')
    }
    const back = pinFromProto(pinToProto(pin))
    const norm = (p: Pin): unknown => JSON.parse(toJSONText(pinToJSON(p)))
    assert.deepEqual(norm(back), norm({
      ...pin,
      mode: 'recursive',
      userAllocations: null,
      expireAt: new Date('2030-01-02T03:04:05.000Z'),
      timestamp: new Date('2026-05-11T08:17:41.000Z')
    }))
    assert.equal(back.expireAt?.getTime(), Date.parse('2030-01-02T03:04:05.000Z'))
    assert.equal(back.timestamp?.getTime(), Date.parse('2026-05-11T08:17:41.000Z'))
    assert.deepEqual(back.allocations, [peerB, peerA])
    assert.deepEqual(back.metadata, { alpha: 'first', empty: '', zeta: 'last' })
    assert.equal(back.userAllocations, null)
    assert.equal(back.shardSize, 104857600)
    assert.equal(pinCidFromProto(pinToProto(pin))?.toString(), pin.cid.toString())
  })

  it('is canonical: metadata order does not change the bytes', () => {
    const a = testPin('m', { metadata: { b: '2', a: '1', c: '3' } })
    const b = testPin('m', { metadata: { c: '3', a: '1', b: '2' } })
    assert.deepEqual(pinToProto(a), pinToProto(b))
  })

  it('derives the mode from max depth and keeps null times and empty lists', () => {
    const pin = testPin('direct', { maxDepth: 0, mode: 'direct', timestamp: null, metadata: null })
    const back = pinFromProto(pinToProto(pin))
    assert.equal(back.mode, 'direct')
    assert.equal(back.maxDepth, 0)
    assert.equal(back.timestamp, null)
    assert.equal(back.expireAt, null)
    assert.equal(back.metadata, null)
    assert.deepEqual(back.origins, [])
    assert.deepEqual(back.allocations, [])
  })

  it('takes the CID from the caller (datastore key) when given', () => {
    const other = testCid('from-key')
    assert.equal(pinFromProto(pinToProto(testPin('x')), other).cid.toString(), other.toString())
  })

  it('reads the deprecated metadata map (field 6), the sorted list winning', () => {
    const cid = testCid('legacy')
    const entry = (k: string, v: string): number[] => {
      const kb = [...new TextEncoder().encode(k)]
      const vb = [...new TextEncoder().encode(v)]
      return [0x0a, kb.length, ...kb, 0x12, vb.length, ...vb]
    }
    const m1 = entry('k1', 'old')
    const m2 = entry('k2', 'v2')
    const s1 = entry('k1', 'new')
    const opts = [0x32, m1.length, ...m1, 0x32, m2.length, ...m2, 0x52, s1.length, ...s1]
    const bytes = new Uint8Array([0x0a, cid.bytes.length, ...cid.bytes, 0x10, 0x01, 0x32, opts.length, ...opts])
    assert.deepEqual(pinFromProto(bytes).metadata, { k1: 'new', k2: 'v2' })
  })

  it('rejects garbage with InvalidArgumentError', () => {
    assert.throws(() => pinFromProto(new Uint8Array([0x0a, 0x50, 0x01])), { name: 'InvalidArgumentError' })
    assert.throws(() => pinFromProto(new Uint8Array([0x10, 0x01])), { name: 'InvalidArgumentError' })
  })
})
