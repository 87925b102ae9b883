import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { parseTrackerStatusFilter, PinType, TrackerStatus, TrackerStatusError, TrackerStatusQueued } from '../../src/api/enums.js'
import { testCid, testCidV0, testPin, toV1 } from '../fakes/cids.js'
import { waitFor } from '../helpers/wait-for.js'
import { collect, OTHER, startTracker, statusMap } from './harness.js'
import type { Harness } from './harness.js'
import type { CID } from 'multiformats/cid'

/**
 * One tracker holding an item in every status of §10.5 (but cluster_error,
 * which statusAll never produces per item).
 */
describe('pintracker: statusAll', () => {
  let h: Harness
  const c: Record<string, CID> = {}
  const expected: Record<string, string> = {}

  before(async () => {
    h = await startTracker({ concurrentPins: 1 })
    const { ipfs, state, tracker } = h
    const add = async (label: string, status: string, fields: Parameters<typeof testPin>[1] = {}, track = true): Promise<void> => {
      c[label] = testCid(label)
      expected[c[label].toString()] = status
      const pin = testPin(c[label], { name: label, ...fields })
      await state.add(pin)
      if (track) await tracker.track(pin)
    }
    await add('pinned', 'pinned')
    await add('meta', 'sharded', { type: PinType.Meta, reference: testCid('dag') })
    await add('remote', 'remote', { allocations: [OTHER], replicationFactorMin: 1, replicationFactorMax: 1 })
    await add('lost', 'unexpectedly_unpinned', {}, false)
    ipfs.failPin.add(testCid('failing').toString())
    await add('failing', 'pin_error')
    // Unpin error of an item that left the state.
    c.unpinFailing = testCid('unpinFailing')
    expected[c.unpinFailing.toString()] = 'unpin_error'
    ipfs.setPinned(c.unpinFailing)
    ipfs.failUnpin.add(c.unpinFailing.toString())
    await tracker.untrack(c.unpinFailing)
    await h.waitStatus(c.pinned, TrackerStatus.Pinned)
    await h.waitStatus(c.failing, TrackerStatus.PinError)
    await h.waitStatus(c.unpinFailing, TrackerStatus.UnpinError)
    await waitFor(() => ipfs.eventCids('unpin', 'done').length === 1, { message: 'remote unpin done' })

    // Operations in flight: one pin running, one queued; same for unpins.
    ipfs.pause('pin')
    ipfs.pause('unpin')
    await add('pinning', 'pinning')
    await add('queued', 'pin_queued')
    for (const label of ['unpinning', 'unpinQueued']) {
      c[label] = testCid(label)
      ipfs.setPinned(c[label])
      await tracker.untrack(c[label])
    }
    expected[c.unpinning.toString()] = 'unpinning'
    expected[c.unpinQueued.toString()] = 'unpin_queued'
    await waitFor(() => ipfs.waiting('pin') === 1 && ipfs.waiting('unpin') === 1)
  })

  after(async () => {
    await h.stop()
  })

  const run = async (filter: number): Promise<Record<string, string>> => statusMap(await collect(h.tracker.statusAll(filter)))
  const only = (...labels: string[]): Record<string, string> => Object.fromEntries(labels.map((l) => [c[l].toString(), expected[c[l].toString()]]))

  it('lists every item with its status when unfiltered', async () => {
    assert.deepEqual(await run(TrackerStatus.Undefined), expected)
    assert.equal(Object.keys(expected).length, 10)
  })

  it('filters single statuses', async () => {
    assert.deepEqual(await run(TrackerStatus.Pinned), only('pinned'))
    assert.deepEqual(await run(TrackerStatus.Sharded), only('meta'))
    assert.deepEqual(await run(TrackerStatus.Remote), only('remote'))
    assert.deepEqual(await run(TrackerStatus.UnexpectedlyUnpinned), only('lost'))
    assert.deepEqual(await run(TrackerStatus.PinError), only('failing'))
    assert.deepEqual(await run(TrackerStatus.UnpinError), only('unpinFailing'))
    assert.deepEqual(await run(TrackerStatus.Pinning), only('pinning'))
    assert.deepEqual(await run(TrackerStatus.PinQueued), only('queued'))
    assert.deepEqual(await run(TrackerStatus.Unpinning), only('unpinning'))
    assert.deepEqual(await run(TrackerStatus.UnpinQueued), only('unpinQueued'))
    assert.deepEqual(await run(TrackerStatus.Unpinned), {})
    assert.deepEqual(await run(TrackerStatus.ClusterError), {})
  })

  it('filters composites and parsed filter lists', async () => {
    assert.deepEqual(await run(TrackerStatusError), only('failing', 'unpinFailing'))
    assert.deepEqual(await run(TrackerStatusQueued), only('queued', 'unpinQueued'))
    assert.deepEqual(await run(parseTrackerStatusFilter('pinned,remote,bogus')), only('pinned', 'remote'))
    assert.deepEqual(await run(parseTrackerStatusFilter('error,unexpectedly_unpinned')), only('failing', 'unpinFailing', 'lost'))
  })

  it('answers operation-only filters from the operation table, without IPFS or the state listing', async () => {
    const pinLs = h.ipfs.calls.pinLs
    const lists = h.state.calls.list
    for (const filter of [TrackerStatusQueued, TrackerStatusError, TrackerStatus.Pinning | TrackerStatus.Unpinning]) {
      await run(filter)
    }
    assert.equal(h.ipfs.calls.pinLs, pinLs)
    assert.equal(h.state.calls.list, lists)
  })

  it('lists IPFS only when pinned or unexpectedly_unpinned can match', async () => {
    const pinLs = h.ipfs.calls.pinLs
    assert.deepEqual(await run(TrackerStatus.Remote | TrackerStatus.Sharded), only('remote', 'meta'))
    assert.equal(h.ipfs.calls.pinLs, pinLs)
    await run(TrackerStatus.Pinned)
    assert.equal(h.ipfs.calls.pinLs, pinLs + 1)
  })

  it('fills PinInfo fields for operations, steady items and items out of the state', async () => {
    const infos = await collect(h.tracker.statusAll(0))
    const byLabel = (l: string): typeof infos[number] => infos.find((i) => i.cid.equals(c[l])) as typeof infos[number]
    const queued = byLabel('queued')
    assert.equal(queued.name, 'queued')
    assert.equal(queued.attemptCount, 0)
    assert.equal(queued.priorityPin, true)
    assert.ok(queued.created != null)
    const failing = byLabel('failing')
    assert.equal(failing.error, `fake ipfs: cannot pin ${c.failing.toString()}`)
    assert.equal(failing.attemptCount, 1)
    const lost = byLabel('lost')
    assert.equal(lost.error, 'the item should be pinned but it is not')
    assert.equal(lost.timestamp, lost.created)
    const unpinFailing = byLabel('unpinFailing')
    assert.equal(unpinFailing.name, '')
    assert.deepEqual(unpinFailing.allocations, [])
    assert.equal(unpinFailing.created, null)
    assert.equal(unpinFailing.attemptCount, 1)
    for (const info of infos) {
      assert.equal(info.peername, 'peer0')
      assert.equal(info.ipfsPeerId, h.ipfs.peerId)
    }
  })

  it('stops early when the consumer stops', async () => {
    const first = await (async () => {
      for await (const info of h.tracker.statusAll(0)) {
        return info
      }
    })()
    assert.ok(first != null)
  })
})

