/**
 * The cluster adder: imports a stream of {@link AddEntry} items as Kubo's
 * `ipfs add` would (same DAG, same CIDs, same output items and order),
 * streams the blocks to the allocated peers and cluster-pins the result.
 */
import { newPin } from '../api/index.js'
import { AbortError, InvalidArgumentError } from '../errors.js'
import { BlockStreamer } from './block-streamer.js'
import { importCar } from './car.js'
import { addFormat, dagOptionsFromParams } from './params.js'
import { ShardingSink } from './sharding.js'
import { makeCid, utf8 } from './unixfs/block.js'
import { DirectoryTree, finalizeTree, symlinkNode } from './unixfs/dir.js'
import { DAG_PB, directoryData, encodePBNode } from './unixfs/encoding.js'
import { FileBuilder } from './unixfs/file.js'
import type { AllocateFn, PutBlocksFn } from './block-streamer.js'
import type { SinkOutput } from './sharding.js'
import type { DagLimits } from './params.js'
import type { BlockSink, BuiltNode, DagOptions } from './unixfs/block.js'
import type { AddedOutput, PeerIdString, Pin } from '../api/types.js'
import type { Adder } from '../cluster/cluster.js'
import type { AbortOptions, AddEntry, AddParams, ComponentLogger, Logger, ProgressOptions } from '../interfaces.js'
import type { BlockWithCid } from '../api/types.js'
import type { CID } from 'multiformats/cid'

/** Bytes read between two progress events (Kubo: 256 KiB). */
export const PROGRESS_INCREMENT = 256 * 1024

export interface ClusterAdderComponents {
  peerId: PeerIdString
  logger: ComponentLogger
  allocate: AllocateFn
  pin: (pin: Pin, options?: AbortOptions) => Promise<Pin>
  putBlocks: PutBlocksFn
}

export interface ClusterAdderInit {
  /** Bytes of blocks buffered for the destinations before the import waits (default 16 MiB). */
  maxBufferedBytes?: number
  /** Blocks buffered for the destinations before the import waits (default 256). */
  maxBufferedBlocks?: number
  /** DAG builder knobs (tests); Kubo's defaults otherwise. */
  dagLimits?: DagLimits
}

type AddOptions = AbortOptions & ProgressOptions<AddedOutput>

/** A pending output: allocations are filled in when yielded unless given. */
interface Out {
  name: string
  cid: CID | null
  bytes: number
  size: number
  allocations?: PeerIdString[]
}

/** Where blocks go: one block stream set (default) or shards. */
interface ContentSink {
  put(block: BlockWithCid): void
  readonly full: boolean
  waitForSpace(): Promise<void>
  allocations(): Promise<PeerIdString[]>
  takeOutputs(): SinkOutput[]
  abort(err: Error): void
}

/** The state of the top-level entry being imported. */
interface TopLevel {
  /** Name of the top-level entry (`''` for the wrapping directory). */
  name: string
  /** Set for a directory top-level (or the wrapper). */
  tree?: DirectoryTree
  /** Set once a file/symlink top-level is built. */
  root?: BuiltNode
}

function splitPath (path: string): string[] {
  return path.split('/')
}

function cleanPath (path: string): string {
  const parts: string[] = []
  for (const p of path.split('/')) {
    if (p === '' || p === '.') continue
    if (p === '..') {
      parts.pop()
      continue
    }
    parts.push(p)
  }
  return parts.join('/')
}

function dirnameBasename (rel: string): [string, string] {
  const i = rel.lastIndexOf('/')
  return i < 0 ? ['', rel] : [rel.slice(0, i), rel.slice(i + 1)]
}

export class ClusterAdder implements Adder {
  private readonly log: Logger
  private readonly maxBufferedBytes: number
  private readonly maxBufferedBlocks: number

  constructor (private readonly components: ClusterAdderComponents, private readonly init: ClusterAdderInit = {}) {
    this.log = components.logger.forComponent('adder')
    this.maxBufferedBytes = init.maxBufferedBytes ?? 16 * 1024 * 1024
    this.maxBufferedBlocks = init.maxBufferedBlocks ?? 256
  }

