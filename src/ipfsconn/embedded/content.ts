/**
 * Read access to the content of the embedded node, for the IPFS proxy
 * (Kubo `cat`, `ls`, `refs`, `block/stat`, `dag/get`, `object stat`).
 * Missing blocks are fetched from connected peers; each block fetch fails
 * with TimeoutError after the node's request timeout.
 */
import { exporter, walkPath } from 'ipfs-unixfs-exporter'
import { CID } from 'multiformats/cid'
import { InvalidArgumentError, IPFSError, NotFoundError, TimeoutError, UnsupportedOperationError, isAbortError } from '../../errors.js'
import { CODEC_DAG_PB, HASH_IDENTITY, blockLinks, cidKey, codecName, dagPbLinks, decodeBlock } from './dag.js'
import type { AbortOptions } from '../../interfaces.js'
import type { UnixFSEntry } from 'ipfs-unixfs-exporter'

/** Raw and identity blocks are files (as in Kubo); `object` = a non-UnixFS node (dag-cbor…). */
export type ContentType = 'file' | 'directory' | 'symlink' | 'object'

export interface ContentLink {
  name: string
  cid: CID
  /** File size for files (UnixFS), 0 for directories, else the link's Tsize. */
  size: bigint
  type: ContentType
}

export interface ContentStat {
  cid: CID
  type: ContentType
  /** File size (files), 0 for directories and objects. */
  size: bigint
  /** Bytes of the root block. */
  blockSize: number
  numLinks: number
  /** Root block + sum of link Tsizes (dag-pb), else the block size. */
  cumulativeSize: bigint
}

export interface RefsOptions extends AbortOptions {
  /** All descendants instead of the direct links. */
  recursive?: boolean
  /** Each CID once. */
  unique?: boolean
  /** Maximum link depth (-1 unlimited, 1 = direct links). Overrides `recursive`. */
  maxDepth?: number
}

export interface RefEdge {
  from: CID
  to: CID
}

/**
 * The read API of the embedded node. Paths are `/ipfs/<cid>[/sub/path]`,
 * `/ipld/…` or a bare `<cid>[/sub/path]`.
 */
export interface EmbeddedContent {
  /** File bytes (files, raw blocks). Throws InvalidArgumentError for directories. */
  cat(path: string, options?: AbortOptions & { offset?: number, length?: number }): AsyncGenerator<Uint8Array>
  /** Directory entries, or the links of a file's root node. */
  ls(path: string, options?: AbortOptions): AsyncGenerator<ContentLink>
  /** Links (Kubo `refs`), depth-first in link order. */
  refs(cid: CID, options?: RefsOptions): AsyncGenerator<CID>
  /** Same walk as `refs`, with the parent of each link (`refs --edges`). */
  refEdges(cid: CID, options?: RefsOptions): AsyncGenerator<RefEdge>
  blockStat(cid: CID, options?: AbortOptions): Promise<{ cid: CID, size: number }>
  stat(path: string, options?: AbortOptions): Promise<ContentStat>
  /** The decoded root block (dag-pb as `{ Data, Links }`, raw as bytes). */
  dagGet(cid: CID, options?: AbortOptions): Promise<{ codec: string, value: unknown }>
}

/** Block access used by the reader (local first, then peers). */
export interface ContentBlocks {
  get: (cid: CID, options?: AbortOptions) => AsyncGenerator<Uint8Array>
  /** Whole block bytes. */
  block: (cid: CID, options?: AbortOptions) => Promise<Uint8Array>
  /** Size of a locally stored block without reading it. */
  localSize: (cid: CID) => Promise<number | undefined>
}

export interface ParsedPath {
  root: CID
  /** Path segments after the root. */
  rest: string[]
}

/**
 * Parses an IPFS path. `/ipns/` paths throw UnsupportedOperationError;
 * malformed ones InvalidArgumentError.
 */
