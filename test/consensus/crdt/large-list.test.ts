import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createKVStore } from '../../../src/datastore/index.js'
import { createCRDTConsensus } from '../../../src/consensus/crdt/index.js'
import { exportState, importState } from '../../../src/state/index.js'
import { silentLogger } from '../../../src/logging/index.js'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { testPeerId, testPin } from '../../helpers/pins.js'
import { crdtConfig } from './helpers.js'
import type { CRDTConsensus } from '../../../src/consensus/crdt/index.js'
import type { KVStore } from '../../../src/interfaces.js'

setFlagsFromString('--expose_gc')
const gc = runInNewContext('gc') as () => void

const N = 200000

function heap (): number {
  gc()
  return process.memoryUsage().heapUsed
}

describe('CRDT state with 200k pins', () => {
  let dir: string
  let store: KVStore
  let consensus: CRDTConsensus

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crdt-200k-'))
    store = createKVStore({ path: join(dir, 'db') })
    consensus = createCRDTConsensus({ store, peerId: testPeerId('big'), logger: silentLogger() }, crdtConfig({ offline: true }))
    await consensus.start()
    const peers = [testPeerId(1), testPeerId(2), testPeerId(3)]
    const template = testPin('template', { allocations: peers })
    const state = consensus.batchingState()
    const digest = new Uint8Array(32)
    for (let i = 0; i < N; i++) {
      new DataView(digest.buffer).setUint32(0, i)
      const cid = CID.createV1(0x55, Digest.create(0x12, digest.slice()))
      await state.add({ ...template, cid, name: `pin-${i}`, metadata: { n: String(i) } })
    }
    await state.commit()
  })

  after(async () => {
    await consensus.stop()
    await store.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('wrote ~1 MiB deltas', () => {
    const info = consensus.info()
    assert.equal(info.heads.length, 1)
    // ~210 bytes per pin: about 45 deltas, never 200k nodes
    assert.ok(info.maxHeight > 20n && info.maxHeight < 100n, `height ${info.maxHeight}`)
  })

  it('streams the whole pinset with bounded memory', async () => {
    const base = heap()
    let peak = 0
    let count = 0
    let prev = ''
    for await (const pin of consensus.state().list()) {
      const key = pin.cid.toString()
      assert.notEqual(key, prev)
      prev = key
      count++
      if (count % 50000 === 0) peak = Math.max(peak, heap() - base)
    }
    assert.equal(count, N)
    // 200k decoded pins would take well over 100 MB
    assert.ok(peak < 24 * 1024 * 1024, `heap grew by ${Math.round(peak / 1024 / 1024)} MB while listing`)
  })

  it('exports and re-imports it with bounded memory', async () => {
    const chunks: string[] = []
    let lines = 0
    const base = heap()
    let peak = 0
    let nextCheck = 50000
    for await (const chunk of exportState(consensus.state())) {
      lines += chunk.split('\n').length - 1
      if (chunks.length < 2) chunks.push(chunk)
      if (lines >= nextCheck) {
        nextCheck += 50000
        peak = Math.max(peak, heap() - base)
      }
    }
    assert.equal(lines, N)
    assert.ok(peak < 24 * 1024 * 1024, `heap grew by ${Math.round(peak / 1024 / 1024)} MB while exporting`)
    // a small re-import through the CRDT batching state is deterministic:
    const text = chunks.join('').split('\n').slice(0, 100).join('\n')
    const first = await importInto(text)
    const second = await importInto(text)
    assert.deepEqual(first, second)
  })

  async function importInto (text: string): Promise<string[]> {
    const s = createKVStore({ path: join(dir, `import-${Math.random()}`) })
    const c = createCRDTConsensus({ store: s, peerId: testPeerId('imp'), logger: silentLogger() }, crdtConfig({ offline: true }))
    await c.start()
    try {
      await importState(c.batchingState(), () => (async function * () { yield text })(), { beforeWrite: async () => { await c.clean() } })
      return c.info().heads.map(String)
    } finally {
      await c.stop()
      await s.stop()
    }
  }
})
