import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createKVStore } from '../../../src/datastore/index.js'
import { MAX_QUEUE_SIZE_MESSAGE } from '../../../src/consensus/crdt/index.js'
import { CRDTTestNetwork } from '../../fakes/crdt-network.js'
import { waitFor } from '../../helpers/wait-for.js'
import { testPin } from '../../helpers/pins.js'
import { digest, startReplica, stopAll } from './helpers.js'
import { cidToDsKey } from '../../../src/api/encoding.js'
import type { Replica } from './helpers.js'
import type { CID } from 'multiformats/cid'

const HOUR = 3600000

function batching (maxBatchSize: number, maxBatchAge: number, maxQueueSize = 50000): { batching: { maxBatchSize: number, maxBatchAge: number, maxQueueSize: number } } {
  return { batching: { maxBatchSize, maxBatchAge, maxQueueSize } }
}

async function walCount (r: Replica): Promise<number> {
  let n = 0
  for await (const _ of r.store.query('/c/w/', { keysOnly: true })) n++ // eslint-disable-line @typescript-eslint/no-unused-vars
  return n
}

describe('CRDT consensus: batching', () => {
  let dir: string
  let replicas: Replica[] = []
  let network: CRDTTestNetwork

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crdt-batch-'))
    network = new CRDTTestNetwork()
  })

  afterEach(async () => {
    await stopAll(replicas)
    replicas = []
    network.close()
    await rm(dir, { recursive: true, force: true })
  })

  async function replica (name: string, config = {}, disk = false): Promise<Replica> {
    const r = await startReplica(network, name, { config, store: disk ? createKVStore({ path: join(dir, name) }) : undefined })
    replicas.push(r)
    return r
  }

  it('commits when max_batch_size is reached; pending writes are visible locally', async () => {
    const a = await replica('a', batching(10, HOUR))
    const b = await replica('b')
    for (let i = 0; i < 9; i++) await a.consensus.logPin(testPin(i))
    await a.consensus.logUnpin(testPin(8)) // the 10th operation
    await waitFor(() => a.consensus.info().maxHeight === 1n)
    assert.equal(a.consensus.pendingOperations, 0)
    for (let i = 10; i < 13; i++) await a.consensus.logPin(testPin(i))
    // not committed, but visible here (and only here)
    assert.equal(a.consensus.pendingOperations, 3)
    assert.equal(a.consensus.info().maxHeight, 1n)
    assert.equal(await a.consensus.state().has(testPin(11).cid), true)
    assert.equal((await a.consensus.state().get(testPin(11).cid)).name, 'pin-11')
    await a.consensus.logUnpin(testPin(0))
    assert.equal(await a.consensus.state().has(testPin(0).cid), false)
    await assert.rejects(a.consensus.state().get(testPin(0).cid), { name: 'PinNotFoundError' })
    const listed = await digest(a)
    assert.equal(listed.length, 10) // 0..7 minus 0, plus 10, 11, 12
    assert.ok(listed.includes(`${testPin(12).cid.toString()} pin-12`))
    await waitFor(async () => (await digest(b)).length === 8)
    assert.equal(await b.consensus.state().has(testPin(11).cid), false)
    assert.equal(await walCount(a), 4)
    // one delta for the first ten operations: one hook call per surviving pin
    assert.equal(b.events.length, 8)
  })

  it('resumes a state listing after a pin: stored and pending pins after it, in key order', async () => {
    const a = await replica('a', batching(1000, HOUR))
    const pins = Array.from({ length: 8 }, (_, i) => testPin(i))
    for (const pin of pins.slice(0, 5)) await a.consensus.logPin(pin)
    await a.consensus.commitPending()
    for (const pin of pins.slice(5)) await a.consensus.logPin(pin) // pending
    assert.equal(a.consensus.pendingOperations, 3)
    const list = async (after?: CID): Promise<string[]> => {
      const out: string[] = []
      for await (const p of a.consensus.state().list({ after })) out.push(cidToDsKey(p.cid))
      return out
    }
    const all = await list()
    assert.equal(all.length, 8)
    const byKey = [...pins].sort((x, y) => cidToDsKey(x.cid) < cidToDsKey(y.cid) ? -1 : 1)
    assert.deepEqual([...all].sort(), byKey.map((p) => cidToDsKey(p.cid)))
    const cut = byKey[3]
    const rest = await list(cut.cid)
    assert.deepEqual([...rest].sort(), byKey.slice(4).map((p) => cidToDsKey(p.cid)))
  })

  it('commits when the oldest item reaches max_batch_age', async () => {
    const a = await replica('a', batching(1000, 150))
    const b = await replica('b')
    const t0 = Date.now()
    await a.consensus.logPin(testPin('age'))
    assert.equal(a.consensus.info().maxHeight, 0n)
    await waitFor(() => a.consensus.info().maxHeight === 1n)
    assert.ok(Date.now() - t0 >= 140, 'not before max_batch_age')
    await waitFor(async () => await b.consensus.state().has(testPin('age').cid))
    assert.equal(await walCount(a), 0)
  })

  it('commits before a delta exceeds ~1 MiB', async () => {
    const a = await replica('a', batching(1000000, HOUR))
    const b = await replica('b')
    const big = 'x'.repeat(4000)
    const writes: Array<Promise<void>> = []
    for (let i = 0; i < 600; i++) writes.push(a.consensus.logPin(testPin(`big${i}`, { metadata: { blob: big } })))
    await Promise.all(writes)
    // 600 × ~4.1 KB ≈ 2.4 MB: two full deltas were committed on their own
    await waitFor(() => a.consensus.info().maxHeight === 2n)
    assert.ok(a.consensus.pendingOperations > 0)
    await a.consensus.commitPending()
    assert.equal(a.consensus.info().maxHeight, 3n)
    let blockSizes = 0
    let nodes = 0
    for await (const { value } of a.store.query('/c/blocks/')) {
      nodes++
      blockSizes = Math.max(blockSizes, value.length)
    }
    assert.equal(nodes, 3)
    assert.ok(blockSizes <= 1024 * 1024 + 1024, `largest block ${blockSizes}`)
    assert.ok(blockSizes > 900 * 1024, `largest block ${blockSizes}`)
    await waitFor(async () => (await digest(b)).length === 600)
  })

  it('fails with the reference message when max_queue_size is reached', async () => {
    const a = await replica('a', batching(1000, HOUR, 5))
    for (let i = 0; i < 5; i++) await a.consensus.logPin(testPin(i))
    await assert.rejects(a.consensus.logPin(testPin(5)), { name: 'QueueFullError', message: `error pinning: ${MAX_QUEUE_SIZE_MESSAGE}` })
    await assert.rejects(a.consensus.logUnpin(testPin(0)), { name: 'QueueFullError', message: `error unpinning: ${MAX_QUEUE_SIZE_MESSAGE}` })
    assert.equal(MAX_QUEUE_SIZE_MESSAGE, 'batching max_queue_size reached. Too many operations are waiting to be batched. Try increasing the max_queue_size or adjusting the batching options')
    assert.equal(await a.consensus.state().has(testPin(5).cid), false)
    await a.consensus.commitPending()
    await a.consensus.logPin(testPin(5))
    assert.equal(await a.consensus.state().has(testPin(5).cid), true)
  })

  it('commits pending batches on graceful stop', async () => {
    const a = await replica('a', batching(1000, HOUR), true)
    for (let i = 0; i < 3; i++) await a.consensus.logPin(testPin(i))
    assert.equal(a.consensus.info().maxHeight, 0n)
    await a.consensus.stop()
    await a.store.stop()
    replicas = []
    network.leave(a.id)
    const a2 = await replica('a', batching(1000, HOUR), true)
    assert.equal(a2.consensus.info().maxHeight, 1n)
    assert.equal(a2.consensus.pendingOperations, 0)
    assert.equal(await walCount(a2), 0)
    assert.equal((await digest(a2)).length, 3)
  })

  it('never loses an acknowledged batched write when the process dies (in-process kill)', async () => {
    const a = await replica('a', batching(1000, HOUR), true)
    await a.consensus.logPin(testPin('durable'))
    await a.consensus.logPin(testPin('gone'))
    await a.consensus.logUnpin(testPin('gone'))
    // "kill": the store goes away without the graceful stop path
    await a.store.stop()
    await a.consensus.stop() // can no longer write anything
    replicas = []
    network.leave(a.id)
    const a2 = await replica('a', batching(1000, HOUR), true)
    // visible right away, then committed from the replayed log
    assert.equal(await a2.consensus.state().has(testPin('durable').cid), true)
    await waitFor(() => a2.consensus.info().maxHeight === 1n)
    assert.equal(a2.consensus.pendingOperations, 0)
    assert.equal(await walCount(a2), 0)
    assert.deepEqual(await digest(a2), [`${testPin('durable').cid.toString()} pin-durable`])
    assert.deepEqual(a2.events, [`pin ${testPin('durable').cid.toString()} pin-durable`])
  })

  for (const [batchSize, window] of [[1000000, 1], [25, 1], [25, 64]]) {
    it(`never loses an acknowledged batched write on SIGKILL (max_batch_size ${batchSize}, ${window} calls in flight)`, async () => {
      const path = join(dir, 'killed')
      const script = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'batched-writer.js')
      const child = spawn(process.execPath, [script, path, String(batchSize), String(window)], { stdio: ['ignore', 'pipe', 'inherit'] })
      let out = ''
      const exited = new Promise<void>((resolve) => child.on('close', () => resolve()))
      child.stdout.on('data', (d: Buffer) => { out += d.toString() })
      try {
        await waitFor(() => (out.match(/ACK/g)?.length ?? 0) >= 137 * window, { timeout: 30000, message: 'child did not write' })
      } finally {
        child.kill('SIGKILL')
      }
      await exited
      const acked = [...out.matchAll(/ACK (\d+)\n/g)].map((m) => Number(m[1]))
      assert.ok(acked.length >= 137 * window)
      const last = acked.at(-1) as number
      assert.deepEqual(acked, Array.from({ length: last + 1 }, (_, i) => i))

      const store = createKVStore({ path })
      const reopened = await startReplica(network, 'writer', { store, config: batching(1000000, HOUR) })
      replicas.push(reopened)
      const state = reopened.consensus.state()
      // Every acknowledged operation is there. The operation after the last
      // acknowledged one may or may not have been logged before the kill:
      // when it unpins the last pin, that pin's presence is undetermined.
      const check = async (): Promise<void> => {
        for (let i = 0; i <= last; i++) {
          if (i % 10 === 9) {
            assert.equal(await state.has(testPin(`kill-${i - 1}`).cid), false, `unpin ${i} lost`)
          } else if (i % 10 !== 8) {
            // (pins i % 10 === 8 are unpinned by operation i + 1)
            assert.equal(await state.has(testPin(`kill-${i}`).cid), true, `pin ${i} lost`)
          }
        }
      }
      await check()
      await reopened.consensus.commitPending()
      assert.equal(reopened.consensus.pendingOperations, 0)
      await check()
    })
  }
})
