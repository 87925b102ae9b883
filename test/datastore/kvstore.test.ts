import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, mkdir, rm, writeFile, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createKVStore, createMemoryKVStore } from '../../src/datastore/index.js'
import type { KVStore } from '../../src/interfaces.js'

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const dec = (b: Uint8Array | undefined): string | undefined => b === undefined ? undefined : new TextDecoder().decode(b)

async function collect (it: AsyncIterable<{ key: string, value: Uint8Array }>): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = []
  for await (const { key, value } of it) out.push([key, dec(value) as string])
  return out
}

function compliance (name: string, make: (dir: string) => KVStore): void {
  describe(`${name} KVStore`, () => {
    let dir: string
    let store: KVStore

    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'kv-'))
      store = make(join(dir, 'db'))
      await store.start()
    })

    afterEach(async () => {
      await store.stop()
      await rm(dir, { recursive: true, force: true })
    })

    it('puts, gets, checks and deletes keys', async () => {
      assert.equal(await store.get('/a'), undefined)
      assert.equal(await store.has('/a'), false)
      await store.put('/a', enc('1'))
      assert.equal(dec(await store.get('/a')), '1')
      assert.equal(await store.has('/a'), true)
      await store.delete('/a')
      assert.equal(await store.has('/a'), false)
      await store.delete('/never-there')
    })

    it('reads many keys in order with getMany', async () => {
      await store.put('/x', enc('x'))
      await store.put('/z', enc('z'))
      const got = await store.getMany?.(['/z', '/missing', '/x'])
      assert.deepEqual(got?.map(dec), ['z', undefined, 'x'])
    })

    it('streams prefix queries in key order, with keysOnly and limit', async () => {
      await store.batch([
        { key: '/c/s/k/B/v', value: enc('b') },
        { key: '/c/s/k/A/v', value: enc('a') },
        { key: '/c/s/k/A/p', value: enc('pa') },
        { key: '/c/h/X', value: enc('h') },
        { key: '/cat', value: enc('not under /c/') },
        { key: '/c/s/k0', value: enc('sibling') }
      ])
      assert.deepEqual(await collect(store.query('/c/s/k/')), [['/c/s/k/A/p', 'pa'], ['/c/s/k/A/v', 'a'], ['/c/s/k/B/v', 'b']])
      const keys: string[] = []
      for await (const { key, value } of store.query('/c/', { keysOnly: true })) {
        keys.push(key)
        assert.equal(value.length, 0)
      }
      assert.deepEqual(keys, ['/c/h/X', '/c/s/k/A/p', '/c/s/k/A/v', '/c/s/k/B/v', '/c/s/k0'])
      assert.deepEqual((await collect(store.query('/c/s/k/', { limit: 2 }))).map(([k]) => k), ['/c/s/k/A/p', '/c/s/k/A/v'])
      assert.deepEqual((await collect(store.query(''))).length, 6)
    })

    it('streams large prefixes across native batches', async () => {
      const ops = []
      for (let i = 0; i < 5000; i++) ops.push({ key: `/p/${String(i).padStart(6, '0')}`, value: enc(String(i)) })
      await store.batch(ops)
      let n = 0
      let last = ''
      for await (const { key, value } of store.query('/p/')) {
        assert.ok(key > last, 'ordered')
        last = key
        assert.equal(dec(value), String(Number(key.slice(3))))
        n++
      }
      assert.equal(n, 5000)
    })

    it('streams a prefix in chunks (queryChunks): same entries as query, no empty chunk', async () => {
      const ops = []
      for (let i = 0; i < 2500; i++) ops.push({ key: `/p/${String(i).padStart(6, '0')}`, value: enc(String(i)) })
      ops.push({ key: '/o', value: enc('before') }, { key: '/q', value: enc('after') }, { key: '/p', value: enc('prefix itself, no slash') })
      await store.batch(ops)
      assert.ok(store.queryChunks != null)
      const chunked: Array<[string, string]> = []
      let chunks = 0
      for await (const chunk of store.queryChunks('/p/')) {
        assert.ok(chunk.length > 0 && chunk.length <= 1000)
        chunks++
        for (const { key, value } of chunk) chunked.push([key, dec(value) as string])
      }
      assert.ok(chunks >= 3)
      assert.deepEqual(chunked, await collect(store.query('/p/')))
      assert.equal(chunked.length, 2500)
      const none = []
      for await (const chunk of store.queryChunks('/nothing/')) none.push(chunk)
      assert.deepEqual(none, [])
    })

    it('resumes a query after a key (after), also when that key is gone', async () => {
      const ops = []
      for (let i = 0; i < 2500; i++) ops.push({ key: `/p/${String(i).padStart(6, '0')}`, value: enc(String(i)) })
      ops.push({ key: '/o', value: enc('before') }, { key: '/q', value: enc('after') })
      await store.batch(ops)
      const keys = async (after: string): Promise<string[]> => (await collect(store.query('/p/', { after }))).map(([key]) => key)
      const rest = await keys('/p/001499')
      assert.equal(rest.length, 1000)
      assert.equal(rest[0], '/p/001500')
      assert.equal(rest[999], '/p/002499')
      await store.delete('/p/001500')
      assert.equal((await keys('/p/001499'))[0], '/p/001501')
      assert.equal((await keys('/p/0014995'))[0], '/p/001501') // between two keys
      assert.deepEqual(await keys('/p/002499'), [])
      // an `after` before the prefix is the whole prefix
      assert.equal((await keys('/a')).length, 2499)
      const chunked: string[] = []
      assert.ok(store.queryChunks != null)
      for await (const chunk of store.queryChunks('/p/', { after: '/p/002000' })) for (const e of chunk) chunked.push(e.key)
      assert.equal(chunked.length, 499)
      assert.equal(chunked[0], '/p/002001')
    })

    it('applies batches of puts and deletes', async () => {
      await store.put('/a', enc('1'))
      await store.batch([{ key: '/a' }, { key: '/b', value: enc('2') }, { key: '/c', value: enc('3') }])
      assert.deepEqual(await collect(store.query('/')), [['/b', '2'], ['/c', '3']])
    })

    it('deletes a prefix and counts the deleted keys', async () => {
      const ops = []
      for (let i = 0; i < 25000; i++) ops.push({ key: `/c/s/${String(i).padStart(6, '0')}`, value: enc('v') })
      ops.push({ key: '/c', value: enc('exact') }, { key: '/cx', value: enc('other') }, { key: '/d/1', value: enc('other') })
      await store.batch(ops)
      assert.equal(await store.deletePrefix('/c/'), 25000)
      assert.deepEqual((await collect(store.query(''))).map(([k]) => k), ['/c', '/cx', '/d/1'])
      assert.equal(await store.deletePrefix('/nothing/'), 0)
    })

    it('clears a prefix without counting (clearPrefix)', async () => {
      const ops = []
      for (let i = 0; i < 25000; i++) ops.push({ key: `/c/s/${String(i).padStart(6, '0')}`, value: enc('v') })
      ops.push({ key: '/c', value: enc('exact') }, { key: '/cx', value: enc('other') }, { key: '/d/1', value: enc('other') }, { key: '/b/9', value: enc('before') })
      await store.batch(ops)
      assert.ok(store.clearPrefix != null)
      await store.clearPrefix('/c/')
      assert.deepEqual((await collect(store.query(''))).map(([k]) => k), ['/b/9', '/c', '/cx', '/d/1'])
      await store.clearPrefix('/nothing/')
      assert.equal((await collect(store.query(''))).length, 4)
    })

    it('syncs without side effects', async () => {
      await store.put('/a', enc('1'))
      await store.sync()
      assert.deepEqual(await collect(store.query('')), [['/a', '1']])
    })

    it('honours abort signals', async () => {
      const ac = new AbortController()
      ac.abort()
      await assert.rejects(store.get('/a', { signal: ac.signal }), { name: 'AbortError' })
    })

    it('keeps the data across stop and start', async () => {
      await store.put('/keep', enc('me'))
      await store.stop()
      await assert.rejects(store.get('/keep'), { name: 'NotStartedError' })
      await store.start()
      assert.equal(dec(await store.get('/keep')), 'me')
    })
  })
}

