/**
 * The declarative schema mechanism behind every `service.json` section.
 *
 * A section is a list of fields in the reference key order. Each field
 * states its JSON kind, default, how a value read from JSON is applied
 * (`literal`: taken as is, so an absent key gives the zero value; `keep`:
 * zero/empty values keep the current value, Go's `SetIfNotDefault` and
 * `ParseDurations`), its omitempty rule, whether it is hidden in debug
 * dumps, and its Go field name (the env var is the upper-cased Go name
 * under the section prefix, envconfig style).
 *
 * Three representations flow through the engine, mirroring the reference:
 * - `Values` (the Go `Config`): typed values, durations as ns BigInts.
 * - `JValues` (the Go `jsonConfig`): JSON-shaped values, durations as
 *   strings; absent keys hold the zero value of their kind.
 * - output trees written with Go's `MarshalIndent` rules.
 */
import { formatDurationNs, parseDurationNs } from './duration.js'
import { goMap, ordered } from './go-json.js'
import { jsonKind } from './json-parse.js'
import { parseGoBool, parseGoFloat, parseGoInt, parseGoUint } from './strconv.js'
import type { OrderedObject, OutValue } from './go-json.js'
import type { JNode } from './json-parse.js'

export type Kind =
  | 'string' // Go string
  | 'bool'
  | 'int' // Go int (64-bit)
  | 'uint' // Go uint64
  | 'float' // Go float64
  | 'duration' // Go duration string in JSON; Values hold ns BigInts
  | 'nsduration' // time.Duration marshalled as an int of ns; env takes a Go duration string
  | 'strings' // config.Strings: a bare string or an array on read, a bare string when single on write
  | 'list' // []string (nil is written as null)
  | 'floatlist' // []float64
  | 'map' // map[string]string
  | 'listmap' // map[string][]string
  | 'object' // nested struct
  | 'objectlist' // []struct
  | 'size' // our extension: a size string ("10GB") or a number of bytes

export type Values = Record<string, unknown>
export type JValues = Record<string, unknown>

export interface FieldContext {
  /** The section definition. */
  section: SectionDef
  /** Key path inside the section (`connection_manager.grace_period`). */
  path: string
  /** Config folder, for fields that read files. */
  baseDir: string
  warn: (msg: string) => void
  /** Every invalid duration is an error, whatever the field's `durationError` (values from the environment). */
  strictDurations?: boolean
}

export interface FieldDef {
  key: string
  kind: Kind
  /** Go struct field name; defaults to the key in CamelCase. */
  goName?: string
  /** Go type printed in type errors; defaults from the kind. */
  goType?: string
  /** Default in Values form, or a function producing it. */
  default?: unknown
  /** Nested fields (object, objectlist elements). */
  fields?: FieldDef[]
  /** object: Go pointer, so an absent/null object keeps the defaults. */
  nullable?: boolean
  /** How a JSON value is applied; default `keep` (`literal` for bools). */
  set?: 'literal' | 'keep' | 'ignore'
  /** Duration parse failures: throw (ParseDurations), keep current, use zero, warn and keep. */
  durationError?: 'throw' | 'keep' | 'zero' | 'warn'
  /** The value used when JSON gives the zero value (e.g. max_header_bytes 0 → 4096). */
  zeroValue?: unknown
  /** omitempty: `empty` (Go omitempty), `default` (written only when not default), `always` (never written). */
  omit?: 'empty' | 'default' | 'always'
  /** Replaced by `XXX_hidden_XXX` in the debug dump. */
  hidden?: boolean
  /** Custom apply (replaces the `set` rule). */
  fromJSON?: (j: unknown, prev: unknown, ctx: FieldContext) => unknown
  /** Custom Values→JSON conversion. */
  toJSON?: (v: unknown) => unknown
  /** Checks the applied value; throws FieldError. */
  check?: (v: unknown, ctx: FieldContext) => void
  /** list/map kinds: a null result becomes empty (`[]`/`{}`). */
  nonNull?: boolean
}

