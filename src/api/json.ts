/**
 * JSON wire shapes of the REST API (HTTP spec §2) and the conversions
 * between them and the data model. Key order follows the Go reference
 * (declaration order), so output can be diffed against it.
 */
import { CID } from 'multiformats/cid'
import { InvalidArgumentError } from '../errors.js'
import { pinModeFromMaxDepth, pinModeFromString, pinTypeFromString, pinTypeToString, trackerStatusFromString, trackerStatusToString, PinType } from './enums.js'
import { cidToString, formatTime, getCI, goEscape, parseCid, parsePeerId, parseTime } from './encoding.js'
import type { AddedOutput, Alert, BandwidthByProtocol, ConnectGraph, GlobalPinInfo, GlobalRepoGC, ID, IPFSID, Metric, Pin, PinInfo, PinInfoShort, PinOptions, RepoGC } from './types.js'

// ---------------------------------------------------------------------------
// Wire interfaces (what goes over HTTP)
// ---------------------------------------------------------------------------

export interface IPFSIDJSON {
  id?: string
  addresses: string[] | null
  error: string
}

export interface IDJSON {
  id: string
  addresses: string[] | null
  cluster_peers: string[] | null
  cluster_peers_addresses: string[] | null
  version: string
  commit: string
  rpc_protocol_version: string
  error: string
  ipfs: IPFSIDJSON
  peername: string
}

export interface PinJSON {
  replication_factor_min: number
  replication_factor_max: number
  name: string
  mode: string
  shard_size: number
  user_allocations: string[] | null
  expire_at: string
  metadata: Record<string, string> | null
  pin_update: string | null
  origins: string[] | null
  cid: string | null
  type: string
  allocations: string[] | null
  max_depth: number
  reference: string | null
  timestamp: string
}

export interface PinInfoShortJSON {
  peername: string
  ipfs_peer_id?: string
  ipfs_peer_addresses?: string[]
  status: string
  timestamp: string
  error: string
  attempt_count: number
  priority_pin: boolean
}

export interface PinInfoJSON extends PinInfoShortJSON {
  cid: string | null
  name: string
  peer: string
  allocations: string[] | null
  origins: string[] | null
  created: string
  metadata: Record<string, string> | null
}

export interface GlobalPinInfoJSON {
  cid: string | null
  name: string
  allocations: string[] | null
  origins: string[] | null
  created: string
  metadata: Record<string, string> | null
  peer_map: Record<string, PinInfoShortJSON>
}

export interface MetricJSON {
  name: string
  peer: string
  value: string
  expire: bigint | number
  valid: boolean
  weight: bigint | number
  partitionable: boolean
  received_at: bigint | number
}

export interface AlertJSON extends MetricJSON {
  triggered_at: string
}

export interface AddedOutputJSON {
  name: string
  cid: string | null
  bytes?: number
  size?: number
  allocations?: string[]
}

export interface IPFSRepoGCJSON {
  key: string | null
  error?: string
}

export interface RepoGCJSON {
  peer: string
  peername: string
  keys: IPFSRepoGCJSON[]
  error?: string
}

export interface GlobalRepoGCJSON {
  peer_map: Record<string, RepoGCJSON>
}

export interface ConnectGraphJSON {
  cluster_id: string
  id_to_peername: Record<string, string>
  ipfs_links: Record<string, string[]>
  cluster_links: Record<string, string[]>
  cluster_trust_links: Record<string, boolean>
  cluster_to_ipfs: Record<string, string>
}

export interface ErrorJSON {
  code: number
  message: string
}

// ---------------------------------------------------------------------------
// Serialisation helpers
// ---------------------------------------------------------------------------

const BIGINT_MARK = '\u0000bigint:'

