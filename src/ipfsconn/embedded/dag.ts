/**
 * IPLD helpers of the embedded node: the hash functions it knows, block
 * verification, link extraction per codec, and a breadth-first DAG walker.
 */
import { setMaxListeners } from 'node:events'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import { blake2b256, blake2b512 } from '@multiformats/blake2/blake2b'
import { keccak256, keccak512, sha3224, sha3256, sha3384, sha3512 } from '@multiformats/sha3'
import { CID } from 'multiformats/cid'
import * as json from 'multiformats/codecs/json'
import * as raw from 'multiformats/codecs/raw'
import { identity } from 'multiformats/hashes/identity'
import { sha256, sha512 } from 'multiformats/hashes/sha2'
import { equals } from 'uint8arrays/equals'
import { IPFSError, InvalidArgumentError } from '../../errors.js'
import type { MultihashHasher } from 'multiformats/hashes/interface'

export const CODEC_DAG_PB = dagPb.code
export const CODEC_RAW = raw.code
export const CODEC_DAG_CBOR = dagCbor.code
export const CODEC_DAG_JSON = dagJson.code
export const CODEC_JSON = json.code
export const HASH_IDENTITY = identity.code

/** Hashers the node verifies and accepts (beyond Helia's sha2-256 + identity). */
export const EXTRA_HASHERS: MultihashHasher[] = [
  sha512, blake2b256, blake2b512, sha3224, sha3256, sha3384, sha3512, keccak256, keccak512
] as MultihashHasher[]

const HASHERS = new Map<number, MultihashHasher>([sha256, identity, ...EXTRA_HASHERS].map((h) => [h.code, h]))

export function getHasher (code: number): MultihashHasher | undefined {
  return HASHERS.get(code)
}

/** Codecs Helia may need beyond dag-pb and raw. */
export const EXTRA_CODECS = [dagCbor, dagJson, json]

const CODEC_NAMES = new Map<number, string>([
  [CODEC_DAG_PB, 'dag-pb'], [CODEC_RAW, 'raw'], [CODEC_DAG_CBOR, 'dag-cbor'], [CODEC_DAG_JSON, 'dag-json'], [CODEC_JSON, 'json']
])

export function codecName (code: number): string {
  return CODEC_NAMES.get(code) ?? `0x${code.toString(16)}`
}

/**
 * Checks that `bytes` hash to the multihash of `cid` with the CID's hash
 * function (truncated digests are compared on their length). Throws
 * InvalidArgumentError on a mismatch or an unknown hash function.
 */
export async function verifyBlock (cid: CID, bytes: Uint8Array): Promise<void> {
  const code = cid.multihash.code
  const expected = cid.multihash.digest
  if (code === identity.code) {
    if (!equals(expected, bytes)) {
      throw new InvalidArgumentError(`block ${cid.toString()} does not match its identity CID`)
    }
    return
  }
  const hasher = HASHERS.get(code)
  if (hasher == null) {
    throw new InvalidArgumentError(`block ${cid.toString()}: unsupported hash function 0x${code.toString(16)}`)
  }
  const digest = (await hasher.digest(bytes)).digest
  const got = expected.byteLength < digest.byteLength ? digest.subarray(0, expected.byteLength) : digest
  if (!equals(got, expected)) {
    throw new InvalidArgumentError(`block ${cid.toString()} does not match the hash of its bytes`)
  }
}

function collectCids (value: unknown, out: CID[], depth = 0): void {
  if (depth > 512 || value == null || typeof value !== 'object') return
  const cid = CID.asCID(value)
  if (cid != null) {
    out.push(cid)
    return
  }
  if (value instanceof Uint8Array) return
  if (Array.isArray(value)) {
    for (const v of value) collectCids(v, out, depth + 1)
    return
  }
  for (const v of Object.values(value as Record<string, unknown>)) {
    collectCids(v, out, depth + 1)
  }
}

/**
 * The CIDs a block links to, in order. Throws IPFSError for a codec whose
 * links the node cannot read.
 */
export function blockLinks (cid: CID, bytes: Uint8Array): CID[] {
  switch (cid.code) {
    case CODEC_RAW:
    case CODEC_JSON:
      return []
    case CODEC_DAG_PB:
      return dagPb.decode(bytes).Links.map((l) => l.Hash)
    case CODEC_DAG_CBOR: {
      const out: CID[] = []
      collectCids(dagCbor.decode(bytes), out)
      return out
    }
    case CODEC_DAG_JSON: {
      const out: CID[] = []
      collectCids(dagJson.decode(bytes), out)
      return out
    }
    default:
      throw new IPFSError(`no decoder registered for codec ${codecName(cid.code)} (block ${cid.toString()})`)
  }
}

