import { describe, it, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { createTagsInformer } from '../../src/informer/index.js'
import { silentLogger } from '../../src/logging/index.js'
import { createMetricsPusher, createPubsubMonitor, decodePingValue, newMetric, NS_PER_MS } from '../../src/monitor/index.js'
import { PubSubHub } from '../fakes/pubsub-hub.js'
import { testPeerId, testPeerIds } from '../fakes/peer-ids.js'
import { waitFor } from '../helpers/wait-for.js'
import type { Metric, PingValue } from '../../src/api/types.js'
import type { AbortOptions, Informer, PeerMonitor, Startable } from '../../src/interfaces.js'

const HOUR = 3_600_000

/** Records every published metric with the time it was published. */
class RecordingMonitor implements Pick<PeerMonitor, 'publishMetric'> {
  published: Array<{ at: number, wall: number, metric: Metric }> = []
  failing = false

  async publishMetric (metric: Metric, options?: AbortOptions): Promise<void> {
    if (this.failing) throw new Error('pubsub down')
    this.published.push({ at: performance.now(), wall: Date.now(), metric })
  }

  named (name: string): Array<{ at: number, wall: number, metric: Metric }> {
    return this.published.filter((p) => p.metric.name === name)
  }
}

class FakeInformer implements Informer {
  calls: number[] = []
  constructor (readonly name: string, private readonly ttl: number, private readonly valid = true) {}

  async getMetrics (): Promise<Metric[]> {
    this.calls.push(performance.now())
    return [newMetric({ name: this.name, value: String(this.calls.length), valid: this.valid, ttl: this.ttl })]
  }
}

function gaps (times: number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i])
}

