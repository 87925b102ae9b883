import { cidFromDsKey, cidToDsKey } from '../api/encoding.js'
import { PinNotFoundError, withoutStack } from '../errors.js'
import { pinFromProto, pinToProto } from './pin-codec.js'
import type { Pin } from '../api/types.js'
import type { AbortOptions, BatchingState, KVStore, Logger, State, StateListOptions } from '../interfaces.js'
import type { CID } from 'multiformats/cid'

/** Full listings log their progress every this many pins (as the reference). */
export const LIST_PROGRESS_EVERY = 500000

export interface DatastoreStateInit {
  store: KVStore
  /** Key prefix, e.g. `/pins` (no trailing slash; '' for none). */
  namespace: string
  logger?: Logger
  /**
   * Buffer writes until `commit()` (flushed automatically every
   * `maxBatchOps` operations). Default false: every write goes through.
   */
  batching?: boolean
  /** Default 10000. */
  maxBatchOps?: number
}

/**
 * Decodes one entry of a pin prefix into a pin (the CID comes from the key);
 * undefined for keys of other namespaces and, logged as the reference does,
 * for undecodable entries.
 */
function decodePinEntry (key: string, value: Uint8Array, keyOf: (dsKey: string) => string | undefined, logger?: Logger): Pin | undefined {
  const pinKey = keyOf(key)
  if (pinKey === undefined) return undefined
  let cid: CID
  try {
    cid = cidFromDsKey(pinKey)
  } catch (err) {
    logger?.warn('bad key (ignoring). key: %s error: %s', key, (err as Error).message)
    return undefined
  }
  try {
    return pinFromProto(value, cid)
  } catch (err) {
    logger?.error('error deserializing pin (%s): %s', key, (err as Error).message)
    return undefined
  }
}

/** Counts listed pins and logs the progress of long listings. */
class ListingProgress {
  private total = 0
  constructor (private readonly logger?: Logger) {}

  one (): void {
    if (++this.total % LIST_PROGRESS_EVERY === 0) {
      this.logger?.info('Full pinset listing in progress: %d pins so far', this.total)
    }
  }

  done (): void {
    if (this.total >= LIST_PROGRESS_EVERY) {
      this.logger?.info('Full pinset listing finished: %d pins', this.total)
    }
  }
}

/**
 * Decodes the entries of a pin prefix into pins (the CID comes from the
 * key), skipping and logging undecodable ones as the reference does.
 */
export async function * decodePinEntries (entries: AsyncIterable<{ key: string, value: Uint8Array }>, keyOf: (dsKey: string) => string | undefined, logger?: Logger): AsyncGenerator<Pin> {
  const progress = new ListingProgress(logger)
  for await (const { key, value } of entries) {
    const pin = decodePinEntry(key, value, keyOf, logger)
    if (pin === undefined) continue
    yield pin
    progress.one()
  }
  progress.done()
}

/**
 * Decodes chunks of pin entries (see {@link decodePinEntries}); each chunk
 * is decoded synchronously, then its pins are yielded one by one.
 */
export async function * decodePinChunks (chunks: AsyncIterable<Array<{ key: string, value: Uint8Array }>>, keyOf: (dsKey: string) => string | undefined, logger?: Logger): AsyncGenerator<Pin> {
  const progress = new ListingProgress(logger)
  for await (const chunk of chunks) {
    const pins: Pin[] = []
    for (const { key, value } of chunk) {
      const pin = decodePinEntry(key, value, keyOf, logger)
      if (pin !== undefined) pins.push(pin)
    }
    for (const pin of pins) {
      yield pin
      progress.one()
    }
  }
  progress.done()
}

/**
 * A {@link State} stored directly in a {@link KVStore}: key
 * `<namespace>/<base32 CID>`, value the Pin protobuf.
 */
export class DatastoreState implements BatchingState {
  private readonly store: KVStore
  private readonly ns: string
  private readonly logger?: Logger
  private readonly batching: boolean
  private readonly maxBatchOps: number
  private pending = new Map<string, Uint8Array | undefined>()
  private pendingOps = 0

  constructor (init: DatastoreStateInit) {
    this.store = init.store
    this.ns = init.namespace.replace(/\/+$/, '')
    this.logger = init.logger
    this.batching = init.batching === true
    this.maxBatchOps = init.maxBatchOps ?? 10000
  }

  private key (cid: CID): string {
    return this.ns + cidToDsKey(cid)
  }

  async get (cid: CID, options?: AbortOptions): Promise<Pin> {
    const value = await this.store.get(this.key(cid), options)
    if (value == null) throw withoutStack(() => new PinNotFoundError())
    return pinFromProto(value, cid)
  }

  async has (cid: CID, options?: AbortOptions): Promise<boolean> {
    return await this.store.has(this.key(cid), options)
  }

  async * list (options?: StateListOptions): AsyncGenerator<Pin> {
    const prefix = this.ns + '/'
    const cut = this.ns.length
    const after = options?.after != null ? this.key(options.after) : undefined
    yield * decodePinEntries(this.store.query(prefix, { signal: options?.signal, after }), (k) => {
      const rest = k.slice(cut)
      // only direct children of the namespace
      return rest.indexOf('/', 1) === -1 ? rest : undefined
    }, this.logger)
  }

  async add (pin: Pin, options?: AbortOptions): Promise<void> {
    const key = this.key(pin.cid)
    const value = pinToProto(pin)
    if (!this.batching) {
      await this.store.put(key, value, options)
      return
    }
    this.pending.set(key, value)
    await this.maybeFlush(options)
  }

  async rm (cid: CID, options?: AbortOptions): Promise<void> {
    const key = this.key(cid)
    if (!this.batching) {
      await this.store.delete(key, options)
      return
    }
    this.pending.set(key, undefined)
    await this.maybeFlush(options)
  }

  private async maybeFlush (options?: AbortOptions): Promise<void> {
    this.pendingOps++
    if (this.pendingOps >= this.maxBatchOps) await this.commit(options)
  }

  /** Writes the buffered operations in one atomic batch. */
  async commit (options?: AbortOptions): Promise<void> {
    if (this.pending.size === 0) return
    const ops = [...this.pending].map(([key, value]) => ({ key, value }))
    this.pending = new Map()
    this.pendingOps = 0
    await this.store.batch(ops, options)
  }
}