export type SectionType = 'cluster' | 'consensus' | 'api' | 'ipfs_connector' | 'pin_tracker' | 'monitor' | 'allocator' | 'informer' | 'observations' | 'datastore'

export interface TypedContext {
  baseDir: string
}

export interface SectionDef<T = unknown> {
  /** Component key (`cluster`, `crdt`, `restapi`, …). */
  name: string
  /** Section of service.json the component lives in. */
  section: SectionType
  /** envconfig prefix (`CLUSTER`, `CLUSTER_CRDT`). */
  envPrefix: string
  /** Go struct name used in `json: cannot unmarshal` errors. */
  structName: string
  fields: FieldDef[]
  /** Returns the validation error message, if any. */
  validate?: (v: Values, ctx: FieldContext) => string | undefined
  /** Converts Values into the typed config components receive. */
  typed: (v: Values, ctx: TypedContext) => T
}

/** An error about one key, carrying the value at fault. */
export class FieldError extends Error {
  static override name = 'FieldError'
  constructor (message: string, readonly path: string, readonly value?: unknown) {
    super(message)
    this.name = 'FieldError'
  }
}

/** An envconfig parse error (`envconfig.Process: assigning …`). */
export class EnvParseError extends Error {
  static override name = 'EnvParseError'
  constructor (message: string, readonly variable: string, readonly value: string) {
    super(message)
    this.name = 'EnvParseError'
  }
}

const ACRONYMS: Record<string, string> = {
  id: 'ID',
  http: 'HTTP',
  https: 'HTTPS',
  ssl: 'SSL',
  cors: 'CORS',
  ipfs: 'IPFS',
  ttl: 'TTL',
  gc: 'GC',
  wal: 'WAL',
  mdns: 'MDNS'
}

/** The Go field name of a field (`leave_on_shutdown` → `LeaveOnShutdown`). */
export function goFieldName (f: FieldDef): string {
  if (f.goName != null) return f.goName
  return f.key.split('_').map((p) => ACRONYMS[p] ?? (p.charAt(0).toUpperCase() + p.slice(1))).join('')
}

function goTypeOf (f: FieldDef): string {
  if (f.goType != null) return f.goType
  switch (f.kind) {
    case 'string': case 'duration': case 'size': return 'string'
    case 'bool': return 'bool'
    case 'int': return 'int'
    case 'uint': return 'uint64'
    case 'float': return 'float64'
    case 'nsduration': return 'time.Duration'
    case 'strings': return 'config.Strings'
    case 'list': return '[]string'
    case 'floatlist': return '[]float64'
    case 'map': return 'map[string]string'
    case 'listmap': return 'map[string][]string'
    case 'object': return 'struct'
    case 'objectlist': return '[]struct'
  }
}

// ---------------------------------------------------------------------------
// Values helpers
// ---------------------------------------------------------------------------

function clone<T> (v: T): T {
  if (v == null || typeof v !== 'object') return v
  if (v instanceof Uint8Array) return new Uint8Array(v) as T
  if (Array.isArray(v)) return v.map(clone) as T
  const out: Record<string, unknown> = {}
  for (const [k, x] of Object.entries(v)) out[k] = clone(x)
  return out as T
}

/** Go's omitempty emptiness. */
export function isEmptyValue (v: unknown): boolean {
  if (v == null) return true
  if (v === '' || v === 0 || v === false || v === 0n) return true
  if (Array.isArray(v)) return v.length === 0
  if (v instanceof Uint8Array) return v.length === 0
  if (typeof v === 'object') return Object.keys(v).length === 0
  return false
}

function deepEqual (a: unknown, b: unknown): boolean {
  return JSON.stringify(a, (_k, x) => typeof x === 'bigint' ? x.toString() + 'n' : x) ===
    JSON.stringify(b, (_k, x) => typeof x === 'bigint' ? x.toString() + 'n' : x)
}

