/**
 * The cluster secret (spec §2.4.1): 32 random bytes written as 64 lowercase
 * hex characters; decoded with Go's `encoding/hex` errors.
 */
import { randomBytes } from 'node:crypto'

export const SECRET_LENGTH = 32

export class SecretError extends Error {
  static override name = 'SecretError'
  constructor (message: string) {
    super(message)
    this.name = 'SecretError'
  }
}

/** Go's `%#U` of a single byte value. */
function formatByteRune (b: number): string {
  const hex = 'U+' + b.toString(16).toUpperCase().padStart(4, '0')
  const printable = (b >= 0x20 && b < 0x7f) || (b > 0xa0 && b !== 0xad)
  return printable ? `${hex} '${String.fromCharCode(b)}'` : hex
}

function hexValue (b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30
  if (b >= 0x61 && b <= 0x66) return b - 0x61 + 10
  if (b >= 0x41 && b <= 0x46) return b - 0x41 + 10
  return -1
}

/**
 * Go `hex.DecodeString`: throws `encoding/hex: invalid byte: U+0078 'x'`
 * or `encoding/hex: odd length hex string`.
 */
export function decodeGoHex (s: string): Uint8Array {
  const src = Buffer.from(s, 'utf8')
  const out = new Uint8Array(src.length >> 1)
  let i = 0
  let j = 1
  for (; j < src.length; j += 2) {
    const a = hexValue(src[j - 1])
    const b = hexValue(src[j])
    if (a < 0) throw new SecretError(`encoding/hex: invalid byte: ${formatByteRune(src[j - 1])}`)
    if (b < 0) throw new SecretError(`encoding/hex: invalid byte: ${formatByteRune(src[j])}`)
    out[i++] = (a << 4) | b
  }
  if (src.length % 2 === 1) {
    if (hexValue(src[j - 1]) < 0) throw new SecretError(`encoding/hex: invalid byte: ${formatByteRune(src[j - 1])}`)
    throw new SecretError('encoding/hex: odd length hex string')
  }
  return out
}

/**
 * Decodes a cluster secret. Empty input gives an empty array (no private
 * network: the caller logs `Cluster secret is empty, cluster will start on
 * unprotected network.`). Anything but 32 bytes throws
 * `input secret is <N> bytes, cluster secret should be 32`.
 */
export function parseSecret (hexSecret: string): Uint8Array {
  const secret = decodeGoHex(hexSecret)
  if (secret.length === 0 || secret.length === SECRET_LENGTH) {
    return secret
  }
  throw new SecretError(`input secret is ${secret.length} bytes, cluster secret should be ${SECRET_LENGTH}`)
}

/** Lowercase hex of a secret ('' for none). */
export function encodeSecret (secret: Uint8Array): string {
  return Buffer.from(secret).toString('hex')
}

/** A new random 32-byte secret. */
export function generateSecret (): Uint8Array {
  return new Uint8Array(randomBytes(SECRET_LENGTH))
}

/** The warning the caller logs when the secret is empty. */
export const EMPTY_SECRET_WARNING = 'Cluster secret is empty, cluster will start on unprotected network.'
