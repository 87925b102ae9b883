/**
 * An in-memory IPFSConnector for unit tests: a pinset with modes, blocks,
 * controllable delays, pauses, failures and call counters.
 *
 * Behaviour-coded CIDs (like the Go test fixtures): pinning or unpinning
 * {@link ERROR_CID} fails; pinning {@link STALL_CID} never finishes until
 * aborted; pinning {@link SLOW_CID} takes `slowDelay` ms. Other CIDs can be
 * given behaviours through the `failPin`, `failUnpin` and `stallPin` sets
 * (keys: `cid.toString()`).
 */
import { CID } from 'multiformats/cid'
import { IPFSPinStatus, pinModeFromMaxDepth } from '../../src/api/enums.js'
import { IPFSError, NotFoundError } from '../../src/errors.js'
import { sleep, throwIfAborted, toAbortError } from '../../src/utils/abort.js'
import { testCid } from './cids.js'
import type { PinMode } from '../../src/api/enums.js'
import type { BlockWithCid, IPFSID, IPFSPinInfo, IPFSRepoGC, IPFSRepoStat, Pin } from '../../src/api/types.js'
import type { AbortOptions, IPFSConnector, PinProgress, ProgressOptions } from '../../src/interfaces.js'

export const ERROR_CID = testCid('fake-ipfs:error')
export const STALL_CID = testCid('fake-ipfs:stall')
export const SLOW_CID = testCid('fake-ipfs:slow')

export interface FakeIPFSConnectorInit {
  /** Peer ID reported by `id()`. */
  peerId?: string
  addresses?: string[]
  /** Delay of every pin call, in ms (default 0). */
  pinDelay?: number
  /** Delay of every unpin call, in ms (default 0). */
  unpinDelay?: number
  /** Delay of pins of SLOW_CID, in ms (default 200). */
  slowDelay?: number
  /**
   * Time a cancelled pin/unpin takes to give up, in ms (default 0): a
   * daemon does not stop the instant it is asked to.
   */
  abortLatency?: number
}

/** Something the fake saw, in order (for ordering assertions). */
export interface FakeIPFSEvent {
  op: 'pin' | 'unpin'
  phase: 'start' | 'done' | 'error' | 'abort'
  cid: string
}

type Kind = 'pin' | 'unpin'

/** Normalised pinset key: CIDv0 and CIDv1 dag-pb are the same pin. */
function key (cid: CID): string {
  return cid.version === 0 ? cid.toV1().toString() : cid.toString()
}

export class FakeIPFSConnector implements IPFSConnector {
  readonly peerId: string
  addresses: string[]
  pinDelay: number
  unpinDelay: number
  slowDelay: number
  abortLatency: number

  /** The pinset: key → CID and mode. */
  private readonly pinset = new Map<string, { cid: CID, mode: PinMode }>()
  private readonly blocks = new Map<string, Uint8Array>()

  readonly calls = { id: 0, pin: 0, unpin: 0, pinLsCid: 0, pinLs: 0, connectSwarms: 0, swarmPeers: 0, configKey: 0, repoStat: 0, repoGC: 0, resolve: 0, blockStream: 0, blockGet: 0 }
  readonly events: FakeIPFSEvent[] = []
  readonly failPin = new Set<string>()
  readonly failUnpin = new Set<string>()
  readonly stallPin = new Set<string>()
  /** When set, `pinLsCid` fails with it. */
  pinLsCidError: Error | null = null
  /** When set, `pinLs` fails with it after yielding `pinLsFailAfter` items. */
  pinLsError: Error | null = null
  pinLsFailAfter = 0
  /** When set, `id()` reports it (IPFS down). */
  idError: string | null = null
  /** Addresses passed to `connectSwarms`. */
  readonly connected: string[] = []

  inFlightPins = 0
  maxInFlightPins = 0
  inFlightUnpins = 0
  maxInFlightUnpins = 0
  abortedPins = 0
  abortedUnpins = 0

  private readonly paused: Record<Kind, boolean> = { pin: false, unpin: false }
  private readonly waiters: Record<Kind, Set<() => void>> = { pin: new Set(), unpin: new Set() }

  constructor (init: FakeIPFSConnectorInit = {}) {
    this.peerId = init.peerId ?? '12D3KooWFBFCDQzAkQSwPZLV883pKdsmb6urQ3sMjfJHUxn5GCVv'
    this.addresses = init.addresses ?? ['/ip4/127.0.0.1/tcp/4001']
    this.pinDelay = init.pinDelay ?? 0
    this.unpinDelay = init.unpinDelay ?? 0
    this.slowDelay = init.slowDelay ?? 200
    this.abortLatency = init.abortLatency ?? 0
  }

