/**
 * Streaming UnixFS file builder: chunks the bytes pushed into it, emits a
 * leaf block per chunk and the intermediate nodes of Kubo's balanced or
 * trickle layout as soon as they are complete. Memory stays bounded by one
 * chunk plus one pending node per tree level.
 *
 * Kubo behaviours reproduced:
 * - balanced: up to `maxLinks` (174) children per node, all leaves at the
 *   same depth, a single chunk is the file itself (raw leaf, or a dag-pb
 *   `File` leaf), an empty file is an empty leaf;
 * - trickle: the root always is an intermediate node, leaves are UnixFS
 *   `Raw` when raw leaves are off, and each node holds `maxLinks` leaves
 *   then 4 subtrees of each depth 1, 2, … (bounded by its own depth);
 * - raw leaves are CIDv1 `raw` even under a CIDv0 prefix.
 */
import { createChunker } from './chunker.js'
import { DAG_PB, RAW, UnixFSType, encodePBNode, fileNodeData, leafHeaderLength, leafTrailerLength, writeLeafFrame } from './encoding.js'
import { cidFromDigest, makeCid } from './block.js'
import type { BlockSink, BuiltNode, DagOptions } from './block.js'
import type { Chunker } from './chunker.js'
import type { PBLink } from './encoding.js'
import type { CID } from 'multiformats/cid'
import type { MultihashDigest } from 'multiformats/hashes/interface'

/** A built file: root CID, cumulative size and file size. */
export interface BuiltFile extends BuiltNode {
  fileSize: number
}

/** A child link of a file node, with the file bytes under it. */
interface FileLink {
  cid: CID
  tsize: number
  fileSize: number
}

const EMPTY_NAME = new Uint8Array(0)

/** Above this waste ratio a framed chunk is copied into an exact-size block. */
function shouldCompact (used: number, capacity: number): boolean {
  return used * 2 < capacity
}

function fileNode (links: FileLink[], opts: DagOptions, emit: BlockSink): FileLink {
  let fileSize = 0
  let tsize = 0
  const sizes = new Array<number>(links.length)
  const pbLinks = new Array<PBLink>(links.length)
  for (let i = 0; i < links.length; i++) {
    const l = links[i]
    fileSize += l.fileSize
    tsize += l.tsize
    sizes[i] = l.fileSize
    pbLinks[i] = { hash: l.cid.bytes, name: EMPTY_NAME, tsize: l.tsize }
  }
  const bytes = encodePBNode(pbLinks, fileNodeData(UnixFSType.File, fileSize, sizes))
  const cid = makeCid(DAG_PB, bytes, opts)
  emit({ cid, bytes })
  return { cid, tsize: tsize + bytes.length, fileSize }
}

interface Layout {
  add(leaf: FileLink): void
  /** The root link (undefined when no leaf was added). */
  finish(): FileLink | undefined
}

class BalancedLayout implements Layout {
  private readonly levels: FileLink[][] = [[]]
  private leaves = 0
  private single: FileLink | undefined

  constructor (private readonly opts: DagOptions, private readonly emit: BlockSink) {}

  add (leaf: FileLink): void {
    this.leaves++
    if (this.leaves === 1) this.single = leaf
    this.push(0, leaf)
  }

  private push (level: number, link: FileLink): void {
    let arr = this.levels[level]
    if (arr == null) {
      arr = []
      this.levels[level] = arr
    }
    if (arr.length === this.opts.maxLinks) {
      const node = fileNode(arr, this.opts, this.emit)
      arr = []
      this.levels[level] = arr
      this.push(level + 1, node)
    }
    arr.push(link)
  }

  finish (): FileLink | undefined {
    if (this.leaves === 0) return undefined
    if (this.leaves === 1) return this.single
    for (let i = 0; ; i++) {
      const arr = this.levels[i]
      const top = i === this.levels.length - 1
      if (top) {
        if (arr.length === 1 && i > 0) return arr[0]
        return fileNode(arr, this.opts, this.emit)
      }
      if (arr.length > 0) {
        const node = fileNode(arr, this.opts, this.emit)
        this.levels[i] = []
        this.push(i + 1, node)
      }
    }
  }
}

interface TrickleFrame {
  links: FileLink[]
  /** -1 = unbounded (root). */
  maxDepth: number
  leafPhase: boolean
  depth: number
  repeat: number
}

/** Subtrees of each depth per trickle node (Kubo's depthRepeat). */
const TRICKLE_DEPTH_REPEAT = 4

class TrickleLayout implements Layout {
  private readonly stack: TrickleFrame[] = [{ links: [], maxDepth: -1, leafPhase: true, depth: 1, repeat: 0 }]

  constructor (private readonly opts: DagOptions, private readonly emit: BlockSink) {}

  add (leaf: FileLink): void {
    for (;;) {
      const f = this.stack[this.stack.length - 1]
      if (f.leafPhase) {
        f.links.push(leaf)
        if (f.links.length === this.opts.maxLinks) {
          f.leafPhase = false
          this.popCompleted()
        }
        return
      }
      this.stack.push({ links: [], maxDepth: f.depth, leafPhase: true, depth: 1, repeat: 0 })
    }
  }

  private popCompleted (): void {
    while (this.stack.length > 1) {
      const f = this.stack[this.stack.length - 1]
      if (f.leafPhase || f.depth < f.maxDepth) return
      this.stack.pop()
      const node = fileNode(f.links, this.opts, this.emit)
      const parent = this.stack[this.stack.length - 1]
      parent.links.push(node)
      parent.repeat++
      if (parent.repeat === TRICKLE_DEPTH_REPEAT) {
        parent.depth++
        parent.repeat = 0
      }
    }
  }

