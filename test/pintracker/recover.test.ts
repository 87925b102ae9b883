import { afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { PinType, TrackerStatus } from '../../src/api/enums.js'
import { testCid, testPin } from '../fakes/cids.js'
import { waitFor } from '../helpers/wait-for.js'
import { collect, OTHER, startTracker, statusMap } from './harness.js'
import type { Harness } from './harness.js'

describe('pintracker: recover', () => {
  let h: Harness | undefined
  afterEach(async () => {
    await h?.stop()
    h = undefined
  })

  it('re-queues a pin_error, carrying the attempt count, until it succeeds', async () => {
    h = await startTracker()
    const { ipfs, state, tracker } = h
    const pin = testPin(testCid('retry'))
    ipfs.failPin.add(pin.cid.toString())
    await state.add(pin)
    await tracker.track(pin)
    await h.waitStatus(pin.cid, TrackerStatus.PinError)
    ipfs.pause('pin')
    const info = await tracker.recover(pin.cid)
    assert.equal(info.status, TrackerStatus.Pinning)
    assert.equal(info.attemptCount, 2)
    assert.equal(info.error, '')
    ipfs.resume('pin')
    const failed = await h.waitStatus(pin.cid, TrackerStatus.PinError)
    assert.equal(failed.attemptCount, 2)
    ipfs.failPin.delete(pin.cid.toString())
    await tracker.recover(pin.cid)
    await h.waitStatus(pin.cid, TrackerStatus.Pinned)
    assert.equal(ipfs.calls.pin, 3)
  })

  it('re-queues an unpin_error as an unpin', async () => {
    h = await startTracker()
    const { ipfs, tracker } = h
    const cid = testCid('unpin-retry')
    ipfs.setPinned(cid)
    ipfs.failUnpin.add(cid.toString())
    await tracker.untrack(cid)
    await h.waitStatus(cid, TrackerStatus.UnpinError)
    ipfs.failUnpin.delete(cid.toString())
    ipfs.pause('unpin')
    const info = await tracker.recover(cid)
    assert.equal(info.status, TrackerStatus.Unpinning)
    assert.equal(info.attemptCount, 2)
    ipfs.resume('unpin')
    await h.waitStatus(cid, TrackerStatus.Unpinned)
    assert.equal(ipfs.pinMode(cid), undefined)
  })

  it('re-queues a failed remote unpin as a remote unpin', async () => {
    h = await startTracker()
    const { ipfs, state, tracker } = h
    const pin = testPin(testCid('remote-retry'), { allocations: [OTHER], replicationFactorMin: 1, replicationFactorMax: 1 })
    ipfs.setPinned(pin.cid)
    ipfs.failUnpin.add(pin.cid.toString())
    await state.add(pin)
    await tracker.track(pin)
    await h.waitStatus(pin.cid, TrackerStatus.UnpinError)
    ipfs.failUnpin.delete(pin.cid.toString())
    await tracker.recover(pin.cid)
    await waitFor(() => ipfs.pinMode(pin.cid) == null)
    await h.waitStatus(pin.cid, TrackerStatus.Remote)
  })

  it('re-pins an unexpectedly_unpinned item', async () => {
    h = await startTracker()
    const { ipfs, state, tracker } = h
    const pin = testPin(testCid('gone'))
    await state.add(pin)
    ipfs.pause('pin')
    const info = await tracker.recover(pin.cid)
    assert.equal(info.status, TrackerStatus.Pinning)
    assert.equal(info.attemptCount, 1)
    ipfs.resume('pin')
    await h.waitStatus(pin.cid, TrackerStatus.Pinned)
  })

  it('returns the current status and does nothing for items not in error', async () => {
    h = await startTracker()
    const { ipfs, state, tracker } = h
    const pinned = testPin(testCid('fine'))
    await state.add(pinned)
    await tracker.track(pinned)
    await h.waitStatus(pinned.cid, TrackerStatus.Pinned)
    const meta = testPin(testCid('meta'), { type: PinType.Meta, reference: testCid('dag') })
    await state.add(meta)
    const calls = ipfs.calls.pin + ipfs.calls.unpin
    assert.equal((await tracker.recover(pinned.cid)).status, TrackerStatus.Pinned)
    assert.equal((await tracker.recover(meta.cid)).status, TrackerStatus.Sharded)
    assert.equal((await tracker.recover(testCid('unknown'))).status, TrackerStatus.Unpinned)
    assert.equal(ipfs.calls.pin + ipfs.calls.unpin, calls)
    assert.equal(await tracker.pinQueueSize(), 0)
  })

  it('recoverAll re-queues errored and unexpectedly unpinned items and returns only those', async () => {
    h = await startTracker()
    const { ipfs, state, tracker } = h
    const pinned = testPin(testCid('ok'))
    const failing = testPin(testCid('bad'))
    const lost = testPin(testCid('lost'))
    const remote = testPin(testCid('elsewhere'), { allocations: [OTHER], replicationFactorMin: 1, replicationFactorMax: 1 })
    const meta = testPin(testCid('meta2'), { type: PinType.Meta, reference: testCid('dag2') })
    const unpinFailing = testCid('bad-unpin')
    ipfs.failPin.add(failing.cid.toString())
    ipfs.setPinned(unpinFailing)
    ipfs.failUnpin.add(unpinFailing.toString())
    for (const pin of [pinned, failing, remote, meta]) {
      await state.add(pin)
      await tracker.track(pin)
    }
    await state.add(lost)
    await tracker.untrack(unpinFailing)
    await h.waitStatus(pinned.cid, TrackerStatus.Pinned)
    await h.waitStatus(failing.cid, TrackerStatus.PinError)
    await h.waitStatus(unpinFailing, TrackerStatus.UnpinError)
    await waitFor(() => ipfs.calls.unpin === 2, { message: 'remote unpin' })

    ipfs.pause('pin')
    ipfs.pause('unpin')
    const recovered = await collect(tracker.recoverAll())
    assert.deepEqual(statusMap(recovered), {
      [failing.cid.toString()]: 'pinning',
      [lost.cid.toString()]: 'pinning',
      [unpinFailing.toString()]: 'unpinning'
    })
    const attempts = Object.fromEntries(recovered.map((i) => [i.cid.toString(), i.attemptCount]))
    assert.deepEqual(attempts, { [failing.cid.toString()]: 2, [lost.cid.toString()]: 1, [unpinFailing.toString()]: 2 })

    // Nothing left to recover while they run.
    assert.deepEqual(await collect(tracker.recoverAll()), [])
    ipfs.failPin.delete(failing.cid.toString())
    ipfs.failUnpin.delete(unpinFailing.toString())
    ipfs.resume('pin')
    ipfs.resume('unpin')
    await h.waitStatus(failing.cid, TrackerStatus.Pinned)
    await h.waitStatus(lost.cid, TrackerStatus.Pinned)
    await h.waitStatus(unpinFailing, TrackerStatus.Unpinned)
    assert.deepEqual(await collect(tracker.recoverAll()), [])
  })

  it('recoverAll stops when the tracker stops', async () => {
    h = await startTracker()
    await h.state.add(testPin(testCid('l1')))
    await h.state.add(testPin(testCid('l2')))
    h.ipfs.pause('pin')
    const it = h.tracker.recoverAll()[Symbol.asyncIterator]()
    const first = await it.next()
    assert.equal(first.done, false)
    await h.tracker.stop()
    await assert.rejects(it.next(), { name: 'AbortError' })
  })
})
