/**
 * A compact, lossy set of the CIDs pinned in IPFS, used by `statusAll` to
 * answer "is this state pin pinned in IPFS?" for every item of the pinset
 * without one IPFS call per item.
 *
 * Why a set at all: the state and the IPFS pinset come in unrelated orders
 * (IPFS lists in arbitrary order), so they cannot be merged as two sorted
 * streams, and re-listing IPFS for each chunk of the state would cost
 * O(n²/chunk) IPFS traffic. One side must be held; the IPFS side is the
 * smaller (only recursive/direct pins) and needs no payload.
 *
 * What is held: for each pinned CID, a 64-bit fingerprint (two independent
 * 32-bit MurmurHash3 values of the codec and the multihash) and one status
 * byte, in an open-addressing table kept at most 75% full. That is 9 bytes
 * per table slot, i.e. 12–24 bytes per IPFS pin (about 19 bytes per pin at
 * 1,000,000 pins: 2^21 slots × 9 bytes; see bench/pintracker-queue.ts),
 * against roughly 150–200 bytes per entry for a `Set<string>` of CID strings.
 * During a resize the old and new tables coexist for a moment (×1.5).
 *
 * Lossy: two different CIDs with the same 64-bit fingerprint would be taken
 * for one another. With n pins the chance that a given lookup hits a false
 * fingerprint is about n / 2^64 (5·10^-14 per lookup at a million pins), so
 * over a million lookups the chance of a single wrong `pinned` is ~5·10^-8.
 *
 * CIDv0 and CIDv1 with the same codec and multihash are the same entry, so
 * a daemon that reports pins in another CID version still matches.
 */
import { murmur3 } from './hash.js'
import type { CID } from 'multiformats/cid'

const INITIAL_SLOTS = 1024
const MAX_LOAD = 0.75
const SEED_A = 0x9747b28c
const SEED_B = 0x2f6b8e1d

export class CidFingerprintSet {
  private hi: Uint32Array
  private lo: Uint32Array
  /** 0 = empty slot; otherwise the stored status byte. */
  private status: Uint8Array
  private mask: number
  private count = 0

  constructor () {
    this.hi = new Uint32Array(INITIAL_SLOTS)
    this.lo = new Uint32Array(INITIAL_SLOTS)
    this.status = new Uint8Array(INITIAL_SLOTS)
    this.mask = INITIAL_SLOTS - 1
  }

  get size (): number {
    return this.count
  }

  /** Adds (or overwrites) `cid` with `status` (1..255). */
  add (cid: CID, status: number): void {
    if (status < 1 || status > 255) {
      throw new RangeError('status must be within 1..255')
    }
    const a = fingerprintA(cid)
    const b = fingerprintB(cid)
    let i = a & this.mask
    while (this.status[i] !== 0) {
      if (this.hi[i] === a && this.lo[i] === b) {
        this.status[i] = status
        return
      }
      i = (i + 1) & this.mask
    }
    if ((this.count + 1) > (this.mask + 1) * MAX_LOAD) {
      this.resize((this.mask + 1) * 2)
      this.add(cid, status)
      return
    }
    this.hi[i] = a
    this.lo[i] = b
    this.status[i] = status
    this.count++
  }

  /** The status stored for `cid`, or undefined. */
  get (cid: CID): number | undefined {
    const a = fingerprintA(cid)
    const b = fingerprintB(cid)
    let i = a & this.mask
    while (this.status[i] !== 0) {
      if (this.hi[i] === a && this.lo[i] === b) {
        return this.status[i]
      }
      i = (i + 1) & this.mask
    }
    return undefined
  }

  /** Bytes of the typed arrays (for measurements). */
  byteLength (): number {
    return this.hi.byteLength + this.lo.byteLength + this.status.byteLength
  }

  private resize (size: number): void {
    const { hi, lo, status } = this
    this.hi = new Uint32Array(size)
    this.lo = new Uint32Array(size)
    this.status = new Uint8Array(size)
    this.mask = size - 1
    for (let j = 0; j < status.length; j++) {
      if (status[j] === 0) continue
      let i = hi[j] & this.mask
      while (this.status[i] !== 0) {
        i = (i + 1) & this.mask
      }
      this.hi[i] = hi[j]
      this.lo[i] = lo[j]
      this.status[i] = status[j]
    }
  }
}

function fingerprintA (cid: CID): number {
  const mh = cid.multihash.bytes
  return murmur3(mh, SEED_A ^ Math.imul(cid.code, 0x9e3779b1))
}

function fingerprintB (cid: CID): number {
  const mh = cid.multihash.bytes
  return murmur3(mh, SEED_B ^ Math.imul(cid.code, 0x85ebca6b))
}
