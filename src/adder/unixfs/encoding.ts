/**
 * Byte-exact encoders for the UnixFS protobuf (`Data`) and the dag-pb node
 * (`PBNode`), as Kubo (boxo + go-codec-dagpb) writes them:
 *
 * - UnixFS fields in field-number order: Type(1), Data(2), filesize(3),
 *   blocksizes(4, one tag per value, not packed), hashType(5), fanout(6).
 * - dag-pb: every link first (Hash(1), Name(2) always present, even empty,
 *   Tsize(3)), then Data(1) when present.
 *
 * Numbers are JS numbers (exact up to 2^53, far above any file size).
 */

/** UnixFS node types (`Data.DataType`). */
export const UnixFSType = {
  Raw: 0,
  Directory: 1,
  File: 2,
  Metadata: 3,
  Symlink: 4,
  HAMTShard: 5
} as const

/** Multicodec codes. */
export const DAG_PB = 0x70
export const RAW = 0x55
export const DAG_CBOR = 0x71

/** Multihash code of murmur3-x64-64 (HAMT hash type). */
export const MURMUR3_X64_64 = 0x22

export function varintLength (n: number): number {
  let len = 1
  while (n >= 0x80) {
    n = Math.floor(n / 128)
    len++
  }
  return len
}

/** Writes `n` as an unsigned varint at `off`; returns the offset after it. */
export function writeVarint (buf: Uint8Array, off: number, n: number): number {
  while (n >= 0x80) {
    buf[off++] = (n % 128) | 0x80
    n = Math.floor(n / 128)
  }
  buf[off++] = n
  return off
}

/** A dag-pb link. `hash` is the CID bytes. */
export interface PBLink {
  hash: Uint8Array
  name: Uint8Array
  tsize: number
}

function linkBodyLength (l: PBLink): number {
  return 1 + varintLength(l.hash.length) + l.hash.length +
    1 + varintLength(l.name.length) + l.name.length +
    1 + varintLength(l.tsize)
}

/** Encodes a dag-pb node (links in the given order, then data if any). */
export function encodePBNode (links: PBLink[], data: Uint8Array | undefined): Uint8Array {
  let len = 0
  const bodies = new Array<number>(links.length)
  for (let i = 0; i < links.length; i++) {
    const b = linkBodyLength(links[i])
    bodies[i] = b
    len += 1 + varintLength(b) + b
  }
  if (data != null) len += 1 + varintLength(data.length) + data.length
  const buf = new Uint8Array(len)
  let off = 0
  for (let i = 0; i < links.length; i++) {
    const l = links[i]
    buf[off++] = 0x12
    off = writeVarint(buf, off, bodies[i])
    buf[off++] = 0x0a
    off = writeVarint(buf, off, l.hash.length)
    buf.set(l.hash, off)
    off += l.hash.length
    buf[off++] = 0x12
    off = writeVarint(buf, off, l.name.length)
    buf.set(l.name, off)
    off += l.name.length
    buf[off++] = 0x18
    off = writeVarint(buf, off, l.tsize)
  }
  if (data != null) {
    buf[off++] = 0x0a
    off = writeVarint(buf, off, data.length)
    buf.set(data, off)
  }
  return buf
}

/**
 * UnixFS `Data` of a file node without inline data:
 * `Type`, `filesize`, then one `blocksizes` entry per child.
 */
export function fileNodeData (type: number, fileSize: number, blockSizes: number[]): Uint8Array {
  let len = 2 + 1 + varintLength(fileSize)
  for (const s of blockSizes) len += 1 + varintLength(s)
  const buf = new Uint8Array(len)
  buf[0] = 0x08
  buf[1] = type
  buf[2] = 0x18
  let off = writeVarint(buf, 3, fileSize)
  for (const s of blockSizes) {
    buf[off++] = 0x20
    off = writeVarint(buf, off, s)
  }
  return buf
}

/** UnixFS `Data` of a directory (`Type: Directory` only). */
export function directoryData (): Uint8Array {
  return Uint8Array.of(0x08, UnixFSType.Directory)
}

/** UnixFS `Data` of a symlink: `Type: Symlink`, `Data: target`. */
export function symlinkData (target: Uint8Array): Uint8Array {
  const buf = new Uint8Array(2 + 1 + varintLength(target.length) + target.length)
  buf[0] = 0x08
  buf[1] = UnixFSType.Symlink
  buf[2] = 0x12
  const off = writeVarint(buf, 3, target.length)
  buf.set(target, off)
  return buf
}

/** UnixFS `Data` of a HAMT shard node (murmur3-x64-64, given fanout). */
export function hamtShardData (bitfield: Uint8Array, fanout: number): Uint8Array {
  const dataLen = bitfield.length > 0 ? 1 + varintLength(bitfield.length) + bitfield.length : 0
  const buf = new Uint8Array(2 + dataLen + 1 + varintLength(MURMUR3_X64_64) + 1 + varintLength(fanout))
  buf[0] = 0x08
  buf[1] = UnixFSType.HAMTShard
  let off = 2
  if (bitfield.length > 0) {
    buf[off++] = 0x12
    off = writeVarint(buf, off, bitfield.length)
    buf.set(bitfield, off)
    off += bitfield.length
  }
  buf[off++] = 0x28
  off = writeVarint(buf, off, MURMUR3_X64_64)
  buf[off++] = 0x30
  writeVarint(buf, off, fanout)
  return buf
}

/**
 * Layout of a dag-pb leaf holding `n` bytes of file data:
 * `0a <len(unixfs)> 08 <type> 12 <n> [data] 18 <n>`.
 * `header` bytes go before the data, `trailer` bytes after it.
 */
export function leafHeaderLength (n: number): number {
  const unixfsLen = 2 + 1 + varintLength(n) + n + 1 + varintLength(n)
  return 1 + varintLength(unixfsLen) + 2 + 1 + varintLength(n)
}

export function leafTrailerLength (n: number): number {
  return 1 + varintLength(n)
}

/**
 * Writes the header right before `start` and the trailer right after
 * `start + n` in `buf` (the data is already at `start`); returns the
 * offset of the first byte of the node.
 */
export function writeLeafFrame (buf: Uint8Array, start: number, n: number, type: number): number {
  const hlen = leafHeaderLength(n)
  const unixfsLen = 2 + 1 + varintLength(n) + n + 1 + varintLength(n)
  let off = start - hlen
  const first = off
  buf[off++] = 0x0a
  off = writeVarint(buf, off, unixfsLen)
  buf[off++] = 0x08
  buf[off++] = type
  buf[off++] = 0x12
  writeVarint(buf, off, n)
  let t = start + n
  buf[t++] = 0x18
  writeVarint(buf, t, n)
  return first
}
