/** One write: a put (`value` set) or a delete (`value` undefined). */
export interface PendingOp {
  key: string
  value?: Uint8Array
}

/** What a builder says about a key: present with a value, or deleted. */
export interface PendingLookup {
  present: boolean
  value?: Uint8Array
}

interface Entry {
  /** Tombstone every element of the key observed when the delta is built. */
  tomb: boolean
  value?: Uint8Array
}

/** Rough protobuf overhead of an element (tags, lengths). */
const ELEMENT_OVERHEAD = 8
/** A tombstone carries the key and a `/<base32 multihash>` id (~56 chars). */
const TOMBSTONE_ESTIMATE = 64

/**
 * Accumulates writes for one delta. Within a batch the last write to a key
 * wins (a later put replaces an earlier put of the same key; a delete drops
 * the pending put and tombstones what the store holds). Tombstone ids are
 * computed when the delta is built, under the engine lock, so they cover
 * everything merged before the delta.
 */
export class DeltaBuilder {
  readonly entries = new Map<string, Entry>()
  /** Estimated encoded size in bytes. */
  size = 0
  /** Operations applied (including overwritten ones). */
  ops = 0

  static single (op: PendingOp): DeltaBuilder {
    const b = new DeltaBuilder()
    b.apply(op)
    return b
  }

  /** Estimated bytes an operation adds to a delta. */
  static estimate (op: PendingOp): number {
    const keyLen = op.key.length + ELEMENT_OVERHEAD
    return op.value !== undefined ? keyLen + op.value.length : keyLen + TOMBSTONE_ESTIMATE
  }

  get isEmpty (): boolean {
    return this.entries.size === 0
  }

  apply (op: PendingOp): void {
    this.ops++
    const keyLen = op.key.length + ELEMENT_OVERHEAD
    let e = this.entries.get(op.key)
    if (e == null) {
      e = { tomb: false }
      this.entries.set(op.key, e)
    }
    if (e.value !== undefined) {
      this.size -= keyLen + e.value.length
      e.value = undefined
    }
    if (op.value !== undefined) {
      e.value = op.value
      this.size += keyLen + op.value.length
    } else if (!e.tomb) {
      e.tomb = true
      this.size += keyLen + TOMBSTONE_ESTIMATE
    }
  }

  lookup (key: string): PendingLookup | undefined {
    const e = this.entries.get(key)
    if (e == null) return undefined
    if (e.value !== undefined) return { present: true, value: e.value }
    return { present: false }
  }
}
