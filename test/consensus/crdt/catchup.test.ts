import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { waitFor } from '../../helpers/wait-for.js'
import { testPin } from '../../helpers/pins.js'
import { digest, useReplicas } from './helpers.js'

describe('CRDT consensus: catching up', () => {
  const replicas = useReplicas()

  it('catches up when each block can be fetched only once (bitswap keeps no copy for a second want)', async () => {
    const network = replicas.network()
    const fetched = new Set<string>()
    network.fetchFilter = (peer, cid) => {
      const k = `${peer} ${cid.toString()}`
      if (fetched.has(k)) return false
      fetched.add(k)
      return true
    }
    const a = await replicas.start('a', { config: { rebroadcastInterval: 100 } })
    // two deltas too large to travel inline with rebroadcasts (16 KiB)
    for (let d = 0; d < 2; d++) {
      const batch = a.consensus.batchingState()
      for (let i = 0; i < 300; i++) await batch.add(testPin(`d${d}-${i}`))
      await batch.commit()
    }
    assert.equal(a.consensus.info().maxHeight, 2n)
    const b = await replicas.start('b')
    await waitFor(async () => (await digest(b)).length === 600, { timeout: 10000 })
    assert.deepEqual(await digest(b), await digest(a))
    assert.equal(b.consensus.info().dirty, false)
  })
})
