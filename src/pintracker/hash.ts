/**
 * MurmurHash3 (x86, 32-bit) over a byte range. Used to index CIDs in the
 * compact tables of the tracker (no allocation, good spread on short keys).
 */
export function murmur3 (bytes: Uint8Array, seed: number, start: number = 0, end: number = bytes.length): number {
  const C1 = 0xcc9e2d51
  const C2 = 0x1b873593
  let h = seed | 0
  const len = end - start
  const blocks = start + (len & ~3)
  let i = start
  for (; i < blocks; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24)
    k = Math.imul(k, C1)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, C2)
    h ^= k
    h = (h << 13) | (h >>> 19)
    h = (Math.imul(h, 5) + 0xe6546b64) | 0
  }
  const rest = len & 3
  if (rest > 0) {
    let k = 0
    if (rest === 3) k ^= bytes[i + 2] << 16
    if (rest >= 2) k ^= bytes[i + 1] << 8
    k ^= bytes[i]
    k = Math.imul(k, C1)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, C2)
    h ^= k
  }
  h ^= len
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}
