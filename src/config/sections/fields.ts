/**
 * Field builders and shared checks for the section schemas.
 */
import { parsePeerId } from '../../api/encoding.js'
import { parseDurationNs } from '../duration.js'
import { parseMultiaddr } from '../multiaddr.js'
import { FieldError } from '../schema.js'
import type { FieldContext, FieldDef, Kind, Values } from '../schema.js'

type Opts = Omit<FieldDef, 'key' | 'kind'>

function field (kind: Kind): (key: string, def?: unknown, opts?: Opts) => FieldDef {
  return (key, def, opts = {}) => ({ key, kind, ...(def !== undefined ? { default: def } : {}), ...opts })
}

export const str = field('string')
export const bool = field('bool')
export const int = field('int')
export const uint = field('uint')
export const float = field('float')
export const strings = field('strings')
export const list = field('list')
export const floatList = field('floatlist')
export const map = field('map')
export const listMap = field('listmap')
export const size = field('size')
export const nsDuration = field('nsduration')

/** A Go duration field; the default is given in Go text (`2m0s`). */
export function dur (key: string, def: string, opts: Opts = {}): FieldDef {
  return { key, kind: 'duration', default: parseDurationNs(def), ...opts }
}

export function obj (key: string, fields: FieldDef[], opts: Opts = {}): FieldDef {
  return { key, kind: 'object', fields, ...opts }
}

export function objList (key: string, fields: FieldDef[], def: Values[], opts: Opts = {}): FieldDef {
  return { key, kind: 'objectlist', fields, default: def, ...opts }
}

/** Checks every multiaddress of a string or list field; errors read `<prefix>: <err>`. */
export function multiaddrCheck (prefix: string, allowEmpty = true): (v: unknown, ctx: FieldContext) => void {
  return (v, ctx) => {
    const addrs = v == null ? [] : Array.isArray(v) ? v as string[] : [v as string]
    for (const a of addrs) {
      if (a === '' && allowEmpty && !Array.isArray(v)) continue
      try {
        parseMultiaddr(a)
      } catch (err) {
        throw new FieldError(`${prefix}: ${(err as Error).message}`, ctx.path, a)
      }
    }
  }
}

/** Canonical peer ID or a FieldError `<prefix>: <err>`. */
export function peerIdOrThrow (id: string, prefix: string, ctx: FieldContext): string {
  try {
    if (id === '') throw new Error('failed to parse peer ID: cid too short')
    return parsePeerId(id)
  } catch (err) {
    throw new FieldError(`${prefix}: ${(err as Error).message}`, ctx.path, id)
  }
}

export function ns (v: unknown): number {
  return Number(v as bigint) / 1e6
}
