/**
 * Text output of ipfs-cluster-ctl (CLI spec §6.4), byte for byte. Every
 * function returns the text to print (with its trailing newline).
 */
import { goFixed, humanizeBytes, humanizeTime, padLeft, padRight, timeStringToNs } from './humanize.js'
import type { AddedOutputJSON, AlertJSON, GlobalPinInfoJSON, GlobalRepoGCJSON, IDJSON, MetricJSON, PinJSON } from '../../api/json.js'
import type { BandwidthByProtocolJSON } from '../../client/index.js'

const ZERO_MS = Date.parse('0001-01-01T00:00:00Z')

/** Go `time.Time.IsZero` for a JSON time string. */
export function isZeroTime (s: string): boolean {
  if (s === '' || s === '0001-01-01T00:00:00Z') return true
  // the zero time, in any offset, is in year 0 or 1
  if (!s.startsWith('0001') && !s.startsWith('0000')) return false
  return Date.parse(s) === ZERO_MS
}

/** `YYYY-MM-DD HH:MM:SS` in the offset the time was given with. */
export function shortTime (s: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})/.exec(s)
  return m == null ? s : `${m[1]} ${m[2]}`
}

function byteSort (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** §6.4.1 */
export function formatId (id: IDJSON): string {
  if (id.error !== '') {
    return `${id.id} | ERROR: ${id.error}\n`
  }
  let s = `${id.id} | ${id.peername} | Sees ${(id.cluster_peers ?? []).length - 1} other peers\n`
  s += '  > Addresses:\n'
  for (const a of [...(id.addresses ?? [])].sort(byteSort)) {
    s += `    - ${a}\n`
  }
  if (id.ipfs.error !== '') {
    s += `  > IPFS ERROR: ${id.ipfs.error}\n`
    return s
  }
  s += `  > IPFS: ${id.ipfs.id ?? ''}\n`
  for (const a of [...(id.ipfs.addresses ?? [])].sort(byteSort)) {
    s += `    - ${a}\n`
  }
  return s
}

/** §6.4.2 */
export function formatPin (p: PinJSON): string {
  let s = `${p.cid ?? ''} | ${p.name} | ${p.type.toUpperCase()}${p.mode === 'direct' ? '-DIRECT' : ''} | `
  if (p.replication_factor_min === -1 && p.replication_factor_max === -1) {
    s += 'Repl. Factor: -1 | Allocations: [everywhere]'
  } else {
    const allocs = [...(p.allocations ?? [])].sort(byteSort)
    s += `Repl. Factor: ${p.replication_factor_min}--${p.replication_factor_max} | Allocations: [${allocs.join(' ')}]`
  }
  let depth: string
  switch (p.max_depth) {
    case 0: depth = 'Direct'; break
    case -1: depth = 'Recursive'; break
    default: depth = `Recursive-${p.max_depth}`
  }
  s += ` | ${depth}`
  s += ` | Metadata: ${Object.keys(p.metadata ?? {}).length > 0 ? 'yes' : 'no'}`
  s += ` | Exp: ${isZeroTime(p.expire_at) ? '∞' : shortTime(p.expire_at)}`
  s += ` | Added: ${isZeroTime(p.timestamp) ? 'unknown' : shortTime(p.timestamp)}`
  return s + '\n'
}

/** §6.4.3 */
export function formatGlobalPinInfo (g: GlobalPinInfoJSON): string {
  let s = `${g.cid ?? ''}${g.name !== '' ? ` | ${g.name}` : ''}:\n`
  const peers = Object.keys(g.peer_map ?? {}).sort(byteSort)
  for (const id of peers) {
    const v = g.peer_map[id]
    const who = v.peername !== '' ? v.peername : id
    s += `    > ${padRight(who, 20)} : ${v.status.toUpperCase()}`
    if (v.error !== '') s += `: ${v.error}`
    s += ` | ${v.timestamp} | Attempts: ${v.attempt_count} | Priority: ${String(v.priority_pin)}\n`
  }
  return s
}

/** §6.4.4 */
export function formatAdded (a: AddedOutputJSON, quiet: boolean): string {
  if (quiet) return `${a.cid ?? ''}\n`
  return `added ${a.cid ?? ''} ${a.name}\n`
}

function toBigint (v: number | bigint): bigint {
  return typeof v === 'bigint' ? v : BigInt(Math.trunc(v))
}

/** §6.4.5: one metric line. */
export function formatMetric (m: MetricJSON, nowNs: bigint): string {
  let value = m.value
  const weight = toBigint(m.weight)
  if (m.name === 'freespace' && weight > 0n) {
    value = humanizeBytes(weight)
  }
  return `${m.peer} | ${m.name}: ${value} | Expires in: ${humanizeTime(toBigint(m.expire), nowNs)}\n`
}

/** §6.4.5: one alert line. */
export function formatAlert (a: AlertJSON, nowNs: bigint): string {
  return `${a.peer}: ${a.name}. Expired at: ${humanizeTime(toBigint(a.expire), nowNs)}. Triggered at: ${humanizeTime(timeStringToNs(a.triggered_at), nowNs)}\n`
}

/** §6.4.6 */
export function formatBandwidth (b: BandwidthByProtocolJSON): string {
  if (b == null) return ''
  let s = ''
  for (const proto of Object.keys(b).sort(byteSort)) {
    const v = b[proto]
    s += `${padLeft(proto, 25)}: In: ${padLeft(humanizeBytes(toBigint(v.total_in)), 7)}. Out: ${padLeft(humanizeBytes(toBigint(v.total_out)), 7)}. RateIn: ${goFixed(v.rate_in, 2)}B/s. RateOut: ${goFixed(v.rate_out, 2)}B/s\n`
  }
  return s
}

/** §6.4.7 */
export function formatRepoGC (g: GlobalRepoGCJSON): string {
  let s = ''
  for (const id of Object.keys(g.peer_map ?? {}).sort(byteSort)) {
    const item = g.peer_map[id]
    const who = item.peername !== '' ? item.peername : id
    if (item.error != null && item.error !== '') {
      s += `${padRight(who, 15)} | ERROR: ${item.error}\n`
    } else {
      s += `${padRight(who, 15)}\n`
    }
    s += '  > CIDs:\n'
    for (const k of item.keys ?? []) {
      if (k.error != null && k.error !== '') {
        s += `    - ERROR: ${k.error}\n`
        continue
      }
      s += `    - ${k.key ?? ''}\n`
    }
  }
  return s
}

/** §6.2 error block. */
export function formatError (e: { code: number, message: string }): string {
  return `An error occurred:\n  Code: ${e.code}\n  Message: ${e.message}\n`
}
