/**
 * Deterministic CIDs and pins for tests.
 */
import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import type { Pin } from '../../src/api/types.js'

const RAW = 0x55
const DAG_PB = 0x70
const SHA2_256 = 0x12

function digestOf (label: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(label).digest())
}

/** A CIDv1 (raw, sha2-256) derived from `label`. */
export function testCid (label: string): CID {
  return CID.createV1(RAW, Digest.create(SHA2_256, digestOf(label)))
}

/** A CIDv0 derived from `label`. */
export function testCidV0 (label: string): CID {
  return CID.createV0(Digest.create(SHA2_256, digestOf(label)) as Digest.Digest<typeof SHA2_256, number>)
}

/** The CIDv1 dag-pb twin of a CIDv0. */
export function toV1 (cid: CID): CID {
  return CID.createV1(DAG_PB, cid.multihash)
}

/**
 * A CIDv1 built from a counter without hashing (fast, for benchmarks that
 * create millions of CIDs).
 */
export function counterCid (n: number): CID {
  const digest = new Uint8Array(32)
  digest[0] = 0xc1
  let v = n
  for (let i = 31; i > 0 && v > 0; i--) {
    digest[i] = v & 0xff
    v = Math.floor(v / 256)
  }
  return CID.createV1(RAW, Digest.create(SHA2_256, digest))
}

/** A data pin with reference defaults (replication -1 everywhere, recursive). */
export function testPin (cid: CID, fields: Partial<Pin> = {}): Pin {
  return {
    cid,
    type: 2,
    allocations: [],
    maxDepth: -1,
    reference: null,
    timestamp: new Date(),
    replicationFactorMin: -1,
    replicationFactorMax: -1,
    name: '',
    mode: 'recursive',
    shardSize: 0,
    userAllocations: null,
    expireAt: null,
    metadata: null,
    pinUpdate: null,
    origins: null,
    ...fields
  }
}
