/**
 * Helpers for the embedded IPFS node tests: temp folders, node creation,
 * content import (UnixFS, not pinned) through the public `blockStream`.
 */
import '../../src/polyfill.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { createEmbeddedIPFS } from '../../src/ipfsconn/embedded/index.js'
import { silentLogger } from '../../src/logging/index.js'
import { PinType } from '../../src/api/enums.js'
import type { BlockWithCid, Pin } from '../../src/api/types.js'
import type { EmbeddedIPFSConfig } from '../../src/config/types.js'
import type { EmbeddedIPFS } from '../../src/ipfsconn/embedded/index.js'
import type { IPFSConnector } from '../../src/interfaces.js'
import type { ImportCandidate } from 'ipfs-unixfs-importer'
import type { CID } from 'multiformats/cid'

export async function tempFolder (prefix = 'embedded-ipfs-'): Promise<{ path: string, remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, remove: async () => { await rm(path, { recursive: true, force: true }) } }
}

export function embeddedConfig (folder: string, overrides: Partial<EmbeddedIPFSConfig> = {}): EmbeddedIPFSConfig {
  return {
    listenMultiaddress: ['/ip4/127.0.0.1/tcp/0'],
    announceMultiaddress: [],
    folder,
    storageMax: 10_000_000_000,
    pinTimeout: 10_000,
    unpinTimeout: 10_000,
    ipfsRequestTimeout: 5_000,
    connectSwarmsDelay: 0,
    ...overrides
  }
}

export async function startNode (folder: string, overrides: Partial<EmbeddedIPFSConfig> = {}): Promise<EmbeddedIPFS> {
  const node = createEmbeddedIPFS({ logger: silentLogger() }, embeddedConfig(folder, overrides))
  await node.start()
  await node.ready()
  return node
}

export interface Imported {
  root: CID
  blocks: BlockWithCid[]
  /** Sum of the bytes of the distinct blocks. */
  bytes: number
}

/**
 * Imports UnixFS content in memory (raw leaves, CIDv1) and returns its
 * blocks in import order (root last).
 */
export async function importBlocks (source: ImportCandidate | ImportCandidate[], opts: { chunkSize?: number, wrapWithDirectory?: boolean } = {}): Promise<Imported> {
  const blocks: BlockWithCid[] = []
  const seen = new Set<string>()
  const store = {
    put: async (cid: CID, bytes: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<CID> => {
      if (!(bytes instanceof Uint8Array)) throw new Error('unexpected streamed block')
      if (!seen.has(cid.toString())) {
        seen.add(cid.toString())
        blocks.push({ cid, bytes })
      }
      return cid
    }
  }
  let root: CID | undefined
  const candidates = Array.isArray(source) ? source : [source]
  for await (const entry of importer(candidates, store, {
    cidVersion: 1,
    rawLeaves: true,
    wrapWithDirectory: opts.wrapWithDirectory ?? false,
    chunker: fixedSize({ chunkSize: opts.chunkSize ?? 262144 })
  })) {
    root = entry.cid
  }
  if (root == null) throw new Error('nothing imported')
  return { root, blocks, bytes: blocks.reduce((n, b) => n + b.bytes.byteLength, 0) }
}

/** Stores blocks on a connector (not pinned) through `blockStream`. */
export async function putBlocks (connector: IPFSConnector, blocks: BlockWithCid[]): Promise<void> {
  await connector.blockStream((async function * () { yield * blocks })())
}

/** Imports bytes as a UnixFS file into the connector, unpinned. */
export async function putContent (connector: IPFSConnector, bytes: Uint8Array, opts: { chunkSize?: number } = {}): Promise<Imported> {
  const imported = await importBlocks({ content: bytes }, opts)
  await putBlocks(connector, imported.blocks)
  return imported
}

export function randomBytes (n: number, seed = 1): Uint8Array {
  // deterministic pseudo-random bytes (xorshift), distinct per seed
  const out = new Uint8Array(n)
  let x = (seed * 2654435761) >>> 0 || 1
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0
    x ^= x >>> 17
    x ^= x << 5; x >>>= 0
    out[i] = x & 0xff
  }
  return out
}

export function makePin (cid: CID, maxDepth = -1, extra: Partial<Pin> = {}): Pin {
  return {
    cid,
    type: PinType.Data,
    allocations: [],
    maxDepth,
    reference: null,
    timestamp: new Date(),
    replicationFactorMin: -1,
    replicationFactorMax: -1,
    name: '',
    mode: maxDepth === 0 ? 'direct' : 'recursive',
    shardSize: 0,
    userAllocations: null,
    expireAt: null,
    metadata: null,
    pinUpdate: null,
    origins: null,
    ...extra
  }
}

export async function collect<T> (it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const v of it) out.push(v)
  return out
}

/** Multihash bytes as a string, to compare CIDs of different codecs/versions. */
export function mhString (cid: CID): string {
  return Buffer.from(cid.multihash.bytes).toString('hex')
}
