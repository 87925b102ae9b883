import { afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { TrackerStatus } from '../../src/api/enums.js'
import { testCid, testPin } from '../fakes/cids.js'
import { STALL_CID } from '../fakes/fake-ipfs-connector.js'
import { waitFor } from '../helpers/wait-for.js'
import { createRequestActivity } from '../../src/utils/activity.js'
import { collect, OTHER, startTracker } from './harness.js'
import type { Harness } from './harness.js'

const QUEUE_FULL = 'pin/unpin operation queue is full. Try increasing max_pin_queue_size'
const TWO_DAYS_AGO = (): Date => new Date(Date.now() - 48 * 3600 * 1000)

function activeTimers (): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
}

describe('pintracker: queues and workers', () => {
  let h: Harness | undefined
  afterEach(async () => {
    await h?.stop()
    h = undefined
  })

  it('serves young pins (priority queue) before old ones', async () => {
    h = await startTracker({ concurrentPins: 1 })
    const { ipfs, state, tracker } = h
    ipfs.pause('pin')
    const block = testPin(testCid('block'))
    const old1 = testPin(testCid('old1'), { timestamp: TWO_DAYS_AGO() })
    const new1 = testPin(testCid('new1'))
    const old2 = testPin(testCid('old2'), { timestamp: TWO_DAYS_AGO() })
    const new2 = testPin(testCid('new2'))
    const noTs = testPin(testCid('no-ts'), { timestamp: null })
    for (const pin of [block, old1, new1, old2, new2, noTs]) {
      await state.add(pin)
      await tracker.track(pin)
    }
    await waitFor(() => ipfs.waiting('pin') === 1)
    assert.equal((await tracker.status(new1.cid)).priorityPin, true)
    assert.equal((await tracker.status(old1.cid)).priorityPin, false)
    assert.equal((await tracker.status(noTs.cid)).priorityPin, false)
    assert.equal(await tracker.pinQueueSize(), 5)
    ipfs.resume('pin')
    await waitFor(() => ipfs.eventCids('pin', 'done').length === 6)
    assert.deepEqual(ipfs.eventCids('pin', 'start'), [block, new1, new2, old1, old2, noTs].map((p) => p.cid.toString()))
  })

  it('sends pins that failed more than priority_pin_max_retries times to the normal queue', async () => {
    h = await startTracker({ priorityPinMaxRetries: 1 })
    const { ipfs, state, tracker } = h
    const pin = testPin(testCid('flaky'))
    ipfs.failPin.add(pin.cid.toString())
    await state.add(pin)
    await tracker.track(pin)
    await h.waitStatus(pin.cid, TrackerStatus.PinError)
    ipfs.pause('pin')
    const second = await tracker.recover(pin.cid)
    assert.equal(second.status, TrackerStatus.Pinning)
    assert.equal(second.attemptCount, 2)
    assert.equal(second.priorityPin, true, '1 attempt <= 1 retry: priority')
    ipfs.resume('pin')
    await h.waitStatus(pin.cid, TrackerStatus.PinError)
    ipfs.pause('pin')
    const third = await tracker.recover(pin.cid)
    assert.equal(third.attemptCount, 3)
    assert.equal(third.priorityPin, false, '2 attempts > 1 retry: normal queue')
    ipfs.resume('pin')
    const failed = await h.waitStatus(pin.cid, TrackerStatus.PinError)
    assert.equal(failed.attemptCount, 3)
  })

  it('runs at most concurrent_pins pins and one unpin at a time', async () => {
    h = await startTracker({ concurrentPins: 3 })
    const { ipfs, state, tracker } = h
    ipfs.pause('pin')
    const pins = Array.from({ length: 10 }, (_, i) => testPin(testCid(`c${i}`)))
    for (const pin of pins) {
      await state.add(pin)
      await tracker.track(pin)
    }
    await waitFor(() => ipfs.waiting('pin') === 3)
    assert.equal((await collect(tracker.statusAll(TrackerStatus.Pinning))).length, 3)
    assert.equal((await collect(tracker.statusAll(TrackerStatus.PinQueued))).length, 7)
    assert.equal(await tracker.pinQueueSize(), 7)
    ipfs.resume('pin')
    await waitFor(() => ipfs.pinCount === 10)
    assert.equal(ipfs.maxInFlightPins, 3)
    assert.equal(await tracker.pinQueueSize(), 0)

    ipfs.pause('unpin')
    for (const pin of pins) {
      await state.rm(pin.cid)
      await tracker.untrack(pin.cid)
    }
    await waitFor(() => ipfs.waiting('unpin') === 1)
    assert.equal((await collect(tracker.statusAll(TrackerStatus.UnpinQueued))).length, 9)
    ipfs.resume('unpin')
    await waitFor(() => ipfs.pinCount === 0)
    assert.equal(ipfs.maxInFlightUnpins, 1)
    for (const pin of pins) {
      assert.equal(await h.statusName(pin.cid), 'unpinned')
    }
  })

  it('runs one pin at a time while the APIs have requests in flight, concurrent_pins once they are idle', async () => {
    const activity = createRequestActivity()
    h = await startTracker({ concurrentPins: 3 }, {}, true, { activity })
    const { ipfs, state, tracker } = h
    ipfs.pause('pin')
    const endRequest = activity.begin()
    assert.equal(activity.busy, true)
    const pins = Array.from({ length: 6 }, (_, i) => testPin(testCid(`busy${i}`)))
    for (const pin of pins.slice(0, 5)) {
      await state.add(pin)
      await tracker.track(pin)
    }
    await waitFor(() => ipfs.waiting('pin') === 1)
    // operations leave the queue synchronously when they start: only one did
    assert.equal(await tracker.pinQueueSize(), 4)
    assert.equal((await collect(tracker.statusAll(TrackerStatus.Pinning))).length, 1)

    endRequest()
    endRequest() // a second call changes nothing
    assert.equal(activity.busy, false)
    await state.add(pins[5])
    await tracker.track(pins[5])
    await waitFor(() => ipfs.waiting('pin') === 3)
    assert.equal(await tracker.pinQueueSize(), 3)
    ipfs.resume('pin')
    await waitFor(() => ipfs.pinCount === 6)
    assert.equal(ipfs.maxInFlightPins, 3)
  })

  it('while the APIs are busy, starts a pin at most every busyPinIntervalMs', async () => {
    const activity = createRequestActivity()
    h = await startTracker({ concurrentPins: 3, busyPinIntervalMs: 300 }, {}, true, { activity })
    const { ipfs, state, tracker } = h
    const endRequest = activity.begin()
    const pins = Array.from({ length: 3 }, (_, i) => testPin(testCid(`paced${i}`)))
    for (const pin of pins) {
      await state.add(pin)
      await tracker.track(pin)
    }
    await waitFor(() => ipfs.pinCount === 1)
    const first = Date.now()
    // the next start waits for the interval, not for the first pin to end
    assert.equal(ipfs.calls.pin, 1)
    assert.equal(await tracker.pinQueueSize(), 2)
    await waitFor(() => ipfs.pinCount === 3, { timeout: 5000 })
    assert.ok(Date.now() - first >= 450, `3 paced pins done ${Date.now() - first} ms after the first`)
    assert.equal(ipfs.maxInFlightPins, 1)
    endRequest()
  })

  it('cancels an in-flight pin when an unpin arrives, and unpins only after the pin settled', async () => {
    h = await startTracker({}, { abortLatency: 50 })
    const { ipfs, state, tracker } = h
    ipfs.pause('pin')
    const pin = testPin(testCid('pin-then-unpin'))
    await state.add(pin)
    await tracker.track(pin)
    await waitFor(() => ipfs.waiting('pin') === 1)
    assert.equal(await h.statusName(pin.cid), 'pinning')
    await state.rm(pin.cid)
    await tracker.untrack(pin.cid)
    await h.waitStatus(pin.cid, TrackerStatus.Unpinned)
    await waitFor(() => ipfs.eventCids('unpin', 'done').length === 1)
    assert.equal(ipfs.abortedPins, 1)
    assert.equal(ipfs.pinMode(pin.cid), undefined)
    assert.deepEqual(ipfs.events.map((e) => `${e.op}:${e.phase}`), ['pin:start', 'pin:abort', 'unpin:start', 'unpin:done'])
  })

  it('cancels an in-flight unpin when a pin arrives', async () => {
    h = await startTracker({}, { abortLatency: 50 })
    const { ipfs, state, tracker } = h
    const pin = testPin(testCid('unpin-then-pin'))
    ipfs.setPinned(pin.cid)
    ipfs.pause('unpin')
    await tracker.untrack(pin.cid)
    await waitFor(() => ipfs.waiting('unpin') === 1)
    await state.add(pin)
    await tracker.track(pin)
    await h.waitStatus(pin.cid, TrackerStatus.Pinned)
    assert.equal(ipfs.abortedUnpins, 1)
    assert.deepEqual(ipfs.events.map((e) => `${e.op}:${e.phase}`), ['unpin:start', 'unpin:abort', 'pin:start', 'pin:done'])
  })

  it('cancels a stalled pin (STALL_CID) when the pin moves to another peer', async () => {
    h = await startTracker()
    const { ipfs, state, tracker } = h
    const pin = testPin(STALL_CID)
    await state.add(pin)
    await tracker.track(pin)
    await waitFor(() => ipfs.inFlightPins === 1)
    const moved = testPin(STALL_CID, { allocations: [OTHER], replicationFactorMin: 1, replicationFactorMax: 1 })
    await state.add(moved)
    await tracker.track(moved)
    await waitFor(() => ipfs.eventCids('unpin', 'done').length === 1)
    assert.equal(ipfs.abortedPins, 1)
    assert.equal(await h.statusName(pin.cid), 'remote')
  })

  it('drops a queued pin replaced by an unpin without calling IPFS for it', async () => {
    h = await startTracker({ concurrentPins: 1 })
    const { ipfs, state, tracker } = h
    ipfs.pause('pin')
    const block = testPin(testCid('blocker'))
    const pin = testPin(testCid('replaced'))
    for (const p of [block, pin]) {
      await state.add(p)
      await tracker.track(p)
    }
    await state.rm(pin.cid)
    await tracker.untrack(pin.cid)
    await h.waitStatus(pin.cid, TrackerStatus.Unpinned)
    ipfs.resume('pin')
    await h.waitStatus(block.cid, TrackerStatus.Pinned)
    assert.deepEqual(ipfs.eventCids('pin', 'start'), [block.cid.toString()])
    assert.equal(await tracker.pinQueueSize(), 0)
  })

  it('ignores a second track of an item already queued', async () => {
    h = await startTracker({ concurrentPins: 1 })
    const { ipfs, state, tracker } = h
    ipfs.pause('pin')
    const block = testPin(testCid('b'))
    const pin = testPin(testCid('twice'))
    for (const p of [block, pin, pin]) {
      await state.add(p)
      await tracker.track(p)
    }
    assert.equal(await tracker.pinQueueSize(), 1)
    ipfs.resume('pin')
    await h.waitStatus(pin.cid, TrackerStatus.Pinned)
    assert.equal(ipfs.calls.pin, 2)
  })

  it('re-reads the pin when its operation starts', async () => {
    h = await startTracker({ concurrentPins: 1 })
    const { ipfs, state, tracker } = h
    ipfs.pause('pin')
    const block = testPin(testCid('head'))
    const removed = testPin(testCid('removed'))
    const moved = testPin(testCid('moved'))
    const changed = testPin(testCid('changed'), { maxDepth: 0, mode: 'direct' })
    for (const p of [block, removed, moved, changed]) {
      await state.add(p)
      await tracker.track(p)
    }
    // Changes to the state without track/untrack notifications.
    await state.rm(removed.cid)
    await state.add({ ...moved, allocations: [OTHER], replicationFactorMin: 1, replicationFactorMax: 1 })
    await state.add({ ...changed, maxDepth: -1, mode: 'recursive' })
    ipfs.resume('pin')
    await h.waitStatus(changed.cid, TrackerStatus.Pinned)
    assert.equal(ipfs.pinMode(changed.cid), 'recursive')
    assert.deepEqual(ipfs.eventCids('pin', 'start'), [block.cid.toString(), changed.cid.toString()])
    assert.equal(await h.statusName(removed.cid), 'unpinned')
    assert.equal(await h.statusName(moved.cid), 'remote')
  })

  it('fails with QueueFullError when a queue is full, leaving the item in error', async () => {
    h = await startTracker({ concurrentPins: 1, maxPinQueueSize: 2 })
    const { ipfs, state, tracker } = h
    ipfs.pause('pin')
    ipfs.pause('unpin')
    const [block, a, b, c] = ['qb', 'qa', 'qb2', 'qc'].map((l) => testPin(testCid(l)))
    for (const p of [block, a, b]) {
      await state.add(p)
      await tracker.track(p)
    }
    await state.add(c)
    await assert.rejects(tracker.track(c), { name: 'QueueFullError', message: QUEUE_FULL })
    const info = await tracker.status(c.cid)
    assert.equal(info.status, TrackerStatus.PinError)
    assert.equal(info.error, QUEUE_FULL)
    assert.equal(info.attemptCount, 0)
    // The normal queue is another queue with its own capacity.
    const old = testPin(testCid('q-old'), { timestamp: TWO_DAYS_AGO() })
    await state.add(old)
    await tracker.track(old)
    assert.equal(await h.statusName(old.cid), 'pin_queued')

    const unpins = ['u1', 'u2', 'u3', 'u4'].map((l) => testCid(l))
    for (const cid of unpins.slice(0, 3)) await tracker.untrack(cid)
    await assert.rejects(tracker.untrack(unpins[3]), { name: 'QueueFullError', message: QUEUE_FULL })
    assert.equal(await h.statusName(unpins[3]), 'unpin_error')

    ipfs.resume('pin')
    ipfs.resume('unpin')
    await h.waitStatus(b.cid, TrackerStatus.Pinned)
    await tracker.recover(c.cid)
    await h.waitStatus(c.cid, TrackerStatus.Pinned)
  })

  it('queues before start and starts working on start', async () => {
    h = await startTracker({}, {}, false)
    const pin = testPin(testCid('early'))
    await h.state.add(pin)
    await h.tracker.track(pin)
    assert.equal(await h.statusName(pin.cid), 'pin_queued')
    assert.equal(h.ipfs.calls.pin, 0)
    await h.tracker.start()
    await h.waitStatus(pin.cid, TrackerStatus.Pinned)
  })

  it('stop cancels in-flight work, forgets queued work and leaves no timers', async () => {
    const baseline = activeTimers()
    h = await startTracker({ concurrentPins: 5 }, { pinDelay: 60_000 })
    const { ipfs, state, tracker } = h
    const pins = Array.from({ length: 8 }, (_, i) => testPin(testCid(`stop${i}`)))
    for (const pin of pins) {
      await state.add(pin)
      await tracker.track(pin)
    }
    await waitFor(() => ipfs.inFlightPins === 5)
    assert.equal(activeTimers(), baseline + 5, 'the fake IPFS sleeps on timers')
    const t0 = Date.now()
    await tracker.stop()
    assert.ok(Date.now() - t0 < 1000, 'stop does not wait for the pins to finish')
    assert.equal(ipfs.abortedPins, 5)
    assert.equal(ipfs.inFlightPins, 0)
    assert.equal(activeTimers(), baseline)
    assert.equal(await tracker.pinQueueSize(), 0)
    assert.deepEqual(await collect(tracker.statusAll(TrackerStatus.PinQueued | TrackerStatus.Pinning | TrackerStatus.PinError)), [])
    assert.equal(ipfs.calls.pin, 5, 'no queued pin started after stop')
    await tracker.stop()
  })
})