  async start (): Promise<void> {}

  async stop (): Promise<void> {
    // Release anything still held.
    this.resume('pin')
    this.resume('unpin')
  }

  /** Holds every new and waiting call of that kind until {@link resume}. */
  pause (kind: Kind): void {
    this.paused[kind] = true
  }

  resume (kind: Kind): void {
    this.paused[kind] = false
    const waiters = [...this.waiters[kind]]
    this.waiters[kind].clear()
    for (const w of waiters) w()
  }

  /** Number of calls waiting on a pause. */
  waiting (kind: Kind): number {
    return this.waiters[kind].size
  }

  /** Puts a CID in the pinset directly (as if pinned outside the cluster). */
  setPinned (cid: CID, mode: PinMode = 'recursive'): void {
    this.pinset.set(key(cid), { cid, mode })
  }

  /** Drops a CID from the pinset directly (as if unpinned outside the cluster). */
  forget (cid: CID): void {
    this.pinset.delete(key(cid))
  }

  /** The mode `cid` is pinned with, or undefined. */
  pinMode (cid: CID): PinMode | undefined {
    return this.pinset.get(key(cid))?.mode
  }

  get pinCount (): number {
    return this.pinset.size
  }

  /** Events of one kind and phase, as CID strings in order. */
  eventCids (op: Kind, phase: FakeIPFSEvent['phase']): string[] {
    return this.events.filter((e) => e.op === op && e.phase === phase).map((e) => e.cid)
  }

  async ready (options?: AbortOptions): Promise<void> {
    throwIfAborted(options?.signal)
  }

  async id (options?: AbortOptions): Promise<IPFSID> {
    this.calls.id++
    throwIfAborted(options?.signal)
    if (this.idError != null) {
      return { id: '', addresses: null, error: this.idError }
    }
    return { id: this.peerId, addresses: [...this.addresses], error: '' }
  }

  async pin (pin: Pin, options: AbortOptions & ProgressOptions<PinProgress> = {}): Promise<void> {
    this.calls.pin++
    const cid = pin.cid
    const s = cid.toString()
    this.events.push({ op: 'pin', phase: 'start', cid: s })
    this.inFlightPins++
    this.maxInFlightPins = Math.max(this.maxInFlightPins, this.inFlightPins)
    try {
      throwIfAborted(options.signal)
      await this.gate('pin', options.signal)
      if (this.stallPin.has(s) || cid.equals(STALL_CID)) {
        await this.forever(options.signal)
      }
      const delay = cid.equals(SLOW_CID) ? this.slowDelay : this.pinDelay
      if (delay > 0) {
        await sleep(delay, options.signal)
      }
      if (this.failPin.has(s) || cid.equals(ERROR_CID)) {
        throw new IPFSError(`fake ipfs: cannot pin ${s}`)
      }
      options.onProgress?.({ type: 'cluster:pin:progress', detail: { blocks: 1 } })
      const mode = pinModeFromMaxDepth(pin.maxDepth)
      const existing = this.pinset.get(key(cid))
      // A recursive pin is never downgraded to direct.
      if (existing == null || mode === 'recursive') {
        this.pinset.set(key(cid), { cid, mode })
      }
      this.events.push({ op: 'pin', phase: 'done', cid: s })
    } catch (err) {
      if (options.signal?.aborted === true) {
        if (this.abortLatency > 0) {
          await new Promise((resolve) => setTimeout(resolve, this.abortLatency))
        }
        this.abortedPins++
        this.events.push({ op: 'pin', phase: 'abort', cid: s })
      } else {
        this.events.push({ op: 'pin', phase: 'error', cid: s })
      }
      throw err
    } finally {
      this.inFlightPins--
    }
  }

  async unpin (cid: CID, options: AbortOptions = {}): Promise<void> {
    this.calls.unpin++
    const s = cid.toString()
    this.events.push({ op: 'unpin', phase: 'start', cid: s })
    this.inFlightUnpins++
    this.maxInFlightUnpins = Math.max(this.maxInFlightUnpins, this.inFlightUnpins)
    try {
      throwIfAborted(options.signal)
      await this.gate('unpin', options.signal)
      if (this.unpinDelay > 0) {
        await sleep(this.unpinDelay, options.signal)
      }
      if (this.failUnpin.has(s) || cid.equals(ERROR_CID)) {
        throw new IPFSError(`fake ipfs: cannot unpin ${s}`)
      }
      // Unpinning something not pinned is a success.
      this.pinset.delete(key(cid))
      this.events.push({ op: 'unpin', phase: 'done', cid: s })
    } catch (err) {
      if (options.signal?.aborted === true) {
        if (this.abortLatency > 0) {
          await new Promise((resolve) => setTimeout(resolve, this.abortLatency))
        }
        this.abortedUnpins++
        this.events.push({ op: 'unpin', phase: 'abort', cid: s })
      } else {
        this.events.push({ op: 'unpin', phase: 'error', cid: s })
      }
      throw err
    } finally {
      this.inFlightUnpins--
    }
  }

