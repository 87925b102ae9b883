/**
 * Small helpers around {@link Metric}: clock in unix nanoseconds, TTLs,
 * validity and the reference sort order (peer, then expiry).
 */
import { base58btc } from 'multiformats/bases/base58'
import type { Metric, PeerIdString } from '../api/types.js'

/** Nanoseconds in one millisecond. */
export const NS_PER_MS = 1_000_000n

/** The current time as unix nanoseconds. */
export function nowNs (): bigint {
  return BigInt(Date.now()) * NS_PER_MS
}

/** Unix nanoseconds `ms` milliseconds from now. */
export function expiryIn (ms: number, now: bigint = nowNs()): bigint {
  return now + BigInt(Math.max(0, Math.round(ms))) * NS_PER_MS
}

/** True once the metric's expiry date has passed. */
export function metricExpired (m: Pick<Metric, 'expire'>, now: bigint = nowNs()): boolean {
  return now > m.expire
}

/** True for metrics that must not be used or published: invalid or expired. */
export function metricDiscard (m: Pick<Metric, 'expire' | 'valid'>, now: bigint = nowNs()): boolean {
  return !m.valid || metricExpired(m, now)
}

/** Milliseconds left before the metric expires (0 when expired). */
export function metricTTL (m: Pick<Metric, 'expire'>, now: bigint = nowNs()): number {
  const left = m.expire - now
  return left <= 0n ? 0 : Number(left / NS_PER_MS)
}

export interface NewMetricInit {
  name: string
  peer?: PeerIdString
  value?: string
  valid?: boolean
  weight?: bigint
  partitionable?: boolean
  /** Time to live in ms (sets `expire`). */
  ttl: number
}

/** A metric expiring `ttl` ms from now (receivedAt 0: not received yet). */
export function newMetric (init: NewMetricInit): Metric {
  return {
    name: init.name,
    peer: init.peer ?? '',
    value: init.value ?? '',
    expire: expiryIn(init.ttl),
    valid: init.valid ?? true,
    weight: init.weight ?? 0n,
    partitionable: init.partitionable ?? false,
    receivedAt: 0n
  }
}

const peerBytesCache = new Map<string, Uint8Array | null>()

/**
 * The binary form of a peer ID (its multihash), used to order peers as the
 * reference does (Go sorts `peer.ID`, a byte string). Null when the string
 * is not base58.
 */
export function peerIdBytes (peer: PeerIdString): Uint8Array | null {
  let b = peerBytesCache.get(peer)
  if (b !== undefined) return b
  try {
    b = base58btc.baseDecode(peer)
  } catch {
    b = null
  }
  if (peerBytesCache.size > 10000) peerBytesCache.clear()
  peerBytesCache.set(peer, b)
  return b
}

function compareBytes (a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] - b[i]
  }
  return a.length - b.length
}

/** Orders peer IDs by their binary form (string order as a fallback). */
export function comparePeers (a: PeerIdString, b: PeerIdString): number {
  if (a === b) return 0
  const ba = peerIdBytes(a)
  const bb = peerIdBytes(b)
  if (ba != null && bb != null) {
    const c = compareBytes(ba, bb)
    if (c !== 0) return c
  }
  return a < b ? -1 : 1
}

/** The reference metric order: by peer, then by expiry. */
export function compareMetrics (a: Metric, b: Metric): number {
  if (a.peer === b.peer) {
    return a.expire < b.expire ? -1 : a.expire > b.expire ? 1 : 0
  }
  return comparePeers(a.peer, b.peer)
}
