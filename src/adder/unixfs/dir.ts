/**
 * UnixFS directories as Kubo's MFS builds them during `ipfs add`:
 *
 * - a basic directory is a dag-pb node with `Type: Directory` and one link
 *   per entry, sorted by name (byte order), `Tsize` = the entry's
 *   cumulative size;
 * - when the estimated size (sum over entries of name length + CID byte
 *   length) reaches the threshold (256 KiB), the directory is a HAMT
 *   (`Type: HAMTShard`, murmur3-x64-64, fanout 256): entries are placed by
 *   successive bytes of the name's hash; a slot holding one entry links to
 *   it as `<2 hex digits><name>`, a slot holding several links to a child
 *   shard as `<2 hex digits>`.
 */
import { InvalidArgumentError } from '../../errors.js'
import { compareBytes, makeCid, utf8 } from './block.js'
import { DAG_PB, directoryData, encodePBNode, hamtShardData, symlinkData } from './encoding.js'
import { murmur3x64h1 } from './murmur3.js'
import type { BlockSink, BuiltNode, DagOptions } from './block.js'
import type { PBLink } from './encoding.js'

/** A directory being assembled: entries are built nodes or sub-directories. */
export class DirectoryTree {
  readonly children = new Map<string, DirectoryTree | BuiltNode>()

  /** The sub-directory at `name`, created if missing. Throws if a non-directory is there. */
  subdir (name: string): DirectoryTree {
    const existing = this.children.get(name)
    if (existing instanceof DirectoryTree) return existing
    if (existing != null) throw new InvalidArgumentError(`cannot create directory ${name}: a file with that name exists`)
    const d = new DirectoryTree()
    this.children.set(name, d)
    return d
  }

  /** The directory at a `/`-separated relative path (parents created). */
  mkdirp (path: string): DirectoryTree {
    let d: DirectoryTree = this
    if (path === '') return d
    for (const part of path.split('/')) d = d.subdir(part)
    return d
  }

  /** Sets a built entry; an existing entry with that name is an error (MFS semantics). */
  put (name: string, node: BuiltNode): void {
    if (this.children.has(name)) throw new InvalidArgumentError('directory already has entry by that name')
    this.children.set(name, node)
  }
}

/** A directory result of {@link finalizeTree}, in output order. */
export interface BuiltDirectory extends BuiltNode {
  /** Path relative to the tree root (`''` for the root). */
  path: string
}

interface Entry {
  name: string
  nameBytes: Uint8Array
  node: BuiltNode
}

/**
 * Builds every directory of `tree` bottom-up (children in name order before
 * their parent), emitting blocks, and returns the directories in that
 * order (the root last).
 */
export function finalizeTree (tree: DirectoryTree, opts: DagOptions, emit: BlockSink): BuiltDirectory[] {
  const out: BuiltDirectory[] = []
  finalizeDir(tree, '', opts, emit, out)
  return out
}

function finalizeDir (dir: DirectoryTree, path: string, opts: DagOptions, emit: BlockSink, out: BuiltDirectory[]): BuiltNode {
  const entries: Entry[] = []
  for (const [name, child] of dir.children) entries.push({ name, nameBytes: utf8(name), node: child as BuiltNode })
  entries.sort((a, b) => compareBytes(a.nameBytes, b.nameBytes))
  let estimated = 0
  for (const e of entries) {
    const child = dir.children.get(e.name)
    if (child instanceof DirectoryTree) {
      e.node = finalizeDir(child, path === '' ? e.name : `${path}/${e.name}`, opts, emit, out)
    }
    estimated += e.nameBytes.length + e.node.cid.bytes.length
  }
  const node = estimated >= opts.shardingThreshold
    ? buildShard(entries, 0, opts, emit)
    : basicDirectory(entries, opts, emit)
  out.push({ path, cid: node.cid, size: node.size })
  return node
}

