import { setMaxListeners } from 'node:events'
import { mkdir, readFile, writeFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { withBitswap } from '@helia/bitswap'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { LevelDatastore } from 'datastore-level'
import { createLibp2p } from 'libp2p'
import { IPFSPinStatus } from '../../api/enums.js'
import { AbortError, DatastoreError, InvalidArgumentError, IPFSError, NotFoundError, NotStartedError, TimeoutError, isAbortError } from '../../errors.js'
import { toAbortError } from '../../utils/abort.js'
import { loadCreateHeliaLight } from './helia-light.js'
import { ContentReader, mapContentError } from './content.js'
import { EXTRA_CODECS, EXTRA_HASHERS, HASH_IDENTITY, verifyBlock } from './dag.js'
import { RWLock } from './locks.js'
import { PinStore } from './pin-store.js'
import { SizedBlockstore } from './sized-blockstore.js'
import type { ContentLink, ContentStat, EmbeddedContent, RefEdge, RefsOptions } from './content.js'
import type { BlockWithCid, IPFSID, IPFSPinInfo, IPFSRepoGC, IPFSRepoStat, PeerIdString, Pin } from '../../api/types.js'
import type { EmbeddedIPFSConfig } from '../../config/types.js'
import type { AbortOptions, ComponentLogger, IPFSConnector, Logger, PinProgress, ProgressOptions, Startable } from '../../interfaces.js'
import type { PrivateKey } from '@libp2p/interface'
import type { Helia } from 'helia'
import type { Libp2p } from 'libp2p'
import type { CID } from 'multiformats/cid'

export interface EmbeddedIPFSComponents {
  logger: ComponentLogger
  /**
   * Optional: the IPFS swarm addresses of the other cluster peers. When
   * given, the node connects to them once, `connectSwarmsDelay` after start
   * (what the ipfshttp connector does through RPC).
   */
  swarmPeerAddresses?: (options?: AbortOptions) => Promise<string[]>
}

export type EmbeddedIPFSInit = EmbeddedIPFSConfig

/** Name of the progress events fired by `pin`. */
export const PIN_PROGRESS_EVENT = 'cluster:pin:progress'

const KEY_FILE = 'node.key'
const REPO_SIZE_KEY = '/embedded/repo-size'
const REPO_CLEAN_KEY = '/embedded/repo-size-clean'
const GC_BATCH = 256
const MAX_ORIGINS = 10
const PUT_CONCURRENCY = 16

/** One plain Uint8Array (a view when there is a single chunk, even a Buffer). */
function concat (chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) {
    const c = chunks[0]
    return c.constructor === Uint8Array ? c : new Uint8Array(c.buffer, c.byteOffset, c.byteLength)
  }
  let length = 0
  for (const c of chunks) length += c.byteLength
  const out = new Uint8Array(length)
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.byteLength
  }
  return out
}

function uint64 (n: number): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt(Math.max(0, Math.floor(n))))
  return out
}

/** Kubo-style byte size string ("10GB", "512MB", "123B"). */
function humanBytes (n: number): string {
  const units: Array<[number, string]> = [[1e12, 'TB'], [1e9, 'GB'], [1e6, 'MB'], [1e3, 'kB']]
  for (const [size, unit] of units) {
    if (n >= size && n % size === 0) return `${n / size}${unit}`
  }
  return `${n}B`
}

async function loadOrCreateKey (folder: string): Promise<PrivateKey> {
  const file = join(folder, KEY_FILE)
  try {
    return privateKeyFromProtobuf(await readFile(file))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new DatastoreError(`cannot read the embedded IPFS node key ${file}: ${(err as Error).message}`)
    }
  }
  const key = await generateKeyPair('Ed25519')
  const tmp = `${file}.tmp`
  await writeFile(tmp, privateKeyToProtobuf(key), { mode: 0o600 })
  await rename(tmp, file)
  return key
}

type Status = 'stopped' | 'starting' | 'started' | 'stopping'

