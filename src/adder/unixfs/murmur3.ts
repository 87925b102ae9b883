/**
 * MurmurHash3 x64/128 (seed 0), returning the first 64-bit half (`h1`) as
 * 8 big-endian bytes: the HAMT hash of UnixFS sharded directories
 * (Go: `murmur3.New64().Sum(nil)`).
 */
const MASK = (1n << 64n) - 1n
const C1 = 0x87c37b91114253d5n
const C2 = 0x4cf5ad432745937fn

function rotl (x: bigint, r: bigint): bigint {
  return ((x << r) | (x >> (64n - r))) & MASK
}

function fmix (k: bigint): bigint {
  k ^= k >> 33n
  k = (k * 0xff51afd7ed558ccdn) & MASK
  k ^= k >> 33n
  k = (k * 0xc4ceb9fe1a85ec53n) & MASK
  k ^= k >> 33n
  return k
}

function le64 (b: Uint8Array, off: number, len: number): bigint {
  let v = 0n
  for (let i = len - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[off + i])
  return v
}

/** The per-block scrambling of the first lane's key (before it is folded into h1). */
function mixK1 (k1: bigint): bigint {
  return (rotl((k1 * C1) & MASK, 31n) * C2) & MASK
}

/** The same for the second lane (into h2). */
function mixK2 (k2: bigint): bigint {
  return (rotl((k2 * C2) & MASK, 33n) * C1) & MASK
}

export function murmur3x64h1 (data: Uint8Array): Uint8Array {
  let h1 = 0n
  let h2 = 0n
  const nblocks = Math.floor(data.length / 16)
  for (let i = 0; i < nblocks; i++) {
    h1 ^= mixK1(le64(data, i * 16, 8))
    h1 = rotl(h1, 27n)
    h1 = (h1 + h2) & MASK
    h1 = (h1 * 5n + 0x52dce729n) & MASK
    h2 ^= mixK2(le64(data, i * 16 + 8, 8))
    h2 = rotl(h2, 31n)
    h2 = (h2 + h1) & MASK
    h2 = (h2 * 5n + 0x38495ab5n) & MASK
  }
  const tail = nblocks * 16
  const rem = data.length & 15
  if (rem > 8) h2 ^= mixK2(le64(data, tail + 8, rem - 8))
  if (rem > 0) h1 ^= mixK1(le64(data, tail, Math.min(rem, 8)))
  const len = BigInt(data.length)
  h1 ^= len
  h2 ^= len
  h1 = (h1 + h2) & MASK
  h2 = (h2 + h1) & MASK
  h1 = fmix(h1)
  h2 = fmix(h2)
  h1 = (h1 + h2) & MASK
  const out = new Uint8Array(8)
  for (let i = 7; i >= 0; i--) {
    out[i] = Number(h1 & 0xffn)
    h1 >>= 8n
  }
  return out
}
