import { describe, it, after } from 'node:test'
import assert from 'node:assert/strict'
import { CID } from 'multiformats/cid'
import { allocate, createBalancedAllocator, gatherMetrics, notEnoughPeersError } from '../../src/allocator/index.js'
import { createLogger, silentLogger } from '../../src/logging/index.js'
import { createPubsubMonitor, newMetric, nowNs } from '../../src/monitor/index.js'
import { PubSubHub } from '../fakes/pubsub-hub.js'
import { testPeerId, testPeerIds } from '../fakes/peer-ids.js'
import type { AllocateParams } from '../../src/allocator/index.js'
import type { Metric } from '../../src/api/types.js'
import type { PinAllocator } from '../../src/interfaces.js'

const cid = CID.parse('QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmmq')
// P[0] has the most free space, P[4] the least.
const P = testPeerIds(5)
const DEAD = testPeerId(50)
const FREE = [5000, 4000, 3000, 2000, 1000]

function free (peer: string, bytes: number, extra: Partial<Metric> = {}): Metric {
  return { ...newMetric({ name: 'freespace', peer, value: String(bytes), weight: BigInt(bytes), ttl: 60_000 }), ...extra }
}

const freespace = P.map((p, i) => free(p, FREE[i]))
const allocator = createBalancedAllocator({ allocateBy: ['freespace'] })

function params (p: Partial<AllocateParams>): AllocateParams {
  return {
    cid,
    replicationFactorMin: 1,
    replicationFactorMax: 1,
    metrics: new Map([['freespace', freespace]]),
    allocator,
    ...p
  }
}