/** JSON.stringify that writes bigints as plain numbers and escapes like Go. */
export function toJSONText (value: unknown, indent?: number | string): string {
  let text: string
  try {
    // Fast path: JSON.stringify throws a TypeError on bigints.
    text = JSON.stringify(value, null, indent)
  } catch (err) {
    if (!(err instanceof TypeError)) throw err
    text = JSON.stringify(value, (_k, v) => typeof v === 'bigint' ? BIGINT_MARK + v.toString() : v, indent)
      .replace(/"\\u0000bigint:(-?\d+)"/g, '$1')
  }
  return goEscape(text)
}

function sortedRecord<T> (m: Map<string, T>, fn: (v: T) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const k of [...m.keys()].sort()) {
    out[k] = fn(m.get(k) as T)
  }
  return out
}

function sortedMetadata (m: Record<string, string> | null): Record<string, string> | null {
  if (m == null) return null
  const out: Record<string, string> = {}
  for (const k of Object.keys(m).sort()) out[k] = m[k]
  return out
}

// ---------------------------------------------------------------------------
// Model → wire
// ---------------------------------------------------------------------------

export function ipfsIdToJSON (v: IPFSID): IPFSIDJSON {
  const out: IPFSIDJSON = { addresses: v.addresses, error: v.error }
  if (v.id !== '') {
    return { id: v.id, ...out }
  }
  return out
}

export function idToJSON (v: ID): IDJSON {
  return {
    id: v.id,
    addresses: v.addresses,
    cluster_peers: v.clusterPeers,
    cluster_peers_addresses: v.clusterPeersAddresses,
    version: v.version,
    commit: v.commit,
    rpc_protocol_version: v.rpcProtocolVersion,
    error: v.error,
    ipfs: ipfsIdToJSON(v.ipfs),
    peername: v.peername
  }
}

export function pinToJSON (p: Pin): PinJSON {
  return {
    replication_factor_min: p.replicationFactorMin,
    replication_factor_max: p.replicationFactorMax,
    name: p.name,
    mode: p.mode,
    shard_size: p.shardSize,
    user_allocations: p.userAllocations,
    expire_at: formatTime(p.expireAt),
    metadata: sortedMetadata(p.metadata),
    pin_update: p.pinUpdate == null ? null : cidToString(p.pinUpdate),
    origins: p.origins,
    cid: cidToString(p.cid),
    type: pinTypeToString(p.type),
    allocations: p.allocations,
    max_depth: p.maxDepth,
    reference: p.reference == null ? null : cidToString(p.reference),
    timestamp: formatTime(p.timestamp)
  }
}

function jsonNumber (n: number): string {
  return Number.isFinite(n) ? String(n) : 'null'
}

function jsonStrings (a: string[] | null): string {
  if (a == null) return 'null'
  if (a.length === 0) return '[]'
  return goEscape(JSON.stringify(a))
}

function jsonCid (c: CID | null): string {
  return c == null ? 'null' : '"' + cidToString(c) + '"'
}

/**
 * `toJSONText(pinToJSON(p))`, built directly (hot in listings and state
 * exports of millions of pins: no intermediate object).
 */
export function pinToJSONText (p: Pin): string {
  // Go escaping only where free text can appear (CIDs, times, numbers and
  // type names never need it)
  return '{"replication_factor_min":' + jsonNumber(p.replicationFactorMin) +
    ',"replication_factor_max":' + jsonNumber(p.replicationFactorMax) +
    ',"name":' + goEscape(JSON.stringify(p.name)) +
    ',"mode":' + goEscape(JSON.stringify(p.mode)) +
    ',"shard_size":' + jsonNumber(p.shardSize) +
    ',"user_allocations":' + jsonStrings(p.userAllocations) +
    ',"expire_at":"' + formatTime(p.expireAt) +
    '","metadata":' + (p.metadata == null ? 'null' : goEscape(JSON.stringify(sortedMetadata(p.metadata)))) +
    ',"pin_update":' + jsonCid(p.pinUpdate) +
    ',"origins":' + jsonStrings(p.origins) +
    ',"cid":"' + cidToString(p.cid) +
    '","type":"' + pinTypeToString(p.type) +
    '","allocations":' + jsonStrings(p.allocations) +
    ',"max_depth":' + jsonNumber(p.maxDepth) +
    ',"reference":' + jsonCid(p.reference) +
    ',"timestamp":"' + formatTime(p.timestamp) + '"}'
}

