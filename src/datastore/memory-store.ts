import { NotStartedError } from '../errors.js'
import { throwIfAborted } from '../utils/abort.js'
import type { AbortOptions, KVStore, QueryOptions } from '../interfaces.js'

const EMPTY = new Uint8Array(0)
const QUERY_CHUNK = 1000

function lowerBound (arr: string[], key: string): number {
  let lo = 0
  let hi = arr.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (arr[mid] < key) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * An in-memory, sorted {@link KVStore} (unit tests, offline tools).
 * Keys sort by UTF-16 code units, which equals LevelDB's byte order for
 * the ASCII keys the project uses. Values are copied on write. The data
 * survives stop/start of the same instance (like a folder on disk).
 */
export class MemoryKVStore implements KVStore {
  private readonly data = new Map<string, Uint8Array>()
  /** Sorted keys, rebuilt lazily after inserts. */
  private sorted: string[] | undefined = []
  private started = false

  async start (): Promise<void> {
    this.started = true
  }

  async stop (): Promise<void> {
    this.started = false
  }

  private check (options?: AbortOptions): void {
    if (!this.started) throw new NotStartedError('memory datastore is not started')
    throwIfAborted(options?.signal)
  }

  private keys (): string[] {
    if (this.sorted == null) {
      this.sorted = [...this.data.keys()].sort()
    }
    return this.sorted
  }

  private set (key: string, value: Uint8Array): void {
    if (!this.data.has(key) && this.sorted != null) {
      const sorted = this.sorted
      if (sorted.length === 0 || sorted[sorted.length - 1] < key) {
        sorted.push(key)
      } else {
        this.sorted = undefined
      }
    }
    this.data.set(key, value.slice())
  }

  private del (key: string): void {
    if (this.data.delete(key) && this.sorted != null) {
      const i = lowerBound(this.sorted, key)
      this.sorted.splice(i, 1)
    }
  }

  async get (key: string, options?: AbortOptions): Promise<Uint8Array | undefined> {
    this.check(options)
    return this.data.get(key)
  }

  async getMany (keys: string[], options?: AbortOptions): Promise<Array<Uint8Array | undefined>> {
    this.check(options)
    return keys.map((k) => this.data.get(k))
  }

  async has (key: string, options?: AbortOptions): Promise<boolean> {
    this.check(options)
    return this.data.has(key)
  }

  async put (key: string, value: Uint8Array, options?: AbortOptions): Promise<void> {
    this.check(options)
    this.set(key, value)
  }

  async delete (key: string, options?: AbortOptions): Promise<void> {
    this.check(options)
    this.del(key)
  }

  async batch (ops: Array<{ key: string, value?: Uint8Array }>, options?: AbortOptions): Promise<void> {
    this.check(options)
    for (const op of ops) {
      if (op.value !== undefined) this.set(op.key, op.value)
      else this.del(op.key)
    }
  }

  async * query (prefix: string, options: QueryOptions & { keysOnly?: boolean, limit?: number } = {}): AsyncGenerator<{ key: string, value: Uint8Array }> {
    this.check(options)
    let remaining = options.limit != null && options.limit >= 0 ? options.limit : Infinity
    // Resume by key after each chunk: concurrent writes are tolerated.
    const resume = options.after !== undefined && options.after >= prefix
    let cursor = resume ? options.after as string : prefix
    let inclusive = !resume
    while (remaining > 0) {
      this.check(options)
      const keys = this.keys()
      let i = lowerBound(keys, cursor)
      if (!inclusive && keys[i] === cursor) i++
      const chunk: Array<{ key: string, value: Uint8Array }> = []
      for (; i < keys.length && chunk.length < QUERY_CHUNK && chunk.length < remaining; i++) {
        const key = keys[i]
        if (!key.startsWith(prefix)) break
        const value = this.data.get(key)
        if (value === undefined) continue
        chunk.push({ key, value: options.keysOnly === true ? EMPTY : value })
      }
      if (chunk.length === 0) return
      for (const entry of chunk) yield entry
      remaining -= chunk.length
      cursor = chunk[chunk.length - 1].key
      inclusive = false
    }
  }

  async * queryChunks (prefix: string, options: QueryOptions = {}): AsyncGenerator<Array<{ key: string, value: Uint8Array }>> {
    let chunk: Array<{ key: string, value: Uint8Array }> = []
    for await (const entry of this.query(prefix, options)) {
      chunk.push(entry)
      if (chunk.length >= QUERY_CHUNK) {
        yield chunk
        chunk = []
      }
    }
    if (chunk.length > 0) yield chunk
  }

  async deletePrefix (prefix: string, options?: AbortOptions): Promise<number> {
    this.check(options)
    const keys = this.keys()
    const start = lowerBound(keys, prefix)
    let end = start
    while (end < keys.length && keys[end].startsWith(prefix)) end++
    const removed = keys.splice(start, end - start)
    for (const k of removed) this.data.delete(k)
    return removed.length
  }

  async clearPrefix (prefix: string, options?: AbortOptions): Promise<void> {
    await this.deletePrefix(prefix, options)
  }

  async sync (options?: AbortOptions): Promise<void> {
    this.check(options)
  }

  /** Number of keys held (tests). */
  get size (): number {
    return this.data.size
  }
}
