/**
 * Four peers publish ping, freespace and tag:group metrics over an
 * in-memory pubsub. One goes away: the others raise one ping alert, drop it
 * from the candidates, and exactly one remaining peer (the closest to the
 * CID) re-allocates its pin elsewhere.
 */
import { describe, it, after } from 'node:test'
import assert from 'node:assert/strict'
import { CID } from 'multiformats/cid'
import { allocate, createBalancedAllocator, createDistanceChecker, gatherMetrics } from '../../src/allocator/index.js'
import { createDiskInformer, createTagsInformer } from '../../src/informer/index.js'
import { silentLogger } from '../../src/logging/index.js'
import { createMetricsPusher, createPubsubMonitor, PING_METRIC_NAME } from '../../src/monitor/index.js'
import { PubSubHub } from '../fakes/pubsub-hub.js'
import { testPeerIds } from '../fakes/peer-ids.js'
import { waitFor } from '../helpers/wait-for.js'
import type { MetricsPusher, PubsubMonitor } from '../../src/monitor/index.js'

const cid = CID.parse('QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmmq')

describe('peer loss', () => {
  const hub = new PubSubHub()
  const ids = testPeerIds(4, 100)
  const groups = ['a', 'a', 'b', 'b']
  const free = [4000n, 3000n, 2000n, 1000n]
  const monitors: PubsubMonitor[] = []
  const pushers: MetricsPusher[] = []
  const allocator = createBalancedAllocator({ allocateBy: ['tag:group', 'freespace'] })

  after(async () => {
    await Promise.all([...pushers, ...monitors].map(async (s) => { await s.stop() }))
  })

  it('alerts once, excludes the lost peer and lets one peer re-allocate', async () => {
    for (const id of ids) {
      const mon = createPubsubMonitor({ pubsub: hub.forPeer(id), peerId: id, logger: silentLogger() }, { checkInterval: 40 })
      await mon.start()
      monitors.push(mon)
    }
    for (const [i, id] of ids.entries()) {
      const informers = [
        createDiskInformer({ logger: silentLogger(), repoStat: async () => ({ repoSize: 0n, storageMax: free[i] }) }, { metricTTL: 400, metricType: 'freespace' }),
        createTagsInformer({ logger: silentLogger() }, { metricTTL: 400, tags: { group: groups[i] } })
      ]
      const pusher = createMetricsPusher({ monitor: monitors[i], peerId: id, logger: silentLogger(), informers, pingValue: async () => ({ peerName: `peer${i}` }) }, { monitorPingInterval: 100 })
      await pusher.start()
      pushers.push(pusher)
    }
    const [m0] = monitors

    // everyone sees everyone
    for (const mon of monitors) {
      for (const name of [PING_METRIC_NAME, 'freespace', 'tag:group']) {
        await waitFor(async () => (await mon.latestMetrics(name)).length === 4, { message: name })
      }
    }

    // a pin with 2 replicas lands in both groups, most free space first
    const allocations = await allocate({ cid, replicationFactorMin: 2, replicationFactorMax: 2, metrics: await gatherMetrics(m0, allocator), allocator })
    assert.deepEqual(allocations, [ids[0], ids[2]])

    // peer 2 disappears
    const lost = ids[2]
    hub.setOnline(lost, false)
    await pushers[2].stop()

    for (const mon of [monitors[0], monitors[1], monitors[3]]) {
      await waitFor(() => mon.alerts().some((a) => a.peer === lost && a.name === PING_METRIC_NAME), { timeout: 5000 })
      await waitFor(async () => !(await mon.latestMetrics('freespace')).some((m) => m.peer === lost), { timeout: 5000 })
      await mon.check()
      await mon.check()
      assert.equal(mon.alerts().filter((a) => a.peer === lost && a.name === PING_METRIC_NAME).length, 1)
      assert.ok(!(await mon.latestMetrics(PING_METRIC_NAME)).some((m) => m.peer === lost))
    }

    // exactly one remaining peer is closest to the CID among the others
    const survivors = ids.filter((p) => p !== lost)
    const deciders = survivors.filter((p) => createDistanceChecker({ local: p, peers: ids, exclude: lost }).isClosest(cid))
    assert.equal(deciders.length, 1)

    // it re-allocates away from the lost peer: the live replica stays and
    // the best candidate is added (as in the reference, the balanced
    // allocator does not look at the groups of current allocations: group
    // a has the most free space left)
    const decider = monitors[ids.indexOf(deciders[0])]
    const realloc = await allocate({
      cid,
      replicationFactorMin: 2,
      replicationFactorMax: 2,
      current: allocations,
      blacklist: [lost],
      metrics: await gatherMetrics(decider, allocator),
      allocator
    })
    assert.deepEqual(realloc, [ids[0], ids[1]])

    // the peer comes back: its metrics are valid again everywhere
    hub.setOnline(lost, true)
    await pushers[2].start()
    await waitFor(async () => (await m0.latestMetrics(PING_METRIC_NAME)).some((m) => m.peer === lost), { timeout: 5000 })
    await waitFor(async () => (await m0.latestMetrics('freespace')).length === 4, { timeout: 5000 })
  })
})