export function pinInfoShortToJSON (v: PinInfoShort): PinInfoShortJSON {
  // keys are added in Go declaration order (ipfs_peer_* sit between peername and status)
  const out = { peername: v.peername } as PinInfoShortJSON
  if (v.ipfsPeerId !== '') out.ipfs_peer_id = v.ipfsPeerId
  if (v.ipfsPeerAddresses.length > 0) out.ipfs_peer_addresses = v.ipfsPeerAddresses
  out.status = trackerStatusToString(v.status)
  out.timestamp = formatTime(v.timestamp)
  out.error = v.error
  out.attempt_count = v.attemptCount
  out.priority_pin = v.priorityPin
  return out
}

export function globalPinInfoToJSON (g: GlobalPinInfo): GlobalPinInfoJSON {
  return {
    cid: cidToString(g.cid),
    name: g.name,
    allocations: g.allocations,
    origins: g.origins,
    created: formatTime(g.created),
    metadata: sortedMetadata(g.metadata),
    peer_map: sortedRecord(g.peerMap, pinInfoShortToJSON) as Record<string, PinInfoShortJSON>
  }
}

export function metricToJSON (m: Metric): MetricJSON {
  return {
    name: m.name,
    peer: m.peer,
    value: m.value,
    expire: m.expire,
    valid: m.valid,
    weight: m.weight,
    partitionable: m.partitionable,
    received_at: m.receivedAt
  }
}

export function alertToJSON (a: Alert): AlertJSON {
  return { ...metricToJSON(a), triggered_at: formatTime(a.triggeredAt) }
}

export function addedOutputToJSON (a: AddedOutput): AddedOutputJSON {
  const out: AddedOutputJSON = { name: a.name, cid: a.cid == null ? null : cidToString(a.cid) }
  if (a.bytes !== 0) out.bytes = a.bytes
  if (a.size !== 0) out.size = a.size
  if (a.allocations.length > 0) out.allocations = a.allocations
  return out
}

export function repoGCToJSON (r: RepoGC): RepoGCJSON {
  const out: RepoGCJSON = {
    peer: r.peer,
    peername: r.peername,
    keys: r.keys.map((k) => {
      const kj: IPFSRepoGCJSON = { key: k.key == null ? null : cidToString(k.key) }
      if (k.error !== '') kj.error = k.error
      return kj
    })
  }
  if (r.error !== '') out.error = r.error
  return out
}

export function globalRepoGCToJSON (g: GlobalRepoGC): GlobalRepoGCJSON {
  return { peer_map: sortedRecord(g.peerMap, repoGCToJSON) as Record<string, RepoGCJSON> }
}

export function connectGraphToJSON (g: ConnectGraph): ConnectGraphJSON {
  const id = <T>(v: T): T => v
  return {
    cluster_id: g.clusterId,
    id_to_peername: sortedRecord(g.idToPeername, id) as Record<string, string>,
    ipfs_links: sortedRecord(g.ipfsLinks, id) as Record<string, string[]>,
    cluster_links: sortedRecord(g.clusterLinks, id) as Record<string, string[]>,
    cluster_trust_links: sortedRecord(g.clusterTrustLinks, id) as Record<string, boolean>,
    cluster_to_ipfs: sortedRecord(g.clusterToIpfs, id) as Record<string, string>
  }
}

export function bandwidthToJSON (b: BandwidthByProtocol): Record<string, unknown> | null {
  if (b == null) return null
  return sortedRecord(b, (e) => ({ total_in: e.totalIn, total_out: e.totalOut, rate_in: e.rateIn, rate_out: e.rateOut }))
}

// ---------------------------------------------------------------------------
// Wire → model (tolerant, case-insensitive, as Go's decoder)
// ---------------------------------------------------------------------------