describe('pintracker: statusAll edge cases', () => {
  it('fails when the IPFS pinset cannot be listed, unless no IPFS status is asked', async () => {
    const h = await startTracker()
    try {
      await h.state.add(testPin(testCid('x')))
      h.ipfs.pinLsError = new Error('kaput')
      await assert.rejects(collect(h.tracker.statusAll(0)), { name: 'IPFSError', message: 'could not get pinset from IPFS: kaput' })
      assert.deepEqual(await collect(h.tracker.statusAll(TrackerStatusQueued)), [])
      assert.deepEqual(statusMap(await collect(h.tracker.statusAll(TrackerStatus.Remote))), {})
    } finally {
      await h.stop()
    }
  })

  it('does not list IPFS when no item needs it (empty state, only remote pins)', async () => {
    const h = await startTracker()
    try {
      h.ipfs.setPinned(testCid('in-ipfs-only'))
      assert.deepEqual(await collect(h.tracker.statusAll(TrackerStatus.Pinned | TrackerStatus.UnexpectedlyUnpinned)), [])
      const remote = testPin(testCid('remote-only'), { allocations: [OTHER], replicationFactorMin: 1, replicationFactorMax: 1 })
      await h.state.add(remote)
      assert.deepEqual(statusMap(await collect(h.tracker.statusAll(0))), { [remote.cid.toString()]: 'remote' })
      assert.equal(h.ipfs.calls.pinLs, 0)
      const here = testPin(testCid('here'))
      await h.state.add(here)
      assert.equal(statusMap(await collect(h.tracker.statusAll(0)))[here.cid.toString()], 'unexpectedly_unpinned')
      assert.equal(h.ipfs.calls.pinLs, 1)
    } finally {
      await h.stop()
    }
  })

  it('does not report as unexpectedly unpinned an item pinned after IPFS was listed', async () => {
    const h = await startTracker()
    try {
      const first = testPin(testCid('first'))
      const late = testPin(testCid('late'))
      h.ipfs.setPinned(first.cid)
      await h.state.add(first)
      h.ipfs.pause('pin')
      await h.state.add(late)
      await h.tracker.track(late)
      const it = h.tracker.statusAll(0)[Symbol.asyncIterator]()
      const one = await it.next()
      assert.equal(one.done, false)
      assert.equal(one.value?.status, TrackerStatus.Pinned)
      // IPFS was listed before `late` got pinned.
      h.ipfs.resume('pin')
      await h.waitStatus(late.cid, TrackerStatus.Pinned)
      const two = await it.next()
      assert.ok(two.value?.cid.equals(late.cid))
      assert.equal(two.value?.status, TrackerStatus.Pinned)
      assert.equal((await it.next()).done, true)
    } finally {
      await h.stop()
    }
  })

  it('matches IPFS pins across CID versions', async () => {
    const h = await startTracker()
    try {
      const v0 = testCidV0('versions')
      await h.state.add(testPin(v0))
      h.ipfs.setPinned(toV1(v0))
      assert.deepEqual(statusMap(await collect(h.tracker.statusAll(0))), { [v0.toString()]: 'pinned' })
    } finally {
      await h.stop()
    }
  })
})