/**
 * An IPFS node inside the cluster peer (Helia + bitswap on its own libp2p
 * host), used through the {@link IPFSConnector} contract. See index.ts.
 */
export class EmbeddedIPFS implements IPFSConnector, EmbeddedContent, Startable {
  private readonly log: Logger
  private readonly init: EmbeddedIPFSInit
  private readonly components: EmbeddedIPFSComponents
  private status: Status = 'stopped'
  private libp2p?: Libp2p
  private helia?: Helia
  private datastore?: LevelDatastore
  private blockstore?: SizedBlockstore
  private pinStore?: PinStore
  private reader?: ContentReader
  private readonly gcLock = new RWLock()
  private shutdown = newController()
  private readonly inflight = new Set<Promise<unknown>>()
  private readyWaiters: Array<() => void> = []
  private starting?: Promise<void>
  private swarmTimer?: ReturnType<typeof setTimeout>

  constructor (components: EmbeddedIPFSComponents, init: EmbeddedIPFSInit) {
    this.components = components
    this.init = init
    this.log = components.logger.forComponent('embedded')
  }

  // -------------------------------------------------------------------------
  // Lifecycle
  // -------------------------------------------------------------------------

  async start (): Promise<void> {
    if (this.status === 'started') return
    if (this.starting != null) return await this.starting
    if (this.status === 'stopping') throw new NotStartedError('embedded IPFS node is stopping')
    this.starting = this.doStart().finally(() => { this.starting = undefined })
    await this.starting
  }

  private async doStart (): Promise<void> {
    this.status = 'starting'
    this.shutdown = newController()
    const folder = this.init.folder
    try {
      await mkdir(folder, { recursive: true })
      const privateKey = await loadOrCreateKey(folder)

      const datastore = new LevelDatastore(join(folder, 'datastore'))
      try {
        await datastore.open()
      } catch (err) {
        throw new DatastoreError(`cannot open the embedded IPFS datastore in ${folder}: ${(err as Error).message}`)
      }
      this.datastore = datastore
      const blockstore = new SizedBlockstore(join(folder, 'blocks'))
      await blockstore.open()
      this.blockstore = blockstore
      await this.loadRepoSize(datastore, blockstore)

      const libp2p = await createLibp2p({
        start: false,
        privateKey,
        addresses: {
          listen: this.init.listenMultiaddress,
          ...(this.init.announceMultiaddress.length > 0 ? { announce: this.init.announceMultiaddress } : {})
        },
        transports: [tcp()],
        connectionEncrypters: [noise()],
        streamMuxers: [yamux()],
        services: { identify: identify() }
      })
      this.libp2p = libp2p

      const createHeliaLight = await loadCreateHeliaLight()
      const helia = createHeliaLight({
        blockstore,
        datastore,
        hashers: EXTRA_HASHERS,
        codecs: EXTRA_CODECS
      })
      // bitswap reads the libp2p node from the Helia object
      Object.defineProperty(helia, 'libp2p', { value: libp2p, enumerable: true })
      withBitswap(helia as Parameters<typeof withBitswap>[0])
      this.helia = helia

      this.pinStore = new PinStore(datastore.db, {
        fetch: async (cid, signal) => concat(await collect(helia.blockstore.get(cid, { signal }))),
        getLocal: async (cid) => {
          try {
            return concat(await collect(helia.blockstore.get(cid, { offline: true })))
          } catch {
            return undefined
          }
        }
      }, this.gcLock, this.log)
      const recovered = await this.pinStore.recover()
      if (recovered > 0) this.log.info('completed %d interrupted pin operations', recovered)

      this.reader = new ContentReader({
        get: (cid, options) => this.getBlockChunks(cid, options),
        block: async (cid, options) => await this.fetchBlock(cid, options),
        localSize: async (cid) => await blockstore.blockSize(cid)
      })

      await libp2p.start()
      await helia.start()
      this.announceStoredBlocks(helia, blockstore)
      this.status = 'started'
      this.log.info('embedded IPFS node %s listening on %s', libp2p.peerId.toString(), libp2p.getMultiaddrs().map((a) => a.toString()).join(', '))
      for (const resolve of this.readyWaiters) resolve()
      this.readyWaiters = []
      this.scheduleSwarmConnect()
    } catch (err) {
      this.status = 'stopping'
      await this.release()
      this.status = 'stopped'
      throw err
    }
  }