function asObject (v: unknown, what: string): Record<string, unknown> {
  if (v == null || typeof v !== 'object' || Array.isArray(v)) {
    throw new InvalidArgumentError(`json: cannot unmarshal ${Array.isArray(v) ? 'array' : typeof v} into Go value of type ${what}`)
  }
  return v as Record<string, unknown>
}

function optString (v: unknown, field: string): string {
  if (v == null) return ''
  if (typeof v !== 'string') throw new InvalidArgumentError(`json: cannot unmarshal ${typeof v} into Go struct field ${field} of type string`)
  return v
}

function optInt (v: unknown, field: string, def = 0): number {
  if (v == null) return def
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new InvalidArgumentError(`json: cannot unmarshal ${typeof v} into Go struct field ${field} of type int`)
  return v
}

function optStringArray (v: unknown, field: string): string[] | null {
  if (v == null) return null
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new InvalidArgumentError(`json: cannot unmarshal ${typeof v} into Go struct field ${field} of type []string`)
  return v as string[]
}

/** Accepts a CID string, the legacy `{"/": "…"}` form, or null. */
function optCid (v: unknown): CID | null {
  if (v == null) return null
  if (typeof v === 'string') return v === '' ? null : parseCid(v)
  if (typeof v === 'object' && typeof (v as Record<string, unknown>)['/'] === 'string') {
    return parseCid((v as Record<string, string>)['/'])
  }
  throw new InvalidArgumentError('json: cannot unmarshal value into Go struct field .cid of type api.Cid')
}

function optMetadata (v: unknown): Record<string, string> | null {
  if (v == null) return null
  const o = asObject(v, 'map[string]string')
  const out: Record<string, string> = {}
  for (const [k, val] of Object.entries(o)) {
    if (typeof val !== 'string') throw new InvalidArgumentError('json: cannot unmarshal value into map[string]string')
    out[k] = val
  }
  return out
}

/** Default pin options of a request (replication 0 = cluster default). */
export function defaultPinOptions (): PinOptions {
  return {
    replicationFactorMin: 0,
    replicationFactorMax: 0,
    name: '',
    mode: 'recursive',
    shardSize: 0,
    userAllocations: null,
    expireAt: null,
    metadata: null,
    pinUpdate: null,
    origins: null
  }
}

/**
 * Decodes a Pin object (REST, `state import`). Missing `type` means a
 * regular data pin; missing `max_depth` is derived from `mode`
 * (recursive by default).
 */
export function pinFromJSON (value: unknown): Pin {
  const o = asObject(value, 'api.Pin')
  const cid = optCid(getCI(o, 'cid'))
  if (cid == null) {
    throw new InvalidArgumentError('pin has no cid')
  }
  const typeRaw = getCI(o, 'type')
  let type: number
  if (typeRaw == null) {
    type = PinType.Data
  } else if (typeof typeRaw === 'number') {
    type = typeRaw
  } else {
    type = pinTypeFromString(optString(typeRaw, 'Pin.type'))
  }
  const modeRaw = getCI(o, 'mode')
  const maxDepthRaw = getCI(o, 'max_depth')
  const maxDepth = maxDepthRaw == null ? (pinModeFromString(optString(modeRaw, 'Pin.mode')) === 'direct' ? 0 : -1) : optInt(maxDepthRaw, 'Pin.max_depth')
  const expireRaw = getCI(o, 'expire_at')
  const tsRaw = getCI(o, 'timestamp')
  const allocations = (optStringArray(getCI(o, 'allocations'), 'Pin.allocations') ?? []).map(parsePeerId)
  const userAllocs = optStringArray(getCI(o, 'user_allocations'), 'Pin.user_allocations')
  return {
    replicationFactorMin: optInt(getCI(o, 'replication_factor_min'), 'Pin.replication_factor_min'),
    replicationFactorMax: optInt(getCI(o, 'replication_factor_max'), 'Pin.replication_factor_max'),
    name: optString(getCI(o, 'name'), 'Pin.name'),
    mode: pinModeFromMaxDepth(maxDepth),
    shardSize: optInt(getCI(o, 'shard_size'), 'Pin.shard_size'),
    userAllocations: userAllocs == null ? null : userAllocs.map(parsePeerId),
    expireAt: expireRaw == null ? null : parseTime(optString(expireRaw, 'Pin.expire_at')),
    metadata: optMetadata(getCI(o, 'metadata')),
    pinUpdate: optCid(getCI(o, 'pin_update')),
    origins: optStringArray(getCI(o, 'origins'), 'Pin.origins'),
    cid,
    type,
    allocations,
    maxDepth,
    reference: optCid(getCI(o, 'reference')),
    timestamp: tsRaw == null ? null : parseTime(optString(tsRaw, 'Pin.timestamp'))
  }
}

