/**
 * Shared helpers of the adder tests: a fake cluster (allocation, pins, block
 * sinks per peer), entry builders and a DAG verifier.
 */
import { createHash } from 'node:crypto'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { createAdder } from '../../src/adder/index.js'
import { defaultAddParams } from '../../src/adder/params.js'
import { hasherByCode } from '../../src/adder/unixfs/hasher.js'
import { silentLogger } from '../../src/logging/index.js'
import { testPeerId } from '../fakes/peer-ids.js'
import type { AdderInit } from '../../src/adder/index.js'
import type { AddedOutput, BlockWithCid, Pin } from '../../src/api/types.js'
import type { Adder } from '../../src/cluster/cluster.js'
import type { AbortOptions, AddEntry, AddParams } from '../../src/interfaces.js'

export const SELF = testPeerId(1)
export const PEER2 = testPeerId(2)
export const PEER3 = testPeerId(3)

export interface FakeCluster {
  adder: Adder
  /** Blocks received by each peer (CID string → bytes). */
  blocks: Map<string, Map<string, Uint8Array>>
  pins: Pin[]
  allocateCalls: Pin[]
  /** Allocation answer (default: [SELF]). */
  allocations: string[]
  /** Peers whose block stream fails (after `failAfter` blocks). */
  failing: Map<string, number>
  /** Delay per block of each sink, in ms (0 = none). */
  sinkDelay: number
}

export function fakeCluster (init: AdderInit = {}, opts: { allocations?: string[], allocateError?: Error, allocateFn?: (call: number) => string[] } = {}): FakeCluster {
  const fc: FakeCluster = {
    adder: undefined as unknown as Adder,
    blocks: new Map(),
    pins: [],
    allocateCalls: [],
    allocations: opts.allocations ?? [SELF],
    failing: new Map(),
    sinkDelay: 0
  }
  fc.adder = createAdder({
    peerId: SELF,
    logger: silentLogger(),
    allocate: async (pin: Pin) => {
      fc.allocateCalls.push(pin)
      if (opts.allocateError != null) throw opts.allocateError
      if (opts.allocateFn != null) return opts.allocateFn(fc.allocateCalls.length - 1)
      return [...fc.allocations]
    },
    pin: async (pin: Pin) => {
      fc.pins.push(pin)
      return pin
    },
    putBlocks: async (peer: string, blocks: AsyncIterable<BlockWithCid>, options?: AbortOptions) => {
      const store = fc.blocks.get(peer) ?? new Map<string, Uint8Array>()
      fc.blocks.set(peer, store)
      const failAfter = fc.failing.get(peer)
      let n = 0
      for await (const b of blocks) {
        options?.signal?.throwIfAborted()
        if (failAfter != null && n >= failAfter) throw new Error(`peer ${peer} is broken`)
        store.set(b.cid.toString(), b.bytes)
        n++
        if (fc.sinkDelay > 0) await new Promise((resolve) => setTimeout(resolve, fc.sinkDelay))
      }
    }
  }, init)
  return fc
}

export function params (overrides: Partial<AddParams> = {}): AddParams {
  return { ...defaultAddParams(), ...overrides }
}

/** A file entry whose content arrives in pieces of `piece` bytes. */
export function fileEntry (path: string, data: Uint8Array, piece = 65536): AddEntry {
  return {
    path,
    type: 'file',
    content: (async function * () {
      for (let i = 0; i < data.length; i += piece) yield data.subarray(i, Math.min(i + piece, data.length))
    })()
  }
}

export function dirEntry (path: string): AddEntry {
  return { path, type: 'directory' }
}

export function symlinkEntry (path: string, target: string): AddEntry {
  return {
    path,
    type: 'symlink',
    content: (async function * () { yield new TextEncoder().encode(target) })()
  }
}

export async function * fromArray<T> (items: T[]): AsyncGenerator<T> {
  for (const i of items) yield i
}

export async function collect (gen: AsyncIterable<AddedOutput>): Promise<AddedOutput[]> {
  const out: AddedOutput[] = []
  for await (const o of gen) out.push(o)
  return out
}

/** `added <cid> <name>` lines, as `ipfs add` / `ipfs-cluster-ctl add` print them. */
export function addedLines (outs: AddedOutput[]): string[] {
  return outs.filter((o) => o.cid != null).map((o) => `added ${String(o.cid)} ${o.name}`)
}

/** Deterministic pseudo-random bytes (fast, seedable). */
export function pseudoRandom (size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size)
  let counter = 0
  let off = 0
  while (off < size) {
    const h = createHash('sha512').update(`${seed}:${counter++}`).digest()
    const n = Math.min(h.length, size - off)
    out.set(h.subarray(0, n), off)
    off += n
  }
  return out
}

/**
 * Walks the DAG under `root` in `blocks` (CID string → bytes): every block
 * must be present and hash to its CID. Returns the number of distinct blocks
 * and the file bytes (concatenated leaf data in order, for files).
 */
export function verifyDag (root: CID, blocks: Map<string, Uint8Array>): { count: number } {
  const seen = new Set<string>()
  const visit = (cid: CID): void => {
    const key = cid.toString()
    if (seen.has(key)) return
    seen.add(key)
    const bytes = blocks.get(key)
    if (bytes == null) throw new Error(`missing block ${key}`)
    const hasher = hasherByCode(cid.multihash.code)
    if (hasher == null) throw new Error(`no hasher for ${key}`)
    const digest = hasher.digest(bytes)
    if (Buffer.compare(Buffer.from(digest.digest), Buffer.from(cid.multihash.digest)) !== 0) throw new Error(`bad hash for ${key}`)
    if (cid.code === dagPb.code) {
      const node = dagPb.decode(bytes)
      for (const l of node.Links) visit(l.Hash)
    }
  }
  visit(root)
  return { count: seen.size }
}

/** The blocks of `store` reachable from `root` (the DAG of an add). */
export function reachableBlocks (root: CID, store: Map<string, Uint8Array>): BlockWithCid[] {
  const out: BlockWithCid[] = []
  const seen = new Set<string>()
  const visit = (cid: CID): void => {
    const key = cid.toString()
    if (seen.has(key)) return
    seen.add(key)
    const bytes = store.get(key) as Uint8Array
    out.push({ cid, bytes })
    if (cid.code === dagPb.code) for (const l of dagPb.decode(bytes).Links) visit(l.Hash)
  }
  visit(root)
  return out
}

export { CID }
