/**
 * Normalisation of REST responses into the wire shapes of `src/api/json.ts`,
 * as the Go client does by decoding into Go structs: keys in Go declaration
 * order, missing fields filled with Go zero values, unknown fields dropped,
 * case-insensitive field matching, CIDs re-encoded canonically, times
 * re-marshalled (RFC 3339, trailing zeros trimmed, `Z` for UTC), map keys
 * sorted. Values keep the time zone offset the server sent.
 */
import { cidToString, getCI, parseCid, tryParsePeerId } from '../api/encoding.js'
import { pinTypeFromString, pinTypeToString, trackerStatusFromString, trackerStatusToString } from '../api/enums.js'
import { InvalidArgumentError } from '../errors.js'
import type { AddedOutputJSON, AlertJSON, ConnectGraphJSON, GlobalPinInfoJSON, GlobalRepoGCJSON, IDJSON, IPFSIDJSON, IPFSRepoGCJSON, MetricJSON, PinInfoShortJSON, PinJSON, RepoGCJSON } from '../api/json.js'

export interface BandwidthJSON {
  total_in: number | bigint
  total_out: number | bigint
  rate_in: number
  rate_out: number
}

export type BandwidthByProtocolJSON = Record<string, BandwidthJSON> | null

export interface VersionJSON {
  version: string
}

type Obj = Record<string, unknown>

function typeName (v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'bigint') return 'number'
  return typeof v
}

function fail (field: string, v: unknown, goType: string): never {
  throw new InvalidArgumentError(`json: cannot unmarshal ${typeName(v)} into Go struct field ${field} of type ${goType}`)
}

function obj (v: unknown, what: string): Obj {
  if (v == null || typeof v !== 'object' || Array.isArray(v)) {
    throw new InvalidArgumentError(`json: cannot unmarshal ${typeName(v)} into Go value of type ${what}`)
  }
  return v as Obj
}

function str (o: Obj, key: string, field: string): string {
  const v = getCI(o, key)
  if (v == null) return ''
  if (typeof v !== 'string') fail(field, v, 'string')
  return v
}

function int (o: Obj, key: string, field: string): number {
  const v = getCI(o, key)
  if (v == null) return 0
  if (typeof v === 'bigint') return Number(v)
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(field, v, 'int')
  return v
}

/** int64 that must not lose precision (metric timestamps). */
function int64 (o: Obj, key: string, field: string): number | bigint {
  const v = getCI(o, key)
  if (v == null) return 0
  if (typeof v === 'bigint') return v
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(field, v, 'int64')
  return v
}

function float (o: Obj, key: string, field: string): number {
  const v = getCI(o, key)
  if (v == null) return 0
  if (typeof v === 'bigint') return Number(v)
  if (typeof v !== 'number') fail(field, v, 'float64')
  return v
}

function bool (o: Obj, key: string, field: string): boolean {
  const v = getCI(o, key)
  if (v == null) return false
  if (typeof v !== 'boolean') fail(field, v, 'bool')
  return v
}

function strArray (o: Obj, key: string, field: string, norm: (s: string) => string = (s) => s): string[] | null {
  const v = getCI(o, key)
  if (v == null) return null
  if (!Array.isArray(v)) fail(field, v, '[]string')
  return v.map((x) => {
    if (typeof x !== 'string') fail(field, x, 'string')
    return norm(x)
  })
}

/** Peer IDs: canonical base58 when parsable (CID form converted), else as sent. */
function peer (s: string): string {
  return tryParsePeerId(s) ?? s
}

function cid (o: Obj, key: string, field: string): string | null {
  const v = getCI(o, key)
  if (v == null || v === '') return null
  if (typeof v === 'object' && !Array.isArray(v) && typeof (v as Obj)['/'] === 'string') {
    return normalizeCid((v as Obj)['/'] as string, field)
  }
  if (typeof v !== 'string') fail(field, v, 'api.Cid')
  return normalizeCid(v, field)
}

function normalizeCid (s: string, field: string): string {
  try {
    return cidToString(parseCid(s))
  } catch (err) {
    throw new InvalidArgumentError(`error decoding ${field}: ${(err as Error).message}`)
  }
}

const TIME_RE = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/

/** The Go zero time. */
export const ZERO_TIME = '0001-01-01T00:00:00Z'

