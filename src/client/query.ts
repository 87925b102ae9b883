/**
 * URL building as the Go client does it: `url.QueryEscape`,
 * `url.Values.Encode` (keys sorted), path escaping, and the query forms of
 * pin options (`PinOptions.ToQuery`) and add parameters
 * (`AddParams.ToQueryString`).
 */
import { cidToString, formatTime } from '../api/encoding.js'
import type { AddParams, PinOptionsInput } from './types.js'

const HEX = '0123456789ABCDEF'

function isUnreserved (c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) ||
    c === 0x2d || c === 0x5f || c === 0x2e || c === 0x7e
}

function escape (s: string, keep: (c: number) => boolean, spaceAsPlus: boolean): string {
  let out = ''
  for (const b of Buffer.from(s, 'utf8')) {
    if (isUnreserved(b) || keep(b)) {
      out += String.fromCharCode(b)
    } else if (b === 0x20 && spaceAsPlus) {
      out += '+'
    } else {
      out += '%' + HEX[b >> 4] + HEX[b & 15]
    }
  }
  return out
}

/** Go `url.QueryEscape`. */
export function queryEscape (s: string): string {
  return escape(s, () => false, true)
}

/** Go path escaping (`encodePath`): keeps `/ $ & + , : ; = @`. */
export function pathEscape (s: string): string {
  return escape(s, (c) => '$&+,/:;=@'.includes(String.fromCharCode(c)), false)
}

/** Go `url.Values.Encode`: keys sorted, `k=v` pairs joined with `&`. */
export function encodeQuery (values: Map<string, string>): string {
  return [...values.keys()].sort().map((k) => `${queryEscape(k)}=${queryEscape(values.get(k) ?? '')}`).join('&')
}

/** Go `PinOptions.ToQuery` as a map (sorted when encoded). */
export function pinOptionsToValues (opts: PinOptionsInput): Map<string, string> {
  const q = new Map<string, string>()
  q.set('replication-min', String(opts.replicationFactorMin ?? 0))
  q.set('replication-max', String(opts.replicationFactorMax ?? 0))
  q.set('name', (opts.name ?? '').trim())
  q.set('mode', opts.mode === 'direct' ? 'direct' : 'recursive')
  q.set('shard-size', String(opts.shardSize ?? 0))
  q.set('user-allocations', (opts.userAllocations ?? []).join(','))
  if (opts.expireAt != null) {
    q.set('expire-at', formatTime(opts.expireAt))
  }
  for (const [k, v] of Object.entries(opts.metadata ?? {})) {
    if (k === '') continue
    q.set(`meta-${k}`, v)
  }
  if (opts.pinUpdate != null) {
    q.set('pin-update', typeof opts.pinUpdate === 'string' ? opts.pinUpdate : cidToString(opts.pinUpdate))
  }
  if (opts.origins != null && opts.origins.length > 0) {
    q.set('origins', opts.origins.join(','))
  }
  return q
}

export function pinOptionsToQuery (opts: PinOptionsInput): string {
  return encodeQuery(pinOptionsToValues(opts))
}

/** Go `AddParams.ToQueryString`. */
export function addParamsToQuery (p: AddParams): string {
  const q = pinOptionsToValues(p)
  q.set('shard', String(p.shard))
  q.set('local', String(p.local))
  q.set('recursive', String(p.recursive))
  q.set('layout', p.layout)
  q.set('chunker', p.chunker)
  q.set('raw-leaves', String(p.rawLeaves))
  q.set('hidden', String(p.hidden))
  q.set('wrap-with-directory', String(p.wrap))
  q.set('progress', String(p.progress))
  q.set('cid-version', String(p.cidVersion))
  q.set('hash', p.hashFun)
  q.set('stream-channels', String(p.streamChannels))
  q.set('nocopy', String(p.noCopy))
  q.set('format', p.format)
  q.set('no-pin', String(p.noPin))
  return encodeQuery(q)
}
