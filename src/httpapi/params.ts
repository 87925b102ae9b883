/**
 * Query-string parsing shared by the HTTP APIs (HTTP spec §4.2, §4.3, §4.6):
 * PinOptions, `/add` parameters and the small helpers behind them. Every
 * failure is an InvalidArgumentError carrying the reference message, so the
 * HTTP layer answers 400.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { parseCid, parseTime, tryParsePeerId } from '../api/encoding.js'
import { pinModeFromString } from '../api/enums.js'
import { defaultPinOptions } from '../api/json.js'
import { InvalidArgumentError } from '../errors.js'
import { parseGoBool as goParseBool } from '../config/strconv.js'
import { parseGoDuration } from './duration.js'
import { defaultAddParams, DEFAULT_SHARD_SIZE } from '../api/defaults.js'
import type { PinOptions } from '../api/types.js'
import type { AddParams } from '../interfaces.js'

/** Default shard size of `/add` when `shard-size` is absent (quirk #3 fixed). */

/** `q.Get(name)` of Go: the first value, or '' when absent. */
export function queryGet (q: URLSearchParams, name: string): string {
  return q.get(name) ?? ''
}

/** Go `strconv.Atoi` (decimal, optional sign, 64-bit range). */
function atoi (s: string): number | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined
  const n = Number(s)
  if (!Number.isSafeInteger(n)) return undefined
  return n
}

/** Go `strconv.ParseUint(s, 10, 64)`. */
export function parseUint (s: string): bigint | undefined {
  if (!/^\d+$/.test(s)) return undefined
  const n = BigInt(s)
  if (n > 18446744073709551615n) return undefined
  return n
}

/** Go `strconv.ParseBool`; undefined for anything else. */
export function parseGoBool (s: string): boolean | undefined {
  try {
    return goParseBool(s)
  } catch {
    return undefined
  }
}

function intParam (q: URLSearchParams, name: string, def: number): number {
  const v = queryGet(q, name)
  if (v === '') return def
  const n = atoi(v)
  if (n === undefined) {
    throw new InvalidArgumentError(`parameter ${name} invalid`)
  }
  return n
}

function boolParam (q: URLSearchParams, name: string, def: boolean): boolean {
  const v = queryGet(q, name)
  if (v === '') return def
  const b = parseGoBool(v)
  if (b === undefined) {
    throw new InvalidArgumentError(`parameter ${name} invalid`)
  }
  return b
}

/** Parses one multiaddr of `origins` (must contain `/p2p/`). */
function parseOrigin (s: string): string {
  let ma
  try {
    ma = multiaddr(s)
  } catch (err) {
    throw new InvalidArgumentError(`error decoding multiaddress: ${(err as Error).message}`)
  }
  if (!ma.getComponents().some((c) => c.name === 'p2p')) {
    throw new InvalidArgumentError('multiaddress does not contain peer ID: protocol not found in multiaddr')
  }
  return ma.toString()
}

export interface PinOptionsQueryInit {
  /** Clock for `expire-in` (tests). */
  now?: () => number
}

/**
 * PinOptions from query parameters (HTTP spec §4.3). Empty values are
 * treated as absent. Metadata is always an object after parsing.
 */
