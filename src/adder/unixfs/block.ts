/**
 * Block and CID helpers shared by the DAG builders.
 */
import { CID } from 'multiformats/cid'
import { DAG_PB } from './encoding.js'
import type { ChunkerSpec } from './chunker.js'
import type { Hasher } from './hasher.js'
import type { BlockWithCid } from '../../api/types.js'
import type { MultihashDigest } from 'multiformats/hashes/interface'

/** What the DAG builders need to know (validated AddParams). */
export interface DagOptions {
  chunker: ChunkerSpec
  rawLeaves: boolean
  cidVersion: 0 | 1
  hasher: Hasher
  layout: 'balanced' | 'trickle'
  /** Links per intermediate file node (Kubo: 174). */
  maxLinks: number
  /** Estimated directory size (bytes) from which directories are HAMT-sharded (Kubo: 256 KiB). */
  shardingThreshold: number
  /** HAMT fanout (Kubo: 256). */
  hamtFanout: number
  /**
   * Leaves hashed concurrently off the main thread when the hash function
   * allows it (0: hash every leaf synchronously).
   */
  hashWindow: number
}

/** Kubo's defaults for the builder-only knobs. */
export const KUBO_MAX_LINKS = 174
export const KUBO_HAMT_SHARDING_SIZE = 256 * 1024
export const KUBO_HAMT_FANOUT = 256
/** Default number of leaves hashed concurrently. */
export const DEFAULT_HASH_WINDOW = 8

/** Receives every block as soon as it is built. */
export type BlockSink = (block: BlockWithCid) => void

/** A node of the DAG: its CID and cumulative size (`Tsize`). */
export interface BuiltNode {
  cid: CID
  /** Cumulative DAG size: block length plus the `Tsize` of every link. */
  size: number
}

/**
 * The CID of `bytes` with `codec` under the builder's CID prefix. Like Go's
 * `Prefix.WithCodec`, a CIDv0 prefix used with a codec other than dag-pb
 * gives a CIDv1.
 */
export function makeCid (codec: number, bytes: Uint8Array, opts: Pick<DagOptions, 'cidVersion' | 'hasher'>): CID {
  return cidFromDigest(codec, opts.hasher.digest(bytes), opts)
}

/** {@link makeCid} from an already computed digest. */
export function cidFromDigest (codec: number, digest: MultihashDigest, opts: Pick<DagOptions, 'cidVersion'>): CID {
  if (opts.cidVersion === 0 && codec === DAG_PB) {
    return CID.createV0(digest as Parameters<typeof CID.createV0>[0])
  }
  return CID.createV1(codec, digest)
}

const encoder = new TextEncoder()

export function utf8 (s: string): Uint8Array {
  return encoder.encode(s)
}

/** Byte-wise comparison of UTF-8 strings (Go string order). */
export function compareBytes (a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] - b[i]
  }
  return a.length - b.length
}