/** The default Values of a list of fields. */
export function defaultValuesOf (fields: FieldDef[]): Values {
  const out: Values = {}
  for (const f of fields) {
    if (f.kind === 'object') {
      out[f.key] = defaultValuesOf(f.fields ?? [])
    } else if (typeof f.default === 'function') {
      out[f.key] = (f.default as () => unknown)()
    } else {
      out[f.key] = clone(f.default ?? zeroValueOf(f))
    }
  }
  return out
}

function zeroValueOf (f: FieldDef): unknown {
  switch (f.kind) {
    case 'string': case 'size': return ''
    case 'bool': return false
    case 'int': case 'uint': case 'float': return 0
    case 'duration': case 'nsduration': return 0n
    case 'objectlist': return []
    default: return null
  }
}

/** The zero JValues (what Go's jsonConfig holds before unmarshalling). */
export function zeroJSONOf (fields: FieldDef[]): JValues {
  const out: JValues = {}
  for (const f of fields) {
    switch (f.kind) {
      case 'string': case 'duration': case 'size': out[f.key] = ''; break
      case 'bool': out[f.key] = false; break
      case 'int': case 'uint': case 'float': out[f.key] = 0; break
      case 'nsduration': out[f.key] = 0n; break
      case 'object': out[f.key] = f.nullable === true ? null : zeroJSONOf(f.fields ?? []); break
      default: out[f.key] = null
    }
  }
  return out
}

// ---------------------------------------------------------------------------
// Decoding JSON trees (Go encoding/json rules)
// ---------------------------------------------------------------------------

export interface DecodeContext {
  section: SectionDef
  /** Path of the section in the file (`consensus.crdt`), for warnings. */
  filePath: string
  warn: (msg: string) => void
}

/** Compact text of a JSON node, for error messages. */
export function nodeText (n: JNode): string {
  let s: string
  switch (n.t) {
    case 'null': s = 'null'; break
    case 'bool': s = String(n.v); break
    case 'num': s = n.raw; break
    case 'str': s = JSON.stringify(n.v); break
    case 'arr': s = '[' + n.items.map(nodeText).join(',') + ']'; break
    default: s = '{' + n.entries.map(([k, v]) => JSON.stringify(k) + ':' + nodeText(v)).join(',') + '}'
  }
  return s.length > 120 ? s.slice(0, 117) + '...' : s
}

function typeError (ctx: DecodeContext, path: string, kind: string, goType: string, node: JNode): FieldError {
  return new FieldError(`json: cannot unmarshal ${kind} into Go struct field ${ctx.section.structName}.${path} of type ${goType}`, path, new RawJSON(nodeText(node)))
}

/** A value already rendered as JSON text (for messages). */
export class RawJSON {
  constructor (readonly text: string) {}
}

const INT64_MIN = -(1n << 63n)
const INT64_MAX = (1n << 63n) - 1n
const UINT64_MAX = (1n << 64n) - 1n

function decodeInt (n: JNode, unsigned: boolean, f: FieldDef, ctx: DecodeContext, path: string): bigint {
  if (n.t !== 'num') throw typeError(ctx, path, jsonKind(n), goTypeOf(f), n)
  const ok = unsigned ? /^\d+$/.test(n.raw) : /^-?\d+$/.test(n.raw)
  if (ok) {
    const b = BigInt(n.raw)
    if (unsigned ? b <= UINT64_MAX : (b >= INT64_MIN && b <= INT64_MAX)) return b
  }
  throw typeError(ctx, path, `number ${n.raw}`, goTypeOf(f), n)
}

function decodeStringArray (n: JNode & { t: 'arr' }, ctx: DecodeContext, path: string): string[] {
  return n.items.map((item) => {
    if (item.t === 'null') return ''
    if (item.t !== 'str') throw typeError(ctx, path, jsonKind(item), 'string', item)
    return item.v
  })
}