  async * add (entries: AsyncIterable<AddEntry>, params: AddParams, options: AddOptions = {}): AsyncGenerator<AddedOutput> {
    const format = addFormat(params)
    if (format === 'car' && params.wrapWithDirectory) {
      throw new InvalidArgumentError('cannot wrap a CAR file upload')
    }
    const dagOpts = format === 'unixfs' ? dagOptionsFromParams(params, this.init.dagLimits) : undefined
    options.signal?.throwIfAborted()

    const common = {
      peerId: this.components.peerId,
      pinOptions: params.pinOptions,
      allocate: this.components.allocate,
      putBlocks: this.components.putBlocks,
      log: this.log,
      maxBufferedBytes: this.maxBufferedBytes,
      maxBufferedBlocks: this.maxBufferedBlocks,
      signal: options.signal
    }
    let streamer: BlockStreamer | undefined
    let sharder: ShardingSink | undefined
    let sink: ContentSink
    if (params.shard) {
      sharder = new ShardingSink({ ...common, pin: this.components.pin })
      sink = sharder
    } else {
      streamer = new BlockStreamer({ ...common, local: params.local })
      sink = streamer
    }

    let finished = false
    try {
      let root: CID
      if (dagOpts != null) {
        root = yield * this.importUnixFS(entries, params, dagOpts, sink, options)
      } else {
        root = yield * this.importCar(entries, sink, options)
      }
      if (sharder != null) {
        await sharder.finalize(root)
        finished = true
        for (const o of sharder.takeOutputs()) yield { name: o.name, cid: o.cid, bytes: 0, size: o.size, allocations: o.allocations }
      } else if (streamer != null) {
        const dests = await streamer.finish()
        finished = true
        if (!params.noPin) {
          const pin = newPin(root, { ...params.pinOptions, mode: 'recursive' })
          pin.allocations = pin.replicationFactorMin < 0 ? [] : dests
          await this.components.pin(pin, { signal: options.signal })
        }
      }
      this.log.info('%s successfully added to cluster', root.toString())
    } catch (err) {
      this.log.error('error adding to cluster: %s', (err as Error).message)
      throw err
    } finally {
      if (!finished) sink.abort(options.signal?.aborted === true ? new AbortError() : new AbortError('add cancelled'))
    }
  }

  private async withAllocations (sink: ContentSink, o: Out): Promise<AddedOutput> {
    const allocations = o.allocations ?? (o.cid == null ? [] : await sink.allocations())
    return { name: o.name, cid: o.cid, bytes: o.bytes, size: o.size, allocations }
  }