export function parsePinOptionsQuery (q: URLSearchParams, init: PinOptionsQueryInit = {}): PinOptions {
  const po = defaultPinOptions()
  po.name = queryGet(q, 'name')
  po.mode = pinModeFromString(queryGet(q, 'mode'))

  const rpl = queryGet(q, 'replication')
  if (rpl !== '') {
    const n = atoi(rpl)
    if (n === undefined) throw new InvalidArgumentError('parameter replication-min invalid')
    po.replicationFactorMin = n
    po.replicationFactorMax = n
  } else {
    po.replicationFactorMin = intParam(q, 'replication-min', 0)
    po.replicationFactorMax = intParam(q, 'replication-max', 0)
  }

  const shardSize = queryGet(q, 'shard-size')
  if (shardSize !== '') {
    const n = parseUint(shardSize)
    if (n === undefined) {
      throw new InvalidArgumentError('parameter shard_size is invalid')
    }
    po.shardSize = Number(n)
  }

  const allocs = queryGet(q, 'user-allocations')
  if (allocs !== '') {
    const peers: string[] = []
    for (const s of allocs.split(',')) {
      const p = tryParsePeerId(s)
      if (p != null) peers.push(p)
    }
    po.userAllocations = peers
  }

  const expireAt = queryGet(q, 'expire-at')
  const expireIn = queryGet(q, 'expire-in')
  if (expireAt !== '') {
    try {
      po.expireAt = parseTime(expireAt)
    } catch (err) {
      throw new InvalidArgumentError(`expire-at cannot be parsed: ${(err as Error).message}`)
    }
  } else if (expireIn !== '') {
    let ns: number
    try {
      ns = parseGoDuration(expireIn)
    } catch (err) {
      throw new InvalidArgumentError(`expire-in cannot be parsed: ${(err as Error).message}`)
    }
    if (ns < 1e9) {
      throw new InvalidArgumentError('expire-in duration too short')
    }
    po.expireAt = new Date((init.now ?? Date.now)() + ns / 1e6)
  }

  const metadata: Record<string, string> = {}
  for (const key of new Set(q.keys())) {
    if (!key.startsWith('meta-')) continue
    const metaKey = key.slice('meta-'.length)
    if (metaKey === '') continue
    metadata[metaKey] = queryGet(q, key)
  }
  po.metadata = metadata

  const update = queryGet(q, 'pin-update')
  if (update !== '') {
    try {
      po.pinUpdate = parseCid(update)
    } catch (err) {
      throw new InvalidArgumentError(`error decoding update option parameter: ${(err as Error).message}`)
    }
  }

  const origins = queryGet(q, 'origins')
  if (origins !== '') {
    po.origins = origins.split(',').map(parseOrigin)
  }
  return po
}


/**
 * Add parameters from query parameters (HTTP spec §4.6): PinOptions (mode
 * forced to recursive, pin-update ignored) plus the importer and cluster
 * options.
 */
export function parseAddParams (q: URLSearchParams, init: PinOptionsQueryInit = {}): AddParams {
  const params = defaultAddParams()
  const po = parsePinOptionsQuery(q, init)
  po.mode = 'recursive'
  po.pinUpdate = null
  if (queryGet(q, 'shard-size') === '') {
    po.shardSize = DEFAULT_SHARD_SIZE
  }
  params.pinOptions = po

  const layout = queryGet(q, 'layout')
  if (layout !== '' && layout !== 'balanced' && layout !== 'trickle') {
    throw new InvalidArgumentError('layout parameter is invalid')
  }
  params.layout = layout

  const chunker = queryGet(q, 'chunker')
  if (chunker !== '') params.chunker = chunker
  const hash = queryGet(q, 'hash')
  if (hash !== '') params.hashFun = hash

  const format = queryGet(q, 'format')
  if (format !== '' && format !== 'unixfs' && format !== 'car') {
    throw new InvalidArgumentError('format parameter is invalid')
  }
  params.format = format === 'car' ? 'car' : 'unixfs'

  params.local = boolParam(q, 'local', params.local)
  params.recursive = boolParam(q, 'recursive', params.recursive)
  params.hidden = boolParam(q, 'hidden', params.hidden)
  params.wrapWithDirectory = boolParam(q, 'wrap-with-directory', params.wrapWithDirectory)
  params.shard = boolParam(q, 'shard', params.shard)
  params.progress = boolParam(q, 'progress', params.progress)
  params.cidVersion = intParam(q, 'cid-version', params.cidVersion)
  if (params.cidVersion > 0) {
    params.rawLeaves = true
  }
  params.rawLeaves = boolParam(q, 'raw-leaves', params.rawLeaves)
  params.streamChannels = boolParam(q, 'stream-channels', params.streamChannels)
  params.noCopy = boolParam(q, 'nocopy', params.noCopy)
  params.noPin = boolParam(q, 'no-pin', params.noPin)
  return params
}

export { defaultAddParams, DEFAULT_SHARD_SIZE }