function decodeValue (f: FieldDef, n: JNode, existing: unknown, ctx: DecodeContext, path: string): unknown {
  if (n.t === 'null') {
    switch (f.kind) {
      case 'object': return f.nullable === true ? null : existing
      case 'strings': case 'list': case 'floatlist': case 'map': case 'listmap': case 'objectlist': return null
      default: return existing
    }
  }
  switch (f.kind) {
    case 'string':
    case 'duration':
      if (n.t !== 'str') throw typeError(ctx, path, jsonKind(n), goTypeOf(f), n)
      return n.v
    case 'size':
      if (n.t === 'str') return n.v
      if (n.t === 'num') return Number(n.raw)
      throw typeError(ctx, path, jsonKind(n), goTypeOf(f), n)
    case 'bool':
      if (n.t !== 'bool') throw typeError(ctx, path, jsonKind(n), goTypeOf(f), n)
      return n.v
    case 'int':
      return Number(decodeInt(n, false, f, ctx, path))
    case 'uint':
      return Number(decodeInt(n, true, f, ctx, path))
    case 'nsduration':
      return decodeInt(n, false, f, ctx, path)
    case 'float': {
      if (n.t !== 'num') throw typeError(ctx, path, jsonKind(n), goTypeOf(f), n)
      const v = Number(n.raw)
      if (!Number.isFinite(v)) throw typeError(ctx, path, `number ${n.raw}`, goTypeOf(f), n)
      return v
    }
    case 'strings':
      if (n.t === 'str') return n.v === '' ? [] : [n.v]
      if (n.t === 'arr') {
        for (const item of n.items) {
          if (item.t !== 'str' && item.t !== 'null') {
            throw new FieldError(`json: cannot unmarshal ${jsonKind(n)} into Go value of type string`, path, new RawJSON(nodeText(n)))
          }
        }
        return decodeStringArray(n, ctx, path)
      }
      throw new FieldError(`json: cannot unmarshal ${jsonKind(n)} into Go value of type string`, path, new RawJSON(nodeText(n)))
    case 'list':
      if (n.t !== 'arr') throw typeError(ctx, path, jsonKind(n), goTypeOf(f), n)
      return decodeStringArray(n, ctx, path)
    case 'floatlist':
      if (n.t !== 'arr') throw typeError(ctx, path, jsonKind(n), goTypeOf(f), n)
      return n.items.map((item) => {
        if (item.t === 'null') return 0
        if (item.t !== 'num') throw typeError(ctx, path, jsonKind(item), 'float64', item)
        return Number(item.raw)
      })
    case 'map':
    case 'listmap': {
      if (n.t !== 'obj') throw typeError(ctx, path, jsonKind(n), goTypeOf(f), n)
      const out: Record<string, unknown> = existing != null && typeof existing === 'object' ? { ...(existing as Record<string, unknown>) } : {}
      for (const [k, v] of n.entries) {
        if (f.kind === 'map') {
          if (v.t === 'null') { out[k] = ''; continue }
          if (v.t !== 'str') throw typeError(ctx, `${path}.${k}`, jsonKind(v), 'string', v)
          out[k] = v.v
        } else {
          if (v.t === 'null') { out[k] = null; continue }
          if (v.t !== 'arr') throw typeError(ctx, `${path}.${k}`, jsonKind(v), '[]string', v)
          out[k] = decodeStringArray(v, ctx, `${path}.${k}`)
        }
      }
      return out
    }
    case 'object': {
      if (n.t !== 'obj') throw typeError(ctx, path, jsonKind(n), goTypeOf(f), n)
      const base = existing != null && typeof existing === 'object' ? existing as JValues : zeroJSONOf(f.fields ?? [])
      return decodeObject(f.fields ?? [], n, base, ctx, path)
    }
    case 'objectlist': {
      if (n.t !== 'arr') throw typeError(ctx, path, jsonKind(n), goTypeOf(f), n)
      return n.items.map((item, i) => {
        if (item.t === 'null') return zeroJSONOf(f.fields ?? [])
        if (item.t !== 'obj') throw typeError(ctx, path, jsonKind(item), goTypeOf(f).replace(/^\[\]/, ''), item)
        return decodeObject(f.fields ?? [], item, zeroJSONOf(f.fields ?? []), ctx, `${path}[${i}]`)
      })
    }
  }
}