export function parseIpfsPath (path: string): ParsedPath {
  let p = path.trim()
  if (p.startsWith('/ipns/') || p === '/ipns') {
    throw new UnsupportedOperationError(`cannot resolve ${path}: IPNS is not supported by the embedded IPFS node`)
  }
  if (p.startsWith('/ipfs/')) p = p.slice(6)
  else if (p.startsWith('/ipld/')) p = p.slice(6)
  else if (p.startsWith('/')) {
    throw new InvalidArgumentError(`invalid path "${path}": unknown namespace`)
  }
  const parts = p.split('/').filter((s) => s !== '')
  if (parts.length === 0) {
    throw new InvalidArgumentError(`invalid path "${path}": no CID`)
  }
  let root: CID
  try {
    root = CID.parse(parts[0])
  } catch (err) {
    throw new InvalidArgumentError(`invalid path "${path}": ${(err as Error).message}`)
  }
  return { root, rest: parts.slice(1) }
}

function pathString (p: ParsedPath): string {
  return [p.root.toString(), ...p.rest].join('/')
}

/** Maps errors of the exporter and of block fetches to ours. */
export function mapContentError (err: unknown, what: string): Error {
  const e = err as Error
  if (e?.name === 'NotFoundError' || e?.name === 'BadPathError') {
    return new NotFoundError(`${what}: ${e.message}`)
  }
  if (e?.name === 'NoResolverError' || e?.name === 'NotUnixFSError') {
    return new InvalidArgumentError(`${what}: ${e.message}`)
  }
  if (e?.name === 'TimeoutError') return new TimeoutError(`${what}: ${e.message}`)
  if (isAbortError(e)) return e
  if (e instanceof Error && ['InvalidArgumentError', 'UnsupportedOperationError', 'IPFSError'].includes(e.name)) return e
  return new IPFSError(`${what}: ${e?.message ?? String(err)}`)
}

function entryType (entry: UnixFSEntry): ContentType {
  switch (entry.type) {
    case 'file':
    case 'directory':
      return entry.unixfs.type === 'symlink' ? 'symlink' : entry.type
    case 'raw':
    case 'identity':
      return 'file'
    default:
      return 'object'
  }
}

export class ContentReader implements EmbeddedContent {
  constructor (private readonly blocks: ContentBlocks) {}

  private async entry (path: string, options?: AbortOptions): Promise<UnixFSEntry> {
    const parsed = parseIpfsPath(path)
    try {
      return await exporter(pathString(parsed), this.blocks, { signal: options?.signal })
    } catch (err) {
      throw mapContentError(err, path)
    }
  }

  /** Resolves a path to the CID of its last node (no I/O for a bare root). */
  async resolve (path: string, options?: AbortOptions): Promise<CID> {
    const parsed = parseIpfsPath(path)
    if (parsed.rest.length === 0) return parsed.root
    let last: CID = parsed.root
    try {
      for await (const entry of walkPath(pathString(parsed), this.blocks, { signal: options?.signal })) {
        last = entry.cid
      }
    } catch (err) {
      throw mapContentError(err, `resolve ${path}`)
    }
    return last
  }

  async * cat (path: string, options: AbortOptions & { offset?: number, length?: number } = {}): AsyncGenerator<Uint8Array> {
    const entry = await this.entry(path, options)
    if (entry.type === 'directory') {
      throw new InvalidArgumentError('this dag node is a directory')
    }
    if (entry.type === 'object') {
      throw new InvalidArgumentError(`cat ${path}: not a file (codec ${codecName(entry.cid.code)})`)
    }
    try {
      yield * entry.content({ offset: options.offset, length: options.length, signal: options.signal })
    } catch (err) {
      throw mapContentError(err, `cat ${path}`)
    }
  }