compliance('LevelDB', (path) => createKVStore({ path }))
const memories = new Map<string, KVStore>()
compliance('memory', (path) => {
  let s = memories.get(path)
  if (s == null) memories.set(path, s = createMemoryKVStore())
  return s
})

describe('LevelDB folder checks', () => {
  let dir: string
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'kvf-')) })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('creates missing folders (and parents)', async () => {
    const path = join(dir, 'a', 'b', 'leveldb')
    const store = createKVStore({ path })
    await store.start()
    await store.put('/x', enc('1'))
    await store.stop()
    assert.ok((await readdir(path)).includes('CURRENT'))
  })

  it('refuses a Go Pebble folder with a DatastoreError naming it, without touching it', async () => {
    const path = join(dir, 'pebble')
    await mkdir(path)
    const files = ['000002.log', 'CURRENT', 'LOCK', 'MANIFEST-000001', 'OPTIONS-000003', 'marker.format-version.000006.013']
    for (const f of files) await writeFile(join(path, f), f === 'CURRENT' ? 'MANIFEST-000001\n' : 'x')
    const store = createKVStore({ path })
    await assert.rejects(store.start(), (err: Error) => {
      assert.equal(err.name, 'DatastoreError')
      assert.ok(err.message.includes(path), err.message)
      assert.match(err.message, /Pebble/)
      return true
    })
    assert.deepEqual((await readdir(path)).sort(), [...files].sort())
  })

  it('refuses a Badger folder and an unknown non-empty folder', async () => {
    const badger = join(dir, 'badger')
    await mkdir(badger)
    await writeFile(join(badger, 'MANIFEST'), 'x')
    await writeFile(join(badger, 'KEYREGISTRY'), 'x')
    await writeFile(join(badger, '000001.vlog'), 'x')
    await assert.rejects(createKVStore({ path: badger }).start(), (err: Error) => err.name === 'DatastoreError' && err.message.includes(badger) && /Badger/.test(err.message))

    const other = join(dir, 'other')
    await mkdir(other)
    await writeFile(join(other, 'notes.txt'), 'hello')
    await assert.rejects(createKVStore({ path: other }).start(), (err: Error) => err.name === 'DatastoreError' && err.message.includes(other) && /no CURRENT/.test(err.message))
  })

  it('refuses a folder that is a file', async () => {
    const path = join(dir, 'file')
    await writeFile(path, 'x')
    await assert.rejects(createKVStore({ path }).start(), (err: Error) => err.name === 'DatastoreError' && err.message.includes(path))
  })

  it('reports a database locked by another open handle', async () => {
    const path = join(dir, 'db')
    const a = createKVStore({ path })
    await a.start()
    try {
      await assert.rejects(createKVStore({ path }).start(), (err: Error) => err.name === 'DatastoreError' && err.message.includes(path) && /locked/.test(err.message))
    } finally {
      await a.stop()
    }
  })
})
