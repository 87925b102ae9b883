/**
 * Validation of {@link AddParams} into DAG builder options, with the
 * reference's error messages (all InvalidArgumentError).
 */
import { InvalidArgumentError } from '../errors.js'
import { DEFAULT_HASH_WINDOW, KUBO_HAMT_FANOUT, KUBO_HAMT_SHARDING_SIZE, KUBO_MAX_LINKS } from './unixfs/block.js'
import { parseChunker } from './unixfs/chunker.js'
import { hasherByName } from './unixfs/hasher.js'
import type { DagOptions } from './unixfs/block.js'
import type { AddParams } from '../interfaces.js'

const SHA2_256 = 0x12

/** Builder knobs that are not part of AddParams (Kubo's defaults). */
export interface DagLimits {
  maxLinks?: number
  shardingThreshold?: number
  hamtFanout?: number
  /** Leaves hashed concurrently on the thread pool (0 = synchronously). */
  hashWindow?: number
}

/**
 * The DAG builder options for `params`. Throws InvalidArgumentError for an
 * unknown chunker (`unrecognized chunker option: …`), a bad CID version
 * (`bad CID Version: …`), an unknown hash (`hash function name not known`),
 * CIDv0 with a hash other than sha2-256, or a bad layout.
 */
export function dagOptionsFromParams (params: AddParams, limits: DagLimits = {}): DagOptions {
  const chunker = parseChunker(params.chunker)
  const v = params.cidVersion
  if (v !== 0 && v !== 1) {
    throw new InvalidArgumentError(`bad CID Version: unknown CID version: ${String(v)}`)
  }
  const hasher = hasherByName(params.hashFun === '' ? 'sha2-256' : params.hashFun)
  if (v === 0 && hasher.code !== SHA2_256) {
    throw new InvalidArgumentError(`invalid v0 prefix: CIDv0 only supports sha2-256, use cid-version=1 with hash ${hasher.name}`)
  }
  let layout: 'balanced' | 'trickle'
  switch (params.layout) {
    case '':
    case 'balanced':
      layout = 'balanced'
      break
    case 'trickle':
      layout = 'trickle'
      break
    default:
      throw new InvalidArgumentError('layout parameter is invalid')
  }
  return {
    chunker,
    rawLeaves: params.rawLeaves,
    cidVersion: v,
    hasher,
    layout,
    maxLinks: limits.maxLinks ?? KUBO_MAX_LINKS,
    shardingThreshold: limits.shardingThreshold ?? KUBO_HAMT_SHARDING_SIZE,
    hamtFanout: limits.hamtFanout ?? KUBO_HAMT_FANOUT,
    hashWindow: limits.hashWindow ?? DEFAULT_HASH_WINDOW
  }
}

/** `unixfs` (also `''`) or `car`; anything else is an InvalidArgumentError. */
export function addFormat (params: AddParams): 'unixfs' | 'car' {
  const f = params.format as string
  if (f === '' || f === 'unixfs') return 'unixfs'
  if (f === 'car') return 'car'
  throw new InvalidArgumentError('format parameter is invalid')
}

export { defaultAddParams, DEFAULT_SHARD_SIZE } from '../api/defaults.js'
