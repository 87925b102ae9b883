/**
 * The pin set of the embedded node, in LevelDB.
 *
 * Keys (all under `/embedded/`):
 * - `pins/<root>` → int32 depth (-1 recursive, 0 direct, n) + the CID bytes as
 *   pinned. One entry per pin: `pinLs` streams this range, `pinLsCid` is a get.
 * - `refs/<block multihash>/<root>` → empty. One entry per block a pin
 *   protects, written (a layer of the DAG at a time, under the GC lock)
 *   before the blocks are fetched, so garbage collection never removes a
 *   block a pin is fetching. A block is pinned when any key starts with
 *   `refs/<multihash>/`
 *   (one seek), which makes garbage collection and "indirect" lookups cheap.
 *   Writes are idempotent and never shared between roots, so concurrent pins
 *   need no read-modify-write and cannot lose counts.
 * - `pending/<root>` → `{"walk":d,"keep":k}`: the refs of `<root>` within depth
 *   `walk` whose depth is greater than `keep` (all when `keep` is null) must be
 *   removed if the operation does not finish. Written before a pin, unpin or
 *   mode change starts and removed when it ends; replayed at start after a
 *   crash.
 *
 * `<root>` is the CIDv1 string of the pin (a CIDv0 and its v1 are one pin);
 * `<block multihash>` is base32 of the multihash bytes.
 */
import { base32 } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import { HASH_IDENTITY, blockLinksOrNone, walkDag } from './dag.js'
import { KeyedMutex } from './locks.js'
import type { RWLock } from './locks.js'
import type { Logger } from '../../interfaces.js'
import type { LevelDatastore } from 'datastore-level'

export type LevelDB = LevelDatastore['db']

const PINS = '/embedded/pins/'
const REFS = '/embedded/refs/'
const PENDING = '/embedded/pending/'
const END = '\xff'
const EMPTY = new Uint8Array(0)

/** Blocks as the pin store needs them. */
export interface PinBlockSource {
  /** The block, from the local store or fetched from peers (stored locally). */
  fetch: (cid: CID, signal?: AbortSignal) => Promise<Uint8Array>
  /** The block if stored locally. */
  getLocal: (cid: CID) => Promise<Uint8Array | undefined>
}

export interface PinEntry {
  cid: CID
  /** -1 recursive, 0 direct, n > 0 limited. */
  depth: number
}

export interface PinWalkOptions {
  signal?: AbortSignal
  /** Called for every block the pin walks (fetched or already local). */
  onBlock?: (cid: CID) => void
  /** Leaves the pending cleanup for the next start instead of running it on failure. */
  deferCleanup?: () => boolean
}

interface Pending {
  walk: number
  keep: number | null
}

function rootKey (cid: CID): string {
  return cid.version === 0 ? cid.toV1().toString() : cid.toString()
}

function mhKey (cid: CID): string {
  return base32.encode(cid.multihash.bytes)
}

function refKey (block: CID, root: string): string {
  return `${REFS}${mhKey(block)}/${root}`
}

function encodePin (cid: CID, depth: number): Uint8Array {
  const out = new Uint8Array(4 + cid.bytes.byteLength)
  new DataView(out.buffer).setInt32(0, depth)
  out.set(cid.bytes, 4)
  return out
}

function decodePin (value: Uint8Array): PinEntry {
  const depth = new DataView(value.buffer, value.byteOffset, value.byteLength).getInt32(0)
  return { depth, cid: CID.decode(value.subarray(4)) }
}

/** Depth as a comparable limit (-1 = unlimited). */
function limit (depth: number): number {
  return depth < 0 ? Infinity : depth
}

/** Refs written per batch (and per hold of the GC lock). */
const REF_BATCH = 1000

export class PinStore {
  private readonly mutex = new KeyedMutex()
  private readonly concurrency: number

  constructor (
    private readonly db: LevelDB,
    private readonly blocks: PinBlockSource,
    private readonly gcLock: RWLock,
    private readonly log: Logger,
    opts: { concurrency?: number } = {}
  ) {
    this.concurrency = opts.concurrency ?? 16
  }

  /** The pin of `cid`, if any (one get). */
  async get (cid: CID): Promise<PinEntry | undefined> {
    const value = await this.db.get(PINS + rootKey(cid))
    return value == null ? undefined : decodePin(value)
  }

  /** Streams every pin, in key order, without loading the set in memory. */
  async * ls (signal?: AbortSignal): AsyncGenerator<PinEntry> {
    const it = this.db.iterator({ gt: PINS, lt: PINS + END })
    try {
      for await (const [, value] of it) {
        signal?.throwIfAborted()
        yield decodePin(value)
      }
    } finally {
      await it.close()
    }
  }

  /** True when some pin protects the block with this multihash (one seek). */
  async isReferenced (cid: CID): Promise<boolean> {
    const prefix = `${REFS}${mhKey(cid)}/`
    const keys = await this.db.keys({ gt: prefix, lt: prefix + END, limit: 1 }).all()
    return keys.length > 0
  }

