import { describe, it, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import { createMemoryKVStore } from '../../src/datastore/index.js'
import { createDatastoreState, pinToProto } from '../../src/state/index.js'
import { cidToDsKey } from '../../src/api/encoding.js'
import { testPin } from '../helpers/pins.js'
import { CID } from 'multiformats/cid'
import type { KVStore } from '../../src/interfaces.js'

async function names (it: AsyncIterable<{ name: string }>): Promise<string[]> {
  const out: string[] = []
  for await (const p of it) out.push(p.name)
  return out.sort()
}

describe('datastore state', () => {
  let store: KVStore

  beforeEach(async () => {
    store = createMemoryKVStore()
    await store.start()
  })

  it('adds, gets, checks, lists and removes pins under its namespace', async () => {
    const state = createDatastoreState({ store, namespace: '/pins/' })
    await state.add(testPin('a'))
    await state.add(testPin('b'))
    assert.equal(await state.has(testPin('a').cid), true)
    assert.equal((await state.get(testPin('b').cid)).name, 'pin-b')
    assert.deepEqual(await names(state.list()), ['pin-a', 'pin-b'])
    const raw = await store.get('/pins' + cidToDsKey(testPin('a').cid))
    assert.deepEqual(raw, pinToProto(testPin('a')))
    await state.rm(testPin('a').cid)
    await state.rm(testPin('never').cid)
    assert.equal(await state.has(testPin('a').cid), false)
    await assert.rejects(state.get(testPin('a').cid), { name: 'PinNotFoundError', message: 'pin is not part of the pinset' })
    assert.deepEqual(await names(state.list()), ['pin-b'])
  })

  it('resumes a listing after a pin, in key order', async () => {
    const state = createDatastoreState({ store, namespace: '/pins' })
    for (const n of ['a', 'b', 'c', 'd', 'e']) await state.add(testPin(n))
    const all: string[] = []
    for await (const p of state.list()) all.push(p.cid.toString())
    assert.equal(all.length, 5)
    const after: string[] = []
    for await (const p of state.list({ after: CID.parse(all[1]) })) after.push(p.cid.toString())
    assert.deepEqual(after, all.slice(2))
    await state.rm(CID.parse(all[2]))
    const gone: string[] = []
    for await (const p of state.list({ after: CID.parse(all[2]) })) gone.push(p.cid.toString())
    assert.deepEqual(gone, all.slice(3))
  })

  it('skips undecodable entries and keys of other namespaces when listing', async () => {
    const state = createDatastoreState({ store, namespace: '/pins' })
    await state.add(testPin('good'))
    await store.put('/pins/NOT-BASE32!', new Uint8Array([1]))
    await store.put('/pins' + cidToDsKey(testPin('bad').cid), new Uint8Array([0x0a, 0x7f]))
    await store.put('/pins/sub/key', new Uint8Array([1]))
    await store.put('/pinsX' + cidToDsKey(testPin('other').cid), pinToProto(testPin('other')))
    assert.deepEqual(await names(state.list()), ['pin-good'])
  })

  it('buffers writes until commit in batching mode', async () => {
    const state = createDatastoreState({ store, namespace: '/b', batching: true, maxBatchOps: 3 })
    await state.add(testPin(1))
    await state.add(testPin(2))
    assert.equal(await state.has(testPin(1).cid), false)
    await state.rm(testPin(1).cid) // third operation: flushed
    assert.equal(await state.has(testPin(1).cid), false)
    assert.equal(await state.has(testPin(2).cid), true)
    await state.add(testPin(3))
    assert.equal(await state.has(testPin(3).cid), false)
    await state.commit()
    assert.deepEqual(await names(state.list()), ['pin-2', 'pin-3'])
  })
})