  async stop (): Promise<void> {
    if (this.starting != null) {
      try {
        await this.starting
      } catch {}
    }
    if (this.status !== 'started') return
    this.status = 'stopping'
    this.shutdown.abort(new AbortError('embedded IPFS node is stopping'))
    clearTimeout(this.swarmTimer)
    await Promise.allSettled([...this.inflight])
    await this.release()
    this.status = 'stopped'
    this.log.info('embedded IPFS node stopped')
  }

  /** Stops the nodes and closes the stores (whatever was opened). */
  private async release (): Promise<void> {
    const errors: unknown[] = []
    const attempt = async (fn: () => Promise<unknown>): Promise<void> => {
      try {
        await fn()
      } catch (err) {
        errors.push(err)
      }
    }
    if (this.helia != null) {
      const helia = this.helia
      await attempt(async () => await helia.stop())
    }
    if (this.libp2p != null) {
      const libp2p = this.libp2p
      await attempt(async () => { await libp2p.stop() })
    }
    if (this.datastore != null && this.blockstore != null) {
      const db = this.datastore.db
      const size = this.blockstore.size
      if (db.status === 'open') {
        await attempt(async () => {
          await db.batch([
            { type: 'put', key: REPO_SIZE_KEY, value: uint64(size) },
            { type: 'put', key: REPO_CLEAN_KEY, value: new Uint8Array([1]) }
          ])
        })
      }
    }
    if (this.datastore != null) {
      const ds = this.datastore
      await attempt(async () => { await ds.close() })
    }
    if (this.blockstore != null) {
      const bs = this.blockstore
      await attempt(async () => { await bs.close() })
    }
    this.helia = undefined
    this.libp2p = undefined
    this.datastore = undefined
    this.blockstore = undefined
    this.pinStore = undefined
    this.reader = undefined
    for (const err of errors) {
      this.log.warn('error stopping the embedded IPFS node: %s', (err as Error).message)
    }
  }

  /**
   * Helia's networked storage tells bitswap about a new block before writing
   * it, so a peer that asked for it earlier is answered "don't have" and
   * never gets it. Announce again once the block is on disk.
   */
  private announceStoredBlocks (helia: Helia, blockstore: SizedBlockstore): void {
    const brokers = (helia as unknown as { blockBrokers?: Array<{ name: string, announce?: (cid: CID) => Promise<void> }> }).blockBrokers
    if (!Array.isArray(brokers)) {
      this.log.warn('cannot reach the bitswap block broker: peers waiting for new blocks will not be told')
      return
    }
    blockstore.onNewBlock = (cid) => {
      for (const broker of brokers) {
        broker.announce?.(cid)?.catch((err: Error) => {
          this.log.debug('announcing %s: %s', cid.toString(), err.message)
        })
      }
    }
  }

  /**
   * The block size counter is saved at a clean stop. After a crash it is
   * recounted from the block files (once, at start).
   */
  private async loadRepoSize (datastore: LevelDatastore, blockstore: SizedBlockstore): Promise<void> {
    const db = datastore.db
    const clean = await db.get(REPO_CLEAN_KEY)
    const saved = await db.get(REPO_SIZE_KEY)
    if (clean != null && saved != null && saved.byteLength === 8) {
      blockstore.setSize(Number(new DataView(saved.buffer, saved.byteOffset, 8).getBigUint64(0)))
    } else {
      const started = Date.now()
      const total = await blockstore.recount()
      this.log.info('counted %d bytes of blocks in %d ms', total, Date.now() - started)
    }
    await db.del(REPO_CLEAN_KEY)
  }

