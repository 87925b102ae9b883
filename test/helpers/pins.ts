/**
 * Deterministic test CIDs, peer IDs and pins.
 */
import { createHash } from 'node:crypto'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { defaultPinOptions, newPin } from '../../src/api/json.js'
import type { Pin } from '../../src/api/types.js'

/** A CIDv1 (raw, sha2-256) derived from a label. */
export function testCid (label: string | number): CID {
  const digest = createHash('sha256').update(String(label)).digest()
  return CID.createV1(0x55, Digest.create(0x12, digest))
}

/** A syntactically valid Ed25519 peer ID (`12D3KooW…`) derived from a label. */
export function testPeerId (label: string | number): string {
  const key = createHash('sha256').update('peer:' + String(label)).digest()
  // identity multihash of the protobuf public key { Type: Ed25519, Data: key }
  const pb = new Uint8Array([0x08, 0x01, 0x12, 0x20, ...key])
  return base58btc.baseEncode(new Uint8Array([0x00, pb.length, ...pb]))
}

/** A regular recursive pin with a few options set. */
export function testPin (label: string | number, extra: Partial<Pin> = {}): Pin {
  const pin = newPin(testCid(label), { ...defaultPinOptions(), name: `pin-${label}`, replicationFactorMin: -1, replicationFactorMax: -1 })
  pin.timestamp = new Date(1700000000000)
  pin.origins = [] // what the state gives back
  return { ...pin, ...extra }
}