  private async * importUnixFS (entries: AsyncIterable<AddEntry>, params: AddParams, opts: DagOptions, sink: ContentSink, options: AddOptions): AsyncGenerator<AddedOutput, CID> {
    const emit: BlockSink = (block) => { sink.put(block) }
    const wrap = params.wrapWithDirectory
    let current: TopLevel | undefined = wrap ? { name: '', tree: new DirectoryTree() } : undefined
    let lastRoot: BuiltNode | undefined
    const outs: Out[] = []
    const self = this

    async function * flush (): AsyncGenerator<AddedOutput> {
      while (outs.length > 0) {
        const o = outs.shift() as Out
        if (o.cid == null) options.onProgress?.({ type: 'add:progress', detail: { name: o.name, cid: null, bytes: o.bytes, size: 0, allocations: [] } })
        yield await self.withAllocations(sink, o)
      }
    }

    /** Lets the sink place pending blocks (waiting for space); queues its own outputs. */
    const settle = async (): Promise<void> => {
      if (sink.full) await sink.waitForSpace()
      for (const o of sink.takeOutputs()) outs.push({ name: o.name, cid: o.cid, bytes: 0, size: o.size, allocations: o.allocations })
    }

    /**
     * Ends a top-level entry like Kubo's MFS flush: every directory block
     * is produced, then the directories are output bottom-up. A lone file
     * is put in the MFS root under its CID string, and that root block is
     * produced too (it matters for the contents of shards).
     */
    const closeTop = async (top: TopLevel): Promise<void> => {
      if (top.tree != null) {
        const dirs = finalizeTree(top.tree, opts, emit)
        await settle()
        for (const d of dirs) {
          const name = d.path === '' ? top.name : top.name === '' ? d.path : `${top.name}/${d.path}`
          outs.push({ name, cid: d.cid, bytes: 0, size: d.size })
        }
        const r = dirs[dirs.length - 1]
        lastRoot = { cid: r.cid, size: r.size }
      } else if (top.root != null) {
        const r = top.root
        const bytes = encodePBNode([{ hash: r.cid.bytes, name: utf8(r.cid.toString()), tsize: r.size }], directoryData())
        emit({ cid: makeCid(DAG_PB, bytes, opts), bytes })
        await settle()
        lastRoot = r
      }
    }

    let sawEntry = false
    for await (const raw of entries) {
      options.signal?.throwIfAborted()
      const path = cleanPath(raw.path)
      if (path === '') {
        if (raw.type === 'directory') continue
        throw new InvalidArgumentError('an added file has an empty name')
      }
      sawEntry = true
      const [topName, ...rest] = splitPath(path)
      let rel: string
      if (wrap) {
        rel = path
      } else {
        const isTopEntry = rest.length === 0
        const needNew = current == null || current.name !== topName || current.tree == null || (isTopEntry && raw.type !== 'directory')
        if (needNew) {
          if (current != null) {
            await closeTop(current)
            yield * flush()
          }
          current = { name: topName }
          if (raw.type === 'directory' || !isTopEntry) current.tree = new DirectoryTree()
        }
        rel = rest.join('/')
      }
      const top = current as TopLevel
      const progressName = rel

      if (raw.type === 'directory') {
        (top.tree as DirectoryTree).mkdirp(rel)
        continue
      }

      let node: BuiltNode
      if (raw.type === 'symlink') {
        const chunks: Uint8Array[] = []
        for await (const c of raw.content ?? []) chunks.push(c)
        node = symlinkNode(Buffer.concat(chunks).toString('utf8'), opts, emit)
      } else {
        const builder = new FileBuilder(opts, emit)
        let read = 0
        let lastProgress = 0
        for await (const piece of raw.content ?? []) {
          builder.write(piece)
          if (builder.backlog > 0) await builder.ready()
          read += piece.length
          if (params.progress && read - lastProgress >= PROGRESS_INCREMENT) {
            lastProgress = read
            outs.push({ name: progressName, cid: null, bytes: read, size: 0 })
          }
          if (sink.full) await settle()
          if (outs.length > 0) yield * flush()
          options.signal?.throwIfAborted()
        }
        if (params.progress) outs.push({ name: progressName, cid: null, bytes: read, size: 0 })
        const built = await builder.close()
        node = { cid: built.cid, size: built.size }
      }
      await settle()
      if (rel === '' && !wrap) {
        top.root = node
      } else {
        const [dir, base] = dirnameBasename(rel)
        ;(top.tree as DirectoryTree).mkdirp(dir).put(base, node)
      }
      outs.push({ name: path, cid: node.cid, bytes: 0, size: node.size })
      yield * flush()
    }

    if (current == null || (!sawEntry && !wrap)) {
      throw new InvalidArgumentError('no files were added')
    }
    await closeTop(current)
    yield * flush()
    if (lastRoot == null) throw new InvalidArgumentError('no files were added')
    return lastRoot.cid
  }

  private async * importCar (entries: AsyncIterable<AddEntry>, sink: ContentSink, options: AddOptions): AsyncGenerator<AddedOutput, CID> {
    for await (const entry of entries) {
      if (entry.type !== 'file') throw new InvalidArgumentError('expected CAR file is not of type file')
      const pending: SinkOutput[] = []
      let blocks = 0
      const res = await importCar(entry.content ?? (async function * () {})(), async (block) => {
        sink.put(block)
        blocks++
        if (sink.full) await sink.waitForSpace()
        pending.push(...sink.takeOutputs())
      }, options.signal)
      if (blocks === 0) throw new InvalidArgumentError('the CAR file has no blocks')
      for (const o of pending) yield { name: o.name, cid: o.cid, bytes: 0, size: o.size, allocations: o.allocations }
      yield await this.withAllocations(sink, { name: cleanPath(entry.path), cid: res.root, bytes: res.bytes, size: res.size })
      // only the first top-level entry is read
      return res.root
    }
    throw new InvalidArgumentError('no files were added')
  }
}
