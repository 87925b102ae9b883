import { describe, it, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { silentLogger } from '../../src/logging/index.js'
import { createPubsubMonitor, decodeMetric, encodeMetric, METRICS_TOPIC, newMetric, nowNs, NS_PER_MS } from '../../src/monitor/index.js'
import { PubSubHub } from '../fakes/pubsub-hub.js'
import { testPeerId, testPeerIds } from '../fakes/peer-ids.js'
import { waitFor } from '../helpers/wait-for.js'
import type { Metric } from '../../src/api/types.js'
import type { PubsubMonitor, PubsubMonitorInit } from '../../src/monitor/index.js'

const HOUR = 3_600_000

function metric (name: string, peer: string, ttlMs: number, extra: Partial<Metric> = {}): Metric {
  return { ...newMetric({ name, peer, value: '1', ttl: Math.max(0, ttlMs) }), ...(ttlMs < 0 ? { expire: nowNs() + BigInt(ttlMs) * NS_PER_MS } : {}), ...extra }
}

describe('monitor codec', () => {
  it('round-trips every field, 64-bit integers included', () => {
    const m: Metric = {
      name: 'freespace',
      peer: testPeerId(1),
      value: '12345',
      expire: 1_700_000_000_123_456_789n,
      valid: true,
      weight: -9_223_372_036_854_775_807n,
      partitionable: true,
      receivedAt: 99n
    }
    const back = decodeMetric(encodeMetric(m))
    assert.deepEqual(back, { ...m, receivedAt: 0n })
  })

  it('omits zero values on the wire', () => {
    const m: Metric = { name: 'ping', peer: testPeerId(1), value: '', expire: 5n, valid: false, weight: 0n, partitionable: false, receivedAt: 0n }
    assert.equal(new TextDecoder().decode(encodeMetric(m)), `{"n":"ping","p":"${testPeerId(1)}","e":"5"}`)
  })

  it('rejects garbage', () => {
    const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
    const bad = [
      new Uint8Array([0xff, 0xfe, 0x00]),
      enc('not json'),
      enc('[1,2]'),
      enc('null'),
      enc('{"p":"' + testPeerId(1) + '"}'),
      enc('{"n":"x","p":"not-a-peer"}'),
      enc('{"n":"x"}'),
      enc('{"n":"x","p":"' + testPeerId(1) + '","e":"12x"}'),
      enc('{"n":"x","p":"' + testPeerId(1) + '","e":"99999999999999999999"}'),
      enc('{"n":"x","p":"' + testPeerId(1) + '","d":"yes"}'),
      enc('{"n":5,"p":"' + testPeerId(1) + '"}'),
      new Uint8Array(70_000).fill(0x20)
    ]
    for (const b of bad) {
      assert.throws(() => decodeMetric(b))
    }
  })
})

describe('pubsub monitor', () => {
  const started: PubsubMonitor[] = []
  afterEach(async () => {
    await Promise.all(started.splice(0).map(async (m) => { await m.stop() }))
  })

  async function makeMonitors (hub: PubSubHub, n: number, init: Partial<PubsubMonitorInit> = {}, peers?: () => Promise<string[]>): Promise<PubsubMonitor[]> {
    const out: PubsubMonitor[] = []
    for (const id of testPeerIds(n)) {
      const mon = createPubsubMonitor({ pubsub: hub.forPeer(id), peerId: id, logger: silentLogger(), peers }, { checkInterval: HOUR, ...init })
      await mon.start()
      started.push(mon)
      out.push(mon)
    }
    return out
  }

  it('distributes published metrics to every peer', async () => {
    const hub = new PubSubHub()
    const [a, b, c] = await makeMonitors(hub, 3)
    const ids = testPeerIds(3)
    const before = nowNs()
    await a.publishMetric(metric('freespace', ids[0], 60_000, { value: '100', weight: 100n }))
    await b.publishMetric(metric('freespace', ids[1], 60_000, { value: '200', weight: 200n }))
    for (const mon of [a, b, c]) {
      const got = await waitFor(async () => {
        const l = await mon.latestMetrics('freespace')
        return l.length === 2 ? l : undefined
      })
      assert.deepEqual(got.map((m) => [m.peer, m.value, m.weight]), [[ids[0], '100', 100n], [ids[1], '200', 200n]])
      for (const m of got) {
        assert.ok(m.receivedAt >= before, 'received_at is set when stored')
        assert.equal(m.valid, true)
      }
    }
    // exactly one message per publish on the topic
    assert.equal(hub.published.filter((p) => p.topic === METRICS_TOPIC).length, 2)
  })

  it('fills the publisher peer when the metric has none', async () => {
    const hub = new PubSubHub()
    const [a, b] = await makeMonitors(hub, 2)
    await a.publishMetric(metric('pinqueue', '', 60_000))
    const got = await waitFor(() => b.latestForPeer('pinqueue', testPeerId(0)))
    assert.equal(got.peer, testPeerId(0))
  })

  it('does not publish or store invalid or expired metrics', async () => {
    const hub = new PubSubHub()
    const [a] = await makeMonitors(hub, 1)
    await a.publishMetric(metric('freespace', testPeerId(0), 60_000, { valid: false }))
    await a.publishMetric(metric('reposize', testPeerId(0), -1000))
    assert.equal(hub.published.length, 0)
    assert.deepEqual(a.metricNames(), [])
  })

  it('ignores garbage messages and metrics forged for another peer', async () => {
    const hub = new PubSubHub()
    const [a] = await makeMonitors(hub, 1)
    const ids = testPeerIds(4)
    hub.inject(ids[2], METRICS_TOPIC, new TextEncoder().encode('garbage'))
    hub.inject(ids[2], METRICS_TOPIC, new Uint8Array([1, 2, 3]))
    // a metric claiming to come from ids[3], published by ids[2]
    hub.inject(ids[2], METRICS_TOPIC, encodeMetric(metric('ping', ids[3], 60_000)))
    // a good one, as a marker that the previous ones were processed
    hub.inject(ids[2], METRICS_TOPIC, encodeMetric(metric('ping', ids[2], 60_000)))
    await waitFor(() => a.latestForPeer('ping', ids[2]))
    assert.equal(a.latestForPeer('ping', ids[3]), undefined)
    assert.deepEqual((await a.latestMetrics('ping')).map((m) => m.peer), [ids[2]])
    assert.deepEqual(a.metricNames(), ['ping'])
  })

  it('latestMetrics: only valid, non-expired metrics, sorted by peer; unknown name is empty', async () => {
    const hub = new PubSubHub()
    const [a] = await makeMonitors(hub, 1)
    const ids = testPeerIds(5, 10)
    // logged out of order
    await a.logMetric(metric('freespace', ids[3], 60_000))
    await a.logMetric(metric('freespace', ids[0], 60_000))
    await a.logMetric(metric('freespace', ids[4], 60_000, { valid: false }))
    await a.logMetric(metric('freespace', ids[2], -5_000))
    await a.logMetric(metric('freespace', ids[1], 60_000))
    const latest = await a.latestMetrics('freespace')
    const expected = [ids[0], ids[1], ids[3]].sort((x, y) => Buffer.compare(Buffer.from(decode58(x)), Buffer.from(decode58(y))))
    assert.deepEqual(latest.map((m) => m.peer), expected)
    assert.deepEqual(await a.latestMetrics('nope'), [])
    // latestForPeer returns expired and invalid metrics too
    assert.equal(a.latestForPeer('freespace', ids[2])?.peer, ids[2])
    assert.equal(a.latestForPeer('freespace', ids[4])?.valid, false)
    assert.equal(a.latestForPeer('freespace', testPeerId(99)), undefined)
  })

  it('a newer metric replaces the previous one of the same peer', async () => {
    const hub = new PubSubHub()
    const [a] = await makeMonitors(hub, 1)
    await a.logMetric(metric('freespace', testPeerId(3), 60_000, { value: '1' }))
    await a.logMetric(metric('freespace', testPeerId(3), 60_000, { value: '2' }))
    assert.deepEqual((await a.latestMetrics('freespace')).map((m) => m.value), ['2'])
  })

  it('metricNames lists every name received', async () => {
    const hub = new PubSubHub()
    const [a, b] = await makeMonitors(hub, 2)
    const id = testPeerId(1)
    for (const n of ['ping', 'freespace', 'tag:group', 'pinqueue']) {
      await b.publishMetric(metric(n, id, 60_000))
    }
    await waitFor(() => a.metricNames().length === 4)
    assert.deepEqual(a.metricNames().sort(), ['freespace', 'ping', 'pinqueue', 'tag:group'])
  })

  it('filters by the peerset when one is provided', async () => {
    const hub = new PubSubHub()
    const ids = testPeerIds(3)
    let peerset = [ids[0], ids[1]]
    const [a] = await makeMonitors(hub, 1, {}, async () => peerset)
    for (const id of ids) await a.logMetric(metric('ping', id, 60_000))
    assert.deepEqual((await a.latestMetrics('ping')).map((m) => m.peer).sort(), [ids[0], ids[1]].sort())
    peerset = [ids[2]]
    assert.deepEqual((await a.latestMetrics('ping')).map((m) => m.peer), [ids[2]])
  })

  it('raises an alert once per expiry, again after a fresh metric expires', async () => {
    const hub = new PubSubHub()
    const [a] = await makeMonitors(hub, 1)
    const received: Metric[] = []
    a.onAlert((al) => { received.push(al) })
    const dead = testPeerId(7)
    await a.logMetric(metric('ping', dead, -1, { value: 'v1' }))
    await a.logMetric(metric('freespace', testPeerId(8), 60_000))
    await a.check()
    await a.check()
    await a.check()
    assert.equal(a.alerts().length, 1)
    assert.equal(received.length, 1)
    const al = a.alerts()[0]
    assert.equal(al.name, 'ping')
    assert.equal(al.peer, dead)
    assert.equal(al.value, 'v1')
    assert.ok(al.triggeredAt instanceof Date)

    // fresh metric: no alert while it lives
    await a.logMetric(metric('ping', dead, 60_000))
    await a.check()
    assert.equal(a.alerts().length, 1)
    // it expires again: one more alert, newest first
    await a.logMetric(metric('ping', dead, -1, { value: 'v2' }))
    await a.check()
    await a.check()
    assert.deepEqual(a.alerts().map((x) => x.value), ['v2', 'v1'])
    assert.equal(received.length, 2)
  })

  it('alerts a long-dead peer again after 300 failed checks', async () => {
    const hub = new PubSubHub()
    const [a] = await makeMonitors(hub, 1)
    await a.logMetric(metric('ping', testPeerId(7), -1))
    for (let i = 0; i < 300; i++) await a.check()
    assert.equal(a.alerts().length, 1)
    await a.check()
    assert.equal(a.alerts().length, 2)
  })

  it('only checks peers of the peerset when one is provided', async () => {
    const hub = new PubSubHub()
    const ids = testPeerIds(2, 20)
    const [a] = await makeMonitors(hub, 1, {}, async () => [ids[0]])
    await a.logMetric(metric('ping', ids[0], -1))
    await a.logMetric(metric('ping', ids[1], -1))
    await a.check()
    assert.deepEqual(a.alerts().map((x) => x.peer), [ids[0]])
  })

  it('keeps a bounded alert list, reset when it overflows', async () => {
    const hub = new PubSubHub()
    const [a] = await makeMonitors(hub, 1, { maxAlerts: 3 })
    const ids = testPeerIds(5, 30)
    for (const id of ids.slice(0, 4)) {
      await a.logMetric(metric('ping', id, -1))
      await a.check()
    }
    assert.deepEqual(a.alerts().map((x) => x.peer), [ids[3], ids[2], ids[1], ids[0]])
    await a.logMetric(metric('ping', ids[4], -1))
    await a.check()
    assert.deepEqual(a.alerts().map((x) => x.peer), [ids[4]])
  })

  it('checks every check_interval and alerts when a peer stops publishing', async () => {
    const hub = new PubSubHub()
    const [a, b] = await makeMonitors(hub, 2, { checkInterval: 30 })
    const alerts: Metric[] = []
    a.onAlert((al) => { alerts.push(al) })
    await b.publishMetric(metric('ping', testPeerId(1), 150))
    await waitFor(() => a.latestForPeer('ping', testPeerId(1)))
    assert.equal(alerts.length, 0)
    await waitFor(() => alerts.length > 0, { timeout: 5000 })
    assert.equal(alerts[0].peer, testPeerId(1))
    assert.equal(alerts[0].name, 'ping')
    assert.deepEqual(await a.latestMetrics('ping'), [])
  })

  it('an alert handler that throws does not break the others', async () => {
    const hub = new PubSubHub()
    const [a] = await makeMonitors(hub, 1)
    let called = 0
    a.onAlert(() => { throw new Error('boom') })
    a.onAlert(() => { called++ })
    await a.logMetric(metric('ping', testPeerId(7), -1))
    await a.check()
    assert.equal(called, 1)
  })

  it('stops receiving after stop', async () => {
    const hub = new PubSubHub()
    const [a, b] = await makeMonitors(hub, 2)
    await a.stop()
    assert.equal(hub.subscriberCount(METRICS_TOPIC), 1)
    await a.stop() // idempotent
    await b.publishMetric(metric('ping', testPeerId(1), 60_000))
    await a.start()
    assert.equal(hub.subscriberCount(METRICS_TOPIC), 2)
    await b.publishMetric(metric('freespace', testPeerId(1), 60_000))
    await waitFor(() => a.latestForPeer('freespace', testPeerId(1)))
    assert.equal(a.latestForPeer('ping', testPeerId(1)), undefined)
  })
})

function decode58 (s: string): Uint8Array {
  const ALPHA = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
  let n = 0n
  for (const c of s) n = n * 58n + BigInt(ALPHA.indexOf(c))
  const out: number[] = []
  while (n > 0n) { out.unshift(Number(n & 255n)); n >>= 8n }
  for (const c of s) { if (c === '1') out.unshift(0); else break }
  return new Uint8Array(out)
}

describe('monitor config', () => {
  it('rejects a check_interval that is not positive', () => {
    const hub = new PubSubHub()
    assert.throws(() => createPubsubMonitor({ pubsub: hub.forPeer(testPeerId(0)), peerId: testPeerId(0), logger: silentLogger() }, { checkInterval: 0 }),
      { name: 'ConfigError', message: 'pubsubmon.check_interval too low' })
  })
})
