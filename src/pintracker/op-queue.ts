/**
 * A bounded FIFO of operation handles (`slot`, `generation`), stored as
 * pairs of 32-bit words in a growable ring buffer: 8 bytes per queued entry
 * and no JS object per entry.
 *
 * Entries are not removed when their operation is cancelled or replaced:
 * the consumer checks the generation when it takes an entry out and skips
 * stale ones (like the Go tracker, whose channels keep cancelled
 * operations until a worker drains them). The capacity counts every entry.
 */

const INITIAL_ENTRIES = 64

export class OpQueue {
  private buf: Uint32Array
  /** Capacity of `buf`, in entries (a power of two). */
  private entries: number
  private head = 0
  private len = 0
  /** Slot of the entry returned by the last successful {@link shift}. */
  lastSlot = -1
  /** Generation of the entry returned by the last successful {@link shift}. */
  lastGen = 0

  constructor (readonly capacity: number) {
    this.entries = INITIAL_ENTRIES
    this.buf = new Uint32Array(this.entries * 2)
  }

  get length (): number {
    return this.len
  }

  /** Appends an entry; false when the queue holds `capacity` entries already. */
  push (slot: number, gen: number): boolean {
    if (this.len >= this.capacity) {
      return false
    }
    if (this.len === this.entries) {
      this.resize(this.entries * 2)
    }
    const pos = ((this.head + this.len) & (this.entries - 1)) * 2
    this.buf[pos] = slot
    this.buf[pos + 1] = gen
    this.len++
    return true
  }

  /**
   * Takes the oldest entry out into {@link lastSlot}/{@link lastGen}.
   * Returns false when empty.
   */
  shift (): boolean {
    if (this.len === 0) {
      return false
    }
    const pos = this.head * 2
    this.lastSlot = this.buf[pos]
    this.lastGen = this.buf[pos + 1]
    this.head = (this.head + 1) & (this.entries - 1)
    this.len--
    if (this.len === 0) {
      this.head = 0
      if (this.entries > INITIAL_ENTRIES) {
        // Give the memory of a drained backlog back.
        this.entries = INITIAL_ENTRIES
        this.buf = new Uint32Array(this.entries * 2)
      }
    }
    return true
  }

  clear (): void {
    this.head = 0
    this.len = 0
    this.entries = INITIAL_ENTRIES
    this.buf = new Uint32Array(this.entries * 2)
  }

  /** Bytes held by the buffer (for measurements). */
  byteLength (): number {
    return this.buf.byteLength
  }

  private resize (entries: number): void {
    const next = new Uint32Array(entries * 2)
    for (let i = 0; i < this.len; i++) {
      const from = ((this.head + i) & (this.entries - 1)) * 2
      next[i * 2] = this.buf[from]
      next[i * 2 + 1] = this.buf[from + 1]
    }
    this.buf = next
    this.entries = entries
    this.head = 0
  }
}
