import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { CID } from 'multiformats/cid'
import { createBalancedAllocator } from '../../src/allocator/index.js'
import { newMetric } from '../../src/monitor/index.js'
import { testPeerIds } from '../fakes/peer-ids.js'
import type { Metric } from '../../src/api/types.js'

const cid = CID.parse('QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmmq')
const P = testPeerIds(10)

function tag (name: string, peer: string, value: string): Metric {
  return newMetric({ name: `tag:${name}`, peer, value, partitionable: true, ttl: 60_000 })
}

function free (peer: string, bytes: number): Metric {
  return newMetric({ name: 'freespace', peer, value: String(bytes), weight: BigInt(bytes), ttl: 60_000 })
}

/** Builds the per-peer metric map the allocator takes. */
function perPeer (...metrics: Metric[]): Map<string, Metric[]> {
  const out = new Map<string, Metric[]>()
  for (const m of metrics) out.set(m.peer, [...(out.get(m.peer) ?? []), m])
  return out
}

describe('balanced allocator', () => {
  it('reports the allocate_by metrics', () => {
    const a = createBalancedAllocator({ allocateBy: ['tag:group', 'freespace'] })
    assert.deepEqual(a.metrics(), ['tag:group', 'freespace'])
  })

  it('rejects an empty allocate_by', () => {
    assert.throws(() => createBalancedAllocator({ allocateBy: [] }), { name: 'ConfigError', message: 'metricalloc.allocate_by is invalid' })
    assert.throws(() => createBalancedAllocator({ allocateBy: [''] }), { name: 'ConfigError' })
  })

  it('orders by free space when allocating by freespace only', async () => {
    const a = createBalancedAllocator({ allocateBy: ['freespace'] })
    const got = await a.allocate(cid, new Map(), perPeer(free(P[0], 10), free(P[1], 300), free(P[2], 20), free(P[3], 300), free(P[4], 5000)), new Map())
    // equal free space: two partitions, both come right after the bigger one
    assert.equal(got[0], P[4])
    assert.deepEqual(new Set(got.slice(1, 3)), new Set([P[1], P[3]]))
    assert.deepEqual(got.slice(3), [P[2], P[0]])
  })

  it('spreads allocations across tag groups, most free space first inside each', async () => {
    const a = createBalancedAllocator({ allocateBy: ['tag:group', 'freespace'] })
    const candidates = perPeer(
      tag('group', P[0], 'a'), free(P[0], 1000),
      tag('group', P[1], 'a'), free(P[1], 900),
      tag('group', P[2], 'a'), free(P[2], 800),
      tag('group', P[3], 'b'), free(P[3], 10),
      tag('group', P[4], 'b'), free(P[4], 50)
    )
    // group a (more free space in total) first, then alternate
    assert.deepEqual(await a.allocate(cid, new Map(), candidates, new Map()), [P[0], P[4], P[1], P[3], P[2]])
  })

  it('partitions by several metrics, round-robin at every level', async () => {
    const a = createBalancedAllocator({ allocateBy: ['tag:region', 'tag:az', 'freespace'] })
    const candidates = perPeer(
      tag('region', P[1], 'us'), tag('az', P[1], 'us1'), free(P[1], 100),
      tag('region', P[2], 'us'), tag('az', P[2], 'us2'), free(P[2], 500),
      tag('region', P[3], 'eu'), tag('az', P[3], 'eu1'), free(P[3], 200),
      tag('region', P[4], 'eu'), tag('az', P[4], 'eu1'), free(P[4], 400),
      tag('region', P[5], 'eu'), tag('az', P[5], 'eu2'), free(P[5], 10),
      tag('region', P[6], 'au'), tag('az', P[6], 'au1'), free(P[6], 50),
      tag('region', P[7], 'au'), tag('az', P[7], 'au1'), free(P[7], 600),
      // lacks the az and freespace metrics: never chosen
      tag('region', P[8], 'au')
    )
    // region totals: au 650, eu 610, us 600. Inside: eu1 (600) before eu2,
    // us2 (500) before us1; peers by free space.
    assert.deepEqual(await a.allocate(cid, new Map(), candidates, new Map()), [P[7], P[4], P[2], P[6], P[5], P[1], P[3]])
  })

  it('puts priority peers first, then candidates', async () => {
    const a = createBalancedAllocator({ allocateBy: ['tag:group', 'freespace'] })
    const candidates = perPeer(tag('group', P[0], 'a'), free(P[0], 1000), tag('group', P[1], 'b'), free(P[1], 900))
    const priority = perPeer(tag('group', P[5], 'a'), free(P[5], 1), tag('group', P[6], 'a'), free(P[6], 2))
    assert.deepEqual(await a.allocate(cid, new Map(), candidates, priority), [P[6], P[5], P[0], P[1]])
  })

  it('sorts by weight: smaller repos first with reposize', async () => {
    const a = createBalancedAllocator({ allocateBy: ['reposize'] })
    const rs = (peer: string, size: number): Metric => newMetric({ name: 'reposize', peer, value: String(size), weight: -BigInt(size), ttl: 60_000 })
    assert.deepEqual(await a.allocate(cid, new Map(), perPeer(rs(P[0], 500), rs(P[1], 5), rs(P[2], 50)), new Map()), [P[1], P[2], P[0]])
  })

  it('is deterministic whatever the input order', async () => {
    const a = createBalancedAllocator({ allocateBy: ['tag:group', 'freespace'] })
    const metrics = [
      tag('group', P[0], 'x'), free(P[0], 7),
      tag('group', P[1], 'x'), free(P[1], 7),
      tag('group', P[2], 'y'), free(P[2], 7),
      tag('group', P[3], 'y'), free(P[3], 7)
    ]
    const first = await a.allocate(cid, new Map(), perPeer(...metrics), new Map())
    const second = await a.allocate(cid, new Map(), perPeer(...metrics.slice().reverse()), new Map())
    assert.deepEqual(first, second)
    assert.equal(first.length, 4)
    // equal totals: groups by value (x before y), alternating
    assert.deepEqual(first.map((p) => [P[0], P[1]].includes(p) ? 'x' : 'y'), ['x', 'y', 'x', 'y'])
  })

  it('returns nothing without candidates', async () => {
    const a = createBalancedAllocator({ allocateBy: ['freespace'] })
    assert.deepEqual(await a.allocate(cid, new Map(), new Map(), new Map()), [])
  })
})
