import { describe, it, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { CRDTTestNetwork } from '../../fakes/crdt-network.js'
import { waitFor } from '../../helpers/wait-for.js'
import { testPin } from '../../helpers/pins.js'
import { digest, startReplica, stopAll } from './helpers.js'
import type { Replica } from './helpers.js'

describe('CRDT consensus: catching up', () => {
  let replicas: Replica[] = []
  let network: CRDTTestNetwork | undefined

  afterEach(async () => {
    await stopAll(replicas)
    replicas = []
    network?.close()
  })

  it('catches up when each block can be fetched only once (bitswap keeps no copy for a second want)', async () => {
    network = new CRDTTestNetwork()
    const fetched = new Set<string>()
    network.fetchFilter = (peer, cid) => {
      const k = `${peer} ${cid.toString()}`
      if (fetched.has(k)) return false
      fetched.add(k)
      return true
    }
    const a = await startReplica(network, 'a', { config: { rebroadcastInterval: 100 } })
    replicas.push(a)
    // two deltas too large to travel inline with rebroadcasts (16 KiB)
    for (let d = 0; d < 2; d++) {
      const batch = a.consensus.batchingState()
      for (let i = 0; i < 300; i++) await batch.add(testPin(`d${d}-${i}`))
      await batch.commit()
    }
    assert.equal(a.consensus.info().maxHeight, 2n)
    const b = await startReplica(network, 'b')
    replicas.push(b)
    await waitFor(async () => (await digest(b)).length === 600, { timeout: 10000 })
    assert.deepEqual(await digest(b), await digest(a))
    assert.equal(b.consensus.info().dirty, false)
  })
})
