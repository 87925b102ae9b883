import { mkdir, readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { DatastoreError, NotStartedError } from '../errors.js'
import { throwIfAborted } from '../utils/abort.js'
import type { AbortOptions, KVStore, QueryOptions } from '../interfaces.js'

/** LevelDB block cache (LevelDB's default, 8 MiB). */
const DEFAULT_CACHE_SIZE = 8 * 1024 * 1024
/**
 * LevelDB write buffer (memtable) size: 8 MiB (LevelDB: 4 MiB). A larger one
 * makes bulk writes (imports, catch-up) faster (a 1M-pin `state import`:
 * 37 s with 4 MiB, 26 s with 16 MiB) but costs twice its size in resident
 * memory while a full memtable is flushed: with 32 MiB (and a 16 MiB cache)
 * a peer catching up on a million pins peaked ~60 MiB higher, for no
 * faster catch-up (docs/BENCHMARKS.md).
 */
const DEFAULT_WRITE_BUFFER_SIZE = 8 * 1024 * 1024
/** Target size of LevelDB table files (LevelDB: 2 MiB): fewer files to compact for large pinsets. */
const DEFAULT_MAX_FILE_SIZE = 16 * 1024 * 1024
/** Entries read from LevelDB per native round-trip when streaming. */
const ITERATOR_BATCH = 1000
/** Memory the native side may buffer per `nextv` call. */
const ITERATOR_HIGH_WATER_BYTES = 1024 * 1024
/**
 * `getMany` of up to this many keys reads synchronously (see `get`); larger
 * ones run on the thread pool.
 */
const SYNC_GET_MANY = 64
/** Keys deleted per batch by `deletePrefix`. */
const DELETE_BATCH = 10000
/** A key outside every namespace (all real keys start with `/`), only ever deleted. */
const SYNC_KEY = '\u0000sync'
const EMPTY = new Uint8Array(0)

export interface LevelKVStoreInit {
  /** Folder of the LevelDB database (created, mode 0700, when missing). */
  path: string
  /** LevelDB block cache in bytes (default 8 MiB). */
  cacheSize?: number
  /** LevelDB write buffer (memtable) size in bytes (default 8 MiB). */
  writeBufferSize?: number
  /** Target size of LevelDB table files in bytes (default 16 MiB: fewer files to compact for large pinsets). */
  maxFileSize?: number
}

type DB = ClassicLevel<string, Uint8Array>

/**
 * The exclusive upper bound of the keys starting with `prefix`, or
 * undefined when it cannot be expressed (empty prefix, exotic last char).
 */
export function prefixUpperBound (prefix: string): string | undefined {
  if (prefix === '') return undefined
  const last = prefix.charCodeAt(prefix.length - 1)
  if (last >= 0xd800) return undefined
  return prefix.slice(0, -1) + String.fromCharCode(last + 1)
}

/** The LevelDB range of the keys starting with `prefix`, after `after` when given. */
function queryRange (prefix: string, after: string | undefined): { gt?: string, gte?: string, lt?: string } {
  const range: { gt?: string, gte?: string, lt?: string } = {}
  if (after !== undefined && after >= prefix) range.gt = after
  else if (prefix !== '') range.gte = prefix
  const upper = prefixUpperBound(prefix)
  if (upper !== undefined) range.lt = upper
  return range
}

/**
 * Looks at a folder before LevelDB touches it: LevelDB would happily create
 * a fresh database next to the files of another engine, so anything that is
 * not recognisably a LevelDB database is refused.
 */
async function checkFolder (path: string): Promise<void> {
  let entries: string[]
  try {
    const st = await stat(path)
    if (!st.isDirectory()) {
      throw new DatastoreError(`cannot open datastore at ${path}: not a directory`)
    }
    entries = await readdir(path)
  } catch (err: any) {
    if (err?.code === 'ENOENT') {
      await mkdir(path, { recursive: true, mode: 0o700 })
      return
    }
    if (err?.name === 'DatastoreError') throw err
    throw new DatastoreError(`cannot open datastore at ${path}: ${err?.message ?? String(err)}`, { cause: err })
  }
  if (entries.length === 0) return

  const has = (pred: (name: string) => boolean): boolean => entries.some(pred)
  if (has((n) => n.startsWith('OPTIONS-') || n.startsWith('marker.'))) {
    throw new DatastoreError(`cannot open datastore at ${path}: the folder holds a Pebble/RocksDB database (e.g. written by the Go IPFS Cluster), not a LevelDB one. Move it away, or export the pinset with the Go version ('state export') and import it here`)
  }
  if (has((n) => n === 'KEYREGISTRY' || n.endsWith('.vlog') || n === 'MANIFEST')) {
    throw new DatastoreError(`cannot open datastore at ${path}: the folder holds a Badger database (e.g. written by the Go IPFS Cluster), not a LevelDB one. Move it away, or export the pinset with the Go version ('state export') and import it here`)
  }
  if (!entries.includes('CURRENT')) {
    throw new DatastoreError(`cannot open datastore at ${path}: the folder is not empty and does not hold a LevelDB database (no CURRENT file)`)
  }
  let current = ''
  try {
    current = await readFile(join(path, 'CURRENT'), 'latin1')
  } catch (err: any) {
    throw new DatastoreError(`cannot open datastore at ${path}: cannot read CURRENT: ${err?.message ?? String(err)}`, { cause: err })
  }
  const manifest = current.trim()
  if (!/^MANIFEST-\d+$/.test(manifest) || !entries.includes(manifest)) {
    throw new DatastoreError(`cannot open datastore at ${path}: the folder does not hold a valid LevelDB database (bad CURRENT file)`)
  }
}

function openError (path: string, err: any): Error {
  const cause = err?.cause ?? err
  const code: string | undefined = cause?.code ?? err?.code
  if (code === 'LEVEL_LOCKED') {
    return new DatastoreError(`cannot open datastore at ${path}: it is locked by another process (is a peer already running?)`, { cause: err })
  }
  if (code === 'LEVEL_CORRUPTION') {
    return new DatastoreError(`cannot open datastore at ${path}: the LevelDB database is corrupt: ${cause?.message ?? ''}`, { cause: err })
  }
  return new DatastoreError(`cannot open datastore at ${path}: ${cause?.message ?? err?.message ?? String(err)}`, { cause: err })
}

/**
 * A {@link KVStore} on LevelDB (classic-level): keys are UTF-8 strings,
 * values bytes, prefix queries are ordered and streamed in native batches.
 */
export class LevelKVStore implements KVStore {
  private db: DB | undefined
  private opening: Promise<void> | undefined

  constructor (private readonly init: LevelKVStoreInit) {}

  get path (): string {
    return this.init.path
  }

  async start (): Promise<void> {
    if (this.db != null) return
    if (this.opening != null) return await this.opening
    this.opening = (async () => {
      const path = this.init.path
      await checkFolder(path)
      // Only defined sizes may be passed: classic-level reads a present but
      // undefined option as an uninitialised integer (a random write buffer
      // size, which let the memtable grow to hundreds of MiB).
      const db: DB = new ClassicLevel<string, Uint8Array>(path, {
        keyEncoding: 'utf8',
        valueEncoding: 'view',
        createIfMissing: true,
        cacheSize: this.init.cacheSize ?? DEFAULT_CACHE_SIZE,
        writeBufferSize: this.init.writeBufferSize ?? DEFAULT_WRITE_BUFFER_SIZE,
        maxFileSize: this.init.maxFileSize ?? DEFAULT_MAX_FILE_SIZE
      })
      try {
        await db.open()
      } catch (err) {
        throw openError(path, err)
      }
      this.db = db
    })()
    try {
      await this.opening
    } finally {
      this.opening = undefined
    }
  }

  async stop (): Promise<void> {
    const db = this.db
    if (db == null) return
    this.db = undefined
    await db.close()
  }

  private open (): DB {
    if (this.db == null) throw new NotStartedError(`datastore at ${this.init.path} is not open`)
    return this.db
  }

  /**
   * Point reads are synchronous LevelDB lookups (classic-level `getSync`):
   * a read served by the memtable, the block cache or the OS page cache
   * takes a few microseconds, while a read queued on the libuv thread pool
   * costs ten times that in hand-offs (and much more when the pool is busy
   * with writes), which dominated the pin path.
   */
  async get (key: string, options?: AbortOptions): Promise<Uint8Array | undefined> {
    throwIfAborted(options?.signal)
    return this.open().getSync(key) ?? undefined
  }

  async getMany (keys: string[], options?: AbortOptions): Promise<Array<Uint8Array | undefined>> {
    throwIfAborted(options?.signal)
    if (keys.length === 0) return []
    const db = this.open()
    if (keys.length <= SYNC_GET_MANY) return keys.map((k) => db.getSync(k) ?? undefined)
    return await db.getMany(keys)
  }

  async has (key: string, options?: AbortOptions): Promise<boolean> {
    throwIfAborted(options?.signal)
    return this.open().getSync(key) !== undefined
  }

  async put (key: string, value: Uint8Array, options?: AbortOptions): Promise<void> {
    throwIfAborted(options?.signal)
    await this.open().put(key, value)
  }

  async delete (key: string, options?: AbortOptions): Promise<void> {
    throwIfAborted(options?.signal)
    await this.open().del(key)
  }

  async batch (ops: Array<{ key: string, value?: Uint8Array }>, options?: AbortOptions): Promise<void> {
    throwIfAborted(options?.signal)
    if (ops.length === 0) return
    const db = this.open()
    const chained = db.batch()
    for (const op of ops) {
      if (op.value !== undefined) {
        chained.put(op.key, op.value)
      } else {
        chained.del(op.key)
      }
    }
    await chained.write()
  }

  async * query (prefix: string, options: QueryOptions & { keysOnly?: boolean, limit?: number } = {}): AsyncGenerator<{ key: string, value: Uint8Array }> {
    const db = this.open()
    const range: { gt?: string, gte?: string, lt?: string, limit?: number } = queryRange(prefix, options.after)
    if (options.limit != null && options.limit >= 0) range.limit = options.limit
    const signal = options.signal
    if (options.keysOnly === true) {
      const it = db.keys({ ...range, highWaterMarkBytes: ITERATOR_HIGH_WATER_BYTES })
      try {
        while (true) {
          throwIfAborted(signal)
          const keys = await it.nextv(ITERATOR_BATCH)
          if (keys.length === 0) return
          for (const key of keys) {
            if (!key.startsWith(prefix)) return
            if (key === SYNC_KEY) continue
            yield { key, value: EMPTY }
          }
        }
      } finally {
        await it.close()
      }
    }
    const it = db.iterator({ ...range, highWaterMarkBytes: ITERATOR_HIGH_WATER_BYTES })
    try {
      while (true) {
        throwIfAborted(signal)
        const entries = await it.nextv(ITERATOR_BATCH)
        if (entries.length === 0) return
        for (const [key, value] of entries) {
          if (!key.startsWith(prefix)) return
          if (key === SYNC_KEY) continue
          yield { key, value: value ?? EMPTY }
        }
      }
    } finally {
      await it.close()
    }
  }

  async * queryChunks (prefix: string, options: QueryOptions = {}): AsyncGenerator<Array<{ key: string, value: Uint8Array }>> {
    const db = this.open()
    const range = queryRange(prefix, options.after)
    const it = db.iterator({ ...range, highWaterMarkBytes: ITERATOR_HIGH_WATER_BYTES })
    try {
      while (true) {
        throwIfAborted(options.signal)
        const entries = await it.nextv(ITERATOR_BATCH)
        if (entries.length === 0) return
        const chunk: Array<{ key: string, value: Uint8Array }> = []
        let ended = false
        for (const [key, value] of entries) {
          if (!key.startsWith(prefix)) {
            ended = true
            break
          }
          if (key === SYNC_KEY) continue
          chunk.push({ key, value: value ?? EMPTY })
        }
        if (chunk.length > 0) yield chunk
        if (ended) return
      }
    } finally {
      await it.close()
    }
  }

  async deletePrefix (prefix: string, options?: AbortOptions): Promise<number> {
    const db = this.open()
    const upper = prefixUpperBound(prefix)
    let count = 0
    // One iterator (an implicit snapshot): deleting behind it does not
    // make later reads skip over ever more tombstones.
    const it = db.keys({ gte: prefix === '' ? undefined : prefix, lt: upper, highWaterMarkBytes: ITERATOR_HIGH_WATER_BYTES })
    try {
      while (true) {
        throwIfAborted(options?.signal)
        const keys = (await it.nextv(DELETE_BATCH)).filter((k) => k.startsWith(prefix))
        if (keys.length === 0) return count
        await db.batch(keys.map((key) => ({ type: 'del' as const, key })))
        count += keys.filter((k) => k !== SYNC_KEY).length
      }
    } finally {
      await it.close()
    }
  }

  /** Deletes a whole prefix natively (classic-level `clear`: no keys cross into JS). */
  async clearPrefix (prefix: string, options?: AbortOptions): Promise<void> {
    throwIfAborted(options?.signal)
    const db = this.open()
    const upper = prefixUpperBound(prefix)
    const range: { gte?: string, lt?: string } = {}
    if (prefix !== '') range.gte = prefix
    if (upper !== undefined) range.lt = upper
    await db.clear(range)
  }

  /** Forces the LevelDB log (every write so far) to disk with an fsync. */
  async sync (options?: AbortOptions): Promise<void> {
    throwIfAborted(options?.signal)
    await this.open().del(SYNC_KEY, { sync: true })
  }
}