export function pinInfoShortFromJSON (value: unknown): PinInfoShort {
  const o = asObject(value, 'api.PinInfoShort')
  const ts = getCI(o, 'timestamp')
  return {
    peername: optString(getCI(o, 'peername'), 'peername'),
    ipfsPeerId: optString(getCI(o, 'ipfs_peer_id'), 'ipfs_peer_id'),
    ipfsPeerAddresses: optStringArray(getCI(o, 'ipfs_peer_addresses'), 'ipfs_peer_addresses') ?? [],
    status: trackerStatusFromString(optString(getCI(o, 'status'), 'status')),
    timestamp: ts == null ? null : parseTime(optString(ts, 'timestamp')),
    error: optString(getCI(o, 'error'), 'error'),
    attemptCount: optInt(getCI(o, 'attempt_count'), 'attempt_count'),
    priorityPin: getCI(o, 'priority_pin') === true
  }
}

/** Builds a GlobalPinInfo holding a single PinInfo (local responses). */
export function pinInfoToGlobal (p: PinInfo): GlobalPinInfo {
  const short: PinInfoShort = {
    peername: p.peername,
    ipfsPeerId: p.ipfsPeerId,
    ipfsPeerAddresses: p.ipfsPeerAddresses,
    status: p.status,
    timestamp: p.timestamp,
    error: p.error,
    attemptCount: p.attemptCount,
    priorityPin: p.priorityPin
  }
  return {
    cid: p.cid,
    name: p.name,
    allocations: p.allocations,
    origins: p.origins,
    created: p.created,
    metadata: p.metadata,
    peerMap: new Map([[p.peer, short]])
  }
}

/**
 * Adds a PinInfo to a GlobalPinInfo with the reference merge rule: the
 * per-peer entry is stored under the reporting peer; top-level fields come
 * from the first PinInfo and are overwritten by any later PinInfo whose
 * status is defined and not cluster_error.
 */
export function mergePinInfo (g: GlobalPinInfo | undefined, p: PinInfo): GlobalPinInfo {
  if (g == null) {
    return pinInfoToGlobal(p)
  }
  if (p.status !== 0 && p.status !== 2) {
    g.cid = p.cid
    g.name = p.name
    g.allocations = p.allocations
    g.origins = p.origins
    g.created = p.created
    g.metadata = p.metadata
  }
  g.peerMap.set(p.peer, {
    peername: p.peername,
    ipfsPeerId: p.ipfsPeerId,
    ipfsPeerAddresses: p.ipfsPeerAddresses,
    status: p.status,
    timestamp: p.timestamp,
    error: p.error,
    attemptCount: p.attemptCount,
    priorityPin: p.priorityPin
  })
  return g
}

export function pinInfoToJSON (p: PinInfo): PinInfoJSON {
  return {
    cid: cidToString(p.cid),
    name: p.name,
    peer: p.peer,
    allocations: p.allocations,
    origins: p.origins,
    created: formatTime(p.created),
    metadata: sortedMetadata(p.metadata),
    ...pinInfoShortToJSON(p)
  }
}

