import { describe, it, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import { createMemoryKVStore } from '../../src/datastore/index.js'
import { createDatastoreState, exportState, importState, validatePins, EXPORT_PROGRESS, IMPORT_VALIDATE_PROGRESS, IMPORT_WRITE_PROGRESS } from '../../src/state/index.js'
import { pinToJSON, toJSONText } from '../../src/api/json.js'
import { testPeerId, testPin } from '../helpers/pins.js'
import type { Pin } from '../../src/api/types.js'
import type { BatchingState, KVStore } from '../../src/interfaces.js'

async function all<T> (it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

function source (text: string, chunkSize = 0): () => AsyncIterable<Uint8Array> {
  const bytes = new TextEncoder().encode(text)
  return async function * () {
    if (chunkSize <= 0) {
      yield bytes
      return
    }
    for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, i + chunkSize)
  }
}

const line = (p: Pin): string => toJSONText(pinToJSON(p))

describe('state export / import', () => {
  let store: KVStore
  let state: BatchingState
  let pins: Pin[]

  beforeEach(async () => {
    store = createMemoryKVStore()
    await store.start()
    state = createDatastoreState({ store, namespace: '/pins' })
    pins = []
    for (let i = 0; i < 50; i++) {
      const p = testPin(i, { allocations: [testPeerId(i % 3)], metadata: { n: String(i), 'ünï': '日本 <&>' } })
      pins.push(p)
      await state.add(p)
    }
  })

  it('exports one compact JSON pin per line, in state order, with progress', async () => {
    const events: Array<[string, number]> = []
    const text = (await all(exportState(state, { progressEvery: 20, onProgress: (e) => events.push([e.type, e.detail.count]) }))).join('')
    const listed = await all(state.list())
    assert.equal(text, listed.map((p) => line(p) + '\n').join(''))
    assert.equal(text.split('\n').length, 51)
    assert.ok(text.includes('\\u003c\\u0026\\u003e'), 'Go escaping')
    assert.deepEqual(events, [[EXPORT_PROGRESS, 20], [EXPORT_PROGRESS, 40], [EXPORT_PROGRESS, 50]])
  })

  it('exports nothing for an empty state', async () => {
    const empty = createDatastoreState({ store, namespace: '/empty' })
    assert.deepEqual(await all(exportState(empty)), [])
  })

  it('round-trips through import into another state (validate, clean, write)', async () => {
    const text = (await all(exportState(state))).join('')
    const target = createDatastoreState({ store, namespace: '/target', batching: true, maxBatchOps: 7 })
    await target.add(testPin('old-one'))
    await target.commit()
    const calls: string[] = []
    const events: Array<[string, number]> = []
    const res = await importState(target, source(text, 333), {
      progressEvery: 25,
      onProgress: (e) => events.push([e.type, e.detail.count]),
      beforeWrite: async () => {
        calls.push('clean')
        for await (const p of target.list()) await target.rm(p.cid)
        await target.commit()
      }
    })
    assert.equal(res.count, 50)
    assert.deepEqual(calls, ['clean'])
    assert.deepEqual(events, [
      [IMPORT_VALIDATE_PROGRESS, 25], [IMPORT_VALIDATE_PROGRESS, 50], [IMPORT_VALIDATE_PROGRESS, 50],
      [IMPORT_WRITE_PROGRESS, 25], [IMPORT_WRITE_PROGRESS, 50], [IMPORT_WRITE_PROGRESS, 50]
    ])
    const a = (await all(state.list())).map(line)
    const b = (await all(target.list())).map(line)
    assert.deepEqual(b, a)
  })

  it('accepts any whitespace separation, pretty-printed objects and split UTF-8', async () => {
    const [p0, p1, p2] = pins
    const text = '\uFEFF\r\n  ' + JSON.stringify(pinToJSON(p0), null, 2) + line(p1) + '\t\r\n\n' + line(p2) + '   '
    const target = createDatastoreState({ store, namespace: '/ws' })
    const res = await importState(target, source(text, 1))
    assert.equal(res.count, 3)
    assert.deepEqual((await all(target.list())).map(line).sort(), [p0, p1, p2].map(line).sort())
  })

  it('applies the transform (rmin/rmax/allocations overrides)', async () => {
    const text = pins.slice(0, 3).map(line).join('\n')
    const target = createDatastoreState({ store, namespace: '/tr' })
    await importState(target, source(text), { transform: (p) => ({ ...p, replicationFactorMin: 2, allocations: [testPeerId('z')] }) })
    for await (const p of target.list()) {
      assert.equal(p.replicationFactorMin, 2)
      assert.deepEqual(p.allocations, [testPeerId('z')])
    }
  })

  for (const [name, mutate] of [
    ['a bad first line', (ls: string[]) => { ls[0] = '{"cid": "not-a-cid"}' }],
    ['a syntax error in the middle', (ls: string[]) => { ls[25] = ls[25].replace(':', ' ') }],
    ['a bad CID in the middle', (ls: string[]) => { ls[26] = ls[26].replace('"cid":"', '"cid":"zz') }],
    ['a bad peer ID in the middle', (ls: string[]) => { ls[27] = ls[27].replace('"allocations":["', '"allocations":["x') }],
    ['a truncated last object', (ls: string[]) => { ls[49] = ls[49].slice(0, -5) }],
    ['a non-object value', (ls: string[]) => { ls[10] = '[1,2]' }],
    ['a stray character', (ls: string[]) => { ls[30] = ls[30] + ' x' }]
  ] as Array<[string, (ls: string[]) => void]>) {
    it(`touches nothing when the input has ${name}`, async () => {
      const lines = pins.map(line)
      mutate(lines)
      const target = createDatastoreState({ store, namespace: '/bad' })
      const existing = testPin('must-survive')
      await target.add(existing)
      let cleaned = false
      await assert.rejects(importState(target, source(lines.join('\n'), 4096), {
        beforeWrite: async () => { cleaned = true }
      }), (err: Error) => {
        assert.equal(err.name, 'InvalidArgumentError')
        assert.match(err.message, /pin #\d+/)
        return true
      })
      assert.equal(cleaned, false)
      assert.deepEqual((await all(target.list())).map(line), [line(existing)])
    })
  }

  it('validates without writing and reports the line of the error', async () => {
    const text = line(pins[0]) + '\n' + line(pins[1]) + '\n\n{"cid":'
    await assert.rejects(validatePins(source(text)()), /pin #3 \(line 4\): unexpected EOF/)
    assert.equal(await validatePins(source('')()), 0)
  })

  it('switches from line-by-line parsing to the scanner at the first line that is not one object', async () => {
    // ten NDJSON lines, then a pretty-printed object, then two objects on one line, then NDJSON again
    const text = pins.slice(0, 10).map((p) => line(p) + '\n').join('') +
      JSON.stringify(pinToJSON(pins[10]), null, 2) + '\n' +
      line(pins[11]) + ' ' + line(pins[12]) + '\n' +
      pins.slice(13, 20).map((p) => line(p) + '\n').join('')
    for (const size of [1, 7, 4096, 0]) {
      const target = createDatastoreState({ store, namespace: `/mixed${size}` })
      const res = await importState(target, source(text, size))
      assert.equal(res.count, 20)
      assert.deepEqual((await all(target.list())).map(line).sort(), pins.slice(0, 20).map(line).sort())
    }
  })

  it('names the pin and the line of an error after line-by-line parsing', async () => {
    const lines = pins.slice(0, 30).map(line)
    lines[25] = lines[25].replace(':', ' ')
    await assert.rejects(validatePins(source(lines.join('\n'), 100)()), { name: 'InvalidArgumentError', message: /^error decoding pin #26 \(line 26\): / })
    const blank = pins.slice(0, 5).map(line)
    blank.splice(2, 0, '', '   \r')
    blank[6] = '{"cid":"nope"}'
    await assert.rejects(validatePins(source(blank.join('\n'))()), { name: 'InvalidArgumentError', message: /^error decoding pin #5: / })
    const stray = pins.slice(0, 4).map(line)
    stray[3] += ' x'
    await assert.rejects(validatePins(source(stray.join('\n') + '\n')()), { name: 'InvalidArgumentError', message: "error decoding pin #5 (line 4): invalid character 'x' looking for beginning of value" })
  })

  it('rejects a pin that cannot be stored before touching the state', async () => {
    const text = pins.slice(0, 3).map(line).join('\n')
    const target = createDatastoreState({ store, namespace: '/unstorable' })
    let cleaned = false
    await assert.rejects(importState(target, source(text), {
      transform: (p) => ({ ...p, allocations: ['not a peer id'] }),
      beforeWrite: async () => { cleaned = true }
    }), { name: 'InvalidArgumentError', message: /^error decoding pin #1: invalid peer ID in pin allocations/ })
    assert.equal(cleaned, false)
  })
})
