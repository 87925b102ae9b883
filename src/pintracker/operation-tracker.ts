/**
 * The operation tracker (Go `pintracker/optracker`): at most one pin, unpin
 * or remote-unpin operation per CID, with its phase, error text, attempt
 * count, priority flag and timestamp.
 *
 * Memory layout. A peer catching up may have a million operations queued, so
 * an operation is not a JS object: every field lives in a typed array
 * indexed by a *slot* (struct of arrays), and the CID → slot index is an
 * open-addressing hash table over the CID bytes (no string keys). Per
 * operation this costs about 70 bytes of slot fields (40 bytes of CID, the
 * rest small numbers) plus 4–8 bytes of index; error texts are interned and
 * reference counted, so a million failures with the same message share one
 * string. Nothing of the Pin is kept: the tracker re-reads the pin from the
 * shared state when it runs the operation.
 *
 * Identity. Every new operation gets a fresh *generation* number from a
 * global counter. Queues and workers hold (slot, generation) handles; a
 * handle whose generation is no longer the slot's is stale (the operation
 * was replaced, cancelled or finished).
 *
 * Phases: queued → in progress → removed (done) or error. Done operations
 * are removed at once (the status then comes from the state and IPFS), so
 * the table only ever holds queued, in-progress and failed operations.
 */
import { CID } from 'multiformats/cid'
import { murmur3 } from './hash.js'

export const OperationType = {
  /** Pin in IPFS (the pin is allocated to this peer). */
  Pin: 1,
  /** Unpin from IPFS (the pin left the shared state). */
  Unpin: 2,
  /** Unpin from IPFS because the pin is allocated to other peers. */
  Remote: 3
} as const

export type OperationTypeValue = typeof OperationType[keyof typeof OperationType]

export const OperationPhase = {
  Queued: 1,
  InProgress: 2,
  Error: 3
} as const

export type OperationPhaseValue = typeof OperationPhase[keyof typeof OperationPhase]

/** A copy of one operation's fields. */
export interface OperationInfo {
  cid: CID
  type: OperationTypeValue
  phase: OperationPhaseValue
  /** Error text of a failed operation ('' otherwise). */
  error: string
  attemptCount: number
  priorityPin: boolean
  /** Time of the last phase change. */
  timestamp: Date
}

/** CID bytes stored inline per slot; longer CIDs go to a side map. */
const CID_STRIDE = 40
const INITIAL_SLOTS = 1024
const MAX_LOAD = 0.7
const HASH_SEED = 0x5bd1e995

export class OperationTracker {
  private cap = 0
  private highWater = 0
  private live = 0
  private genCounter = 0

  // Slot fields.
  private cidBytes!: Uint8Array
  private cidLen!: Uint16Array
  private readonly longCids = new Map<number, Uint8Array>()
  private hashes!: Uint32Array
  private gens!: Uint32Array
  private types!: Uint8Array
  private phases!: Uint8Array
  private prios!: Uint8Array
  private attempts!: Uint16Array
  private times!: Float64Array
  private errIds!: Uint32Array
  private freeSlots!: Int32Array
  private freeTop = 0

  // CID → slot index (slot + 1; 0 = empty).
  private index!: Int32Array
  private indexMask = 0

  // Interned error texts (id 0 = no error).
  private readonly errIdsByText = new Map<string, number>()
  private readonly errTexts: Array<string | undefined> = [undefined]
  private readonly errRefs: number[] = [0]
  private readonly errFree: number[] = []

  // counts[type * 4 + phase]
  private readonly counts = new Float64Array(16)

  constructor () {
    this.reset(INITIAL_SLOTS)
  }

  /** Number of operations in the table. */
  get size (): number {
    return this.live
  }

  /** Number of operations of a type in a phase. */
  count (type: OperationTypeValue, phase: OperationPhaseValue): number {
    return this.counts[type * 4 + phase]
  }

  /** Slot of the operation for `cid`, or -1. */
  find (cid: CID): number {
    const bytes = cid.bytes
    const h = murmur3(bytes, HASH_SEED)
    let i = h & this.indexMask
    while (true) {
      const v = this.index[i]
      if (v === 0) return -1
      const slot = v - 1
      if (this.hashes[slot] === h && this.sameCid(slot, bytes)) {
        return slot
      }
      i = (i + 1) & this.indexMask
    }
  }

  /**
   * Starts tracking a new queued operation for `cid` (Go
   * `TrackNewOperation`). Returns -1, changing nothing, when an operation of
   * the same type is already queued or in progress. Otherwise any existing
   * operation is replaced in its slot (its handles become stale; the caller
   * cancels its work) and the slot is returned. The attempt count carries
   * over when the replaced operation had the same type.
   */
  trackNew (cid: CID, type: OperationTypeValue, now: number = Date.now()): number {
    let slot = this.find(cid)
    if (slot >= 0) {
      const oldType = this.types[slot]
      if (oldType === type && this.phases[slot] !== OperationPhase.Error) {
        return -1
      }
      this.account(slot, -1)
      if (oldType !== type) {
        this.attempts[slot] = 0
      }
      this.releaseError(slot)
    } else {
      slot = this.allocate(cid.bytes)
      this.attempts[slot] = 0
    }
    this.gens[slot] = this.nextGen()
    this.types[slot] = type
    this.phases[slot] = OperationPhase.Queued
    this.prios[slot] = 0
    this.times[slot] = now
    this.account(slot, 1)
    return slot
  }