/**
 * Re-marshals an RFC 3339 time like Go's `time.Time.MarshalJSON` after
 * decoding: fraction trimmed of trailing zeros, `+00:00` → `Z`.
 */
export function normalizeGoTime (s: string): string {
  if (s === ZERO_TIME) return s
  const m = TIME_RE.exec(s)
  if (m == null) {
    throw new InvalidArgumentError(`parsing time ${JSON.stringify(s)} as "2006-01-02T15:04:05Z07:00": cannot parse`)
  }
  let frac = (m[3] ?? '').replace(/0+$/, '')
  if (frac === '.') frac = ''
  let zone = m[4].toUpperCase()
  if (zone === '+00:00' || zone === '-00:00') zone = 'Z'
  return `${m[1]}T${m[2]}${frac}${zone}`
}

function time (o: Obj, key: string, field: string): string {
  const v = getCI(o, key)
  if (v == null) return ZERO_TIME
  if (typeof v !== 'string') fail(field, v, 'time.Time')
  return normalizeGoTime(v)
}

function sortedStringMap<T> (v: unknown, field: string, fn: (x: unknown) => T): Record<string, T> | null {
  if (v == null) return null
  const o = obj(v, field)
  const out: Record<string, T> = {}
  for (const k of Object.keys(o).sort()) out[k] = fn(o[k])
  return out
}

function metadata (o: Obj, key: string, field: string): Record<string, string> | null {
  return sortedStringMap(getCI(o, key), field, (x) => {
    if (typeof x !== 'string') fail(field, x, 'string')
    return x
  })
}

export function normalizeVersion (raw: unknown): VersionJSON {
  return { version: str(obj(raw, 'api.Version'), 'version', 'Version.version') }
}

function normalizeIPFSID (raw: unknown): IPFSIDJSON {
  const o = raw == null ? {} : obj(raw, 'api.IPFSID')
  const id = str(o, 'id', 'IPFSID.id')
  const out: IPFSIDJSON = { addresses: strArray(o, 'addresses', 'IPFSID.addresses'), error: str(o, 'error', 'IPFSID.error') }
  return id !== '' ? { id: peer(id), ...out } : out
}

export function normalizeId (raw: unknown): IDJSON {
  const o = obj(raw, 'api.ID')
  return {
    id: peer(str(o, 'id', 'ID.id')),
    addresses: strArray(o, 'addresses', 'ID.addresses'),
    cluster_peers: strArray(o, 'cluster_peers', 'ID.cluster_peers', peer),
    cluster_peers_addresses: strArray(o, 'cluster_peers_addresses', 'ID.cluster_peers_addresses'),
    version: str(o, 'version', 'ID.version'),
    commit: str(o, 'commit', 'ID.commit'),
    rpc_protocol_version: str(o, 'rpc_protocol_version', 'ID.rpc_protocol_version'),
    error: str(o, 'error', 'ID.error'),
    ipfs: normalizeIPFSID(getCI(o, 'ipfs')),
    peername: str(o, 'peername', 'ID.peername')
  }
}

export function normalizePin (raw: unknown): PinJSON {
  const o = obj(raw, 'api.Pin')
  const typeRaw = getCI(o, 'type')
  let type = 'pin'
  if (typeof typeRaw === 'string') {
    type = pinTypeToString(pinTypeFromString(typeRaw))
  } else if (typeof typeRaw === 'number') {
    type = pinTypeToString(typeRaw)
  } else if (typeRaw != null) {
    fail('Pin.type', typeRaw, 'api.PinType')
  }
  return {
    replication_factor_min: int(o, 'replication_factor_min', 'Pin.replication_factor_min'),
    replication_factor_max: int(o, 'replication_factor_max', 'Pin.replication_factor_max'),
    name: str(o, 'name', 'Pin.name'),
    mode: str(o, 'mode', 'Pin.mode') === 'direct' ? 'direct' : 'recursive',
    shard_size: int(o, 'shard_size', 'Pin.shard_size'),
    user_allocations: strArray(o, 'user_allocations', 'Pin.user_allocations', peer),
    expire_at: time(o, 'expire_at', 'Pin.expire_at'),
    metadata: metadata(o, 'metadata', 'Pin.metadata'),
    pin_update: cid(o, 'pin_update', 'Pin.pin_update'),
    origins: strArray(o, 'origins', 'Pin.origins'),
    cid: cid(o, 'cid', 'Pin.cid'),
    type,
    allocations: strArray(o, 'allocations', 'Pin.allocations', peer),
    max_depth: int(o, 'max_depth', 'Pin.max_depth'),
    reference: cid(o, 'reference', 'Pin.reference'),
    timestamp: time(o, 'timestamp', 'Pin.timestamp')
  }
}