export function pinInfoFromJSON (value: unknown): PinInfo {
  const o = asObject(value, 'api.PinInfo')
  const short = pinInfoShortFromJSON(o)
  const created = getCI(o, 'created')
  const cid = optCid(getCI(o, 'cid'))
  if (cid == null) throw new InvalidArgumentError('pin info has no cid')
  return {
    ...short,
    cid,
    name: optString(getCI(o, 'name'), 'name'),
    peer: optString(getCI(o, 'peer'), 'peer'),
    allocations: optStringArray(getCI(o, 'allocations'), 'allocations'),
    origins: optStringArray(getCI(o, 'origins'), 'origins'),
    created: created == null ? null : parseTime(optString(created, 'created')),
    metadata: optMetadata(getCI(o, 'metadata'))
  }
}

export function pinToInfoDefaults (pin: Pin): Pick<PinInfo, 'cid' | 'name' | 'allocations' | 'origins' | 'created' | 'metadata'> {
  return {
    cid: pin.cid,
    name: pin.name,
    allocations: pin.allocations,
    origins: pin.origins ?? [],
    created: pin.timestamp,
    metadata: pin.metadata
  }
}

export function metricFromJSON (value: unknown): Metric {
  const o = asObject(value, 'api.Metric')
  const big = (v: unknown): bigint => typeof v === 'number' ? BigInt(Math.trunc(v)) : typeof v === 'string' ? BigInt(v) : typeof v === 'bigint' ? v : 0n
  return {
    name: optString(getCI(o, 'name'), 'name'),
    peer: optString(getCI(o, 'peer'), 'peer'),
    value: optString(getCI(o, 'value'), 'value'),
    expire: big(getCI(o, 'expire')),
    valid: getCI(o, 'valid') === true,
    weight: big(getCI(o, 'weight')),
    partitionable: getCI(o, 'partitionable') === true,
    receivedAt: big(getCI(o, 'received_at'))
  }
}

export function idFromJSON (value: unknown): ID {
  const o = asObject(value, 'api.ID')
  const ipfs = asObject(getCI(o, 'ipfs') ?? {}, 'api.IPFSID')
  return {
    id: optString(getCI(o, 'id'), 'id'),
    addresses: optStringArray(getCI(o, 'addresses'), 'addresses'),
    clusterPeers: optStringArray(getCI(o, 'cluster_peers'), 'cluster_peers'),
    clusterPeersAddresses: optStringArray(getCI(o, 'cluster_peers_addresses'), 'cluster_peers_addresses'),
    version: optString(getCI(o, 'version'), 'version'),
    commit: optString(getCI(o, 'commit'), 'commit'),
    rpcProtocolVersion: optString(getCI(o, 'rpc_protocol_version'), 'rpc_protocol_version'),
    error: optString(getCI(o, 'error'), 'error'),
    ipfs: {
      id: optString(getCI(ipfs, 'id'), 'ipfs.id'),
      addresses: optStringArray(getCI(ipfs, 'addresses'), 'ipfs.addresses'),
      error: optString(getCI(ipfs, 'error'), 'ipfs.error')
    },
    peername: optString(getCI(o, 'peername'), 'peername')
  }
}

/** A copy of a pin with every field cloned (pins are mutated by the cluster). */
export function clonePin (p: Pin): Pin {
  return {
    ...p,
    userAllocations: p.userAllocations == null ? null : [...p.userAllocations],
    metadata: p.metadata == null ? null : { ...p.metadata },
    origins: p.origins == null ? null : [...p.origins],
    allocations: [...p.allocations]
  }
}

/** A Pin for `cid` with the given options and the reference defaults. */
export function newPin (cid: CID, opts: PinOptions): Pin {
  return {
    ...opts,
    cid,
    type: PinType.Data,
    allocations: [],
    maxDepth: opts.mode === 'direct' ? 0 : -1,
    reference: null,
    timestamp: null
  }
}

export { CID }

export function versionFromJSON (value: unknown): { version: string } {
  const o = asObject(value, 'api.Version')
  return { version: optString(getCI(o, 'version'), 'version') }
}
