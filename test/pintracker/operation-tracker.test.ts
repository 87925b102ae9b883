import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { IPFSPinStatus } from '../../src/api/enums.js'
import { CidFingerprintSet } from '../../src/pintracker/cid-fingerprint-set.js'
import { OpQueue } from '../../src/pintracker/op-queue.js'
import { OperationPhase, OperationTracker, OperationType } from '../../src/pintracker/operation-tracker.js'
import { counterCid, testCid, testCidV0, toV1 } from '../fakes/cids.js'

describe('pintracker: operation table', () => {
  it('tracks one operation per CID and refuses a duplicate of the same kind', () => {
    const ops = new OperationTracker()
    const a = testCid('a')
    const slot = ops.trackNew(a, OperationType.Pin, 1000)
    assert.ok(slot >= 0)
    assert.equal(ops.find(a), slot)
    assert.equal(ops.trackNew(a, OperationType.Pin), -1, 'queued pin: a second pin is a no-op')
    ops.setPhase(slot, OperationPhase.InProgress)
    assert.equal(ops.trackNew(a, OperationType.Pin), -1, 'running pin: a second pin is a no-op')
    assert.equal(ops.size, 1)
    const info = ops.info(slot)
    assert.ok(info.cid.equals(a))
    assert.equal(info.type, OperationType.Pin)
    assert.equal(info.phase, OperationPhase.InProgress)
    assert.equal(info.error, '')
    assert.equal(info.attemptCount, 0)
    assert.equal(info.priorityPin, false)
  })

  it('replaces an operation of another kind in place with a new generation', () => {
    const ops = new OperationTracker()
    const a = testCid('a')
    const slot = ops.trackNew(a, OperationType.Pin)
    const gen = ops.gen(slot)
    ops.incAttempts(slot)
    const slot2 = ops.trackNew(a, OperationType.Unpin, 5000)
    assert.equal(slot2, slot)
    assert.notEqual(ops.gen(slot), gen)
    assert.equal(ops.isCurrent(slot, gen), false)
    assert.equal(ops.isCurrent(slot, ops.gen(slot)), true)
    assert.equal(ops.type(slot), OperationType.Unpin)
    assert.equal(ops.phase(slot), OperationPhase.Queued)
    assert.equal(ops.attemptCount(slot), 0, 'attempts do not carry over to another kind')
    assert.equal(ops.info(slot).timestamp.getTime(), 5000)
  })

  it('replaces a failed operation of the same kind and carries its attempts', () => {
    const ops = new OperationTracker()
    const a = testCid('a')
    const slot = ops.trackNew(a, OperationType.Pin)
    ops.incAttempts(slot)
    ops.incAttempts(slot)
    ops.setError(slot, 'boom')
    assert.equal(ops.info(slot).error, 'boom')
    assert.equal(ops.count(OperationType.Pin, OperationPhase.Error), 1)
    assert.equal(ops.trackNew(a, OperationType.Pin), slot)
    assert.equal(ops.attemptCount(slot), 2)
    assert.equal(ops.info(slot).error, '', 'the error is cleared')
    assert.equal(ops.count(OperationType.Pin, OperationPhase.Error), 0)
    assert.equal(ops.count(OperationType.Pin, OperationPhase.Queued), 1)
  })

  it('keeps counts per type and phase', () => {
    const ops = new OperationTracker()
    const slots = [0, 1, 2, 3].map((i) => ops.trackNew(testCid(`c${i}`), OperationType.Pin))
    ops.trackNew(testCid('u'), OperationType.Unpin)
    ops.setPhase(slots[0], OperationPhase.InProgress)
    ops.setError(slots[1], 'x')
    ops.remove(slots[2])
    assert.equal(ops.count(OperationType.Pin, OperationPhase.Queued), 1)
    assert.equal(ops.count(OperationType.Pin, OperationPhase.InProgress), 1)
    assert.equal(ops.count(OperationType.Pin, OperationPhase.Error), 1)
    assert.equal(ops.count(OperationType.Unpin, OperationPhase.Queued), 1)
    assert.equal(ops.size, 4)
  })

  it('finds every live CID after many insertions and removals (index deletion keeps probe chains)', () => {
    const ops = new OperationTracker()
    const n = 20000
    const slots: number[] = []
    for (let i = 0; i < n; i++) {
      slots.push(ops.trackNew(counterCid(i), OperationType.Pin))
    }
    // Remove every third, then re-add some of them.
    for (let i = 0; i < n; i += 3) ops.remove(slots[i])
    for (let i = 0; i < n; i++) {
      const found = ops.find(counterCid(i))
      if (i % 3 === 0) {
        assert.equal(found, -1, `removed ${i} must be gone`)
      } else {
        assert.equal(found, slots[i], `live ${i} must be found`)
        assert.ok(ops.cid(found).equals(counterCid(i)))
      }
    }
    for (let i = 0; i < n; i += 6) {
      assert.ok(ops.trackNew(counterCid(i), OperationType.Unpin) >= 0)
    }
    const expected = n - Math.ceil(n / 3) + Math.ceil(n / 6)
    assert.equal(ops.size, expected)
    assert.equal([...ops.slots()].length, expected)
    for (let i = 0; i < n; i += 6) {
      assert.equal(ops.type(ops.find(counterCid(i))), OperationType.Unpin)
    }
  })

  it('stores CIDs longer than the inline stride', () => {
    const ops = new OperationTracker()
    const digest = new Uint8Array(64).map((_, i) => i)
    const long = CID.createV1(0x71, Digest.create(0x13, digest))
    assert.ok(long.bytes.length > 40)
    const slot = ops.trackNew(long, OperationType.Pin)
    assert.equal(ops.find(long), slot)
    assert.ok(ops.cid(slot).equals(long))
    ops.remove(slot)
    assert.equal(ops.find(long), -1)
  })

  it('distinguishes CIDv0 and CIDv1 (they are different state keys)', () => {
    const ops = new OperationTracker()
    const v0 = testCidV0('x')
    const s0 = ops.trackNew(v0, OperationType.Pin)
    assert.equal(ops.find(toV1(v0)), -1)
    assert.ok(ops.trackNew(toV1(v0), OperationType.Pin) !== s0)
  })

  it('gives memory back once drained and keeps old handles stale', () => {
    const ops = new OperationTracker()
    const initial = ops.byteLength()
    const handles: Array<[number, number]> = []
    for (let i = 0; i < 5000; i++) {
      const slot = ops.trackNew(counterCid(i), OperationType.Pin)
      handles.push([slot, ops.gen(slot)])
    }
    assert.ok(ops.byteLength() > initial)
    for (const [slot] of handles) ops.remove(slot)
    assert.equal(ops.size, 0)
    assert.equal(ops.byteLength(), initial)
    const slot = ops.trackNew(testCid('new'), OperationType.Pin)
    assert.equal(handles.some(([s, g]) => ops.isCurrent(s, g)), false)
    assert.equal(ops.isCurrent(slot, ops.gen(slot)), true)
  })

  it('interns error texts and releases them', () => {
    const ops = new OperationTracker()
    const slots = [0, 1, 2].map((i) => ops.trackNew(testCid(`e${i}`), OperationType.Pin))
    for (const s of slots) ops.setError(s, 'same error')
    ops.setError(slots[2], 'other error')
    assert.deepEqual(slots.map((s) => ops.info(s).error), ['same error', 'same error', 'other error'])
    ops.remove(slots[0])
    ops.setPhase(slots[1], OperationPhase.Queued)
    assert.equal(ops.info(slots[1]).error, '')
    ops.setError(slots[1], 'third')
    assert.equal(ops.info(slots[1]).error, 'third')
    assert.equal(ops.info(slots[2]).error, 'other error')
  })
})