function normalizePinInfoShort (raw: unknown): PinInfoShortJSON {
  const o = obj(raw, 'api.PinInfoShort')
  const ipfsId = str(o, 'ipfs_peer_id', 'PinInfoShort.ipfs_peer_id')
  const addrs = strArray(o, 'ipfs_peer_addresses', 'PinInfoShort.ipfs_peer_addresses')
  const out: Partial<PinInfoShortJSON> = { peername: str(o, 'peername', 'PinInfoShort.peername') }
  if (ipfsId !== '') out.ipfs_peer_id = peer(ipfsId)
  if (addrs != null && addrs.length > 0) out.ipfs_peer_addresses = addrs
  out.status = trackerStatusToString(trackerStatusFromString(str(o, 'status', 'PinInfoShort.status')))
  out.timestamp = time(o, 'timestamp', 'PinInfoShort.timestamp')
  out.error = str(o, 'error', 'PinInfoShort.error')
  out.attempt_count = int(o, 'attempt_count', 'PinInfoShort.attempt_count')
  out.priority_pin = bool(o, 'priority_pin', 'PinInfoShort.priority_pin')
  return out as PinInfoShortJSON
}

export function normalizeGlobalPinInfo (raw: unknown): GlobalPinInfoJSON {
  const o = obj(raw, 'api.GlobalPinInfo')
  const pm = getCI(o, 'peer_map')
  const peerMap: Record<string, PinInfoShortJSON> = {}
  if (pm != null) {
    const m = obj(pm, 'map[string]api.PinInfoShort')
    for (const k of Object.keys(m).sort()) peerMap[k] = normalizePinInfoShort(m[k])
  }
  return {
    cid: cid(o, 'cid', 'GlobalPinInfo.cid'),
    name: str(o, 'name', 'GlobalPinInfo.name'),
    allocations: strArray(o, 'allocations', 'GlobalPinInfo.allocations', peer),
    origins: strArray(o, 'origins', 'GlobalPinInfo.origins'),
    created: time(o, 'created', 'GlobalPinInfo.created'),
    metadata: metadata(o, 'metadata', 'GlobalPinInfo.metadata'),
    peer_map: pm == null ? null as unknown as Record<string, PinInfoShortJSON> : peerMap
  }
}

export function normalizeAddedOutput (raw: unknown): AddedOutputJSON {
  const o = obj(raw, 'api.AddedOutput')
  const out: AddedOutputJSON = { name: str(o, 'name', 'AddedOutput.name'), cid: cid(o, 'cid', 'AddedOutput.cid') }
  const bytes = int(o, 'bytes', 'AddedOutput.bytes')
  if (bytes !== 0) out.bytes = bytes
  const size = int(o, 'size', 'AddedOutput.size')
  if (size !== 0) out.size = size
  const allocs = strArray(o, 'allocations', 'AddedOutput.allocations', peer)
  if (allocs != null && allocs.length > 0) out.allocations = allocs
  return out
}

export function normalizeMetric (raw: unknown): MetricJSON {
  const o = obj(raw, 'api.Metric')
  return {
    name: str(o, 'name', 'Metric.name'),
    peer: peer(str(o, 'peer', 'Metric.peer')),
    value: str(o, 'value', 'Metric.value'),
    expire: int64(o, 'expire', 'Metric.expire'),
    valid: bool(o, 'valid', 'Metric.valid'),
    weight: int64(o, 'weight', 'Metric.weight'),
    partitionable: bool(o, 'partitionable', 'Metric.partitionable'),
    received_at: int64(o, 'received_at', 'Metric.received_at')
  }
}

export function normalizeAlert (raw: unknown): AlertJSON {
  const o = obj(raw, 'api.Alert')
  return { ...normalizeMetric(o), triggered_at: time(o, 'triggered_at', 'Alert.triggered_at') }
}

function normalizeIPFSRepoGC (raw: unknown): IPFSRepoGCJSON {
  const o = obj(raw, 'api.IPFSRepoGC')
  const out: IPFSRepoGCJSON = { key: cid(o, 'key', 'IPFSRepoGC.key') }
  const e = str(o, 'error', 'IPFSRepoGC.error')
  if (e !== '') out.error = e
  return out
}

