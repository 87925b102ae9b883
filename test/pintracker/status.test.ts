import { afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { PinType, TrackerStatus } from '../../src/api/enums.js'
import { IPFSError } from '../../src/errors.js'
import { ERR_UNEXPECTEDLY_UNPINNED } from '../../src/pintracker/index.js'
import { testCid, testPin } from '../fakes/cids.js'
import { waitFor } from '../helpers/wait-for.js'
import { IPFS_ADDRS, OTHER, PEER, PEER_NAME, startTracker } from './harness.js'
import type { Harness } from './harness.js'

const OLD = new Date('2026-01-02T03:04:05.000Z')

describe('pintracker: statuses', () => {
  let h: Harness | undefined
  afterEach(async () => {
    await h?.stop()
    h = undefined
  })

  it('pins an allocated pin and reports it pinned with the pin fields', async () => {
    h = await startTracker()
    const cid = testCid('pinned')
    const pin = testPin(cid, {
      name: 'foo',
      allocations: [PEER, OTHER],
      replicationFactorMin: 1,
      replicationFactorMax: 2,
      metadata: { a: 'b' },
      origins: ['/ip4/1.2.3.4/tcp/4001/p2p/' + OTHER],
      timestamp: OLD
    })
    await h.state.add(pin)
    await h.tracker.track(pin)
    await h.waitStatus(cid, TrackerStatus.Pinned)
    assert.deepEqual(await h.tracker.status(cid), {
      cid,
      name: 'foo',
      peer: PEER,
      allocations: [PEER, OTHER],
      origins: ['/ip4/1.2.3.4/tcp/4001/p2p/' + OTHER],
      created: OLD,
      metadata: { a: 'b' },
      peername: PEER_NAME,
      ipfsPeerId: h.ipfs.peerId,
      ipfsPeerAddresses: IPFS_ADDRS,
      status: TrackerStatus.Pinned,
      timestamp: OLD,
      error: '',
      attemptCount: 0,
      priorityPin: false
    })
    assert.equal(h.ipfs.pinMode(cid), 'recursive')
    assert.equal(h.ipfs.calls.pin, 1)
  })

  it('pins everywhere pins (replication -1, no allocations) and direct pins in direct mode', async () => {
    h = await startTracker()
    const everywhere = testPin(testCid('everywhere'))
    const direct = testPin(testCid('direct'), { maxDepth: 0, mode: 'direct' })
    for (const pin of [everywhere, direct]) {
      await h.state.add(pin)
      await h.tracker.track(pin)
    }
    await h.waitStatus(everywhere.cid, TrackerStatus.Pinned)
    await h.waitStatus(direct.cid, TrackerStatus.Pinned)
    assert.equal(h.ipfs.pinMode(everywhere.cid), 'recursive')
    assert.equal(h.ipfs.pinMode(direct.cid), 'direct')
  })

  it('matches the IPFS pin mode: recursive covers a direct pin, direct does not cover a recursive one', async () => {
    h = await startTracker()
    const direct = testPin(testCid('d'), { maxDepth: 0, mode: 'direct' })
    const recursive = testPin(testCid('r'))
    await h.state.add(direct)
    await h.state.add(recursive)
    h.ipfs.setPinned(direct.cid, 'recursive')
    h.ipfs.setPinned(recursive.cid, 'direct')
    assert.equal(await h.statusName(direct.cid), 'pinned')
    assert.equal(await h.statusName(recursive.cid), 'unexpectedly_unpinned')
  })

  it('reports meta pins as sharded and never sends them to IPFS', async () => {
    h = await startTracker()
    const cid = testCid('meta')
    const pin = testPin(cid, { type: PinType.Meta, reference: testCid('clusterdag'), name: 'sharded', timestamp: OLD })
    await h.state.add(pin)
    await h.tracker.track(pin)
    assert.equal(await h.tracker.pinQueueSize(), 0)
    const info = await h.tracker.status(cid)
    assert.equal(info.status, TrackerStatus.Sharded)
    assert.equal(info.name, 'sharded')
    assert.equal(info.timestamp, OLD)
    assert.equal(info.attemptCount, 0)
    assert.equal(h.ipfs.calls.pin + h.ipfs.calls.unpin + h.ipfs.calls.pinLsCid, 0)
  })

  it('reports pins allocated elsewhere as remote and unpins them when IPFS holds them', async () => {
    h = await startTracker()
    const held = testPin(testCid('remote-held'), { allocations: [OTHER], replicationFactorMin: 1, replicationFactorMax: 1, timestamp: OLD, name: 'r' })
    const notHeld = testPin(testCid('remote-free'), { allocations: [OTHER], replicationFactorMin: 1, replicationFactorMax: 1 })
    h.ipfs.setPinned(held.cid)
    for (const pin of [held, notHeld]) {
      await h.state.add(pin)
      await h.tracker.track(pin)
    }
    const ipfs = h.ipfs
    await waitFor(() => ipfs.pinMode(held.cid) == null && ipfs.calls.unpin === 2)
    const info = await h.waitStatus(held.cid, TrackerStatus.Remote)
    assert.equal(info.name, 'r')
    assert.deepEqual(info.allocations, [OTHER])
    assert.equal(info.timestamp, OLD)
    assert.equal(info.error, '')
    await h.waitStatus(notHeld.cid, TrackerStatus.Remote)
    assert.equal(h.ipfs.calls.pin, 0)
  })

  it('reports remote while the remote unpin is queued or running', async () => {
    h = await startTracker()
    h.ipfs.pause('unpin')
    const pin = testPin(testCid('remote-busy'), { allocations: [OTHER], replicationFactorMin: 1, replicationFactorMax: 1 })
    await h.state.add(pin)
    await h.tracker.track(pin)
    await waitFor(() => h?.ipfs.waiting('unpin') === 1)
    assert.equal(await h.statusName(pin.cid), 'remote')
    h.ipfs.resume('unpin')
    await waitFor(() => h?.ipfs.eventCids('unpin', 'done').length === 1)
    assert.equal(await h.statusName(pin.cid), 'remote')
  })

  it('reports a CID outside the state as unpinned', async () => {
    h = await startTracker()
    const cid = testCid('absent')
    const before = Date.now()
    const info = await h.tracker.status(cid)
    const after = Date.now()
    const { timestamp, ...rest } = info
    assert.deepEqual(rest, {
      cid,
      name: '',
      peer: PEER,
      allocations: null,
      origins: null,
      created: null,
      metadata: null,
      peername: PEER_NAME,
      ipfsPeerId: h.ipfs.peerId,
      ipfsPeerAddresses: IPFS_ADDRS,
      status: TrackerStatus.Unpinned,
      error: '',
      attemptCount: 0,
      priorityPin: false
    })
    assert.ok(timestamp != null && timestamp.getTime() >= before && timestamp.getTime() <= after)
  })

  it('reports pin_queued and pinning with operation fields', async () => {
    h = await startTracker({ concurrentPins: 1 })
    h.ipfs.pause('pin')
    const pinTs = new Date(Date.now() - 1000)
    const a = testPin(testCid('a'), { name: 'a', timestamp: pinTs })
    const b = testPin(testCid('b'), { name: 'b', timestamp: pinTs })
    const t0 = Date.now()
    for (const pin of [a, b]) {
      await h.state.add(pin)
      await h.tracker.track(pin)
    }
    await waitFor(() => h?.ipfs.waiting('pin') === 1)
    const pinning = await h.tracker.status(a.cid)
    assert.equal(pinning.status, TrackerStatus.Pinning)
    assert.equal(pinning.attemptCount, 1)
    assert.equal(pinning.priorityPin, true)
    assert.equal(pinning.name, 'a')
    assert.equal(pinning.created, pinTs)
    assert.ok(pinning.timestamp != null && pinning.timestamp.getTime() >= t0, 'timestamp is the operation time')
    const queued = await h.tracker.status(b.cid)
    assert.equal(queued.status, TrackerStatus.PinQueued)
    assert.equal(queued.attemptCount, 0)
    assert.equal(queued.priorityPin, true)
    assert.equal(queued.error, '')
    assert.equal(await h.tracker.pinQueueSize(), 1)
    h.ipfs.resume('pin')
    await h.waitStatus(a.cid, TrackerStatus.Pinned)
    await h.waitStatus(b.cid, TrackerStatus.Pinned)
    assert.equal(await h.tracker.pinQueueSize(), 0)
  })

  it('reports unpin_queued and unpinning, then unpinned', async () => {
    h = await startTracker()
    h.ipfs.pause('unpin')
    const a = testCid('ua')
    const b = testCid('ub')
    h.ipfs.setPinned(a)
    h.ipfs.setPinned(b)
    await h.tracker.untrack(a)
    await h.tracker.untrack(b)
    await waitFor(() => h?.ipfs.waiting('unpin') === 1)
    const unpinning = await h.tracker.status(a)
    assert.equal(unpinning.status, TrackerStatus.Unpinning)
    assert.equal(unpinning.attemptCount, 1)
    assert.equal(unpinning.name, '')
    assert.deepEqual(unpinning.allocations, [])
    assert.equal(unpinning.created, null)
    const queued = await h.tracker.status(b)
    assert.equal(queued.status, TrackerStatus.UnpinQueued)
    assert.equal(queued.attemptCount, 0)
    assert.equal(queued.priorityPin, false)
    assert.equal(await h.tracker.pinQueueSize(), 0, 'unpins are not counted as queued pins')
    h.ipfs.resume('unpin')
    await h.waitStatus(a, TrackerStatus.Unpinned)
    await h.waitStatus(b, TrackerStatus.Unpinned)
    assert.equal(h.ipfs.pinCount, 0)
  })

  it('reports pin_error with the error text and the attempt count', async () => {
    h = await startTracker()
    const pin = testPin(testCid('fails'), { name: 'f' })
    h.ipfs.failPin.add(pin.cid.toString())
    await h.state.add(pin)
    await h.tracker.track(pin)
    const info = await h.waitStatus(pin.cid, TrackerStatus.PinError)
    assert.equal(info.error, `fake ipfs: cannot pin ${pin.cid.toString()}`)
    assert.equal(info.attemptCount, 1)
    assert.equal(info.name, 'f')
    assert.equal(info.priorityPin, true)
  })

  it('reports unpin_error with the error text and the attempt count', async () => {
    h = await startTracker()
    const cid = testCid('unpin-fails')
    h.ipfs.setPinned(cid)
    h.ipfs.failUnpin.add(cid.toString())
    await h.tracker.untrack(cid)
    const info = await h.waitStatus(cid, TrackerStatus.UnpinError)
    assert.equal(info.error, `fake ipfs: cannot unpin ${cid.toString()}`)
    assert.equal(info.attemptCount, 1)
  })

  it('reports a failed remote unpin as unpin_error', async () => {
    h = await startTracker()
    const pin = testPin(testCid('remote-fails'), { allocations: [OTHER], replicationFactorMin: 1, replicationFactorMax: 1 })
    h.ipfs.setPinned(pin.cid)
    h.ipfs.failUnpin.add(pin.cid.toString())
    await h.state.add(pin)
    await h.tracker.track(pin)
    const info = await h.waitStatus(pin.cid, TrackerStatus.UnpinError)
    assert.equal(info.error, `fake ipfs: cannot unpin ${pin.cid.toString()}`)
  })

  it('reports unexpectedly_unpinned for an allocated pin IPFS does not hold', async () => {
    h = await startTracker()
    const pin = testPin(testCid('lost'), { timestamp: OLD, name: 'lost' })
    await h.state.add(pin)
    const info = await h.tracker.status(pin.cid)
    assert.equal(info.status, TrackerStatus.UnexpectedlyUnpinned)
    assert.equal(info.error, ERR_UNEXPECTEDLY_UNPINNED)
    assert.equal(info.error, 'the item should be pinned but it is not')
    assert.equal(info.name, 'lost')
    assert.equal(info.timestamp, OLD)
    // Pinned then lost outside the cluster.
    await h.tracker.track(pin)
    await h.waitStatus(pin.cid, TrackerStatus.Pinned)
    h.ipfs.forget(pin.cid)
    assert.equal(await h.statusName(pin.cid), 'unexpectedly_unpinned')
  })

  it('reports cluster_error when IPFS or the state cannot answer', async () => {
    h = await startTracker()
    const pin = testPin(testCid('ipfs-down'), { name: 'x' })
    await h.state.add(pin)
    h.ipfs.pinLsCidError = new IPFSError('connection refused')
    const info = await h.tracker.status(pin.cid)
    assert.equal(info.status, TrackerStatus.ClusterError)
    assert.equal(info.error, 'connection refused')
    assert.equal(info.name, 'x')
    h.ipfs.pinLsCidError = null
    h.state.failWith = new Error('datastore closed')
    const info2 = await h.tracker.status(pin.cid)
    assert.equal(info2.status, TrackerStatus.ClusterError)
    assert.equal(info2.error, 'datastore closed')
  })
})