function basicDirectory (entries: Entry[], opts: DagOptions, emit: BlockSink): BuiltNode {
  let size = 0
  const links: PBLink[] = entries.map((e) => {
    size += e.node.size
    return { hash: e.node.cid.bytes, name: e.nameBytes, tsize: e.node.size }
  })
  const bytes = encodePBNode(links, directoryData())
  const cid = makeCid(DAG_PB, bytes, opts)
  emit({ cid, bytes })
  return { cid, size: size + bytes.length }
}

/** An empty directory node (`Type: Directory`, no links). */
export function emptyDirectory (opts: DagOptions, emit: BlockSink): BuiltNode {
  return basicDirectory([], opts, emit)
}

/** A symlink node (`Type: Symlink`, `Data` = target). */
export function symlinkNode (target: string, opts: DagOptions, emit: BlockSink): BuiltNode {
  const bytes = encodePBNode([], symlinkData(utf8(target)))
  const cid = makeCid(DAG_PB, bytes, opts)
  emit({ cid, bytes })
  return { cid, size: bytes.length }
}

interface HashedEntry extends Entry {
  hash: Uint8Array
}

function buildShard (entries: Entry[], depth: number, opts: DagOptions, emit: BlockSink): BuiltNode {
  const hashed: HashedEntry[] = entries.map((e) => ({ ...e, hash: murmur3x64h1(e.nameBytes) }))
  return shardLevel(hashed, depth, opts, emit)
}

/** Bits of the hash used per level: log2(fanout). */
function bitsPerLevel (fanout: number): number {
  let bits = 0
  while ((1 << bits) < fanout) bits++
  if ((1 << bits) !== fanout) throw new InvalidArgumentError('hamt size should be a power of two')
  return bits
}

/** Reads `n` bits of `hash` starting at bit `offset` (most significant first). */
function hashIndex (hash: Uint8Array, offset: number, n: number): number {
  let v = 0
  for (let i = 0; i < n; i++) {
    const bit = offset + i
    v = (v << 1) | ((hash[bit >> 3] >> (7 - (bit & 7))) & 1)
  }
  return v
}

function shardLevel (entries: HashedEntry[], depth: number, opts: DagOptions, emit: BlockSink): BuiltNode {
  const fanout = opts.hamtFanout
  const bits = bitsPerLevel(fanout)
  const offset = depth * bits
  if (offset + bits > 64) throw new InvalidArgumentError('sharded directory too deep')
  const slots = new Map<number, HashedEntry[]>()
  for (const e of entries) {
    const idx = hashIndex(e.hash, offset, bits)
    const slot = slots.get(idx)
    if (slot == null) slots.set(idx, [e])
    else slot.push(e)
  }
  const indexes = [...slots.keys()].sort((a, b) => a - b)
  const padLen = (fanout - 1).toString(16).length
  const links: PBLink[] = []
  let size = 0
  const bitfield = new Uint8Array(Math.ceil(fanout / 8))
  for (const idx of indexes) {
    const slot = slots.get(idx) as HashedEntry[]
    const prefix = idx.toString(16).toUpperCase().padStart(padLen, '0')
    bitfield[bitfield.length - 1 - (idx >> 3)] |= 1 << (idx & 7)
    if (slot.length === 1) {
      const e = slot[0]
      links.push({ hash: e.node.cid.bytes, name: utf8(prefix + e.name), tsize: e.node.size })
      size += e.node.size
    } else {
      const child = shardLevel(slot, depth + 1, opts, emit)
      links.push({ hash: child.cid.bytes, name: utf8(prefix), tsize: child.size })
      size += child.size
    }
  }
  let first = 0
  while (first < bitfield.length && bitfield[first] === 0) first++
  const bytes = encodePBNode(links, hamtShardData(bitfield.subarray(first), fanout))
  const cid = makeCid(DAG_PB, bytes, opts)
  emit({ cid, bytes })
  return { cid, size: size + bytes.length }
}
