/**
 * Objects of the IPFS Pinning Services API as served by IPFS Cluster
 * (HTTP spec §5.2, §5.3), and their conversions from the cluster model.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { cidToString, formatTime, getCI, parseCid, parseTime } from '../api/encoding.js'
import { TrackerStatus, TrackerStatusError, trackerStatusMatch } from '../api/enums.js'
import { InvalidArgumentError } from '../errors.js'
import type { GlobalPinInfo, Pin } from '../api/types.js'
import type { CID } from 'multiformats/cid'

/** Pinning service statuses (bit values of the Go `pinsvc.Status`). */
export const SvcStatus = {
  Undefined: 0,
  Queued: 1 << 1,
  Pinned: 1 << 2,
  Pinning: 1 << 3,
  Failed: 1 << 4
} as const

const SVC_STATUS_NAMES: Array<[number, string]> = [
  [SvcStatus.Queued, 'queued'],
  [SvcStatus.Pinned, 'pinned'],
  [SvcStatus.Pinning, 'pinning'],
  [SvcStatus.Failed, 'failed']
]

export function svcStatusToString (s: number): string {
  return SVC_STATUS_NAMES.find(([v]) => v === s)?.[1] ?? 'undefined'
}

/** Comma-separated statuses, unknown names ignored. */
export function svcStatusFromString (s: string): number {
  let out = 0
  for (const part of s.split(',')) {
    const v = SVC_STATUS_NAMES.find(([, n]) => n === part.trim())?.[0]
    if (v != null) out |= v
  }
  return out
}

/** Service status filter → tracker status filter (0 = all). */
export function svcStatusToTrackerFilter (s: number): number {
  let out = 0
  if ((s & SvcStatus.Failed) !== 0) out |= TrackerStatusError
  if ((s & SvcStatus.Queued) !== 0) out |= TrackerStatus.PinQueued
  if ((s & SvcStatus.Pinned) !== 0) out |= TrackerStatus.Pinned
  if ((s & SvcStatus.Pinning) !== 0) out |= TrackerStatus.Pinning
  return out
}

export interface SvcPin {
  cid: CID
  name: string
  origins: string[]
  meta: Record<string, string>
}

export interface SvcPinStatus {
  requestid: string
  status: number
  created: Date | null
  pin: SvcPin
  delegates: string[]
}

export const PIN_STATUS_INFO = {
  source: 'IPFS cluster API',
  warning1: 'CID used for requestID. Conflicts possible',
  warning2: 'experimental'
}

export interface SvcPinJSON {
  cid: string
  name?: string
  origins?: string[]
  meta?: Record<string, string>
}

export interface SvcPinStatusJSON {
  requestid: string
  status: string
  created: string
  pin: SvcPinJSON
  delegates: string[]
  info: typeof PIN_STATUS_INFO
}

export function svcPinToJSON (p: SvcPin): SvcPinJSON {
  const out: SvcPinJSON = { cid: cidToString(p.cid) }
  if (p.name !== '') out.name = p.name
  if (p.origins.length > 0) out.origins = p.origins
  const keys = Object.keys(p.meta).sort()
  if (keys.length > 0) {
    out.meta = {}
    for (const k of keys) out.meta[k] = p.meta[k]
  }
  return out
}

export function svcPinStatusToJSON (s: SvcPinStatus): SvcPinStatusJSON {
  return {
    requestid: s.requestid,
    status: svcStatusToString(s.status),
    created: formatTime(s.created),
    pin: svcPinToJSON(s.pin),
    delegates: s.delegates,
    info: { ...PIN_STATUS_INFO }
  }
}

/** §5.3: OR of the peer statuses, first match wins. */
export function svcStatusOf (gpi: GlobalPinInfo): number {
  let mask = 0
  for (const p of gpi.peerMap.values()) mask |= p.status
  if (trackerStatusMatch(mask, TrackerStatusError)) return SvcStatus.Failed
  if (trackerStatusMatch(mask, TrackerStatus.PinQueued)) return SvcStatus.Queued
  if (trackerStatusMatch(mask, TrackerStatus.Pinning)) return SvcStatus.Pinning
  if (trackerStatusMatch(mask, TrackerStatus.Pinned)) return SvcStatus.Pinned
  return SvcStatus.Undefined
}

export function globalPinInfoToSvcPinStatus (requestId: string, gpi: GlobalPinInfo): SvcPinStatus {
  const delegates: string[] = []
  for (const peer of [...gpi.peerMap.keys()].sort()) {
    delegates.push(...(gpi.peerMap.get(peer)?.ipfsPeerAddresses ?? []))
  }
  return {
    requestid: requestId,
    status: svcStatusOf(gpi),
    created: gpi.created,
    pin: { cid: gpi.cid, name: gpi.name, origins: gpi.origins ?? [], meta: gpi.metadata ?? {} },
    delegates
  }
}

/** PinStatus of a pin just submitted: always `queued`. */
export function pinToSvcPinStatus (requestId: string, pin: Pin, delegates: string[]): SvcPinStatus {
  return {
    requestid: requestId,
    status: SvcStatus.Queued,
    created: pin.timestamp,
    pin: { cid: pin.cid, name: pin.name, origins: pin.origins ?? [], meta: pin.metadata ?? {} },
    delegates
  }
}

/**
 * Decodes a request body Pin. `cid` is null when absent (the caller
 * refuses that). Throws InvalidArgumentError with the decoder's message.
 */
