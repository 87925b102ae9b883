/**
 * Sharded adds (`shard=true`, reference `adder/sharding`): blocks are
 * grouped into shards of less than `shard-size` bytes of block data. Each
 * shard gets its own allocation and block stream; when full, it is flushed:
 * a dag-cbor node (links `"0"`, `"1"`, … → block CIDs; an extra level of
 * indirection above 5984 links) is put to the shard's peers and pinned as a
 * `shard-pin` named `<name>-shard-<N>`, referencing the previous shard. At
 * the end a cluster-DAG node linking every shard is put to this peer and
 * pinned as `clusterdag-pin` (`<name>-clusterDAG`, everywhere, direct), and
 * the content root is pinned as `meta-pin` referencing it.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { newPin, PinType } from '../api/index.js'
import { ClusterError } from '../errors.js'
import { BlockStreamer } from './block-streamer.js'
import { hasherByName } from './unixfs/hasher.js'
import type { AllocateFn, PutBlocksFn } from './block-streamer.js'
import type { BlockWithCid, PeerIdString, Pin, PinOptions } from '../api/types.js'
import type { AbortOptions, Logger } from '../interfaces.js'

/** Links per cluster-DAG node before an indirection level is added. */
export const SHARD_MAX_LINKS = 5984

/** An output item produced by the sink (shards, cluster DAG). */
export interface SinkOutput {
  name: string
  cid: CID
  size: number
  allocations: PeerIdString[]
}

export interface ShardingInit {
  peerId: PeerIdString
  pinOptions: PinOptions
  allocate: AllocateFn
  putBlocks: PutBlocksFn
  pin: (pin: Pin, options?: AbortOptions) => Promise<Pin>
  log: Logger
  maxBufferedBytes: number
  maxBufferedBlocks: number
  signal?: AbortSignal
}

const sha256 = hasherByName('sha2-256')

function cborBlock (value: Record<string, CID>): BlockWithCid {
  const bytes = dagCbor.encode(value)
  return { cid: CID.createV1(dagCbor.code, sha256.digest(bytes)), bytes }
}

/**
 * The cluster-DAG nodes for `links` (the root first): one node, or, above
 * {@link SHARD_MAX_LINKS} links, leaf nodes of that many links under an
 * indirect node (an exact multiple gets an empty last leaf, as the
 * reference does).
 */
export function makeShardDag (links: CID[]): BlockWithCid[] {
  const obj = (cids: CID[]): Record<string, CID> => Object.fromEntries(cids.map((c, i) => [String(i), c]))
  if (links.length <= SHARD_MAX_LINKS) return [cborBlock(obj(links))]
  const leaves: BlockWithCid[] = []
  const fullLeaves = Math.floor(links.length / SHARD_MAX_LINKS)
  for (let i = 0; i <= fullLeaves; i++) {
    leaves.push(cborBlock(obj(links.slice(i * SHARD_MAX_LINKS, (i + 1) * SHARD_MAX_LINKS))))
  }
  const indirect = cborBlock(obj(leaves.map((l) => l.cid)))
  return [indirect, ...leaves]
}

interface Shard {
  allocations: PeerIdString[]
  streamer: BlockStreamer
  links: CID[]
  size: number
}

export class ShardingSink {
  private readonly added = new Set<string>()
  private current: Shard | undefined
  private readonly shards: CID[] = []
  private previous: CID | null = null
  private totalSize = 0
  private pending: BlockWithCid[] = []
  private failure: Error | undefined
  private outputs: SinkOutput[] = []
  private readonly limit: number

  constructor (private readonly init: ShardingInit) {
    this.limit = init.pinOptions.shardSize
  }

  /** Takes a block; shard changes happen in {@link waitForSpace}. */
  put (block: BlockWithCid): void {
    if (this.failure != null) throw this.failure
    const key = block.cid.toString()
    if (this.added.has(key)) return
    this.added.add(key)
    if (this.pending.length === 0 && this.current != null && this.current.size + block.bytes.length < this.limit) {
      this.addToCurrent(block)
      return
    }
    this.pending.push(block)
  }

  get full (): boolean {
    return this.pending.length > 0 || (this.current?.streamer.full ?? false)
  }

