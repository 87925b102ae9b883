/**
 * @packageDocumentation
 *
 * The on-disk key-value store of a peer (the `datastore.*` folder): LevelDB
 * through classic-level, plus an in-memory store with the same ordering for
 * tests and tools. Both implement {@link KVStore}.
 *
 * Opening a folder that holds anything other than a LevelDB database (for
 * example the Pebble folder of a Go IPFS Cluster peer) fails with a
 * `DatastoreError` naming the folder, and never touches its files.
 *
 * Durability: every write reaches the operating system before its promise
 * resolves (LevelDB's log), so it survives the process being killed;
 * `sync()` fsyncs the log to survive a power loss too.
 *
 * @example
 * ```ts
 * const store = createKVStore({ path: '/home/me/.ipfs-cluster/pebble' })
 * await store.start()
 * await store.put('/c/x', new Uint8Array([1]))
 * for await (const { key } of store.query('/c/')) { ... }
 * await store.stop()
 * ```
 */
import { LevelKVStore } from './level-store.js'
import { MemoryKVStore } from './memory-store.js'
import type { LevelKVStoreInit } from './level-store.js'
import type { KVStore } from '../interfaces.js'

export type { LevelKVStoreInit }
export { LevelKVStore, MemoryKVStore }
export { prefixUpperBound } from './level-store.js'

/** A LevelDB-backed store in `init.path` (opened by `start()`). */
export function createKVStore (init: LevelKVStoreInit): KVStore & { readonly path: string } {
  return new LevelKVStore(init)
}

/** An in-memory sorted store. */
export function createMemoryKVStore (): KVStore {
  return new MemoryKVStore()
}
