/**
 * Many distinct, valid, canonical CIDv1 strings, fast (large pinsets in
 * tests; the multibase encoder is too slow for a million keys).
 */
import { randomBytes } from 'node:crypto'

const ALPHABET = Buffer.from('abcdefghijklmnopqrstuvwxyz234567')

/** Lower-case base32 multibase (`b…`) text of `bytes`. */
export function base32Text (bytes: Uint8Array, out: Buffer = Buffer.alloc(2 + Math.ceil(bytes.length * 8 / 5))): string {
  out[0] = 0x62 // 'b'
  let bits = 0
  let value = 0
  let j = 1
  for (const b of bytes) {
    value = ((value << 8) | b) & 0xffff
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out[j++] = ALPHABET[(value >>> bits) & 31]
    }
  }
  if (bits > 0) out[j++] = ALPHABET[(value << (5 - bits)) & 31]
  return out.toString('latin1', 0, j)
}

/**
 * Yields `count` CIDv1 strings of codec `codec` (default raw) with random
 * digests of multihash `hash` (default sha2-256, 32 bytes).
 */
export function * cidStrings (count: number, opts: { codec?: number, hash?: number, digestLength?: number } = {}): Generator<string> {
  const codec = opts.codec ?? 0x55
  const hash = opts.hash ?? 0x12
  const len = opts.digestLength ?? 32
  if (codec > 0x7f || hash > 0x7f || len > 0x7f) throw new Error('single-byte varints only')
  const bytes = new Uint8Array(4 + len)
  bytes.set([0x01, codec, hash, len])
  bytes.set(randomBytes(len), 4)
  const view = new DataView(bytes.buffer)
  const out = Buffer.alloc(2 + Math.ceil(bytes.length * 8 / 5))
  for (let i = 0; i < count; i++) {
    view.setUint32(4, i)
    yield base32Text(bytes, out)
  }
}