describe('metrics pusher', () => {
  const running: Startable[] = []
  afterEach(async () => {
    await Promise.all(running.splice(0).map(async (s) => { await s.stop() }))
  })

  it('publishes the ping metric right away and every monitor_ping_interval, TTL 2x', async () => {
    const monitor = new RecordingMonitor()
    const self = testPeerId(0)
    const pusher = createMetricsPusher({
      monitor,
      peerId: self,
      logger: silentLogger(),
      informers: [],
      pingValue: async () => ({ peerName: 'node0', ipfsId: 'QmIPFS', ipfsAddresses: ['/ip4/127.0.0.1/tcp/4001', '/ip4/1.2.3.4/tcp/4001'] })
    }, { monitorPingInterval: 100 })
    running.push(pusher)
    await pusher.start()
    await waitFor(() => monitor.named('ping').length >= 4, { timeout: 5000 })
    await pusher.stop()
    const pings = monitor.named('ping')
    for (const { wall, metric } of pings) {
      assert.equal(metric.peer, self)
      assert.equal(metric.valid, true)
      assert.equal(metric.value, '{"peer_name":"node0","ipfs_id":"QmIPFS","ipfs_addresses":["/ip4/1.2.3.4/tcp/4001"]}')
      // expire = publish time + 2 x interval
      const ttl = Number(metric.expire / NS_PER_MS) - wall
      assert.ok(ttl > 150 && ttl <= 200, `ping ttl ${ttl}`)
    }
    for (const g of gaps(pings.map((p) => p.at))) {
      assert.ok(g >= 90, `ping gap ${g}`)
    }
  })

  it('keeps the last good IPFS identity when IPFS goes down', async () => {
    const monitor = new RecordingMonitor()
    let value: PingValue = { peerName: 'node0', ipfsId: 'QmIPFS', ipfsAddresses: ['/dns4/ipfs.example/tcp/4001'] }
    const pusher = createMetricsPusher({ monitor, peerId: testPeerId(0), logger: silentLogger(), informers: [], pingValue: async () => value }, { monitorPingInterval: HOUR })
    await pusher.pushPing()
    value = { peerName: 'renamed' }
    await pusher.pushPing()
    const vals = monitor.named('ping').map((p) => decodePingValue(p.metric.value))
    assert.deepEqual(vals, [
      { peerName: 'node0', ipfsId: 'QmIPFS', ipfsAddresses: ['/dns4/ipfs.example/tcp/4001'] },
      { peerName: 'node0', ipfsId: 'QmIPFS', ipfsAddresses: ['/dns4/ipfs.example/tcp/4001'] }
    ])
    value = { peerName: 'renamed', ipfsId: 'QmNEW' }
    await pusher.pushPing()
    assert.deepEqual(decodePingValue(monitor.named('ping')[2].metric.value), { peerName: 'renamed', ipfsId: 'QmNEW' })
  })

  it('a failing ping value callback still publishes a ping', async () => {
    const monitor = new RecordingMonitor()
    const pusher = createMetricsPusher({ monitor, peerId: testPeerId(0), logger: silentLogger(), informers: [], pingValue: async () => { throw new Error('no id') } }, { monitorPingInterval: HOUR })
    await pusher.pushPing()
    assert.deepEqual(monitor.named('ping').map((p) => p.metric.value), ['{}'])
  })

  it('publishes informer metrics every TTL/2, and every TTL/4 while publishing fails', async () => {
    const monitor = new RecordingMonitor()
    const inf = new FakeInformer('freespace', 1200)
    const pusher = createMetricsPusher({ monitor, peerId: testPeerId(0), logger: silentLogger(), informers: [inf], pingValue: async () => ({}) }, { monitorPingInterval: HOUR })
    running.push(pusher)
    await pusher.start()
    await waitFor(() => inf.calls.length >= 3, { timeout: 5000 })
    monitor.failing = true
    const failFrom = inf.calls.length
    await waitFor(() => inf.calls.length >= failFrom + 3, { timeout: 5000 })
    monitor.failing = false
    await pusher.stop()
    const ok = gaps(inf.calls.slice(0, failFrom))
    // the call that failed first was scheduled TTL/2 after the previous one;
    // the following ones TTL/4 after each failure
    const failing = gaps(inf.calls.slice(failFrom, failFrom + 3))
    for (const g of ok) assert.ok(g >= 590, `TTL/2 gap ${g}`)
    for (const g of failing) assert.ok(g >= 290 && g < 590, `TTL/4 gap ${g}`)
    const published = monitor.named('freespace')
    assert.equal(published.length, failFrom)
    assert.equal(published[0].metric.peer, testPeerId(0))
    assert.equal(published[0].metric.value, '1')
  })

  it('does not publish invalid informer metrics (tags without tags)', async () => {
    const monitor = new RecordingMonitor()
    const tags = createTagsInformer({ logger: silentLogger() }, { metricTTL: 30_000, tags: {} })
    const calls: number[] = []
    const spy: Informer = { name: tags.name, getMetrics: async (o) => { calls.push(1); return await tags.getMetrics(o) } }
    const pusher = createMetricsPusher({ monitor, peerId: testPeerId(0), logger: silentLogger(), informers: [spy], pingValue: async () => ({}) }, { monitorPingInterval: HOUR })
    running.push(pusher)
    await pusher.start()
    await waitFor(() => calls.length === 1)
    await pusher.pushNow()
    assert.equal(calls.length, 2)
    assert.deepEqual(monitor.named('tag:none'), [])
  })

  it('pushNow re-broadcasts every informer metric immediately and reports failures', async () => {
    const monitor = new RecordingMonitor()
    const a = new FakeInformer('freespace', HOUR)
    const b = new FakeInformer('pinqueue', HOUR)
    const pusher = createMetricsPusher({ monitor, peerId: testPeerId(0), logger: silentLogger(), informers: [a, b], pingValue: async () => ({}) }, { monitorPingInterval: HOUR })
    await pusher.pushNow()
    assert.deepEqual(monitor.published.map((p) => [p.metric.name, p.metric.value]), [['freespace', '1'], ['pinqueue', '1']])
    monitor.failing = true
    await assert.rejects(pusher.pushNow(), /pubsub down/)
    assert.equal(a.calls.length, 2)
    assert.equal(b.calls.length, 2)
  })

  it('feeds real monitors: every peer sees every peer ping and informer metrics', async () => {
    const hub = new PubSubHub()
    const ids = testPeerIds(3)
    const monitors = []
    for (const id of ids) {
      const mon = createPubsubMonitor({ pubsub: hub.forPeer(id), peerId: id, logger: silentLogger() }, { checkInterval: HOUR })
      await mon.start()
      running.push(mon)
      monitors.push(mon)
    }
    // pushers start once every monitor listens (metrics published before
    // a peer subscribes only reach it at the next period)
    for (const [i, id] of ids.entries()) {
      const mon = monitors[i]
      const tags = createTagsInformer({ logger: silentLogger() }, { metricTTL: 30_000, tags: { group: i === 0 ? 'a' : 'b' } })
      const pusher = createMetricsPusher({ monitor: mon, peerId: id, logger: silentLogger(), informers: [tags], pingValue: async () => ({ peerName: `node${i}` }) }, { monitorPingInterval: 1000 })
      await pusher.start()
      running.push(pusher)
    }
    for (const mon of monitors) {
      const pings = await waitFor(async () => {
        const l = await mon.latestMetrics('ping')
        return l.length === 3 ? l : undefined
      })
      assert.deepEqual(pings.map((m) => decodePingValue(m.value).peerName).sort(), ['node0', 'node1', 'node2'])
      const groups = await waitFor(async () => {
        const l = await mon.latestMetrics('tag:group')
        return l.length === 3 ? l : undefined
      })
      assert.deepEqual(Object.fromEntries(groups.map((m) => [m.peer, m.value])), { [ids[0]]: 'a', [ids[1]]: 'b', [ids[2]]: 'b' })
      assert.ok(groups.every((m) => m.partitionable))
    }
  })
})