  finish (): FileLink {
    while (this.stack.length > 1) {
      const f = this.stack.pop() as TrickleFrame
      this.stack[this.stack.length - 1].links.push(fileNode(f.links, this.opts, this.emit))
    }
    return fileNode(this.stack[0].links, this.opts, this.emit)
  }
}

/** A leaf whose digest is being computed off the main thread. */
interface PendingLeaf {
  digest: Promise<MultihashDigest>
  codec: number
  bytes: Uint8Array
  fileSize: number
}

/**
 * Builds one file: {@link write} the content, then {@link close} (or
 * {@link finish} when hashing is synchronous). Blocks go to `emit` as soon
 * as they are built, in order (leaves, then each parent after its
 * children). When the hash function has an asynchronous digest and
 * `hashWindow` > 0, up to that many leaves are hashed concurrently on the
 * thread pool; call {@link ready} between writes to bound them.
 */
export class FileBuilder {
  private readonly chunker: Chunker
  private readonly layout: Layout
  private readonly leafType: number
  private readonly onChunk: (buf: Uint8Array, start: number, length: number) => void
  private readonly inflight: PendingLeaf[] = []
  private readonly window: number
  private ended = false

  constructor (private readonly opts: DagOptions, private readonly emit: BlockSink) {
    this.window = opts.hasher.digestAsync != null ? Math.max(0, opts.hashWindow) : 0
    this.leafType = opts.layout === 'trickle' ? UnixFSType.Raw : UnixFSType.File
    this.layout = opts.layout === 'trickle' ? new TrickleLayout(opts, emit) : new BalancedLayout(opts, emit)
    if (opts.rawLeaves) {
      this.chunker = createChunker(opts.chunker, () => 0, () => 0)
      this.onChunk = (buf, start, length) => { this.rawLeaf(buf, start, length) }
    } else {
      this.chunker = createChunker(opts.chunker, leafHeaderLength, leafTrailerLength)
      this.onChunk = (buf, start, length) => { this.pbLeaf(buf, start, length) }
    }
  }

  /** Feeds file bytes (any size). The bytes are copied; the caller may reuse them. */
  write (bytes: Uint8Array): void {
    if (bytes.length === 0) return
    this.chunker.push(bytes, this.onChunk)
  }

  /** Leaves still being hashed. */
  get backlog (): number {
    return this.inflight.length
  }

  /** Waits until at most `max` (default: the hash window) leaves are being hashed. */
  async ready (max = this.window): Promise<void> {
    while (this.inflight.length > max) {
      const p = this.inflight[0]
      const digest = await p.digest
      this.inflight.shift()
      const cid = cidFromDigest(p.codec, digest, this.opts)
      this.emit({ cid, bytes: p.bytes })
      this.layout.add({ cid, tsize: p.bytes.length, fileSize: p.fileSize })
    }
  }

  /** Ends the content, waits for every leaf and builds the root. */
  async close (): Promise<BuiltFile> {
    this.end()
    await this.ready(0)
    return this.finish()
  }

  private end (): void {
    if (this.ended) return
    this.ended = true
    this.chunker.end(this.onChunk)
  }

  /** Ends the content and builds the root; every leaf must be hashed (see {@link close}). */
  finish (): BuiltFile {
    this.end()
    if (this.inflight.length > 0) throw new Error('leaves are still being hashed: use close()')
    let root = this.layout.finish()
    if (root == null) {
      // empty file: an empty leaf (balanced only; trickle always has a root node)
      root = this.opts.rawLeaves ? this.rawLeafLink(new Uint8Array(0)) : this.pbLeafLink(new Uint8Array(0))
    }
    return { cid: root.cid, size: root.tsize, fileSize: root.fileSize }
  }

  private rawLeaf (buf: Uint8Array, start: number, length: number): void {
    let bytes: Uint8Array
    if (start === 0 && length === buf.length) {
      bytes = buf
    } else if (shouldCompact(length, buf.length)) {
      bytes = buf.slice(start, start + length)
    } else {
      bytes = buf.subarray(start, start + length)
    }
    if (this.window > 0) {
      this.queue(RAW, bytes, length)
      return
    }
    this.layout.add(this.rawLeafLink(bytes))
  }

  private queue (codec: number, bytes: Uint8Array, fileSize: number): void {
    const digest = (this.opts.hasher.digestAsync as (b: Uint8Array) => Promise<MultihashDigest>)(bytes)
    digest.catch(() => {})
    this.inflight.push({ digest, codec, bytes, fileSize })
  }

  private rawLeafLink (bytes: Uint8Array): FileLink {
    const cid = makeCid(RAW, bytes, this.opts)
    this.emit({ cid, bytes })
    return { cid, tsize: bytes.length, fileSize: bytes.length }
  }

  private pbLeaf (buf: Uint8Array, start: number, length: number): void {
    const first = writeLeafFrame(buf, start, length, this.leafType)
    const end = start + length + leafTrailerLength(length)
    const bytes = shouldCompact(end - first, buf.length) ? buf.slice(first, end) : buf.subarray(first, end)
    if (this.window > 0) {
      this.queue(DAG_PB, bytes, length)
      return
    }
    const cid = makeCid(DAG_PB, bytes, this.opts)
    this.emit({ cid, bytes })
    this.layout.add({ cid, tsize: bytes.length, fileSize: length })
  }

  /** The dag-pb leaf of an empty balanced file: `Type: File, filesize: 0`. */
  private pbLeafLink (data: Uint8Array): FileLink {
    const bytes = encodePBNode([], fileNodeData(UnixFSType.File, data.length, []))
    const cid = makeCid(DAG_PB, bytes, this.opts)
    this.emit({ cid, bytes })
    return { cid, tsize: bytes.length, fileSize: 0 }
  }
}