  async * ls (path: string, options: AbortOptions = {}): AsyncGenerator<ContentLink> {
    const entry = await this.entry(path, options)
    try {
      if (entry.type === 'directory') {
        for await (const child of entry.entries({ signal: options.signal })) {
          const resolved = await exporter(child.cid, this.blocks, { signal: options.signal })
          const type = entryType(resolved)
          const size = type === 'directory' ? 0n : type === 'object' ? child.size : resolved.size
          yield { name: child.name, cid: child.cid, size, type }
        }
        return
      }
      if (entry.cid.code === CODEC_DAG_PB && entry.type === 'file') {
        for (const link of entry.node.Links) {
          yield { name: link.Name ?? '', cid: link.Hash, size: BigInt(link.Tsize ?? 0), type: 'file' }
        }
      }
    } catch (err) {
      throw mapContentError(err, `ls ${path}`)
    }
  }

  async * refs (cid: CID, options: RefsOptions = {}): AsyncGenerator<CID> {
    for await (const edge of this.refEdges(cid, options)) {
      yield edge.to
    }
  }

  async * refEdges (cid: CID, options: RefsOptions = {}): AsyncGenerator<RefEdge> {
    const maxDepth = options.maxDepth ?? (options.recursive === true ? -1 : 1)
    if (maxDepth === 0) return
    const seen = options.unique === true ? new Set<string>() : undefined
    // explicit stack: DAGs can be deeper than the call stack
    const stack: Array<{ cid: CID, links: CID[], index: number, depth: number }> = []
    const open = async (c: CID, depth: number): Promise<void> => {
      let bytes: Uint8Array
      try {
        bytes = await this.blocks.block(c, options)
      } catch (err) {
        throw mapContentError(err, `refs ${c.toString()}`)
      }
      stack.push({ cid: c, links: blockLinks(c, bytes), index: 0, depth })
    }
    await open(cid, 0)
    while (stack.length > 0) {
      const top = stack[stack.length - 1]
      if (top.index >= top.links.length) {
        stack.pop()
        continue
      }
      const link = top.links[top.index++]
      if (seen != null) {
        const k = cidKey(link)
        if (seen.has(k)) continue
        seen.add(k)
      }
      yield { from: top.cid, to: link }
      const depth = top.depth + 1
      if (maxDepth < 0 || depth < maxDepth) {
        await open(link, depth)
      }
    }
  }

  async blockStat (cid: CID, options: AbortOptions = {}): Promise<{ cid: CID, size: number }> {
    if (cid.multihash.code === HASH_IDENTITY) {
      return { cid, size: cid.multihash.digest.byteLength }
    }
    const local = await this.blocks.localSize(cid)
    if (local !== undefined) return { cid, size: local }
    try {
      return { cid, size: (await this.blocks.block(cid, options)).byteLength }
    } catch (err) {
      throw mapContentError(err, `block/stat ${cid.toString()}`)
    }
  }

  async stat (path: string, options: AbortOptions = {}): Promise<ContentStat> {
    const entry = await this.entry(path, options)
    let bytes: Uint8Array
    try {
      bytes = await this.blocks.block(entry.cid, options)
    } catch (err) {
      throw mapContentError(err, `stat ${path}`)
    }
    const type = entryType(entry)
    let numLinks = 0
    let cumulativeSize = BigInt(bytes.byteLength)
    if (entry.cid.code === CODEC_DAG_PB) {
      const links = dagPbLinks(bytes)
      numLinks = links.length
      for (const l of links) cumulativeSize += BigInt(l.size)
    } else {
      try {
        numLinks = blockLinks(entry.cid, bytes).length
      } catch {}
    }
    const size = type === 'directory' || type === 'object' ? 0n : entry.size
    return { cid: entry.cid, type, size, blockSize: bytes.byteLength, numLinks, cumulativeSize }
  }

  async dagGet (cid: CID, options: AbortOptions = {}): Promise<{ codec: string, value: unknown }> {
    let bytes: Uint8Array
    try {
      bytes = await this.blocks.block(cid, options)
    } catch (err) {
      throw mapContentError(err, `dag/get ${cid.toString()}`)
    }
    return { codec: codecName(cid.code), value: decodeBlock(cid, bytes) }
  }
}