/**
 * Decodes a JSON object into JValues: keys match case-insensitively, the
 * last duplicate wins, unknown keys are reported through `ctx.warn`.
 */
export function decodeObject (fields: FieldDef[], n: JNode & { t: 'obj' }, base: JValues, ctx: DecodeContext, path = ''): JValues {
  const out = { ...base }
  const byLower = new Map(fields.map((f) => [f.key.toLowerCase(), f]))
  for (const [k, v] of n.entries) {
    const f = byLower.get(k.toLowerCase())
    const p = path === '' ? k : `${path}.${k}`
    if (f == null) {
      ctx.warn(`unknown configuration key ignored: ${ctx.filePath}.${p}`)
      continue
    }
    const fp = path === '' ? f.key : `${path}.${f.key}`
    out[f.key] = decodeValue(f, v, out[f.key], ctx, fp.replace(/\[\d+\]/g, ''))
  }
  return out
}

/** Decodes a whole section object. Non-objects are Go type errors. */
export function decodeSection (def: SectionDef, n: JNode, ctx: DecodeContext): JValues {
  if (n.t !== 'obj') {
    throw new FieldError(`json: cannot unmarshal ${jsonKind(n)} into Go value of type ${def.name}.${def.structName}`, '', new RawJSON(nodeText(n)))
  }
  return decodeObject(def.fields, n, zeroJSONOf(def.fields), ctx)
}

// ---------------------------------------------------------------------------
// Applying JValues onto Values
// ---------------------------------------------------------------------------

export interface ApplyContext {
  section: SectionDef
  baseDir: string
  warn: (msg: string) => void
  /** See {@link FieldContext.strictDurations}. */
  strictDurations?: boolean
}

function applyDuration (f: FieldDef, j: unknown, prev: unknown, ctx: FieldContext): bigint {
  const text = typeof j === 'string' ? j : ''
  const mode = f.durationError ?? 'throw'
  const literal = f.set === 'literal'
  if (text === '') {
    return literal ? 0n : prev as bigint
  }
  let d: bigint
  try {
    d = parseDurationNs(text)
  } catch (err) {
    // strict (from the environment): a text that is no duration at all is an error
    switch (ctx.strictDurations === true ? 'throw' : mode) {
      case 'throw':
        throw new FieldError(`error parsing ${ctx.section.name}.${ctx.path}: ${(err as Error).message}`, ctx.path, text)
      case 'keep':
        return prev as bigint
      case 'zero':
        return literal ? 0n : prev as bigint
      case 'warn':
        d = 0n
    }
  }
  if (mode === 'warn' && d === 0n) {
    ctx.warn(`${text} is not a valid duration. Default will be used`)
    return prev as bigint
  }
  return d
}

