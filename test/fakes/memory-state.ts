/**
 * An in-memory shared state for unit tests (Map based, insertion order).
 */
import { PinNotFoundError } from '../../src/errors.js'
import { throwIfAborted } from '../../src/utils/abort.js'
import type { Pin } from '../../src/api/types.js'
import type { AbortOptions, State, StateListOptions } from '../../src/interfaces.js'
import type { CID } from 'multiformats/cid'

export class MemoryState implements State {
  private readonly pins = new Map<string, Pin>()
  /** CID → rank of its first addition (kept after removal). */
  private readonly order = new Map<string, number>()
  /** Number of calls per method. */
  readonly calls = { get: 0, has: 0, list: 0, add: 0, rm: 0 }
  /** When set, `get` and `list` fail with it. */
  failWith: Error | null = null

  constructor (pins: Iterable<Pin> = []) {
    for (const pin of pins) {
      this.put(pin)
    }
  }

  get size (): number {
    return this.pins.size
  }

  async get (cid: CID, options?: AbortOptions): Promise<Pin> {
    this.calls.get++
    throwIfAborted(options?.signal)
    if (this.failWith != null) throw this.failWith
    const pin = this.pins.get(cid.toString())
    if (pin == null) {
      throw new PinNotFoundError()
    }
    return pin
  }

  async has (cid: CID, options?: AbortOptions): Promise<boolean> {
    this.calls.has++
    throwIfAborted(options?.signal)
    return this.pins.has(cid.toString())
  }

  /**
   * In the order the CIDs were first added (the stand-in for the key order
   * of real states: a CID removed and added again keeps its place), resumable
   * with `after`.
   */
  async * list (options?: StateListOptions): AsyncGenerator<Pin> {
    this.calls.list++
    if (this.failWith != null) throw this.failWith
    const from = options?.after != null ? this.order.get(options.after.toString()) ?? -1 : -1
    const keys = [...this.pins.keys()]
      .filter((k) => (this.order.get(k) ?? 0) > from)
      .sort((a, b) => (this.order.get(a) ?? 0) - (this.order.get(b) ?? 0))
    for (const k of keys) {
      throwIfAborted(options?.signal)
      const pin = this.pins.get(k)
      if (pin != null) yield pin
    }
  }

  private put (pin: Pin): void {
    const k = pin.cid.toString()
    if (!this.order.has(k)) this.order.set(k, this.order.size)
    this.pins.set(k, pin)
  }

  async add (pin: Pin, options?: AbortOptions): Promise<void> {
    this.calls.add++
    throwIfAborted(options?.signal)
    this.put(pin)
  }

  async rm (cid: CID, options?: AbortOptions): Promise<void> {
    this.calls.rm++
    throwIfAborted(options?.signal)
    this.pins.delete(cid.toString())
  }
}