  /** True when the handle (slot, gen) is the slot's current operation. */
  isCurrent (slot: number, gen: number): boolean {
    return slot >= 0 && slot < this.highWater && this.cidLen[slot] !== 0 && this.gens[slot] === gen
  }

  gen (slot: number): number {
    return this.gens[slot]
  }

  type (slot: number): OperationTypeValue {
    return this.types[slot] as OperationTypeValue
  }

  phase (slot: number): OperationPhaseValue {
    return this.phases[slot] as OperationPhaseValue
  }

  attemptCount (slot: number): number {
    return this.attempts[slot]
  }

  priorityPin (slot: number): boolean {
    return this.prios[slot] === 1
  }

  setPriority (slot: number, priority: boolean): void {
    this.prios[slot] = priority ? 1 : 0
  }

  setPhase (slot: number, phase: OperationPhaseValue, now: number = Date.now()): void {
    this.account(slot, -1)
    this.phases[slot] = phase
    this.times[slot] = now
    this.account(slot, 1)
    if (phase !== OperationPhase.Error) {
      this.releaseError(slot)
    }
  }

  /** Moves the operation to the error phase with the given text. */
  setError (slot: number, message: string, now: number = Date.now()): void {
    this.setPhase(slot, OperationPhase.Error, now)
    this.releaseError(slot)
    let id = this.errIdsByText.get(message)
    if (id == null) {
      id = this.errFree.pop() ?? this.errTexts.length
      this.errTexts[id] = message
      this.errRefs[id] = 0
      this.errIdsByText.set(message, id)
    }
    this.errRefs[id]++
    this.errIds[slot] = id
  }

  incAttempts (slot: number): void {
    if (this.attempts[slot] < 0xffff) {
      this.attempts[slot]++
    }
  }

  /** The CID of a slot (decoded from the stored bytes). */
  cid (slot: number): CID {
    const len = this.cidLen[slot]
    if (len > CID_STRIDE) {
      return CID.decode(this.longCids.get(slot) as Uint8Array)
    }
    const start = slot * CID_STRIDE
    return CID.decode(this.cidBytes.slice(start, start + len))
  }

  info (slot: number, cid: CID = this.cid(slot)): OperationInfo {
    return {
      cid,
      type: this.type(slot),
      phase: this.phase(slot),
      error: this.errTexts[this.errIds[slot]] ?? '',
      attemptCount: this.attempts[slot],
      priorityPin: this.prios[slot] === 1,
      timestamp: new Date(this.times[slot])
    }
  }

  /** Removes the operation of a slot (done, or obsolete). */
  remove (slot: number): void {
    if (this.cidLen[slot] === 0) return
    this.account(slot, -1)
    this.releaseError(slot)
    this.deleteFromIndex(slot)
    this.cidLen[slot] = 0
    this.longCids.delete(slot)
    this.gens[slot] = this.nextGen()
    this.freeSlots[this.freeTop++] = slot
    this.live--
    if (this.live === 0 && this.cap > INITIAL_SLOTS) {
      // A drained backlog gives its memory back. Stale handles stay stale:
      // generations come from a global counter.
      this.reset(INITIAL_SLOTS)
    }
  }

  /**
   * Live slots in slot order. Safe against changes between steps: a slot
   * freed meanwhile is skipped; a slot reused or added meanwhile may be
   * visited.
   */
  * slots (): Generator<number> {
    for (let slot = 0; slot < this.highWater; slot++) {
      if (this.cidLen[slot] !== 0) {
        yield slot
      }
    }
  }

  clear (): void {
    this.counts.fill(0)
    this.longCids.clear()
    this.errIdsByText.clear()
    this.errTexts.length = 1
    this.errRefs.length = 1
    this.errFree.length = 0
    this.reset(INITIAL_SLOTS)
  }

  /** Bytes of the typed arrays currently allocated (for measurements). */
  byteLength (): number {
    return this.cidBytes.byteLength + this.cidLen.byteLength + this.hashes.byteLength + this.gens.byteLength +
      this.types.byteLength + this.phases.byteLength + this.prios.byteLength + this.attempts.byteLength +
      this.times.byteLength + this.errIds.byteLength + this.freeSlots.byteLength + this.index.byteLength
  }

  private nextGen (): number {
    this.genCounter = (this.genCounter + 1) >>> 0
    return this.genCounter
  }

  private account (slot: number, delta: number): void {
    this.counts[this.types[slot] * 4 + this.phases[slot]] += delta
  }