/** Applies JValues onto Values following each field's rule. */
export function applyFields (fields: FieldDef[], prev: Values, j: JValues, ctx: ApplyContext, prefix = ''): Values {
  const out: Values = { ...prev }
  for (const f of fields) {
    const path = prefix === '' ? f.key : `${prefix}.${f.key}`
    const fctx: FieldContext = { section: ctx.section, path, baseDir: ctx.baseDir, warn: ctx.warn, strictDurations: ctx.strictDurations }
    const jv = j[f.key]
    const pv = prev[f.key]
    if (f.fromJSON != null) {
      out[f.key] = f.fromJSON(jv, pv, fctx)
    } else if (f.set === 'ignore') {
      continue
    } else {
      switch (f.kind) {
        case 'object':
          if (jv == null) {
            out[f.key] = pv
          } else {
            out[f.key] = applyFields(f.fields ?? [], pv as Values, jv as JValues, ctx, path)
          }
          break
        case 'objectlist': {
          const list = Array.isArray(jv) ? jv as JValues[] : []
          out[f.key] = (pv as Values[]).map((p, i) => i < list.length ? applyFields(f.fields ?? [], p, list[i], ctx, path) : p)
          break
        }
        case 'duration':
          out[f.key] = applyDuration(f, jv, pv, fctx)
          break
        default: {
          const set = f.set ?? (f.kind === 'bool' ? 'literal' : 'keep')
          if (f.zeroValue !== undefined && isEmptyValue(jv)) {
            out[f.key] = clone(f.zeroValue)
          } else if (set === 'literal') {
            out[f.key] = clone(jv)
          } else {
            out[f.key] = isEmptyValue(jv) ? pv : clone(jv)
          }
          if (f.nonNull === true && out[f.key] == null) {
            out[f.key] = f.kind === 'map' || f.kind === 'listmap' ? {} : []
          }
        }
      }
    }
    f.check?.(out[f.key], fctx)
  }
  return out
}

/** Values → JValues (the full JSON struct, nothing omitted). */
export function toJSONFields (fields: FieldDef[], v: Values): JValues {
  const out: JValues = {}
  for (const f of fields) {
    const x = v[f.key]
    if (f.toJSON != null) {
      out[f.key] = f.toJSON(x)
      continue
    }
    switch (f.kind) {
      case 'duration': out[f.key] = formatDurationNs(x as bigint); break
      case 'object': out[f.key] = toJSONFields(f.fields ?? [], x as Values); break
      case 'objectlist': out[f.key] = (x as Values[]).map((e) => toJSONFields(f.fields ?? [], e)); break
      default: out[f.key] = clone(x)
    }
  }
  return out
}

// ---------------------------------------------------------------------------
// Environment (envconfig v1.4.0 semantics)
// ---------------------------------------------------------------------------

export type Env = Record<string, string | undefined>

export interface EnvVarInfo {
  /** The variable name (`CLUSTER_CONNECTIONMANAGER_HIGHWATER`). */
  name: string
  /** Key path inside the section. */
  path: string
  field: FieldDef
}

/** Every env var a section accepts, in struct order. */
export function envVarsOf (def: SectionDef): EnvVarInfo[] {
  const out: EnvVarInfo[] = []
  const walk = (fields: FieldDef[], prefix: string, pathPrefix: string): void => {
    for (const f of fields) {
      const name = `${prefix}_${goFieldName(f).toUpperCase()}`
      const path = pathPrefix === '' ? f.key : `${pathPrefix}.${f.key}`
      if (f.kind === 'object') {
        walk(f.fields ?? [], name, path)
      } else {
        out.push({ name, path, field: f })
      }
    }
  }
  walk(def.fields, def.envPrefix, '')
  return out
}

function goQuoteSimple (s: string): string {
  return JSON.stringify(s)
}

function parseEnvValue (f: FieldDef, value: string): unknown {
  switch (f.kind) {
    case 'string': case 'duration': case 'size': return value
    case 'bool': return parseGoBool(value)
    case 'int': return parseGoInt(value)
    case 'uint': return parseGoUint(value)
    case 'float': return parseGoFloat(value)
    case 'nsduration': return parseDurationNs(value)
    case 'strings': case 'list':
      return value.trim().length === 0 ? [] : value.split(',')
    case 'floatlist':
      return value.trim().length === 0 ? [] : value.split(',').map(parseGoFloat)
    case 'map': case 'listmap': {
      const out: Record<string, unknown> = {}
      if (value.trim().length === 0) return out
      for (const pair of value.split(',')) {
        const kv = pair.split(':')
        if (kv.length !== 2) throw new Error(`invalid map item: ${goQuoteSimple(pair)}`)
        out[kv[0]] = f.kind === 'map' ? kv[1] : [kv[1]]
      }
      return out
    }
    case 'objectlist':
      // envconfig cannot fill structs from text: zero elements, which keep
      // the current values when applied.
      return []
    case 'object':
      return undefined
  }
}

