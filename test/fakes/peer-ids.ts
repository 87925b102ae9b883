/**
 * Deterministic, well-formed Ed25519 peer IDs for tests (identity multihash
 * of a protobuf public key whose 32 key bytes are derived from `seed`).
 */
import { base58btc } from 'multiformats/bases/base58'

export function testPeerId (seed: number): string {
  const bytes = new Uint8Array(38)
  bytes.set([0x00, 0x24, 0x08, 0x01, 0x12, 0x20])
  for (let i = 0; i < 32; i++) bytes[6 + i] = (seed * 31 + i * 7 + 1) & 0xff
  return base58btc.baseEncode(bytes)
}

export function testPeerIds (n: number, offset = 0): string[] {
  return Array.from({ length: n }, (_, i) => testPeerId(i + offset))
}
