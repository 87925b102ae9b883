import { afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { TrackerStatus } from '../../src/api/enums.js'
import { testCid, testPin } from '../fakes/cids.js'
import { waitFor } from '../helpers/wait-for.js'
import { collect, OTHER, startTracker, statusMap } from './harness.js'
import type { Harness } from './harness.js'

/**
 * Beyond `backlogLimit` queued operations the tracker records no new ones:
 * the pins are deferred, reported pin_queued, and queued by a sweep of the
 * state (in key order, resumed after the last pin seen) as the queue drains.
 */
describe('pintracker: deferred pins (backlog)', () => {
  let h: Harness | undefined
  afterEach(async () => {
    await h?.stop()
    h = undefined
  })

  it('defers pins beyond the limit, reports them pin_queued and pins them once the queue drains', async () => {
    h = await startTracker({ concurrentPins: 1, backlogLimit: 4, backlogResume: 2 }, { pinDelay: 3 })
    const { ipfs, state, tracker } = h
    ipfs.pause('pin')
    const pins = Array.from({ length: 12 }, (_, i) => testPin(testCid(`backlog${i}`)))
    // two of the pins that will be deferred are already pinned in IPFS,
    // and one deferred pin is allocated elsewhere but held by IPFS
    const remote = testPin(testCid('backlog-remote'), { allocations: [OTHER], replicationFactorMin: 1, replicationFactorMax: 1 })
    ipfs.setPinned(pins[10].cid)
    ipfs.setPinned(pins[11].cid)
    ipfs.setPinned(remote.cid)
    for (const pin of [...pins, remote]) {
      await state.add(pin)
      await tracker.track(pin)
    }
    await waitFor(() => ipfs.waiting('pin') === 1)
    // 1 pinning + 4 queued operations; 8 pins deferred (7 here, 1 remote)
    assert.equal(await tracker.pinQueueSize(), 4 + 8)
    const deferred = pins[9]
    const info = await tracker.status(deferred.cid)
    assert.equal(info.status, TrackerStatus.PinQueued)
    assert.equal(info.error, '')
    assert.equal(info.attemptCount, 0)
    // statusAll finds the deferred pins too (they have no operation)
    const queued = statusMap(await collect(tracker.statusAll(TrackerStatus.PinQueued)))
    assert.equal(Object.keys(queued).length, 4 + 5)
    assert.equal(queued[deferred.cid.toString()], 'pin_queued')
    assert.equal(queued[pins[10].cid.toString()], undefined) // pinned already
    assert.equal((await collect(tracker.statusAll(TrackerStatus.Pinning))).length, 1)
    assert.equal(await h.statusName(pins[10].cid), 'pinned')
    assert.equal(await h.statusName(remote.cid), 'remote')

    // one deferred pin leaves the state before the sweep reaches it
    const removed = pins[8]
    await state.rm(removed.cid)
    await tracker.untrack(removed.cid)

    const listsBefore = state.calls.list
    ipfs.resume('pin')
    await waitFor(async () => await tracker.pinQueueSize() === 0 && ipfs.pinMode(pins[7].cid) != null && ipfs.pinMode(remote.cid) == null, { timeout: 10000 })
    for (const pin of pins) {
      assert.equal(await h.statusName(pin.cid), pin === removed ? 'unpinned' : 'pinned', pin.cid.toString())
    }
    // only the pins that needed it went to IPFS: not the removed one, not the two already pinned
    // (a pin finished between the sweep's IPFS listing and its visit may go twice: a no-op)
    const sentToIPFS = new Set(ipfs.eventCids('pin', 'start'))
    assert.deepEqual([...sentToIPFS].sort(), pins.filter((p) => p !== removed && p !== pins[10] && p !== pins[11]).map((p) => p.cid.toString()).sort())
    assert.equal(ipfs.pinMode(removed.cid), undefined)
    // the sweep filled the queue, stopped, and resumed after the last pin it had seen
    assert.ok(state.calls.list - listsBefore >= 2, `${state.calls.list - listsBefore} state listings by the sweep`)

    // nothing is deferred any more: an item unpinned behind our back is unexpectedly_unpinned again
    ipfs.forget(pins[0].cid)
    const after = await tracker.status(pins[0].cid)
    assert.equal(after.status, TrackerStatus.UnexpectedlyUnpinned)
    assert.equal((await collect(tracker.statusAll(TrackerStatus.PinQueued))).length, 0)
  })

  it('keeps deferred pins pin_queued while IPFS cannot be listed, and sweeps once it can', async () => {
    h = await startTracker({ concurrentPins: 1, backlogLimit: 2, backlogResume: 1, sweepRetryMs: 300 })
    const { ipfs, state, tracker } = h
    ipfs.pause('pin')
    const pins = Array.from({ length: 6 }, (_, i) => testPin(testCid(`backlog-down${i}`)))
    for (const pin of pins) {
      await state.add(pin)
      await tracker.track(pin)
    }
    await waitFor(() => ipfs.waiting('pin') === 1)
    assert.equal(await tracker.pinQueueSize(), 2 + 3)
    ipfs.pinLsError = new Error('connection refused')
    ipfs.resume('pin')
    // the queued operations run; the sweep's listing of IPFS fails
    await waitFor(() => ipfs.calls.pinLs >= 1 && ipfs.calls.pin === 3)
    assert.equal(await h.statusName(pins[5].cid), 'pin_queued')
    ipfs.pinLsError = null
    // retried after sweepRetryMs
    await waitFor(() => ipfs.pinCount === 6, { timeout: 10000 })
    for (const pin of pins) assert.equal(await h.statusName(pin.cid), 'pinned')
  })
})
