/**
 * An in-memory shared state for unit tests (Map based, insertion order).
 */
import { PinNotFoundError } from '../../src/errors.js'
import { throwIfAborted } from '../../src/utils/abort.js'
import type { Pin } from '../../src/api/types.js'
import type { AbortOptions, State } from '../../src/interfaces.js'
import type { CID } from 'multiformats/cid'

export class MemoryState implements State {
  private readonly pins = new Map<string, Pin>()
  /** Number of calls per method. */
  readonly calls = { get: 0, has: 0, list: 0, add: 0, rm: 0 }
  /** When set, `get` and `list` fail with it. */
  failWith: Error | null = null

  constructor (pins: Iterable<Pin> = []) {
    for (const pin of pins) {
      this.pins.set(pin.cid.toString(), pin)
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

  async * list (options?: AbortOptions): AsyncGenerator<Pin> {
    this.calls.list++
    if (this.failWith != null) throw this.failWith
    for (const pin of this.pins.values()) {
      throwIfAborted(options?.signal)
      yield pin
    }
  }

  async add (pin: Pin, options?: AbortOptions): Promise<void> {
    this.calls.add++
    throwIfAborted(options?.signal)
    this.pins.set(pin.cid.toString(), pin)
  }

  async rm (cid: CID, options?: AbortOptions): Promise<void> {
    this.calls.rm++
    throwIfAborted(options?.signal)
    this.pins.delete(cid.toString())
  }
}