  /** Places pending blocks (allocating and flushing shards as needed) and waits for buffer space. */
  async waitForSpace (): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const block = this.pending[0]
        if (this.current == null) this.current = await this.newShard()
        const shard = this.current
        if (shard.size + block.bytes.length < this.limit) {
          this.pending.shift()
          this.addToCurrent(block)
          if (shard.streamer.full) await shard.streamer.waitForSpace()
          continue
        }
        if (shard.size === 0) throw new ClusterError("block doesn't fit in empty shard: shard size too small?")
        await this.flushCurrent()
      }
      if (this.current?.streamer.full === true) await this.current.streamer.waitForSpace()
    } catch (err) {
      this.abort(err as Error)
      throw err
    }
  }

  /** Allocations of the current shard (none between shards). */
  async allocations (): Promise<PeerIdString[]> {
    return this.current == null ? [] : [...this.current.allocations]
  }

  /** Items produced since the last call (`shard-N` outputs). */
  takeOutputs (): SinkOutput[] {
    const out = this.outputs
    this.outputs = []
    return out
  }

  /**
   * Flushes the last shard, puts and pins the cluster DAG, pins the
   * content root as a meta pin. The outputs are then in {@link takeOutputs}.
   */
  async finalize (dataRoot: CID): Promise<void> {
    await this.waitForSpace()
    if (this.current == null) throw new ClusterError('cannot flush a nil shard')
    const lastLink = await this.flushCurrent()
    const lastLinkStr = String(lastLink)
    if (lastLinkStr !== dataRoot.toString()) {
      this.init.log.debug('the last added CID (%s) is not the IPFS data root (%s)', lastLinkStr, dataRoot.toString())
    }
    const nodes = makeShardDag(this.shards)
    const local = this.streamer([this.init.peerId])
    for (const n of nodes) {
      local.put(n)
      if (local.full) await local.waitForSpace()
    }
    await local.finish()
    const clusterDag = nodes[0].cid
    const { pinOptions } = this.init
    this.outputs.push({ name: `${pinOptions.name}-clusterDAG`, cid: clusterDag, size: this.totalSize, allocations: [] })

    const dagPin = newPin(clusterDag, { ...pinOptions, mode: 'recursive', replicationFactorMin: -1, replicationFactorMax: -1, name: `${pinOptions.name}-clusterDAG` })
    dagPin.type = PinType.ClusterDAG
    dagPin.maxDepth = 0
    dagPin.reference = dataRoot
    dagPin.allocations = []
    await this.init.pin(dagPin, { signal: this.init.signal })

    const metaPin = newPin(dataRoot, { ...pinOptions, mode: 'recursive' })
    metaPin.type = PinType.Meta
    metaPin.maxDepth = 0
    metaPin.reference = clusterDag
    if (metaPin.replicationFactorMin < 0) metaPin.allocations = []
    await this.init.pin(metaPin, { signal: this.init.signal })
    this.init.log.info('sharding session successful: CID %s, ClusterDAG %s, %d shards, %d bytes', dataRoot.toString(), clusterDag.toString(), this.shards.length, this.totalSize)
  }

  abort (err: Error): void {
    if (this.failure == null) this.failure = err
    this.current?.streamer.abort(err)
    this.pending = []
  }

  private addToCurrent (block: BlockWithCid): void {
    const shard = this.current as Shard
    shard.links.push(block.cid)
    shard.size += block.bytes.length
    shard.streamer.put(block)
  }

  private streamer (dests: PeerIdString[]): BlockStreamer {
    const { init } = this
    return new BlockStreamer({
      peerId: init.peerId,
      local: false,
      pinOptions: init.pinOptions,
      allocate: async () => dests,
      putBlocks: init.putBlocks,
      log: init.log,
      maxBufferedBytes: init.maxBufferedBytes,
      maxBufferedBlocks: init.maxBufferedBlocks,
      signal: init.signal
    })
  }

  private async newShard (): Promise<Shard> {
    const { init } = this
    this.init.log.info("new shard for '%s': #%d", init.pinOptions.name, this.shards.length)
    const probe = this.pending[0]?.cid ?? CID.createV1(0x55, sha256.digest(new Uint8Array(0)))
    const allocations = await init.allocate(newPin(probe, { ...init.pinOptions, mode: 'recursive' }), { signal: init.signal })
    if (init.pinOptions.replicationFactorMin < 0) {
      this.init.log.warn("Shard is set to replicate everywhere ,which doesn't make sense for sharding")
    }
    return { allocations, streamer: this.streamer(allocations), links: [], size: 0 }
  }

  /** Flushes the current shard; returns its last link. */
  private async flushCurrent (): Promise<CID | undefined> {
    const shard = this.current as Shard
    const n = this.shards.length
    const nodes = makeShardDag(shard.links)
    for (const node of nodes) {
      shard.streamer.put(node)
      if (shard.streamer.full) await shard.streamer.waitForSpace()
    }
    await shard.streamer.finish()
    const root = nodes[0].cid
    const { pinOptions } = this.init
    const pin = newPin(root, { ...pinOptions, mode: 'recursive', name: `${pinOptions.name}-shard-${n}`, shardSize: shard.size })
    pin.type = PinType.Shard
    pin.allocations = pinOptions.replicationFactorMin < 0 ? [] : [...shard.allocations]
    pin.reference = this.previous
    pin.maxDepth = nodes.length > 1 ? 2 : 1
    await this.init.pin(pin, { signal: this.init.signal })
    this.init.log.info('shard #%d (%s) completed. Total size: %d. Links: %d', n, root.toString(), shard.size, shard.links.length)
    this.totalSize += shard.size
    this.shards.push(root)
    this.previous = root
    this.current = undefined
    this.outputs.push({ name: `shard-${n}`, cid: root, size: shard.size, allocations: [...shard.allocations] })
    return shard.links[shard.links.length - 1]
  }
}
