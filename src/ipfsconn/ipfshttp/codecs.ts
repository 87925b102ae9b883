/**
 * Multicodec and multihash names, as Kubo's `block/put` expects them
 * (`cid-codec=<name>`, `mhtype=<name>`).
 */
import type { CID } from 'multiformats/cid'

const CODECS: Record<number, string> = {
  0x51: 'cbor',
  0x55: 'raw',
  0x70: 'dag-pb',
  0x71: 'dag-cbor',
  0x72: 'libp2p-key',
  0x78: 'git-raw',
  0x85: 'dag-jose',
  0x86: 'dag-cose',
  0x0129: 'dag-json',
  0x0200: 'json'
}

const HASHES: Record<number, string> = {
  0x00: 'identity',
  0x11: 'sha1',
  0x12: 'sha2-256',
  0x13: 'sha2-512',
  0x14: 'sha3-512',
  0x15: 'sha3-384',
  0x16: 'sha3-256',
  0x17: 'sha3-224',
  0x18: 'shake-128',
  0x19: 'shake-256',
  0x1a: 'keccak-224',
  0x1b: 'keccak-256',
  0x1c: 'keccak-384',
  0x1d: 'keccak-512',
  0x1e: 'blake3',
  0x56: 'dbl-sha2-256',
  0xd5: 'md5'
}

/** Name of a multicodec code, or undefined. */
export function codecName (code: number): string | undefined {
  return CODECS[code]
}

/** Code of a multicodec name, or undefined. */
export function codecCode (name: string): number | undefined {
  for (const [code, n] of Object.entries(CODECS)) {
    if (n === name) return Number(code)
  }
  return undefined
}

/** Name of a multihash function code (blake2b-N/blake2s-N included), or undefined. */
export function hashName (code: number): string | undefined {
  if (code >= 0xb201 && code <= 0xb240) return `blake2b-${(code - 0xb200) * 8}`
  if (code >= 0xb241 && code <= 0xb260) return `blake2s-${(code - 0xb240) * 8}`
  return HASHES[code]
}

/** Code of a multihash function name, or undefined. */
export function hashCode (name: string): number | undefined {
  const b2 = /^blake2([bs])-(\d+)$/.exec(name)
  if (b2 != null) {
    const bits = Number(b2[2])
    if (bits % 8 !== 0 || bits <= 0) return undefined
    const n = bits / 8
    if (b2[1] === 'b' && n <= 64) return 0xb200 + n
    if (b2[1] === 's' && n <= 32) return 0xb240 + n
    return undefined
  }
  for (const [code, n] of Object.entries(HASHES)) {
    if (n === name) return Number(code)
  }
  return undefined
}

/**
 * True when two CIDs name the same stored block: same multihash and codec.
 * A CIDv0 equals the dag-pb CIDv1 of the same multihash.
 */
export function sameBlock (a: CID, b: CID): boolean {
  if (a.code !== b.code) return false
  const ma = a.multihash.bytes
  const mb = b.multihash.bytes
  if (ma.length !== mb.length) return false
  for (let i = 0; i < ma.length; i++) {
    if (ma[i] !== mb[i]) return false
  }
  return true
}
