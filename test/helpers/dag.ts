/**
 * Small DAG builders for tests: raw blocks, UnixFS files (raw leaves under
 * a dag-pb root) and UnixFS directories, with real CIDs.
 */
import { randomBytes } from 'node:crypto'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import type { BlockWithCid } from '../../src/api/types.js'

const RAW = 0x55

export async function rawBlock (bytes: Uint8Array): Promise<BlockWithCid> {
  return { cid: CID.createV1(RAW, await sha256.digest(bytes)), bytes }
}

/** A random raw block of `size` bytes. */
export async function randomRawBlock (size = 512): Promise<BlockWithCid> {
  return await rawBlock(new Uint8Array(randomBytes(size)))
}

/** A CID nobody has (random raw sha2-256). */
export async function randomCid (): Promise<CID> {
  return (await randomRawBlock(64)).cid
}

/** A dag-pb block (CIDv1, or v0 when `version` is 0). */
export async function dagPbBlock (node: dagPb.PBNode, version: 0 | 1 = 1): Promise<BlockWithCid> {
  const bytes = dagPb.encode(dagPb.prepare(node))
  const digest = await sha256.digest(bytes)
  return { cid: version === 0 ? CID.createV0(digest) : CID.createV1(dagPb.code, digest), bytes }
}

/** A dag-pb UnixFS file node holding `data` inline (no links). */
export async function unixfsInlineFile (data: Uint8Array, version: 0 | 1 = 1): Promise<BlockWithCid> {
  const file = new UnixFS({ type: 'file', data })
  return await dagPbBlock({ Data: file.marshal(), Links: [] }, version)
}

/**
 * A UnixFS file: raw leaves of `chunkSize` bytes and, when there is more
 * than one, a dag-pb root (CIDv1). Blocks are listed leaves first.
 */
export async function unixfsFile (bytes: Uint8Array, chunkSize = 256 * 1024): Promise<{ root: CID, blocks: BlockWithCid[] }> {
  const leaves: BlockWithCid[] = []
  for (let off = 0; off < bytes.length || (off === 0 && bytes.length === 0); off += chunkSize) {
    leaves.push(await rawBlock(bytes.subarray(off, off + chunkSize)))
    if (bytes.length === 0) break
  }
  if (leaves.length === 1) {
    return { root: leaves[0].cid, blocks: leaves }
  }
  const file = new UnixFS({ type: 'file' })
  for (const l of leaves) file.addBlockSize(BigInt(l.bytes.length))
  const root = await dagPbBlock({
    Data: file.marshal(),
    Links: leaves.map((l) => ({ Hash: l.cid, Name: '', Tsize: l.bytes.length }))
  })
  return { root: root.cid, blocks: [...leaves, root] }
}

/** A UnixFS directory node linking `entries` by name. */
export async function unixfsDirectory (entries: Array<{ name: string, cid: CID, size: number }>, version: 0 | 1 = 1): Promise<BlockWithCid> {
  const dir = new UnixFS({ type: 'directory' })
  return await dagPbBlock({
    Data: dir.marshal(),
    Links: entries.map((e) => ({ Hash: e.cid, Name: e.name, Tsize: e.size }))
  }, version)
}

/** Yields blocks (an AsyncIterable for `blockStream`). */
export async function * blocksOf (blocks: BlockWithCid[]): AsyncGenerator<BlockWithCid> {
  for (const b of blocks) yield b
}
