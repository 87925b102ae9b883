import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { testPin } from '../../helpers/pins.js'
import { waitFor } from '../../helpers/wait-for.js'
import { digest, useReplicas } from './helpers.js'

describe('CRDT consensus: listing during commits, group commit', () => {
  const replicas = useReplicas()

  it('lists every pin when a batch is committed in the middle of a listing', async () => {
    const r = await replicas.start('a', { config: { batching: { maxBatchSize: 100000, maxBatchAge: 3600000, maxQueueSize: 100000 } } })
    const committed = 1500
    const pending = 500
    for (let i = 0; i < committed; i++) await r.consensus.logPin(testPin(`c${i}`))
    await r.consensus.commitPending()
    assert.equal(r.consensus.pendingOperations, 0)
    for (let i = 0; i < pending; i++) await r.consensus.logPin(testPin(`p${i}`))
    assert.equal(r.consensus.pendingOperations, pending)

    const seen = new Set<string>()
    const it = r.consensus.state().list()[Symbol.asyncIterator]()
    const first = await it.next()
    assert.equal(first.done, false)
    seen.add(first.value.cid.toString())
    // the pending batch lands in the store while the listing is under way
    await r.consensus.commitPending()
    assert.equal(r.consensus.pendingOperations, 0)
    for (let cur = await it.next(); cur.done !== true; cur = await it.next()) {
      seen.add(cur.value.cid.toString())
    }
    assert.equal(seen.size, committed + pending)
    for (let i = 0; i < pending; i++) assert.ok(seen.has(testPin(`p${i}`).cid.toString()), `p${i} listed`)
  })

  it('without batching, concurrent writes share DAG nodes and each resolves once merged and broadcast', async () => {
    const network = replicas.network()
    const a = await replicas.start('a')
    const b = await replicas.start('b')
    // a lone write is published at once in its own node
    await a.consensus.logPin(testPin('lone'))
    assert.equal(a.consensus.info().maxHeight, 1n)
    assert.equal(network.stats.published, 1)
    const n = 200
    const resolved: string[] = []
    await Promise.all(Array.from({ length: n }, async (_, i) => {
      const pin = testPin(`g${i}`)
      await a.consensus.logPin(pin)
      // visible locally when the call resolves
      assert.equal(await a.consensus.state().has(pin.cid), true)
      resolved.push(pin.cid.toString())
    }))
    assert.equal(resolved.length, n)
    const height = Number(a.consensus.info().maxHeight)
    assert.ok(height >= 2 && height <= 3, `200 concurrent writes took ${height - 1} nodes`)
    assert.equal(network.stats.published, height)
    // an unpin and a pin of the same key in one group: the last one wins
    const x = testPin('x')
    await a.consensus.logPin(x)
    await Promise.all([a.consensus.logUnpin(x), a.consensus.logPin(testPin('y'))])
    assert.equal(await a.consensus.state().has(x.cid), false)
    await waitFor(async () => (await digest(b)).length === n + 2)
    assert.deepEqual(await digest(b), await digest(a))
  })
})