  async pinLsCid (pin: Pin, options?: AbortOptions): Promise<number> {
    this.calls.pinLsCid++
    throwIfAborted(options?.signal)
    if (this.pinLsCidError != null) throw this.pinLsCidError
    const entry = this.pinset.get(key(pin.cid))
    if (entry == null) return IPFSPinStatus.Unpinned
    if (entry.mode === 'recursive') return IPFSPinStatus.Recursive
    // Asking for a recursive pin of something pinned direct: not pinned.
    return pin.maxDepth === 0 ? IPFSPinStatus.Direct : IPFSPinStatus.Unpinned
  }

  async * pinLs (typeFilters: string[], options?: AbortOptions): AsyncGenerator<IPFSPinInfo> {
    this.calls.pinLs++
    let n = 0
    for (const { cid, mode } of this.pinset.values()) {
      throwIfAborted(options?.signal)
      if (this.pinLsError != null && n >= this.pinLsFailAfter) break
      if (!typeFilters.includes(mode)) continue
      n++
      yield { cid, type: mode === 'recursive' ? IPFSPinStatus.Recursive : IPFSPinStatus.Direct }
    }
    if (this.pinLsError != null) throw this.pinLsError
  }

  async connectSwarms (addrs: string[], options?: AbortOptions): Promise<void> {
    this.calls.connectSwarms++
    throwIfAborted(options?.signal)
    this.connected.push(...addrs)
  }

  async swarmPeers (options?: AbortOptions): Promise<string[]> {
    this.calls.swarmPeers++
    throwIfAborted(options?.signal)
    return []
  }

  async configKey (key: string, options?: AbortOptions): Promise<unknown> {
    this.calls.configKey++
    throwIfAborted(options?.signal)
    if (key === 'Datastore/StorageMax') return '10GB'
    throw new IPFSError(`fake ipfs: no config key ${key}`)
  }

  async repoStat (options?: AbortOptions): Promise<IPFSRepoStat> {
    this.calls.repoStat++
    throwIfAborted(options?.signal)
    let size = 0n
    for (const b of this.blocks.values()) size += BigInt(b.byteLength)
    return { repoSize: size, storageMax: 10_000_000_000n }
  }

  async * repoGC (options?: AbortOptions): AsyncGenerator<IPFSRepoGC> {
    this.calls.repoGC++
    throwIfAborted(options?.signal)
  }

  async resolve (path: string, options?: AbortOptions): Promise<CID> {
    this.calls.resolve++
    throwIfAborted(options?.signal)
    const m = /^\/ipfs\/([^/]+)\/?$/.exec(path)
    if (m == null) throw new IPFSError(`fake ipfs: cannot resolve ${path}`)
    return CID.parse(m[1])
  }

  async blockStream (blocks: AsyncIterable<BlockWithCid>, options?: AbortOptions): Promise<void> {
    this.calls.blockStream++
    for await (const block of blocks) {
      throwIfAborted(options?.signal)
      this.blocks.set(block.cid.toString(), block.bytes)
    }
  }

  async blockGet (cid: CID, options?: AbortOptions): Promise<Uint8Array> {
    this.calls.blockGet++
    throwIfAborted(options?.signal)
    const bytes = this.blocks.get(cid.toString())
    if (bytes == null) throw new NotFoundError(`fake ipfs: block ${cid.toString()} not found`)
    return bytes
  }

  private async gate (kind: Kind, signal?: AbortSignal): Promise<void> {
    if (!this.paused[kind]) return
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.waiters[kind].delete(release)
        reject(toAbortError(signal as AbortSignal))
      }
      const release = (): void => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }
      this.waiters[kind].add(release)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  private async forever (signal?: AbortSignal): Promise<never> {
    throwIfAborted(signal)
    return await new Promise<never>((_resolve, reject) => {
      signal?.addEventListener('abort', () => { reject(toAbortError(signal)) }, { once: true })
    })
  }
}
