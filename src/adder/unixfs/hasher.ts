/**
 * Multihash functions by name (go-multihash names, case-insensitive), each
 * with a synchronous digest. sha2, sha3, shake, md5, sha1 and blake2b-512 /
 * blake2s-256 use node:crypto (native speed); the other blake2 lengths and
 * keccak use the @multiformats packages. sha1, sha2-256, sha2-384 and
 * sha2-512 also have an asynchronous digest (WebCrypto, computed on the
 * libuv thread pool) so that leaves can be hashed in parallel.
 */
import { createHash, webcrypto } from 'node:crypto'
import blake2 from '@multiformats/blake2'
import { keccak224, keccak256, keccak384, keccak512 } from '@multiformats/sha3'
import * as Digest from 'multiformats/hashes/digest'
import { InvalidArgumentError } from '../../errors.js'
import type { MultihashDigest, MultihashHasher } from 'multiformats/hashes/interface'

export interface Hasher {
  /** go-multihash name (`sha2-256`). */
  name: string
  /** Multihash code. */
  code: number
  /** Digest length in bytes. */
  size: number
  /** Digest of `bytes`. */
  digest(bytes: Uint8Array): MultihashDigest
  /** Digest computed off the main thread, when available. */
  digestAsync?(bytes: Uint8Array): Promise<MultihashDigest>
}

const WEBCRYPTO: Record<string, string> = { sha1: 'SHA-1', sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' }

function nodeHasher (name: string, code: number, algo: string, size: number, outputLength?: number): Hasher {
  const opts = outputLength != null ? { outputLength } : undefined
  const hasher: Hasher = {
    name,
    code,
    size,
    digest: (bytes) => {
      const h = createHash(algo, opts).update(bytes).digest()
      return Digest.create(code, new Uint8Array(h.buffer, h.byteOffset, h.byteLength))
    }
  }
  const subtleName = WEBCRYPTO[algo]
  if (subtleName != null) {
    hasher.digestAsync = async (bytes) => Digest.create(code, new Uint8Array(await webcrypto.subtle.digest(subtleName, bytes)))
  }
  return hasher
}

function fromMultiformats (name: string, h: MultihashHasher, size: number): Hasher {
  return {
    name,
    code: h.code,
    size,
    digest: (bytes) => {
      const d = h.digest(bytes)
      if (d instanceof Promise) throw new Error(`hasher ${name} is not synchronous`)
      return d
    }
  }
}

const FACTORIES = new Map<string, () => Hasher>([
  ['sha1', () => nodeHasher('sha1', 0x11, 'sha1', 20)],
  ['sha2-256', () => nodeHasher('sha2-256', 0x12, 'sha256', 32)],
  ['sha2-512', () => nodeHasher('sha2-512', 0x13, 'sha512', 64)],
  ['sha2-224', () => nodeHasher('sha2-224', 0x1013, 'sha224', 28)],
  ['sha2-384', () => nodeHasher('sha2-384', 0x20, 'sha384', 48)],
  ['sha2-512-224', () => nodeHasher('sha2-512-224', 0x1014, 'sha512-224', 28)],
  ['sha2-512-256', () => nodeHasher('sha2-512-256', 0x1015, 'sha512-256', 32)],
  ['sha3-224', () => nodeHasher('sha3-224', 0x17, 'sha3-224', 28)],
  ['sha3-256', () => nodeHasher('sha3-256', 0x16, 'sha3-256', 32)],
  ['sha3-384', () => nodeHasher('sha3-384', 0x15, 'sha3-384', 48)],
  ['sha3-512', () => nodeHasher('sha3-512', 0x14, 'sha3-512', 64)],
  ['sha3', () => nodeHasher('sha3-512', 0x14, 'sha3-512', 64)],
  ['shake-128', () => nodeHasher('shake-128', 0x18, 'shake128', 32, 32)],
  ['shake-256', () => nodeHasher('shake-256', 0x19, 'shake256', 64, 64)],
  ['md5', () => nodeHasher('md5', 0xd5, 'md5', 16)],
  ['keccak-224', () => fromMultiformats('keccak-224', keccak224, 28)],
  ['keccak-256', () => fromMultiformats('keccak-256', keccak256, 32)],
  ['keccak-384', () => fromMultiformats('keccak-384', keccak384, 48)],
  ['keccak-512', () => fromMultiformats('keccak-512', keccak512, 64)],
  ['dbl-sha2-256', () => ({
    name: 'dbl-sha2-256',
    code: 0x56,
    size: 32,
    digest: (bytes: Uint8Array) => {
      const h = createHash('sha256').update(createHash('sha256').update(bytes).digest()).digest()
      return Digest.create(0x56, new Uint8Array(h.buffer, h.byteOffset, h.byteLength))
    }
  })]
])

for (let bits = 8; bits <= 512; bits += 8) {
  const name = `blake2b-${bits}`
  FACTORIES.set(name, () => {
    if (bits === 512) return nodeHasher(name, 0xb240, 'blake2b512', 64)
    const h = (blake2.blake2b as unknown as Record<string, MultihashHasher>)[`blake2b${bits}`]
    return fromMultiformats(name, h, bits / 8)
  })
}
for (let bits = 8; bits <= 256; bits += 8) {
  const name = `blake2s-${bits}`
  FACTORIES.set(name, () => {
    if (bits === 256) return nodeHasher(name, 0xb260, 'blake2s256', 32)
    const h = (blake2.blake2s as unknown as Record<string, MultihashHasher>)[`blake2s${bits}`]
    return fromMultiformats(name, h, bits / 8)
  })
}

/** Names go-multihash knows but that have no hasher here. */
const KNOWN_UNSUPPORTED = new Set(['identity', 'blake3', 'murmur3-x64-64', 'murmur3-32', 'sha2-256-trunc254-padded', 'x11', 'poseidon-bls12_381-a2-fc1'])

const cache = new Map<string, Hasher>()

/**
 * The hasher for a multihash name (case-insensitive). Throws
 * InvalidArgumentError `hash function name not known` for unknown names.
 */
export function hasherByName (name: string): Hasher {
  const key = name.toLowerCase()
  const cached = cache.get(key)
  if (cached != null) return cached
  const factory = FACTORIES.get(key)
  if (factory == null) {
    if (KNOWN_UNSUPPORTED.has(key)) {
      throw new InvalidArgumentError(`hash function ${key} is not supported for adding content`)
    }
    throw new InvalidArgumentError('hash function name not known')
  }
  const h = factory()
  cache.set(key, h)
  return h
}

/** Hasher for a multihash code, or undefined (CAR verification). */
export function hasherByCode (code: number): Hasher | undefined {
  for (const [key, factory] of FACTORIES) {
    if (key === 'sha3') continue
    const cached = cache.get(key)
    const h = cached ?? factory()
    if (h.code === code) {
      cache.set(key, h)
      return h
    }
  }
  return undefined
}