export function svcPinFromJSON (value: unknown): { cid: CID | null, name: string, origins: string[], meta: Record<string, string> } {
  if (value == null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidArgumentError(`json: cannot unmarshal ${Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value} into Go value of type pinsvc.Pin`)
  }
  const o = value as Record<string, unknown>
  const cidRaw = getCI(o, 'cid')
  let cid: CID | null = null
  if (cidRaw != null) {
    if (typeof cidRaw !== 'string') throw new InvalidArgumentError('json: cannot unmarshal value into Go struct field Pin.cid of type api.Cid')
    if (cidRaw !== '') cid = parseCid(cidRaw)
  }
  const nameRaw = getCI(o, 'name')
  let name = ''
  if (nameRaw != null) {
    if (typeof nameRaw !== 'string') throw new InvalidArgumentError('json: cannot unmarshal value into Go struct field Pin.name of type string')
    if (Buffer.byteLength(JSON.stringify(nameRaw)) > 257) throw new InvalidArgumentError('pin name is over 255 chars')
    name = nameRaw
  }
  const originsRaw = getCI(o, 'origins')
  const origins: string[] = []
  if (originsRaw != null) {
    if (!Array.isArray(originsRaw)) throw new InvalidArgumentError('json: cannot unmarshal value into Go struct field Pin.origins of type []api.Multiaddr')
    for (const s of originsRaw) {
      if (typeof s !== 'string') throw new InvalidArgumentError('json: cannot unmarshal value into Go struct field Pin.origins of type api.Multiaddr')
      try {
        origins.push(multiaddr(s).toString())
      } catch (err) {
        throw new InvalidArgumentError((err as Error).message)
      }
    }
  }
  const metaRaw = getCI(o, 'meta')
  const meta: Record<string, string> = {}
  if (metaRaw != null) {
    if (typeof metaRaw !== 'object' || Array.isArray(metaRaw)) throw new InvalidArgumentError('json: cannot unmarshal value into Go struct field Pin.meta of type map[string]string')
    for (const [k, v] of Object.entries(metaRaw as Record<string, unknown>)) {
      if (typeof v !== 'string') throw new InvalidArgumentError('json: cannot unmarshal value into Go struct field Pin.meta of type string')
      meta[k] = v
    }
  }
  return { cid, name, origins, meta }
}

export type MatchingStrategy = 'exact' | 'iexact' | 'partial' | 'ipartial'

export interface ListOptions {
  cids: CID[]
  name: string
  match: MatchingStrategy
  status: number
  before: Date | null
  after: Date | null
  limit: bigint
  meta: Record<string, string>
}

/** `GET /pins` query parameters (HTTP spec §5.4). */
export function listOptionsFromQuery (q: URLSearchParams): ListOptions {
  const get = (k: string): string => q.get(k) ?? ''
  const opts: ListOptions = { cids: [], name: '', match: 'exact', status: 0, before: null, after: null, limit: 10n, meta: {} }
  const cidq = get('cid')
  if (cidq !== '') {
    for (const s of cidq.split(',')) {
      try {
        opts.cids.push(parseCid(s))
      } catch (err) {
        throw new InvalidArgumentError(`error decoding cid ${s}: ${(err as Error).message}`)
      }
    }
  }
  const name = get('name')
  if (Buffer.byteLength(name) > 255) {
    throw new InvalidArgumentError("error in 'name' query param: longer than 255 chars")
  }
  opts.name = name
  const match = get('match')
  opts.match = match === 'iexact' || match === 'partial' || match === 'ipartial' ? match : 'exact'
  const statusStr = get('status')
  opts.status = svcStatusFromString(statusStr)
  if (statusStr !== '' && opts.status === 0) {
    throw new InvalidArgumentError("error decoding 'status' query param: no valid filter")
  }
  for (const key of ['before', 'after'] as const) {
    const v = get(key)
    if (v === '') continue
    try {
      opts[key] = parseTime(v)
    } catch (err) {
      throw new InvalidArgumentError(`error decoding '${key}' query param: ${v}: ${(err as Error).message}`)
    }
  }
  const limit = get('limit')
  if (limit !== '') {
    if (!/^\d+$/.test(limit) || BigInt(limit) > 18446744073709551615n) {
      throw new InvalidArgumentError(`error parsing 'limit' query param: ${limit}: strconv.ParseUint: parsing ${JSON.stringify(limit)}: invalid syntax`)
    }
    opts.limit = BigInt(limit)
  }
  const meta = get('meta')
  if (meta !== '') {
    let parsed: unknown
    try {
      parsed = JSON.parse(meta)
    } catch (err) {
      throw new InvalidArgumentError(`error unmarshalling 'meta' query param: ${meta}: ${(err as Error).message}`)
    }
    if (parsed !== null) {
      if (typeof parsed !== 'object' || Array.isArray(parsed) || Object.values(parsed as object).some((v) => typeof v !== 'string')) {
        throw new InvalidArgumentError(`error unmarshalling 'meta' query param: ${meta}: json: cannot unmarshal into Go value of type map[string]string`)
      }
      opts.meta = parsed as Record<string, string>
    }
  }
  return opts
}

export function matchesName (pinName: string, name: string, strategy: MatchingStrategy): boolean {
  if (name === '') return true
  switch (strategy) {
    case 'exact': return pinName === name
    case 'iexact': return pinName.toLowerCase() === name.toLowerCase()
    case 'partial': return pinName.includes(name)
    case 'ipartial': return pinName.toLowerCase().includes(name.toLowerCase())
  }
}

export function matchesMeta (pinMeta: Record<string, string>, meta: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(meta)) {
    if ((pinMeta[k] ?? '') !== v) return false
  }
  return true
}
