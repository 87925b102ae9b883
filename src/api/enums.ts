/**
 * Enumerations of the IPFS Cluster data model, with the bit values of the
 * Go reference (they matter for filters) and their JSON names.
 */

/** Tracker status bit flags (HTTP spec §1.5). */
export const TrackerStatus = {
  Undefined: 0,
  ClusterError: 1 << 1,
  PinError: 1 << 2,
  UnpinError: 1 << 3,
  Pinned: 1 << 4,
  Pinning: 1 << 5,
  Unpinning: 1 << 6,
  Unpinned: 1 << 7,
  Remote: 1 << 8,
  PinQueued: 1 << 9,
  UnpinQueued: 1 << 10,
  Sharded: 1 << 11,
  UnexpectedlyUnpinned: 1 << 12
} as const

export type TrackerStatusValue = number

/** Composite filters. */
export const TrackerStatusError = TrackerStatus.ClusterError | TrackerStatus.PinError | TrackerStatus.UnpinError
export const TrackerStatusQueued = TrackerStatus.PinQueued | TrackerStatus.UnpinQueued

const STATUS_NAMES: Array<[number, string]> = [
  [TrackerStatus.Undefined, 'undefined'],
  [TrackerStatus.ClusterError, 'cluster_error'],
  [TrackerStatus.PinError, 'pin_error'],
  [TrackerStatus.UnpinError, 'unpin_error'],
  [TrackerStatus.Pinned, 'pinned'],
  [TrackerStatus.Pinning, 'pinning'],
  [TrackerStatus.Unpinning, 'unpinning'],
  [TrackerStatus.Unpinned, 'unpinned'],
  [TrackerStatus.Remote, 'remote'],
  [TrackerStatus.PinQueued, 'pin_queued'],
  [TrackerStatus.UnpinQueued, 'unpin_queued'],
  [TrackerStatus.Sharded, 'sharded'],
  [TrackerStatus.UnexpectedlyUnpinned, 'unexpectedly_unpinned'],
  [TrackerStatusError, 'error'],
  [TrackerStatusQueued, 'queued']
]

const STATUS_BY_NAME = new Map(STATUS_NAMES.map(([v, n]) => [n, v]))
const NAME_BY_STATUS = new Map(STATUS_NAMES.map(([v, n]) => [v, n]))

/** JSON name of a single (or composite) status. */
export function trackerStatusToString (status: number): string {
  const name = NAME_BY_STATUS.get(status)
  if (name != null) {
    return name
  }
  const names: string[] = []
  for (const [v, n] of STATUS_NAMES) {
    if (v !== 0 && (v & (v - 1)) === 0 && (status & v) !== 0) {
      names.push(n)
    }
  }
  return names.join(',')
}

/** Parses one status name; unknown names give Undefined (0), like Go. */
export function trackerStatusFromString (name: string): number {
  return STATUS_BY_NAME.get(name) ?? TrackerStatus.Undefined
}

/**
 * Parses a filter: spaces removed, split on commas, known names OR-ed,
 * unknown names ignored.
 */
export function parseTrackerStatusFilter (filter: string): number {
  let out = 0
  for (const part of filter.replace(/ /g, '').split(',')) {
    if (part === '') continue
    out |= STATUS_BY_NAME.get(part) ?? 0
  }
  return out
}

/** Filter matching rule of the reference: 0 matches all, status 0 matches all. */
export function trackerStatusMatch (status: number, filter: number): boolean {
  return filter === 0 || status === 0 || (status & filter) !== 0
}

/** Pin types (bit values of the Go reference). */
export const PinType = {
  Bad: 1,
  Data: 2,
  Meta: 4,
  ClusterDAG: 8,
  Shard: 16,
  All: 2 | 4 | 8 | 16
} as const

export type PinTypeValue = number

const PIN_TYPE_NAMES: Array<[number, string]> = [
  [PinType.Bad, 'bad-type'],
  [PinType.Data, 'pin'],
  [PinType.Meta, 'meta-pin'],
  [PinType.ClusterDAG, 'clusterdag-pin'],
  [PinType.Shard, 'shard-pin'],
  [PinType.All, 'all']
]

export function pinTypeToString (t: number): string {
  for (const [v, n] of PIN_TYPE_NAMES) {
    if (v === t) return n
  }
  return 'bad-type'
}

/** Unknown names are Bad (1); `''` and `all` are All. */
export function pinTypeFromString (s: string): number {
  if (s === '') return PinType.All
  for (const [v, n] of PIN_TYPE_NAMES) {
    if (n === s) return v
  }
  return PinType.Bad
}

/** Protobuf enum value of a pin type (0..4). */
export function pinTypeToProto (t: number): number {
  switch (t) {
    case PinType.Data: return 1
    case PinType.Meta: return 2
    case PinType.ClusterDAG: return 3
    case PinType.Shard: return 4
    default: return 0
  }
}

export function pinTypeFromProto (n: number): number {
  switch (n) {
    case 1: return PinType.Data
    case 2: return PinType.Meta
    case 3: return PinType.ClusterDAG
    case 4: return PinType.Shard
    default: return PinType.Bad
  }
}

export type PinMode = 'recursive' | 'direct'

/** `direct` → direct; anything else (including `''`) → recursive. */
export function pinModeFromString (s: string | undefined | null): PinMode {
  return s === 'direct' ? 'direct' : 'recursive'
}

export function pinModeToMaxDepth (mode: PinMode): number {
  return mode === 'direct' ? 0 : -1
}

export function pinModeFromMaxDepth (maxDepth: number): PinMode {
  return maxDepth === 0 ? 'direct' : 'recursive'
}

/** IPFS-side pin status (Kubo pin types). */
export const IPFSPinStatus = {
  Bug: 0,
  Error: 1,
  Direct: 2,
  Recursive: 3,
  Indirect: 4,
  Unpinned: 5
} as const

export type IPFSPinStatusValue = number

/** Parses Kubo's `Type` strings (`indirect through <cid>`, `recursive (maxdepth)`). */
export function ipfsPinStatusFromString (s: string): number {
  if (s.startsWith('indirect')) return IPFSPinStatus.Indirect
  if (s.startsWith('recursive')) return IPFSPinStatus.Recursive
  if (s === 'direct') return IPFSPinStatus.Direct
  return IPFSPinStatus.Bug
}

export function ipfsPinStatusToString (s: number): string {
  switch (s) {
    case IPFSPinStatus.Direct: return 'direct'
    case IPFSPinStatus.Recursive: return 'recursive'
    case IPFSPinStatus.Indirect: return 'indirect'
    default: return ''
  }
}

/** True when the IPFS pin status satisfies a pin with the given max depth. */
export function ipfsPinStatusSatisfies (status: number, maxDepth: number): boolean {
  if (maxDepth === 0) {
    return status === IPFSPinStatus.Direct
  }
  return status === IPFSPinStatus.Recursive
}