/** Like {@link blockLinks}, but undecodable blocks have no links. */
export function blockLinksOrNone (cid: CID, bytes: Uint8Array): CID[] {
  try {
    return blockLinks(cid, bytes)
  } catch {
    return []
  }
}

/** Named links of a dag-pb block (`ls` of a non-directory, `stat`). */
export function dagPbLinks (bytes: Uint8Array): Array<{ name: string, cid: CID, size: number }> {
  return dagPb.decode(bytes).Links.map((l) => ({ name: l.Name ?? '', cid: l.Hash, size: l.Tsize ?? 0 }))
}

/** Decodes a block to a plain value (dag-pb as its IPLD data model). */
export function decodeBlock (cid: CID, bytes: Uint8Array): unknown {
  switch (cid.code) {
    case CODEC_RAW: return bytes
    case CODEC_DAG_PB: return dagPb.decode(bytes)
    case CODEC_DAG_CBOR: return dagCbor.decode(bytes)
    case CODEC_DAG_JSON: return dagJson.decode(bytes)
    case CODEC_JSON: return json.decode(bytes)
    default:
      throw new IPFSError(`no decoder registered for codec ${codecName(cid.code)}`)
  }
}

/** Key identifying a CID in walks (v0 and v1 of the same dag-pb node are equal). */
export function cidKey (cid: CID): string {
  return cid.version === 0 ? cid.toV1().toString() : cid.toString()
}

export interface WalkOptions {
  /** -1 = unlimited; 0 = the root only. */
  maxDepth: number
  concurrency: number
  signal?: AbortSignal
  /** Called with each layer (CIDs first reached at `depth`) before any of them loads. */
  beforeLayer?: (cids: CID[], depth: number) => Promise<void>
  /** Returns the block, or undefined when it cannot be had (its children are then not reached). */
  load: (cid: CID, signal?: AbortSignal) => Promise<Uint8Array | undefined>
  /**
   * Called once per distinct CID reached, at its smallest depth from the
   * root, after its load (`bytes` undefined when the load gave nothing).
   */
  visit: (cid: CID, depth: number, bytes: Uint8Array | undefined) => Promise<void>
  /** Link reader (default {@link blockLinks}, which throws on unknown codecs). */
  links?: (cid: CID, bytes: Uint8Array) => CID[]
}

/**
 * Walks a DAG breadth first, layer by layer, so every block is visited once
 * at its minimum depth (what depth-limited pins need). Within a layer up to
 * `concurrency` blocks load at once.
 */
export async function walkDag (root: CID, opts: WalkOptions): Promise<void> {
  const visited = new Set<string>([cidKey(root)])
  // the first failure cancels the loads still running in the layer
  const failure = new AbortController()
  const signal = opts.signal == null ? failure.signal : AbortSignal.any([opts.signal, failure.signal])
  setMaxListeners(Infinity, signal)
  let layer: CID[] = [root]
  let depth = 0
  while (layer.length > 0) {
    opts.signal?.throwIfAborted()
    const next: CID[] = []
    const currentDepth = depth
    const expand = opts.maxDepth < 0 || currentDepth < opts.maxDepth
    await opts.beforeLayer?.(layer, currentDepth)
    await forEachConcurrent(layer, opts.concurrency, async (cid) => {
      try {
        const bytes = await opts.load(cid, signal)
        await opts.visit(cid, currentDepth, bytes)
        if (bytes == null || !expand) return
        for (const link of (opts.links ?? blockLinks)(cid, bytes)) {
          const k = cidKey(link)
          if (!visited.has(k)) {
            visited.add(k)
            next.push(link)
          }
        }
      } catch (err) {
        failure.abort(err)
        throw err
      }
    })
    layer = next
    depth++
  }
}

/** Runs `fn` on every item with at most `limit` running; fails fast. */
export async function forEachConcurrent<T> (items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let index = 0
  let failed = false
  let error: unknown
  const worker = async (): Promise<void> => {
    while (!failed && index < items.length) {
      const item = items[index++]
      try {
        await fn(item)
      } catch (err) {
        if (!failed) {
          failed = true
          error = err
        }
      }
    }
  }
  const workers: Array<Promise<void>> = []
  for (let i = 0; i < Math.min(limit, items.length); i++) workers.push(worker())
  await Promise.all(workers)
  if (failed) throw error
}
