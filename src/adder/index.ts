/**
 * @packageDocumentation
 *
 * Content import for `POST /add` and the IPFS proxy's `add` (reference
 * `adder/`): a Kubo-identical UnixFS DAG builder (`./unixfs`: fixed-size and
 * rabin chunkers, balanced and trickle layouts, raw leaves, CIDv0/v1, any
 * multihash by name, directories with HAMT sharding, symlinks, wrapping),
 * CAR v1 import, and the streaming of blocks to the allocated peers with
 * bounded memory, then the cluster pin of the result; sharded adds
 * (`shard=true`: shards, cluster DAG, meta pin; see `sharding.ts`).
 *
 * Output items follow `ipfs add`: files as they complete, then after each
 * top-level entry its directories bottom-up. With `progress`, progress
 * items (`cid: null`, `bytes` read so far) are yielded every 256 KiB and
 * at the end of each file; `options.onProgress`, when given, is also
 * called with each of them (`type: 'add:progress'`).
 *
 * @example
 *
 * ```ts
 * const adder = createAdder({
 *   peerId, logger,
 *   allocate: (pin, o) => cluster.blockAllocate(pin, o),
 *   pin: (pin, o) => cluster.pinObject(pin, o),
 *   putBlocks: (peer, blocks, o) => rpc.sink(peer, 'IPFSConnector.BlockStream', blocks, o)
 * })
 * for await (const out of adder.add(entries, params)) console.log(out.name, out.cid?.toString())
 * ```
 */
import { ClusterAdder } from './adder.js'
import type { ClusterAdderComponents, ClusterAdderInit } from './adder.js'
import type { Adder } from '../cluster/cluster.js'

export type AdderComponents = ClusterAdderComponents
export type AdderInit = ClusterAdderInit

export function createAdder (components: AdderComponents, init: AdderInit = {}): Adder {
  return new ClusterAdder(components, init)
}

export { ClusterAdder, PROGRESS_INCREMENT } from './adder.js'
export { BlockStreamer } from './block-streamer.js'
export type { AllocateFn, PutBlocksFn } from './block-streamer.js'
export { importCar } from './car.js'
export { SHARD_MAX_LINKS, ShardingSink, makeShardDag } from './sharding.js'
export { addFormat, dagOptionsFromParams, defaultAddParams } from './params.js'
export type { DagLimits } from './params.js'
export * from './unixfs/index.js'