function normalizeRepoGCEntry (raw: unknown): RepoGCJSON {
  const o = obj(raw, 'api.RepoGC')
  const keys = getCI(o, 'keys')
  if (keys != null && !Array.isArray(keys)) fail('RepoGC.keys', keys, '[]api.IPFSRepoGC')
  const out: RepoGCJSON = {
    peer: peer(str(o, 'peer', 'RepoGC.peer')),
    peername: str(o, 'peername', 'RepoGC.peername'),
    keys: keys == null ? null as unknown as IPFSRepoGCJSON[] : (keys as unknown[]).map(normalizeIPFSRepoGC)
  }
  const e = str(o, 'error', 'RepoGC.error')
  if (e !== '') out.error = e
  return out
}

export function normalizeRepoGC (raw: unknown): GlobalRepoGCJSON {
  const o = obj(raw, 'api.GlobalRepoGC')
  return { peer_map: sortedStringMap(getCI(o, 'peer_map'), 'map[string]api.RepoGC', normalizeRepoGCEntry) as Record<string, RepoGCJSON> }
}

export function normalizeConnectGraph (raw: unknown): ConnectGraphJSON {
  const o = obj(raw, 'api.ConnectGraph')
  const peerList = (x: unknown): string[] => {
    if (x == null) return null as unknown as string[]
    if (!Array.isArray(x)) fail('ConnectGraph', x, '[]peer.ID')
    return x.map((p) => {
      if (typeof p !== 'string') fail('ConnectGraph', p, 'peer.ID')
      return peer(p)
    })
  }
  return {
    cluster_id: peer(str(o, 'cluster_id', 'ConnectGraph.cluster_id')),
    id_to_peername: sortedStringMap(getCI(o, 'id_to_peername'), 'map[string]string', (x) => {
      if (typeof x !== 'string') fail('ConnectGraph.id_to_peername', x, 'string')
      return x
    }) as Record<string, string>,
    ipfs_links: sortedStringMap(getCI(o, 'ipfs_links'), 'map[string][]peer.ID', peerList) as Record<string, string[]>,
    cluster_links: sortedStringMap(getCI(o, 'cluster_links'), 'map[string][]peer.ID', peerList) as Record<string, string[]>,
    cluster_trust_links: sortedStringMap(getCI(o, 'cluster_trust_links'), 'map[string]bool', (x) => {
      if (typeof x !== 'boolean') fail('ConnectGraph.cluster_trust_links', x, 'bool')
      return x
    }) as Record<string, boolean>,
    cluster_to_ipfs: sortedStringMap(getCI(o, 'cluster_to_ipfs'), 'map[string]peer.ID', (x) => {
      if (typeof x !== 'string') fail('ConnectGraph.cluster_to_ipfs', x, 'peer.ID')
      return peer(x)
    }) as Record<string, string>
  }
}

export function normalizeBandwidth (raw: unknown): BandwidthByProtocolJSON {
  if (raw == null) return null
  return sortedStringMap(raw, 'api.BandwidthByProtocol', (x) => {
    const o = obj(x, 'api.Bandwidth')
    return {
      total_in: int64(o, 'total_in', 'Bandwidth.total_in'),
      total_out: int64(o, 'total_out', 'Bandwidth.total_out'),
      rate_in: float(o, 'rate_in', 'Bandwidth.rate_in'),
      rate_out: float(o, 'rate_out', 'Bandwidth.rate_out')
    }
  })
}

export function normalizeStringList (raw: unknown): string[] {
  if (raw == null) return null as unknown as string[]
  if (!Array.isArray(raw)) throw new InvalidArgumentError(`json: cannot unmarshal ${typeName(raw)} into Go value of type []string`)
  return raw.map((x) => {
    if (typeof x !== 'string') throw new InvalidArgumentError(`json: cannot unmarshal ${typeName(x)} into Go value of type string`)
    return x
  })
}

export function normalizeList<T> (raw: unknown, fn: (x: unknown) => T, what: string): T[] {
  if (raw == null) return null as unknown as T[]
  if (!Array.isArray(raw)) throw new InvalidArgumentError(`json: cannot unmarshal ${typeName(raw)} into Go value of type ${what}`)
  return raw.map(fn)
}