/**
 * Overlays the set env vars onto JValues (in place). Returns the variables
 * used, keyed by field path. Throws EnvParseError with envconfig's text.
 */
export function overlayEnv (def: SectionDef, j: JValues, env: Env): Map<string, { name: string, value: string }> {
  const used = new Map<string, { name: string, value: string }>()
  const walk = (fields: FieldDef[], target: JValues, prefix: string, pathPrefix: string): void => {
    for (const f of fields) {
      const name = `${prefix}_${goFieldName(f).toUpperCase()}`
      const path = pathPrefix === '' ? f.key : `${pathPrefix}.${f.key}`
      if (f.kind === 'object') {
        if (target[f.key] == null) target[f.key] = zeroJSONOf(f.fields ?? [])
        walk(f.fields ?? [], target[f.key] as JValues, name, path)
        continue
      }
      const value = env[name]
      if (value === undefined) continue
      try {
        target[f.key] = parseEnvValue(f, value)
      } catch (err) {
        throw new EnvParseError(`envconfig.Process: assigning ${name} to ${goFieldName(f)}: converting '${value}' to type ${goTypeOf(f)}. details: ${(err as Error).message}`, name, value)
      }
      used.set(path, { name, value })
    }
  }
  walk(def.fields, j, def.envPrefix, '')
  return used
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

export const HIDDEN = 'XXX_hidden_XXX'

function fieldOut (f: FieldDef, jv: unknown): OutValue {
  switch (f.kind) {
    case 'strings': {
      const arr = (jv as string[] | null) ?? []
      return arr.length === 1 ? arr[0] : [...arr]
    }
    case 'list':
      return jv == null ? null : [...(jv as string[])]
    case 'floatlist':
      return jv == null ? null : [...(jv as number[])]
    case 'map':
      return jv == null ? null : goMap(jv as Record<string, string>, (x) => x)
    case 'listmap':
      return jv == null ? null : goMap(jv as Record<string, string[] | null>, (x) => x == null ? null : [...x])
    case 'nsduration':
      return Number(jv as bigint)
    case 'object':
      return jv == null ? null : fieldsOut(f.fields ?? [], jv as JValues, false)
    case 'objectlist':
      return (jv as JValues[] | null ?? []).map((e) => fieldsOut(f.fields ?? [], e, false))
    default:
      return jv as OutValue
  }
}

/** JValues → ordered output object with the omitempty rules. */
export function fieldsOut (fields: FieldDef[], j: JValues, hide: boolean): OrderedObject {
  const entries: Array<[string, OutValue]> = []
  for (const f of fields) {
    const jv = j[f.key]
    if (f.omit === 'always') continue
    if (f.omit === 'empty' && isEmptyValue(jv)) continue
    if (f.omit === 'default') {
      const def = toJSONFields([f], defaultValuesOf([f]))[f.key]
      if (deepEqual(def, jv)) continue
    }
    if (hide && f.hidden === true && !isEmptyValue(jv)) {
      entries.push([f.key, HIDDEN])
      continue
    }
    entries.push([f.key, fieldOut(f, jv)])
  }
  return ordered(entries)
}

// ---------------------------------------------------------------------------
// Section state
// ---------------------------------------------------------------------------

/** The live configuration of one section. */
export interface SectionState {
  def: SectionDef
  values: Values
}

export function defaultState (def: SectionDef): SectionState {
  return { def, values: defaultValuesOf(def.fields) }
}

export function validateState (state: SectionState, ctx: ApplyContext): string | undefined {
  return state.def.validate?.(state.values, { section: state.def, path: '', baseDir: ctx.baseDir, warn: ctx.warn })
}
