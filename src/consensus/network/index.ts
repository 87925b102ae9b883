/**
 * @packageDocumentation
 *
 * The network side of the Merkle-CRDT on the cluster host: missing DAG
 * nodes are fetched with bitswap over the cluster host, from a blockstore
 * backed by the peer's datastore. (Heads travel on gossipsub through the
 * `PubSub` of the host, see `../crdt/broadcaster.ts`.)
 */
import { withBitswap } from '@helia/bitswap'
import { MemoryDatastore } from 'datastore-core'
import { NotStartedError } from '../../errors.js'
import { loadCreateHeliaLight } from '../../ipfsconn/embedded/helia-light.js'
import type { AbortOptions, DAGSyncer, Logger, Startable } from '../../interfaces.js'
import type { Helia } from 'helia'
import type { Libp2p } from '@libp2p/interface'
import type { Blockstore, InputPair, Pair } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

/** Local storage of DAG blocks (the CRDT keeps them in its datastore). */
export interface LocalBlocks {
  get(cid: CID, options?: AbortOptions): Promise<Uint8Array | undefined>
  put(cid: CID, bytes: Uint8Array, options?: AbortOptions): Promise<void>
  has(cid: CID, options?: AbortOptions): Promise<boolean>
}

async function concat (bytes: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  if (bytes instanceof Uint8Array) return bytes
  const parts: Uint8Array[] = []
  for await (const b of bytes) parts.push(b)
  return Buffer.concat(parts)
}

/** Adapts {@link LocalBlocks} to the interface-blockstore contract Helia needs. */
function toBlockstore (local: LocalBlocks): Blockstore {
  const notFound = (cid: CID): Error => Object.assign(new Error(`Not Found: ${cid.toString()}`), { name: 'NotFoundError' })
  const bs: Blockstore = {
    async has (cid, options) { return await local.has(cid, options) },
    async put (cid, bytes, options) {
      await local.put(cid, await concat(bytes), options)
      return cid
    },
    async * putMany (source, options) {
      for await (const pair of source as AsyncIterable<InputPair>) {
        await local.put(pair.cid, await concat(pair.bytes), options)
        yield pair.cid
      }
    },
    get (cid, options) {
      return (async function * () {
        const b = await local.get(cid, options)
        if (b == null) throw notFound(cid)
        yield b
      })()
    },
    async * getMany (source, options) {
      for await (const cid of source as AsyncIterable<CID>) {
        const b = await local.get(cid, options)
        if (b == null) throw notFound(cid)
        yield { cid, bytes: (async function * () { yield b })() } satisfies Pair
      }
    },
    async delete () {},
    async * deleteMany (source) {
      for await (const cid of source as AsyncIterable<CID>) yield cid
    },
    async * getAll () {}
  }
  return bs
}

export interface BitswapDAGSyncerComponents {
  libp2p: Libp2p
  blocks: LocalBlocks
  logger: Logger
}

export interface BitswapDAGSyncerInit {
  /** Per-block fetch timeout (reference: DAGSyncerTimeout 2 min). */
  timeout?: number
}

/**
 * A DAGSyncer that reads local blocks first and fetches missing ones with
 * bitswap from connected cluster peers.
 */
export function createBitswapDAGSyncer (components: BitswapDAGSyncerComponents, init: BitswapDAGSyncerInit = {}): DAGSyncer & Startable {
  const timeout = init.timeout ?? 120_000
  // Helia's core is loaded at start, without the `helia` entry point (which
  // loads a whole default libp2p stack: about a second of start-up)
  let helia: Helia | undefined
  const started = (): Helia => {
    if (helia == null) throw new NotStartedError('the DAG syncer is not started')
    return helia
  }
  return {
    async start () {
      if (helia == null) {
        const createHeliaLight = await loadCreateHeliaLight()
        const h = createHeliaLight({ blockstore: toBlockstore(components.blocks), datastore: new MemoryDatastore() })
        Object.defineProperty(h, 'libp2p', { value: components.libp2p, enumerable: true })
        withBitswap(h as Parameters<typeof withBitswap>[0])
        helia = h
      }
      await helia.start()
    },
    async stop () {
      await helia?.stop()
    },
    async get (cid: CID, options?: AbortOptions): Promise<Uint8Array> {
      const local = await components.blocks.get(cid, options)
      if (local != null) return local
      const h = started()
      const signal = AbortSignal.any([AbortSignal.timeout(timeout), ...(options?.signal != null ? [options.signal] : [])])
      components.logger.debug('fetching DAG block %s over bitswap', cid.toString())
      return await concat(h.blockstore.get(cid, { signal }))
    },
    async put (cid: CID, bytes: Uint8Array, options?: AbortOptions): Promise<void> {
      await started().blockstore.put(cid, bytes, options)
    },
    async has (cid: CID, options?: AbortOptions): Promise<boolean> {
      return await components.blocks.has(cid, options)
    }
  }
}
