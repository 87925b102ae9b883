/**
 * CAR v1 import (`format=car`): every block is checked (codec dag-pb, raw
 * or dag-cbor; the CID matches the bytes) and streamed to the
 * destinations; the CAR must have exactly one root.
 */
import { CarBlockIterator } from '@ipld/car/iterator'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagPb from '@ipld/dag-pb'
import { InvalidArgumentError } from '../errors.js'
import { DAG_CBOR, DAG_PB, RAW, UnixFSType } from './unixfs/encoding.js'
import { hasherByCode } from './unixfs/hasher.js'
import type { BlockWithCid } from '../api/types.js'
import type { CID } from 'multiformats/cid'

const IDENTITY = 0x00

export interface CarImportResult {
  root: CID
  /** Sum of the block sizes. */
  bytes: number
  /** UnixFS size of the root when it is in the CAR and is a UnixFS node; else 0. */
  size: number
}

/**
 * Reads a CAR v1 stream, calling `put` for each verified block (awaited
 * when it returns a promise, for back-pressure).
 */
export async function importCar (content: AsyncIterable<Uint8Array>, put: (block: BlockWithCid) => void | Promise<void>, signal?: AbortSignal): Promise<CarImportResult> {
  let reader: CarBlockIterator
  try {
    reader = await CarBlockIterator.fromIterable(content)
  } catch (err) {
    throw new InvalidArgumentError(`error reading CAR header: ${(err as Error).message}`)
  }
  if (reader.version !== 1) throw new InvalidArgumentError(`invalid car version: ${reader.version}`)
  const roots = await reader.getRoots()
  if (roots.length === 0) throw new InvalidArgumentError('empty car, no roots')
  if (roots.length !== 1) throw new InvalidArgumentError('only CAR files with a single root are supported')
  const root = roots[0]
  let bytes = 0
  let size = 0
  const it = reader[Symbol.asyncIterator]()
  for (;;) {
    let next: IteratorResult<{ cid: CID, bytes: Uint8Array }>
    try {
      next = await it.next()
    } catch (err) {
      throw new InvalidArgumentError(`error reading CAR block: ${(err as Error).message}`)
    }
    if (next.done === true) break
    signal?.throwIfAborted()
    const block = next.value
    verifyBlock(block.cid, block.bytes)
    bytes += block.bytes.length
    if (block.cid.equals(root)) size = unixfsSize(block.cid, block.bytes)
    const p = put({ cid: block.cid, bytes: block.bytes })
    if (p != null) await p
  }
  return { root, bytes, size }
}

function verifyBlock (cid: CID, bytes: Uint8Array): void {
  const codec = cid.code
  if (codec !== DAG_PB && codec !== RAW && codec !== DAG_CBOR) {
    throw new InvalidArgumentError(`unsupported codec 0x${codec.toString(16)} in CAR block ${cid.toString()}: only dag-pb, raw and dag-cbor are accepted`)
  }
  const mh = cid.multihash
  let digest: Uint8Array
  if (mh.code === IDENTITY) {
    digest = bytes
  } else {
    const hasher = hasherByCode(mh.code)
    if (hasher == null) throw new InvalidArgumentError(`unsupported hash function 0x${mh.code.toString(16)} in CAR block ${cid.toString()}`)
    digest = hasher.digest(bytes).digest
  }
  if (!equalBytes(digest.subarray(0, mh.size), mh.digest)) {
    throw new InvalidArgumentError(`mismatch in content integrity, name: ${cid.toString()}`)
  }
  try {
    if (codec === DAG_PB) dagPb.decode(bytes)
    else if (codec === DAG_CBOR) dagCbor.decode(bytes)
  } catch (err) {
    throw new InvalidArgumentError(`cannot decode CAR block ${cid.toString()}: ${(err as Error).message}`)
  }
}

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Reads a protobuf varint; returns [value, next offset] or undefined when malformed. */
function readVarint (b: Uint8Array, off: number): [number, number] | undefined {
  let v = 0
  let mul = 1
  for (let i = 0; i < 10; i++) {
    if (off >= b.length) return undefined
    const byte = b[off++]
    v += (byte & 0x7f) * mul
    if ((byte & 0x80) === 0) return [v, off]
    mul *= 128
  }
  return undefined
}

/**
 * Go's `unixfs.ExtractFSNode(nd).FileSize()`: `filesize` of File/Raw
 * nodes, the data length of symlinks, 0 otherwise or when the block is not
 * a valid UnixFS dag-pb node.
 */
function unixfsSize (cid: CID, bytes: Uint8Array): number {
  if (cid.code !== DAG_PB) return 0
  let data: Uint8Array | undefined
  try {
    data = dagPb.decode(bytes).Data
  } catch {
    return 0
  }
  if (data == null) return 0
  let type: number | undefined
  let filesize = 0
  let dataLen = 0
  let off = 0
  while (off < data.length) {
    const tag = readVarint(data, off)
    if (tag == null) return 0
    off = tag[1]
    const field = Math.floor(tag[0] / 8)
    const wire = tag[0] & 7
    if (wire === 0) {
      const v = readVarint(data, off)
      if (v == null) return 0
      off = v[1]
      if (field === 1) type = v[0]
      if (field === 3) filesize = v[0]
    } else if (wire === 2) {
      const l = readVarint(data, off)
      if (l == null || l[1] + l[0] > data.length) return 0
      if (field === 2) dataLen = l[0]
      off = l[1] + l[0]
    } else if (wire === 1) {
      off += 8
    } else if (wire === 5) {
      off += 4
    } else {
      return 0
    }
  }
  if (off !== data.length || type == null) return 0
  switch (type) {
    case UnixFSType.File:
    case UnixFSType.Raw:
      return filesize
    case UnixFSType.Symlink:
      return dataLen
    default:
      return 0
  }
}