describe('allocate (replication factor rules)', () => {
  it('rejects min + max == 0', async () => {
    await assert.rejects(allocate(params({ replicationFactorMin: 0, replicationFactorMax: 0 })), { name: 'InvalidPinError', message: 'bad replication factors: 0/0' })
    await assert.rejects(allocate(params({ replicationFactorMin: 1, replicationFactorMax: -1 })), { message: 'bad replication factors: 1/-1' })
  })

  it('pins everywhere (no allocations) when both are negative', async () => {
    assert.deepEqual(await allocate(params({ replicationFactorMin: -1, replicationFactorMax: -1, current: [P[0]] })), [])
  })

  it('new pin: up to max peers, best first', async () => {
    assert.deepEqual(await allocate(params({ replicationFactorMin: 2, replicationFactorMax: 3 })), [P[0], P[1], P[2]])
  })

  it('succeeds with min <= available < max, using all available', async () => {
    const metrics = new Map([['freespace', freespace.slice(2)]])
    assert.deepEqual(await allocate(params({ replicationFactorMin: 2, replicationFactorMax: 10, metrics })), [P[2], P[3], P[4]])
  })

  it('fails when fewer peers than needed are available', async () => {
    await assert.rejects(allocate(params({ replicationFactorMin: 6, replicationFactorMax: 7 })), {
      name: 'NotEnoughPeersError',
      message: 'not enough peers to allocate CID. Needed at least: 6. Wanted at most: 7. Available candidates: 5. See logs for more info.'
    })
    // needed and wanted account for current allocations
    await assert.rejects(allocate(params({ replicationFactorMin: 6, replicationFactorMax: 8, current: [P[0], P[1]] })), {
      message: 'not enough peers to allocate CID. Needed at least: 4. Wanted at most: 6. Available candidates: 3. See logs for more info.'
    })
  })

  it('logs why allocation failed', async () => {
    const lines: string[] = []
    const logger = createLogger({ sink: (l) => lines.push(l) }).forComponent('cluster')
    await assert.rejects(allocate(params({ replicationFactorMin: 6, replicationFactorMax: 6, logger })))
    const text = lines.join('\n')
    assert.match(text, /ERROR\tcluster\tNot enough candidates to allocate QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmmq:/)
    assert.match(text, /  Needed: 6/)
    assert.match(text, /  Available candidates: 5:/)
    assert.ok(text.includes(`    - ${P[4]}`))
  })

  it('keeps current allocations unchanged when at or above min', async () => {
    assert.deepEqual(await allocate(params({ replicationFactorMin: 2, replicationFactorMax: 3, current: [P[4], P[3]] })), [P[4], P[3]])
    // even with a dead (metric-less) allocation among them
    assert.deepEqual(await allocate(params({ replicationFactorMin: 2, replicationFactorMax: 3, current: [P[4], DEAD, P[3]] })), [P[4], DEAD, P[3]])
  })

  it('under min: keeps the live current peers and adds new ones (dead ones dropped)', async () => {
    assert.deepEqual(await allocate(params({ replicationFactorMin: 2, replicationFactorMax: 3, current: [P[4], DEAD] })), [P[4], P[0], P[1]])
  })

  it('over max: keeps only the first max current allocations', async () => {
    assert.deepEqual(await allocate(params({ replicationFactorMin: 1, replicationFactorMax: 2, current: [P[3], P[1], P[4], P[0]] })), [P[3], P[1]])
    // dead current peers do not count and are dropped
    assert.deepEqual(await allocate(params({ replicationFactorMin: 1, replicationFactorMax: 2, current: [DEAD, P[3], P[1], P[4]] })), [P[3], P[1]])
  })

  it('tries user allocations (priority) first, in their order', async () => {
    assert.deepEqual(await allocate(params({ replicationFactorMin: 1, replicationFactorMax: 2, priority: [P[4]] })), [P[4], P[0]])
    assert.deepEqual(await allocate(params({ replicationFactorMin: 3, replicationFactorMax: 3, priority: [P[3], P[4]] })), [P[3], P[4], P[0]])
    // a user allocation without metrics is not a candidate
    assert.deepEqual(await allocate(params({ replicationFactorMin: 1, replicationFactorMax: 1, priority: [DEAD] })), [P[0]])
    // priority peers count as available candidates
    await assert.rejects(allocate(params({ replicationFactorMin: 2, replicationFactorMax: 2, priority: [P[0]], metrics: new Map([['freespace', [freespace[0]]]]) })),
      { message: 'not enough peers to allocate CID. Needed at least: 2. Wanted at most: 2. Available candidates: 1. See logs for more info.' })
  })

  it('never allocates to blacklisted peers', async () => {
    assert.deepEqual(await allocate(params({ replicationFactorMin: 2, replicationFactorMax: 2, blacklist: [P[0], P[2]] })), [P[1], P[3]])
    // re-pinning away from a current peer while under min
    assert.deepEqual(await allocate(params({ replicationFactorMin: 2, replicationFactorMax: 2, current: [P[0], P[3]], blacklist: [P[0]] })), [P[3], P[1]])
    // a blacklisted user allocation is ignored
    assert.deepEqual(await allocate(params({ replicationFactorMin: 1, replicationFactorMax: 1, priority: [P[4]], blacklist: [P[4]] })), [P[0]])
    // still at min without the blacklisted peer: allocations stay as they are
    assert.deepEqual(await allocate(params({ replicationFactorMin: 2, replicationFactorMax: 3, current: [P[0], P[3], P[4]], blacklist: [P[0]] })), [P[0], P[3], P[4]])
  })

  it('pin_only_on_trusted_peers / pin_only_on_untrusted_peers', async () => {
    const trusted = new Set([P[2], P[4]])
    const isTrusted = (p: string): boolean => trusted.has(p)
    assert.deepEqual(await allocate(params({ replicationFactorMin: 1, replicationFactorMax: 5, pinOnlyOnTrustedPeers: true, isTrusted })), [P[2], P[4]])
    assert.deepEqual(await allocate(params({ replicationFactorMin: 1, replicationFactorMax: 5, pinOnlyOnUntrustedPeers: true, isTrusted })), [P[0], P[1], P[3]])
    await assert.rejects(allocate(params({ replicationFactorMin: 3, replicationFactorMax: 3, pinOnlyOnTrustedPeers: true, isTrusted })),
      { message: 'not enough peers to allocate CID. Needed at least: 3. Wanted at most: 3. Available candidates: 2. See logs for more info.' })
    // untrusted current allocations do not count
    assert.deepEqual(await allocate(params({ replicationFactorMin: 2, replicationFactorMax: 2, current: [P[0], P[2]], pinOnlyOnTrustedPeers: true, isTrusted })), [P[2], P[4]])
    // without filters trust does not matter
    assert.deepEqual(await allocate(params({ replicationFactorMin: 1, replicationFactorMax: 1, isTrusted })), [P[0]])
  })

  it('candidates need a valid, unexpired metric for every allocate_by metric', async () => {
    const alloc = createBalancedAllocator({ allocateBy: ['tag:group', 'freespace'] })
    const tag = (peer: string, v: string, extra: Partial<Metric> = {}): Metric => ({ ...newMetric({ name: 'tag:group', peer, value: v, partitionable: true, ttl: 60_000 }), ...extra })
    const metrics = {
      'tag:group': [tag(P[0], 'a'), tag(P[1], 'b'), tag(P[2], 'a'), tag(P[3], 'b', { valid: false }), tag(P[4], 'a')],
      // P[1] has no freespace; P[4]'s has expired
      freespace: [free(P[0], 100), free(P[2], 300), free(P[3], 999), free(P[4], 999, { expire: nowNs() - 1n })]
    }
    assert.deepEqual(await allocate(params({ replicationFactorMin: 1, replicationFactorMax: 5, allocator: alloc, metrics })), [P[2], P[0]])
    await assert.rejects(allocate(params({ replicationFactorMin: 3, replicationFactorMax: 5, allocator: alloc, metrics })),
      { message: 'not enough peers to allocate CID. Needed at least: 3. Wanted at most: 5. Available candidates: 2. See logs for more info.' })
  })

  it('spreads replicas across tag groups', async () => {
    const alloc = createBalancedAllocator({ allocateBy: ['tag:group', 'freespace'] })
    const group = ['a', 'a', 'a', 'b', 'b']
    const metrics = {
      'tag:group': P.map((p, i) => newMetric({ name: 'tag:group', peer: p, value: group[i], partitionable: true, ttl: 60_000 })),
      freespace
    }
    const got = await allocate(params({ replicationFactorMin: 2, replicationFactorMax: 2, allocator: alloc, metrics }))
    assert.deepEqual(got, [P[0], P[3]])
  })

  it('fails when the allocator returns fewer peers than needed', async () => {
    const stingy: PinAllocator = { metrics: () => ['freespace'], allocate: async () => [P[1]] }
    await assert.rejects(allocate(params({ replicationFactorMin: 2, replicationFactorMax: 3, allocator: stingy })),
      { message: 'not enough peers to allocate CID. Needed at least: 2. Wanted at most: 3. Available candidates: 1. See logs for more info.' })
  })

  it('hands the allocator the classified metrics', async () => {
    let seen: unknown
    const spy: PinAllocator = {
      metrics: () => ['freespace'],
      allocate: async (_cid, current, candidates, priority) => {
        seen = { current: [...current.keys()], candidates: [...candidates.keys()].sort(), priority: [...priority.keys()] }
        return [...priority.keys(), ...candidates.keys()]
      }
    }
    await allocate(params({ replicationFactorMin: 2, replicationFactorMax: 2, current: [P[0]], priority: [P[1]], blacklist: [P[2]], allocator: spy }))
    assert.deepEqual(seen, { current: [P[0]], candidates: [P[3], P[4]].sort(), priority: [P[1]] })
  })

  it('notEnoughPeersError has the reference text', () => {
    const err = notEnoughPeersError(2, 3, 1)
    assert.equal(err.name, 'NotEnoughPeersError')
    assert.equal(err.message, 'not enough peers to allocate CID. Needed at least: 2. Wanted at most: 3. Available candidates: 1. See logs for more info.')
  })

  describe('with a monitor', () => {
    const hub = new PubSubHub()
    const mon = createPubsubMonitor({ pubsub: hub.forPeer(P[0]), peerId: P[0], logger: silentLogger() }, { checkInterval: 3_600_000 })
    after(async () => { await mon.stop() })

    it('gathers the latest metrics the allocator needs', async () => {
      await mon.start()
      for (const m of freespace) await mon.logMetric(m)
      await mon.logMetric(free(DEAD, 1_000_000, { expire: nowNs() - 1n }))
      const metrics = await gatherMetrics(mon, allocator)
      assert.deepEqual([...metrics.keys()], ['freespace'])
      assert.equal(metrics.get('freespace')?.length, 5)
      assert.deepEqual(await allocate(params({ replicationFactorMin: 1, replicationFactorMax: 2, metrics })), [P[0], P[1]])
    })
  })
})