describe('pintracker: op queue', () => {
  it('is FIFO across growth and wrap-around and bounded by its capacity', () => {
    const q = new OpQueue(1000)
    let next = 0
    let expect = 0
    // Interleave pushes and shifts so the ring wraps while growing.
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 45; i++) {
        assert.ok(q.push(next, next * 7))
        next++
      }
      for (let i = 0; i < 20; i++) {
        assert.ok(q.shift())
        assert.equal(q.lastSlot, expect)
        assert.equal(q.lastGen, expect * 7)
        expect++
      }
    }
    assert.equal(q.length, next - expect)
    while (q.length < 1000) q.push(1, 1)
    assert.equal(q.push(2, 2), false, 'full')
    assert.equal(q.length, 1000)
    q.clear()
    assert.equal(q.length, 0)
    assert.equal(q.shift(), false)
  })
})

describe('pintracker: IPFS pinset fingerprint set', () => {
  it('finds every added CID with its status and nothing else', () => {
    const set = new CidFingerprintSet()
    const n = 50000
    for (let i = 0; i < n; i++) {
      set.add(counterCid(i), i % 2 === 0 ? IPFSPinStatus.Recursive : IPFSPinStatus.Direct)
    }
    assert.equal(set.size, n)
    for (let i = 0; i < n; i++) {
      assert.equal(set.get(counterCid(i)), i % 2 === 0 ? IPFSPinStatus.Recursive : IPFSPinStatus.Direct)
    }
    for (let i = n; i < 2 * n; i++) {
      assert.equal(set.get(counterCid(i)), undefined)
    }
    set.add(counterCid(0), IPFSPinStatus.Direct)
    assert.equal(set.size, n, 'overwrite does not add')
    assert.equal(set.get(counterCid(0)), IPFSPinStatus.Direct)
    assert.ok(set.byteLength() / n < 30, `compact: ${set.byteLength() / n} bytes per CID`)
  })

  it('treats CIDv0 and its CIDv1 dag-pb twin as the same pin', () => {
    const set = new CidFingerprintSet()
    const v0 = testCidV0('twin')
    set.add(toV1(v0), IPFSPinStatus.Recursive)
    assert.equal(set.get(v0), IPFSPinStatus.Recursive)
    assert.equal(set.get(testCid('twin')), undefined, 'a raw CID with the same multihash is another pin')
  })
})
