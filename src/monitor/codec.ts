/**
 * Wire form of metrics on the `monitor.metrics` pubsub topic.
 *
 * A compact JSON object keyed like the reference msgpack codec keys
 * (`n` name, `p` peer, `v` value, `e` expire, `d` valid, `w` weight,
 * `o` partitionable), zero values omitted. 64-bit integers travel as decimal
 * strings so no precision is lost. `received_at` is not sent: the receiver
 * sets it.
 */
import { tryParsePeerId } from '../api/encoding.js'
import type { Metric } from '../api/types.js'

interface WireMetric {
  n: string
  p?: string
  v?: string
  e?: string
  d?: true
  w?: string
  o?: true
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** Largest message accepted on the topic (bytes). */
export const MAX_METRIC_MESSAGE_SIZE = 64 * 1024

export function encodeMetric (m: Metric): Uint8Array {
  const w: WireMetric = { n: m.name }
  if (m.peer !== '') w.p = m.peer
  if (m.value !== '') w.v = m.value
  if (m.expire !== 0n) w.e = m.expire.toString()
  if (m.valid) w.d = true
  if (m.weight !== 0n) w.w = m.weight.toString()
  if (m.partitionable) w.o = true
  return encoder.encode(JSON.stringify(w))
}

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

function int64 (v: unknown, field: string): bigint {
  if (v === undefined) return 0n
  let b: bigint
  if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) {
    b = BigInt(v)
  } else if (typeof v === 'number' && Number.isSafeInteger(v)) {
    b = BigInt(v)
  } else {
    throw new Error(`bad ${field}`)
  }
  if (b < INT64_MIN || b > INT64_MAX) throw new Error(`${field} out of range`)
  return b
}

function optString (v: unknown, field: string): string {
  if (v === undefined) return ''
  if (typeof v !== 'string') throw new Error(`bad ${field}`)
  return v
}

function optBool (v: unknown, field: string): boolean {
  if (v === undefined) return false
  if (typeof v !== 'boolean') throw new Error(`bad ${field}`)
  return v
}

/**
 * Decodes a metric message. Throws a plain Error on anything malformed
 * (bad UTF-8 or JSON, missing name, invalid peer ID, wrong field types).
 * `receivedAt` is 0.
 */
export function decodeMetric (data: Uint8Array): Metric {
  if (data.byteLength > MAX_METRIC_MESSAGE_SIZE) {
    throw new Error('metric message too large')
  }
  const parsed: unknown = JSON.parse(decoder.decode(data))
  if (parsed == null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error('metric message is not an object')
  }
  const o = parsed as Record<string, unknown>
  const name = optString(o.n, 'name')
  if (name === '') throw new Error('metric without name')
  const peer = optString(o.p, 'peer')
  if (peer === '' || tryParsePeerId(peer) !== peer) {
    throw new Error('metric with invalid peer')
  }
  return {
    name,
    peer,
    value: optString(o.v, 'value'),
    expire: int64(o.e, 'expire'),
    valid: optBool(o.d, 'valid'),
    weight: int64(o.w, 'weight'),
    partitionable: optBool(o.o, 'partitionable'),
    receivedAt: 0n
  }
}
