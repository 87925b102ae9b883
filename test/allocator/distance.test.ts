import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { CID } from 'multiformats/cid'
import { base58btc } from 'multiformats/bases/base58'
import { sha256 } from 'multiformats/hashes/sha2'
import * as raw from 'multiformats/codecs/raw'
import { create as createDigest } from 'multiformats/hashes/digest'
import { cidKey, closestPeer, compareDistance, createDistanceChecker, peerIdToBytes, peerKey, xorDistance } from '../../src/allocator/index.js'
import { testPeerIds } from '../fakes/peer-ids.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

async function cids (n: number): Promise<CID[]> {
  const out: CID[] = []
  for (let i = 0; i < n; i++) {
    out.push(CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(`block ${i}`))))
  }
  return out
}

describe('closest peer (XOR distance)', () => {
  it('keys are BLAKE2b-256 (known vectors)', () => {
    // not a peer ID: hashed as its UTF-8 bytes
    assert.equal(hex(peerKey('abc')), 'bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319')
    assert.equal(hex(peerKey('')), '0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8')
  })

  it('peer IDs are hashed in binary form, CIDs as their bytes', () => {
    const p = testPeerIds(1)[0]
    assert.deepEqual(peerIdToBytes(p), base58btc.baseDecode(p))
    assert.equal(peerIdToBytes(p).length, 38)
    // CID-form peer IDs hash like their base58 form
    const asCid = CID.createV1(0x72, createDigest(0x00, base58btc.baseDecode(p).subarray(2))).toString()
    assert.ok(asCid.startsWith('b'))
    assert.equal(hex(peerKey(asCid)), hex(peerKey(p)))
    const c = CID.parse('QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmmq')
    assert.notEqual(hex(cidKey(c)), hex(cidKey(c.toV1())))
  })

  it('xor and compare', () => {
    assert.deepEqual(xorDistance(new Uint8Array([1, 2, 255]), new Uint8Array([3, 2, 15])), new Uint8Array([2, 0, 240]))
    assert.ok(compareDistance(new Uint8Array([0, 9]), new Uint8Array([1, 0])) < 0)
    assert.equal(compareDistance(new Uint8Array([4, 4]), new Uint8Array([4, 4])), 0)
  })

  it('exactly one peer of a set considers itself closest, the brute-force closest one', async () => {
    const peers = testPeerIds(6)
    const checkers = peers.map((p) => createDistanceChecker({ local: p, peers }))
    const closestCount = new Map<string, number>()
    for (const c of await cids(60)) {
      const key = cidKey(c)
      const brute = peers.slice().sort((a, b) => compareDistance(xorDistance(key, peerKey(a)), xorDistance(key, peerKey(b))))[0]
      const claiming = peers.filter((_, i) => checkers[i].isClosest(c))
      assert.deepEqual(claiming, [brute])
      assert.equal(closestPeer(c, peers), brute)
      assert.equal(closestPeer(c, peers.slice().reverse()), brute, 'order does not matter')
      for (const ch of checkers) assert.equal(ch.closest(c), brute)
      closestCount.set(brute, (closestCount.get(brute) ?? 0) + 1)
    }
    // the work is spread: more than one peer is closest to some CID
    assert.ok(closestCount.size > 1)
    assert.equal(closestPeer((await cids(1))[0], []), undefined)
  })

  it('only trusted peers and not the excluded one compete', async () => {
    const peers = testPeerIds(4)
    for (const c of await cids(20)) {
      const best = closestPeer(c, peers) as string
      const others = peers.filter((p) => p !== best)
      const second = closestPeer(c, others) as string
      const local = second
      // with the best one excluded (e.g. it is the peer that went down)…
      assert.equal(createDistanceChecker({ local, peers, exclude: best }).isClosest(c), true)
      // …or untrusted, the second best acts
      assert.equal(createDistanceChecker({ local, peers, isTrusted: (p) => p !== best }).isClosest(c), true)
      assert.equal(createDistanceChecker({ local, peers }).isClosest(c), false)
    }
  })
})
