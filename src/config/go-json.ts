/**
 * Writes ordered JSON the way Go's `json.MarshalIndent` does: `": "`
 * separators, `[]`/`{}` for empty containers, HTML-escaped strings
 * (`\u003c`, `\u003e`, `\u0026`), map keys sorted, no trailing newline.
 */
import { goEscape } from '../api/encoding.js'

/** An object whose keys keep the given order. */
export interface OrderedObject {
  kind: 'ordered'
  entries: Array<[string, OutValue]>
}

export type OutValue = null | boolean | number | string | OutValue[] | OrderedObject

export function ordered (entries: Array<[string, OutValue]>): OrderedObject {
  return { kind: 'ordered', entries }
}

/** A Go map: keys sorted bytewise as encoding/json does. */
export function goMap<T> (map: Record<string, T>, conv: (v: T) => OutValue): OrderedObject {
  const keys = Object.keys(map).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
  return ordered(keys.map((k) => [k, conv(map[k])]))
}

/** A JSON string escaped like Go's encoding/json (HTML-safe). */
export function goString (s: string): string {
  return goEscape(JSON.stringify(s))
}

function isOrdered (v: OutValue): v is OrderedObject {
  return v != null && typeof v === 'object' && !Array.isArray(v) && v.kind === 'ordered'
}

function write (v: OutValue, indent: string, level: number): string {
  if (v === null) return 'null'
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TypeError(`json: unsupported value: ${v}`)
    return JSON.stringify(v)
  }
  if (typeof v === 'string') return goString(v)
  const pad = indent.repeat(level + 1)
  const end = indent.repeat(level)
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]'
    return '[\n' + v.map((x) => pad + write(x, indent, level + 1)).join(',\n') + '\n' + end + ']'
  }
  if (isOrdered(v)) {
    if (v.entries.length === 0) return '{}'
    return '{\n' + v.entries.map(([k, x]) => pad + goString(k) + ': ' + write(x, indent, level + 1)).join(',\n') + '\n' + end + '}'
  }
  throw new TypeError('unsupported output value')
}

/** `json.MarshalIndent(v, "", indent)` without trailing newline. */
export function marshalIndent (v: OutValue, indent = '  '): string {
  return write(v, indent, 0)
}