  private scheduleSwarmConnect (): void {
    const source = this.components.swarmPeerAddresses
    if (source == null || this.init.connectSwarmsDelay <= 0) return
    this.swarmTimer = setTimeout(() => {
      void this.track((async () => {
        try {
          const signal = AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(this.init.ipfsRequestTimeout)])
          await this.connectSwarms(await source({ signal }), { signal })
        } catch (err) {
          this.log.debug('connecting to the other peers\' IPFS daemons: %s', (err as Error).message)
        }
      })())
    }, this.init.connectSwarmsDelay)
    this.swarmTimer.unref?.()
  }

  async ready (options: AbortOptions = {}): Promise<void> {
    if (this.status === 'started') return
    options.signal?.throwIfAborted()
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== done)
        reject(toAbortError(options.signal as AbortSignal))
      }
      const done = (): void => {
        options.signal?.removeEventListener('abort', onAbort)
        resolve()
      }
      this.readyWaiters.push(done)
      options.signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  private started (): { libp2p: Libp2p, helia: Helia, blockstore: SizedBlockstore, pins: PinStore, reader: ContentReader } {
    if (this.status !== 'started' || this.libp2p == null || this.helia == null || this.blockstore == null || this.pinStore == null || this.reader == null) {
      throw new NotStartedError('the embedded IPFS node is not started')
    }
    return { libp2p: this.libp2p, helia: this.helia, blockstore: this.blockstore, pins: this.pinStore, reader: this.reader }
  }

  private async track<T> (p: Promise<T>): Promise<T> {
    this.inflight.add(p)
    try {
      return await p
    } finally {
      this.inflight.delete(p)
    }
  }

  /** Caller signal + shutdown (+ a timeout when ms > 0). */
  private signalFor (options: AbortOptions, ms = 0): { signal: AbortSignal, timeout?: AbortSignal } {
    const signals = [this.shutdown.signal]
    if (options.signal != null) signals.push(options.signal)
    let timeout: AbortSignal | undefined
    if (ms > 0 && Number.isFinite(ms)) {
      timeout = AbortSignal.timeout(Math.min(ms, 2 ** 31 - 1))
      signals.push(timeout)
    }
    const signal = AbortSignal.any(signals)
    setMaxListeners(Infinity, signal)
    return { signal, timeout }
  }

  /** Turns a failure under `signalFor` into TimeoutError / AbortError / `fallback`. */
  private failure (err: unknown, options: AbortOptions, timeout: AbortSignal | undefined, what: string): Error {
    if (options.signal?.aborted === true) return toAbortError(options.signal)
    if (this.shutdown.signal.aborted) return new AbortError(`${what}: the embedded IPFS node is stopping`)
    if (timeout?.aborted === true) return new TimeoutError(`${what}: context deadline exceeded`)
    return mapContentError(err, what)
  }

  // -------------------------------------------------------------------------
  // IPFSConnector
  // -------------------------------------------------------------------------

  async id (_options: AbortOptions = {}): Promise<IPFSID> {
    if (this.status !== 'started' || this.libp2p == null) {
      return { id: '', addresses: null, error: 'the embedded IPFS node is not started' }
    }
    const id = this.libp2p.peerId.toString()
    const addresses = this.libp2p.getMultiaddrs().map((ma) => {
      const s = ma.toString()
      return s.includes('/p2p/') ? s : `${s}/p2p/${id}`
    })
    return { id, addresses, error: '' }
  }

  async pin (pin: Pin, options: AbortOptions & ProgressOptions<PinProgress> = {}): Promise<void> {
    const { pins } = this.started()
    const cid = pin.cid
    if (!Number.isInteger(pin.maxDepth)) {
      throw new InvalidArgumentError(`invalid max depth ${String(pin.maxDepth)}`)
    }
    const depth = pin.maxDepth < 0 ? -1 : pin.maxDepth
    this.connectOrigins(pin.origins)

    const stall = new AbortController()
    const pinTimeout = this.init.pinTimeout
    const timer = pinTimeout > 0
      ? setTimeout(() => { stall.abort(new TimeoutError()) }, Math.min(pinTimeout, 2 ** 31 - 1))
      : undefined
    const signals = [stall.signal, this.shutdown.signal]
    if (options.signal != null) signals.push(options.signal)
    const signal = AbortSignal.any(signals)
    setMaxListeners(Infinity, signal)
    let blocks = 0
    const started = Date.now()
    try {
      const changed = await this.track(pins.pin(cid, depth, {
        signal,
        onBlock: () => {
          blocks++
          timer?.refresh()
          options.onProgress?.({ type: PIN_PROGRESS_EVENT, detail: { blocks } })
        },
        deferCleanup: () => this.shutdown.signal.aborted
      }))
      if (this.log.debugEnabled) {
        this.log.debug('pin %s (depth %d): %s, %d blocks in %d ms', cid.toString(), depth, changed ? 'pinned' : 'already pinned', blocks, Date.now() - started)
      }
    } catch (err) {
      if (stall.signal.aborted && options.signal?.aborted !== true && !this.shutdown.signal.aborted) {
        throw new TimeoutError(`pin ${cid.toString()}: no progress for ${pinTimeout}ms (context deadline exceeded)`)
      }
      throw this.failure(err, options, undefined, `pin ${cid.toString()}`)
    } finally {
      clearTimeout(timer)
    }
  }

  /** Dials up to 10 origins in the background (errors are logged). */
  private connectOrigins (origins: string[] | null): void {
    if (origins == null || origins.length === 0) return
    void this.connectSwarms(origins.slice(0, MAX_ORIGINS)).catch(() => {})
  }

  async unpin (cid: CID, options: AbortOptions = {}): Promise<void> {
    const { pins } = this.started()
    const { signal, timeout } = this.signalFor(options, this.init.unpinTimeout)
    let removed: boolean
    try {
      removed = await this.track(pins.unpin(cid, signal))
    } catch (err) {
      throw this.failure(err, options, timeout, `unpin ${cid.toString()}`)
    }
    this.log.debug('unpin %s: %s', cid.toString(), removed ? 'unpinned' : 'was not pinned')
  }

  async pinLsCid (pin: Pin, _options: AbortOptions = {}): Promise<number> {
    const { pins } = this.started()
    const entry = await pins.get(pin.cid)
    if (entry != null) {
      return entry.depth === 0 ? IPFSPinStatus.Direct : IPFSPinStatus.Recursive
    }
    if (await pins.isReferenced(pin.cid)) {
      return IPFSPinStatus.Indirect
    }
    return IPFSPinStatus.Unpinned
  }

  async * pinLs (typeFilters: string[], options: AbortOptions = {}): AsyncGenerator<IPFSPinInfo> {
    const { pins } = this.started()
    let recursive = false
    let direct = false
    for (const t of typeFilters.length === 0 ? ['all'] : typeFilters) {
      switch (t) {
        case 'recursive': recursive = true; break
        case 'direct': direct = true; break
        case 'all': recursive = true; direct = true; break
        case 'indirect': break // not listed: see the package documentation
        default:
          throw new InvalidArgumentError(`invalid type '${t}', must be one of {direct, indirect, recursive, all}`)
      }
    }
    if (!recursive && !direct) return
    for await (const entry of pins.ls(options.signal)) {
      const isDirect = entry.depth === 0
      if (isDirect ? direct : recursive) {
        yield { cid: entry.cid, type: isDirect ? IPFSPinStatus.Direct : IPFSPinStatus.Recursive }
      }
    }
  }

  async connectSwarms (addrs: string[], options: AbortOptions = {}): Promise<void> {
    const { libp2p } = this.started()
    const self = libp2p.peerId.toString()
    await this.track(Promise.allSettled(addrs.map(async (addr) => {
      const { signal } = this.signalFor(options, this.init.ipfsRequestTimeout)
      try {
        const ma = multiaddr(addr)
        if (ma.getComponents().some((c) => c.name === 'p2p' && c.value === self)) return
        await libp2p.dial(ma, { signal })
        this.log.debug('connected to %s', addr)
      } catch (err) {
        this.log.debug('cannot connect to %s: %s', addr, (err as Error).message)
      }
    })))
  }

  async swarmPeers (_options: AbortOptions = {}): Promise<PeerIdString[]> {
    const { libp2p } = this.started()
    return libp2p.getPeers().map((p) => p.toString())
  }

  /** A small Kubo-like config document. */
  config (): Record<string, unknown> {
    const id = this.libp2p?.peerId.toString() ?? ''
    return {
      Identity: { PeerID: id },
      Addresses: { Swarm: [...this.init.listenMultiaddress], Announce: [...this.init.announceMultiaddress] },
      Datastore: { StorageMax: humanBytes(this.init.storageMax), Path: join(this.init.folder, 'datastore') },
      Bootstrap: [],
      Discovery: { MDNS: { Enabled: false } },
      Routing: { Type: 'none' }
    }
  }

  /**
   * Looks `key` up in {@link config}: `A/B` or `A.B` (Kubo RPC style); `''`
   * is the whole document. Missing keys throw NotFoundError.
   */
  async configKey (key: string, _options: AbortOptions = {}): Promise<unknown> {
    let value: unknown = this.config()
    for (const part of key.split(/[/.]/).filter((p) => p !== '')) {
      if (value == null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, part)) {
        throw new NotFoundError(`key not found in configuration: ${key}`)
      }
      value = (value as Record<string, unknown>)[part]
    }
    return value
  }

  async repoStat (_options: AbortOptions = {}): Promise<IPFSRepoStat> {
    const { blockstore } = this.started()
    return { repoSize: BigInt(blockstore.size), storageMax: BigInt(Math.max(0, Math.floor(this.init.storageMax))) }
  }

  /**
   * Removes every block no pin protects, yielding each removed block as a
   * CIDv1 `raw` of its multihash. Works in batches, holding the GC lock
   * (which pins take to protect blocks before fetching them) only during a
   * batch.
   */
  async * repoGC (options: AbortOptions = {}): AsyncGenerator<IPFSRepoGC> {
    const { blockstore, pins } = this.started()
    const keys = blockstore.keys(options)
    let done = false
    let removed = 0
    const started = Date.now()
    this.log.info('repo GC started')
    try {
      while (!done) {
        const batch: IPFSRepoGC[] = []
        const release = await this.gcLock.acquireWrite()
        try {
          while (batch.length < GC_BATCH) {
            options.signal?.throwIfAborted()
            this.shutdown.signal.throwIfAborted()
            const next = await keys.next()
            if (next.done === true) {
              done = true
              break
            }
            const cid = next.value
            if (await pins.isReferenced(cid)) continue
            try {
              await blockstore.remove(cid)
              removed++
              batch.push({ key: cid, error: '' })
            } catch (err) {
              batch.push({ key: cid, error: (err as Error).message })
            }
          }
        } finally {
          release()
        }
        yield * batch
      }
    } catch (err) {
      if (isAbortError(err) || options.signal?.aborted === true || this.shutdown.signal.aborted) {
        throw this.failure(err, options, undefined, 'repo/gc')
      }
      throw err
    } finally {
      await keys.return(undefined)
      this.log.info('repo GC removed %d blocks in %d ms', removed, Date.now() - started)
    }
  }

  async resolve (path: string, options: AbortOptions = {}): Promise<CID> {
    const { reader } = this.started()
    return await reader.resolve(path, options)
  }

  /**
   * Verifies and stores every block (up to {@link PUT_CONCURRENCY} writes in
   * flight). The first invalid block fails the call; blocks before it stay
   * stored.
   */
  async blockStream (blocks: AsyncIterable<BlockWithCid>, options: AbortOptions = {}): Promise<void> {
    const { helia } = this.started()
    await this.track((async () => {
      let count = 0
      const { signal } = this.signalFor(options)
      const writing = new Set<Promise<void>>()
      let failed: unknown
      const put = async (cid: CID, bytes: Uint8Array): Promise<void> => {
        try {
          await helia.blockstore.put(cid, bytes, { signal })
        } catch (err) {
          failed ??= err
        }
      }
      try {
        for await (const { cid, bytes } of blocks) {
          signal.throwIfAborted()
          if (failed != null) break
          await verifyBlock(cid, bytes)
          count++
          if (cid.multihash.code === HASH_IDENTITY) continue
          const p = put(cid, bytes).finally(() => { writing.delete(p) })
          writing.add(p)
          if (writing.size >= PUT_CONCURRENCY) await Promise.race(writing)
        }
      } finally {
        await Promise.all(writing)
      }
      if (failed != null) throw this.failure(failed, options, undefined, 'block/put')
      if (count === 0) {
        throw new IPFSError('BlockStream: no blocks to peek in blocks channel')
      }
      this.log.debug('stored %d blocks', count)
    })())
  }

  async blockGet (cid: CID, options: AbortOptions = {}): Promise<Uint8Array> {
    this.started()
    return await this.fetchBlock(cid, options)
  }

  /** A whole block, local or fetched within the request timeout. */
  private async fetchBlock (cid: CID, options: AbortOptions = {}): Promise<Uint8Array> {
    const { helia } = this.started()
    const { signal, timeout } = this.signalFor(options, this.init.ipfsRequestTimeout)
    try {
      return concat(await collect(helia.blockstore.get(cid, { signal })))
    } catch (err) {
      throw this.failure(err, options, timeout, `block/get ${cid.toString()}`)
    }
  }

  /** Block chunks for the UnixFS exporter (same timeout as fetchBlock). */
  private async * getBlockChunks (cid: CID, options: AbortOptions = {}): AsyncGenerator<Uint8Array> {
    yield await this.fetchBlock(cid, options)
  }

  /** CIDs of the locally stored blocks (Kubo `refs local`), in no particular order. */
  async * localRefs (options: AbortOptions = {}): AsyncGenerator<CID> {
    const { blockstore } = this.started()
    yield * blockstore.keys(options)
  }

  /** The open connections of the node (Kubo `swarm peers`). */
  swarmConnections (): Array<{ peer: PeerIdString, addr: string, direction: 'inbound' | 'outbound' }> {
    const { libp2p } = this.started()
    return libp2p.getConnections().map((c) => ({ peer: c.remotePeer.toString(), addr: c.remoteAddr.toString(), direction: c.direction }))
  }

  // -------------------------------------------------------------------------
  // EmbeddedContent
  // -------------------------------------------------------------------------

  /** The read API (this object). */
  content (): EmbeddedContent {
    return this
  }

  cat (path: string, options?: AbortOptions & { offset?: number, length?: number }): AsyncGenerator<Uint8Array> {
    return this.started().reader.cat(path, options)
  }

  ls (path: string, options?: AbortOptions): AsyncGenerator<ContentLink> {
    return this.started().reader.ls(path, options)
  }

  refs (cid: CID, options?: RefsOptions): AsyncGenerator<CID> {
    return this.started().reader.refs(cid, options)
  }

  refEdges (cid: CID, options?: RefsOptions): AsyncGenerator<RefEdge> {
    return this.started().reader.refEdges(cid, options)
  }

  async blockStat (cid: CID, options?: AbortOptions): Promise<{ cid: CID, size: number }> {
    return await this.started().reader.blockStat(cid, options)
  }

  async stat (path: string, options?: AbortOptions): Promise<ContentStat> {
    return await this.started().reader.stat(path, options)
  }

  async dagGet (cid: CID, options?: AbortOptions): Promise<{ codec: string, value: unknown }> {
    return await this.started().reader.dagGet(cid, options)
  }
}

function newController (): AbortController {
  const c = new AbortController()
  setMaxListeners(Infinity, c.signal)
  return c
}

async function collect (it: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for await (const chunk of it) out.push(chunk)
  return out
}
