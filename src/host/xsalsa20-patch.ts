/**
 * Works around a bug of `xsalsa20@1.2` (the cipher of `@libp2p/pnet`, i.e.
 * of every connection of a cluster with a secret) that crashed peers
 * serving large DAG blocks.
 *
 * All XSalsa20 instances share one WebAssembly memory (at most 1000 pages,
 * 62.5 MiB) and each keeps its own view of it. When one instance grows the
 * memory for a chunk larger than the memory, the views of the others are
 * detached (length 0), so their next update "grows" the memory again by the
 * whole size they need, and again for every other instance: with a few
 * connections passing ~1 MiB chunks the memory grows by megabytes at a time
 * (RSS that is never given back) until `WebAssembly.Memory.grow()` throws
 * `Maximum memory size exceeded` inside a socket event handler, which kills
 * the process. (`@libp2p/pnet` passes whole write buffers, several MiB when
 * bitswap sends DAG blocks.)
 *
 * The patch (1) feeds the cipher at most 64 KiB at a time (a stream cipher:
 * splitting the input changes nothing in the output), so the memory never
 * has to grow past its initial 640 KiB in practice, and (2) refreshes a
 * detached view before use. It applies once, to the copy of the module that
 * `@libp2p/pnet` loads; if that module does not have the expected shape, it
 * does nothing.
 */
import { createRequire } from 'node:module'

/** Bytes handed to the WASM cipher per call. */
export const XSALSA20_CHUNK = 64 * 1024

interface WasmState {
  _memory?: Uint8Array
}

interface XSalsa20Like {
  _xor?: WasmState | null
  update: (input: Uint8Array, output?: Uint8Array) => Uint8Array
}

interface XSalsa20Module {
  (nonce: Uint8Array, key: Uint8Array): XSalsa20Like
  prototype: XSalsa20Like & { __clusterChunked?: boolean }
}

let applied = false

/** Applies the patch (idempotent); returns whether the module is patched. */
export function patchXSalsa20 (): boolean {
  if (applied) return true
  let mod: XSalsa20Module
  try {
    mod = createRequire(import.meta.resolve('@libp2p/pnet'))('xsalsa20') as XSalsa20Module
  } catch {
    return false
  }
  const proto = mod?.prototype
  if (typeof mod !== 'function' || proto == null || typeof proto.update !== 'function') return false
  if (proto.__clusterChunked === true) {
    applied = true
    return true
  }
  const original = proto.update
  /** The freshest view of the shared memory seen so far. */
  let latest: Uint8Array | undefined
  proto.update = function (this: XSalsa20Like, input: Uint8Array, output?: Uint8Array): Uint8Array {
    if (input == null) return original.call(this, input, output)
    const out = output ?? new Uint8Array(input.length)
    const state = this._xor
    for (let off = 0; off < input.length || off === 0; off += XSALSA20_CHUNK) {
      const view = state?._memory
      if (state != null && view != null && view.byteLength === 0 && latest != null && latest.byteLength > 0) {
        state._memory = new Uint8Array(latest.buffer)
      }
      const end = Math.min(input.length, off + XSALSA20_CHUNK)
      original.call(this, input.subarray(off, end), out.subarray(off, end))
      if (state?._memory != null && state._memory.byteLength > 0) latest = state._memory
      if (input.length === 0) break
    }
    return out
  }
  proto.__clusterChunked = true
  applied = true
  return true
}

patchXSalsa20()