  /**
   * Pins `cid` to `depth`, fetching missing blocks. Returns false when it
   * was already pinned that way. A pin with another depth is changed.
   */
  async pin (cid: CID, depth: number, options: PinWalkOptions = {}): Promise<boolean> {
    const root = rootKey(cid)
    return await this.mutex.run(root, async () => {
      const existing = await this.get(cid)
      if (existing != null && existing.depth === depth) {
        return false
      }
      if (existing != null && limit(depth) < limit(existing.depth)) {
        // fewer blocks: commit the new depth, then drop the extra refs
        const pending: Pending = { walk: existing.depth, keep: depth }
        await this.db.batch([
          { type: 'put', key: PINS + root, value: encodePin(cid, depth) },
          { type: 'put', key: PENDING + root, value: encodePending(pending) }
        ])
        await this.finishCleanup(cid, pending)
        return true
      }
      const pending: Pending = { walk: depth, keep: existing?.depth ?? null }
      await this.db.put(PENDING + root, encodePending(pending))
      try {
        await walkDag(cid, {
          maxDepth: depth,
          concurrency: this.concurrency,
          signal: options.signal,
          // protect a layer before fetching it, so that a garbage collection
          // running meanwhile cannot remove blocks as they arrive
          beforeLayer: async (cids) => { await this.addRefs(cids, root) },
          load: async (c, signal) => await this.blocks.fetch(c, signal),
          visit: async (c) => { options.onBlock?.(c) }
        })
      } catch (err) {
        if (options.deferCleanup?.() !== true) {
          await this.finishCleanup(cid, pending)
        }
        throw err
      }
      await this.db.batch([
        { type: 'put', key: PINS + root, value: encodePin(cid, depth) },
        { type: 'del', key: PENDING + root }
      ])
      return true
    }, options.signal)
  }

  /**
   * Removes the pin of `cid`; returns false when it was not pinned. `signal`
   * only bounds the wait for another operation on the same CID.
   */
  async unpin (cid: CID, signal?: AbortSignal): Promise<boolean> {
    const root = rootKey(cid)
    return await this.mutex.run(root, async () => {
      const existing = await this.get(cid)
      if (existing == null) return false
      const pending: Pending = { walk: existing.depth, keep: null }
      await this.db.batch([
        { type: 'del', key: PINS + root },
        { type: 'put', key: PENDING + root, value: encodePending(pending) }
      ])
      await this.finishCleanup(cid, pending)
      return true
    }, signal)
  }

  /** Replays cleanups left by a crash. Returns how many ran. */
  async recover (): Promise<number> {
    const todo: Array<[string, Uint8Array]> = []
    // pending entries are few (operations in flight at the crash)
    for await (const entry of this.db.iterator({ gt: PENDING, lt: PENDING + END })) {
      todo.push(entry)
    }
    for (const [key, value] of todo) {
      const cid = CID.parse(key.slice(PENDING.length))
      const pending = decodePending(value)
      this.log.info('completing interrupted pin operation on %s', cid.toString())
      await this.mutex.run(rootKey(cid), async () => { await this.finishCleanup(cid, pending) })
    }
    return todo.length
  }

  /**
   * Local-only walk removing the refs a pending entry describes, then the
   * entry. A ref is removed after its block was read (so its children are
   * known), or when the block is not stored (a pin that failed before it
   * arrived).
   */
  private async finishCleanup (cid: CID, pending: Pending): Promise<void> {
    const root = rootKey(cid)
    const keep = pending.keep
    await walkDag(cid, {
      maxDepth: pending.walk,
      concurrency: this.concurrency,
      load: async (c) => await this.blocks.getLocal(c),
      links: blockLinksOrNone,
      visit: async (c, depth) => {
        if (keep === null || limit(depth) > limit(keep)) {
          await this.db.del(refKey(c, root))
        }
      }
    })
    await this.db.del(PENDING + root)
  }

  /** Records that `root` protects these blocks (under the GC lock). */
  private async addRefs (cids: CID[], root: string): Promise<void> {
    for (let i = 0; i < cids.length; i += REF_BATCH) {
      const ops = cids.slice(i, i + REF_BATCH)
        .filter((c) => c.multihash.code !== HASH_IDENTITY)
        .map((c) => ({ type: 'put' as const, key: refKey(c, root), value: EMPTY }))
      if (ops.length === 0) continue
      await this.gcLock.read(async () => { await this.db.batch(ops) })
    }
  }
}

function encodePending (p: Pending): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(p))
}

function decodePending (v: Uint8Array): Pending {
  const p = JSON.parse(new TextDecoder().decode(v)) as Partial<Pending>
  return { walk: typeof p.walk === 'number' ? p.walk : -1, keep: typeof p.keep === 'number' ? p.keep : null }
}