  private releaseError (slot: number): void {
    const id = this.errIds[slot]
    if (id === 0) return
    this.errIds[slot] = 0
    if (--this.errRefs[id] === 0) {
      this.errIdsByText.delete(this.errTexts[id] as string)
      this.errTexts[id] = undefined
      this.errFree.push(id)
    }
  }

  private sameCid (slot: number, bytes: Uint8Array): boolean {
    const len = this.cidLen[slot]
    if (len !== bytes.length) return false
    if (len > CID_STRIDE) {
      const stored = this.longCids.get(slot) as Uint8Array
      for (let i = 0; i < len; i++) {
        if (stored[i] !== bytes[i]) return false
      }
      return true
    }
    const base = slot * CID_STRIDE
    const arena = this.cidBytes
    // Compare from the end: CIDs share their prefix, digests differ.
    for (let i = len - 1; i >= 0; i--) {
      if (arena[base + i] !== bytes[i]) return false
    }
    return true
  }

  private allocate (bytes: Uint8Array): number {
    let slot: number
    if (this.freeTop > 0) {
      slot = this.freeSlots[--this.freeTop]
    } else {
      if (this.highWater === this.cap) {
        this.grow(this.cap * 2)
      }
      slot = this.highWater++
    }
    if ((this.live + 1) > (this.indexMask + 1) * MAX_LOAD) {
      this.rebuildIndex((this.indexMask + 1) * 2)
    }
    const len = bytes.length
    if (len > 0xffff) {
      throw new RangeError('CID too long')
    }
    this.cidLen[slot] = len
    if (len > CID_STRIDE) {
      this.longCids.set(slot, bytes.slice())
    } else {
      this.cidBytes.set(bytes, slot * CID_STRIDE)
    }
    const h = murmur3(bytes, HASH_SEED)
    this.hashes[slot] = h
    this.errIds[slot] = 0
    this.insertInIndex(slot, h)
    this.live++
    return slot
  }

  private insertInIndex (slot: number, h: number): void {
    let i = h & this.indexMask
    while (this.index[i] !== 0) {
      i = (i + 1) & this.indexMask
    }
    this.index[i] = slot + 1
  }

  /** Linear-probing deletion with backward shift (no tombstones). */
  private deleteFromIndex (slot: number): void {
    const mask = this.indexMask
    let i = this.hashes[slot] & mask
    while (this.index[i] !== slot + 1) {
      if (this.index[i] === 0) return
      i = (i + 1) & mask
    }
    let j = i
    while (true) {
      j = (j + 1) & mask
      const v = this.index[j]
      if (v === 0) break
      const home = this.hashes[v - 1] & mask
      // The entry at j may move to the hole at i unless its home lies
      // cyclically in (i, j].
      const stays = i <= j ? (home > i && home <= j) : (home > i || home <= j)
      if (!stays) {
        this.index[i] = v
        i = j
      }
    }
    this.index[i] = 0
  }

  private rebuildIndex (size: number): void {
    this.index = new Int32Array(size)
    this.indexMask = size - 1
    for (let slot = 0; slot < this.highWater; slot++) {
      if (this.cidLen[slot] !== 0) {
        this.insertInIndex(slot, this.hashes[slot])
      }
    }
  }

  private grow (cap: number): void {
    const copy = <T extends { set: (a: T) => void }>(old: T, next: T): T => {
      next.set(old)
      return next
    }
    this.cidBytes = copy(this.cidBytes, new Uint8Array(cap * CID_STRIDE))
    this.cidLen = copy(this.cidLen, new Uint16Array(cap))
    this.hashes = copy(this.hashes, new Uint32Array(cap))
    this.gens = copy(this.gens, new Uint32Array(cap))
    this.types = copy(this.types, new Uint8Array(cap))
    this.phases = copy(this.phases, new Uint8Array(cap))
    this.prios = copy(this.prios, new Uint8Array(cap))
    this.attempts = copy(this.attempts, new Uint16Array(cap))
    this.times = copy(this.times, new Float64Array(cap))
    this.errIds = copy(this.errIds, new Uint32Array(cap))
    this.freeSlots = copy(this.freeSlots, new Int32Array(cap))
    this.cap = cap
  }

  private reset (cap: number): void {
    this.cap = cap
    this.highWater = 0
    this.live = 0
    this.freeTop = 0
    this.cidBytes = new Uint8Array(cap * CID_STRIDE)
    this.cidLen = new Uint16Array(cap)
    this.hashes = new Uint32Array(cap)
    this.gens = new Uint32Array(cap)
    this.types = new Uint8Array(cap)
    this.phases = new Uint8Array(cap)
    this.prios = new Uint8Array(cap)
    this.attempts = new Uint16Array(cap)
    this.times = new Float64Array(cap)
    this.errIds = new Uint32Array(cap)
    this.freeSlots = new Int32Array(cap)
    this.index = new Int32Array(nextPow2(Math.ceil(cap / MAX_LOAD)))
    this.indexMask = this.index.length - 1
  }
}

function nextPow2 (n: number): number {
  let p = 1
  while (p < n) p *= 2
  return p
}
