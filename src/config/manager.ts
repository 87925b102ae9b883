/**
 * The configuration manager: reads and writes the whole `service.json`
 * (spec §4.0), applies the environment (§5) and builds the typed
 * {@link PeerConfig} the components receive.
 */
import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { ConfigError } from '../errors.js'
import { goFileError } from './identity.js'
import { marshalIndent, ordered } from './go-json.js'
import { jsonKind, parseJSONTree } from './json-parse.js'
import { splitP2pAddr } from './multiaddr.js'
import {
  applyFields, decodeSection, defaultState, EnvParseError, FieldError, fieldsOut, overlayEnv, RawJSON,
  toJSONFields, validateState
} from './schema.js'
import { ALL_SECTIONS, DATASTORE_NAMES, SECTION_ORDER, sectionKey } from './sections/index.js'
import type { OrderedObject, OutValue } from './go-json.js'
import type { JNode } from './json-parse.js'
import type { ApplyContext, Env, SectionDef, SectionState, SectionType, Values } from './schema.js'
import type { DatastoreConfig, PeerConfig } from './types.js'
import type { ComponentLogger } from '../interfaces.js'

/** A ConfigError that also carries the CLI `<doing>` context. */
export type ConfigErrorWithDoing = InstanceType<typeof ConfigError> & { doing?: string }

/** Creates a ConfigError; the CLI prints `error <doing>: <message>`. */
export function configError (message: string, doing?: string, cause?: unknown): ConfigErrorWithDoing {
  const err: ConfigErrorWithDoing = new ConfigError(message, cause != null ? { cause } : undefined)
  if (doing != null) err.doing = doing
  return err
}

/** The `<doing>` of an error thrown by this module, if any. */
export function errorDoing (err: unknown): string | undefined {
  return (err as ConfigErrorWithDoing)?.doing
}

/** The live set of sections of one configuration. */
export interface ConfigSet {
  /** Section states by key (`cluster`, `consensus.crdt`, …). */
  states: Map<string, SectionState>
  /** Keys of the sections that were present in the JSON. */
  present: Set<string>
  /** Config folder (relative paths resolve against it). */
  baseDir: string
  /** The `source` URL when the config was fetched remotely. */
  source?: string
}

export interface ManagerContext {
  baseDir: string
  env: Env
  warn: (msg: string) => void
  info: (msg: string) => void
  fetch: typeof globalThis.fetch
}

function renderValue (v: unknown): string {
  if (v instanceof RawJSON) return v.text
  if (v instanceof Uint8Array) return JSON.stringify(Buffer.from(v).toString('hex'))
  if (typeof v === 'bigint') return v.toString()
  const s = JSON.stringify(v) ?? String(v)
  return s.length > 120 ? s.slice(0, 117) + '...' : s
}

/**
 * Adds the key (JSON path or env var) and the bad value to a field error,
 * unless the reference message already names both.
 */
export function describeFieldError (err: FieldError, fileKey: string, envUsed?: Map<string, { name: string, value: string }>): string {
  const env = err.path !== '' ? envUsed?.get(err.path) : undefined
  if (env != null) {
    return `${err.message} (from ${env.name}=${JSON.stringify(env.value)})`
  }
  const key = err.path === '' ? fileKey : `${fileKey}.${err.path}`
  if (err.value === undefined) return `${err.message} (at ${key})`
  const value = renderValue(err.value)
  const leaf = err.path.split('.').pop() ?? ''
  const raw = typeof err.value === 'string' ? err.value : value
  const namesValue = raw !== '' && (err.message.includes(JSON.stringify(raw)) || err.message.includes(` ${raw} `))
  if (leaf !== '' && err.message.includes(leaf) && namesValue) {
    return err.message
  }
  return `${err.message} (at ${key}: ${value})`
}

function applyContext (def: SectionDef, ctx: { baseDir: string, warn: (msg: string) => void }): ApplyContext {
  return { section: def, baseDir: ctx.baseDir, warn: ctx.warn }
}

/**
 * Applies the env vars of one section (envconfig over the JSON form,
 * re-applied like a JSON load, then re-validated). Throws ConfigError.
 */
export function applyEnvToState (state: SectionState, env: Env, ctx: { baseDir: string, warn: (msg: string) => void }): void {
  const def = state.def
  const j = toJSONFields(def.fields, state.values)
  let used: Map<string, { name: string, value: string }>
  try {
    used = overlayEnv(def, j, env)
  } catch (err) {
    if (err instanceof EnvParseError) throw configError(err.message)
    throw err
  }
  const aliases = ALIASED.get(env)
  for (const u of used.values()) {
    const alias = aliases?.get(u.name)
    if (alias != null) u.name = alias
  }
  if (used.size === 0) return
  let values: Values
  try {
    // a bad duration in the environment is an error even where the
    // reference silently keeps the default for a bad one in the file: the
    // variable was set on purpose (only env-set values can be invalid here)
    values = applyFields(def.fields, state.values, j, { ...applyContext(def, ctx), strictDurations: true })
  } catch (err) {
    if (err instanceof FieldError) throw configError(describeFieldError(err, sectionKey(def), used))
    throw err
  }
  const next: SectionState = { def, values }
  const msg = validateState(next, applyContext(def, ctx))
  if (msg != null) {
    const vars = [...used.values()].map((u) => `${u.name}=${JSON.stringify(u.value)}`).join(', ')
    throw configError(`${msg} (after applying ${vars})`)
  }
  state.values = values
}

/** Applies a JSON object onto a section state (load), then validates. */
function loadSectionJSON (state: SectionState, node: JNode, ctx: { baseDir: string, warn: (msg: string) => void }): void {
  const def = state.def
  const key = sectionKey(def)
  const filePath = key
  try {
    const j = decodeSection(def, node, { section: def, filePath, warn: ctx.warn })
    state.values = applyFields(def.fields, state.values, j, applyContext(def, ctx))
  } catch (err) {
    if (err instanceof FieldError) throw configError(describeFieldError(err, filePath))
    throw err
  }
  const msg = validateState(state, applyContext(def, ctx))
  if (msg != null) throw configError(msg)
}

interface TopLevel {
  source: string
  cluster?: JNode
  sections: Map<string, Map<string, JNode>>
}

const KNOWN_TOP = new Set<string>([...SECTION_ORDER.filter((s) => s !== 'cluster'), 'state'])

function parseTopLevel (text: string, warn: (msg: string) => void): TopLevel {
  let tree: JNode
  try {
    tree = parseJSONTree(text)
  } catch (err) {
    throw configError((err as Error).message)
  }
  if (tree.t !== 'obj') {
    throw configError(`json: cannot unmarshal ${jsonKind(tree)} into Go value of type config.jsonConfig`)
  }
  const top: TopLevel = { source: '', sections: new Map() }
  for (const [k, v] of tree.entries) {
    const lk = k.toLowerCase()
    if (lk === 'source') {
      if (v.t === 'null') continue
      if (v.t !== 'str') throw configError(`json: cannot unmarshal ${jsonKind(v)} into Go struct field jsonConfig.source of type string`)
      top.source = v.v
    } else if (lk === 'cluster') {
      top.cluster = v.t === 'null' ? undefined : v
    } else if (KNOWN_TOP.has(lk)) {
      if (v.t === 'null') {
        top.sections.delete(lk)
        continue
      }
      if (v.t !== 'obj') {
        throw configError(`json: cannot unmarshal ${jsonKind(v)} into Go struct field jsonConfig.${lk} of type config.jsonSection`)
      }
      const m = top.sections.get(lk) ?? new Map<string, JNode>()
      for (const [name, node] of v.entries) m.set(name, node)
      top.sections.set(lk, m)
    } else {
      warn(`unknown configuration key ignored: ${k}`)
    }
  }
  return top
}

async function fetchSource (url: string, ctx: ManagerContext): Promise<string> {
  ctx.info(`loading configuration from ${url}`)
  let res: Response
  try {
    res = await ctx.fetch(url)
  } catch (err) {
    throw configError(`could not fetch configuration from source: ${url}`, undefined, err)
  }
  let body: string
  try {
    body = await res.text()
  } catch (err) {
    throw configError(`could not fetch configuration from source: ${url}`, undefined, err)
  }
  if (res.status >= 300) {
    throw configError(`unsuccessful request (${res.status}): ${body}`)
  }
  return body
}

/** For env objects made by {@link effectiveEnv}: variable → the alias that set it. */
const ALIASED = new WeakMap<Env, Map<string, string>>()

/**
 * The env with the aliases of our issues applied: `IPFS_API` (older name)
 * sets `CLUSTER_IPFSHTTP_NODEMULTIADDRESS` and
 * `CLUSTER_IPFSPROXY_NODEMULTIADDRESS` unless those are set themselves.
 */
export function effectiveEnv (env: Env): Env {
  if (ALIASED.has(env)) return env
  const out: Env = { ...env }
  const aliases = new Map<string, string>()
  const ipfsApi = env.IPFS_API
  if (ipfsApi != null && ipfsApi !== '') {
    for (const name of ['CLUSTER_IPFSHTTP_NODEMULTIADDRESS', 'CLUSTER_IPFSPROXY_NODEMULTIADDRESS']) {
      if (out[name] === undefined) {
        out[name] = ipfsApi
        aliases.set(name, 'IPFS_API')
      }
    }
  }
  ALIASED.set(out, aliases)
  return out
}

export interface LoadServiceOptions {
  /** Sections to register (default: all). */
  sections?: SectionDef[]
}

/**
 * Loads service.json text: sections present in the JSON are applied over
 * their defaults and validated, absent ones keep their defaults, then the
 * environment is applied to every registered section. Throws ConfigError
 * with the reference messages.
 */
export async function loadServiceText (text: string, ctx: ManagerContext, opts: LoadServiceOptions = {}, depth = 0): Promise<ConfigSet> {
  const top = parseTopLevel(text, ctx.warn)
  if (top.source !== '') {
    if (depth > 0) throw configError('a sourced configuration cannot point to another source')
    const fetched = await fetchSource(top.source, ctx)
    const set = await loadServiceText(fetched, ctx, opts, depth + 1)
    set.source = top.source
    return set
  }

  const defs = opts.sections ?? ALL_SECTIONS
  const registered = new Set(defs.map((d) => `${d.section}.${d.name}`))
  for (const [type, comps] of top.sections) {
    for (const name of comps.keys()) {
      if (!registered.has(`${type}.${name}`)) ctx.warn(`unknown configuration section ignored: ${type}.${name}`)
    }
  }

  const set: ConfigSet = { states: new Map(), present: new Set(), baseDir: ctx.baseDir }
  for (const def of defs) {
    const state = defaultState(def)
    const node = def.section === 'cluster' ? top.cluster : top.sections.get(def.section)?.get(def.name)
    if (node != null && node.t !== 'null') {
      loadSectionJSON(state, node, ctx)
      set.present.add(sectionKey(def))
    }
    set.states.set(sectionKey(def), state)
  }

  // Manager.Validate: the cluster section is never defaulted
  const cluster = set.states.get('cluster')
  if (cluster != null && !set.present.has('cluster')) {
    throw configError('cluster section failed to validate: cluster.listen_multiaddress is undefined')
  }
  for (const [key, state] of set.states) {
    if (set.present.has(key)) continue
    const msg = validateState(state, applyContext(state.def, ctx))
    if (msg != null) throw configError(`${state.def.name} failed to validate: ${msg}`)
  }

  applyEnvToSet(set, ctx.env, ctx)
  return set
}

/** Applies env vars to every section (components first, cluster last). */
export function applyEnvToSet (set: ConfigSet, env: Env, ctx: { baseDir: string, warn: (msg: string) => void }): void {
  const eff = effectiveEnv(env)
  const states = [...set.states.values()]
  for (const state of [...states.filter((s) => s.def.section !== 'cluster'), ...states.filter((s) => s.def.section === 'cluster')]) {
    applyEnvToState(state, eff, ctx)
  }
}

/** Parses a `CLUSTER_PEERS`/`--peers` style list (comma separated, trimmed, empty items dropped). */
export function splitPeerList (value: string | string[] | undefined): string[] {
  if (value == null) return []
  const items = Array.isArray(value) ? value.flatMap((v) => v.split(',')) : value.split(',')
  return items.map((s) => s.trim()).filter((s) => s !== '')
}

/**
 * Applies `CLUSTER_PEERS` at load time: the addresses are added to
 * `cluster.peer_addresses` and, unless the crdt section trusts everyone,
 * their peer IDs to `trusted_peers`. In memory only.
 */
export function applyClusterPeersEnv (set: ConfigSet, env: Env): void {
  const raw = env.CLUSTER_PEERS
  const addrs = splitPeerList(raw)
  if (addrs.length === 0) return
  const normalized: string[] = []
  const ids: string[] = []
  for (const a of addrs) {
    let parsed
    try {
      parsed = splitP2pAddr(a)
    } catch (err) {
      throw configError(`error parsing CLUSTER_PEERS: ${a}: ${(err as Error).message} (from CLUSTER_PEERS=${JSON.stringify(raw)})`)
    }
    if (parsed.id == null) {
      throw configError(`error parsing CLUSTER_PEERS: ${a}: invalid p2p multiaddr (from CLUSTER_PEERS=${JSON.stringify(raw)})`)
    }
    normalized.push(`${parsed.transport}/p2p/${parsed.id}`)
    if (!ids.includes(parsed.id)) ids.push(parsed.id)
  }
  const cluster = set.states.get('cluster')
  if (cluster != null) {
    const current = (cluster.values.peer_addresses as string[] | null) ?? []
    cluster.values.peer_addresses = [...current, ...normalized.filter((a) => !current.includes(a))]
  }
  const crdt = set.states.get('consensus.crdt')
  if (crdt != null) {
    const trusted = (crdt.values.trusted_peers as string[]) ?? []
    if (!trusted.includes('*')) {
      crdt.values.trusted_peers = [...trusted, ...ids.filter((id) => !trusted.includes(id))]
    }
  }
}

function typedOf<T> (set: ConfigSet, key: string): T {
  const state = set.states.get(key)
  if (state == null) throw configError(`section ${key} is not registered`)
  return state.def.typed(state.values, { baseDir: set.baseDir }) as T
}

/**
 * Builds the typed configuration: optional components only when present
 * (§4.0.2); the IPFS connector defaults to ipfshttp when no connector
 * section exists; a missing `allocator.balanced` forces
 * `allocate_by = ["freespace"]` (§12 item 14); `datastore` is set only when
 * exactly one datastore section is present.
 */
export function buildPeerConfig (set: ConfigSet): PeerConfig {
  const has = (key: string): boolean => set.present.has(key) && set.states.has(key)
  const opt = <T>(key: string): T | undefined => has(key) ? typedOf<T>(set, key) : undefined
  const consensus: PeerConfig['consensus'] = {}
  if (has('consensus.crdt')) consensus.crdt = opt('consensus.crdt')
  if (has('consensus.raft')) consensus.raft = opt('consensus.raft')
  const api: PeerConfig['api'] = {}
  if (has('api.restapi')) api.restapi = opt('api.restapi')
  if (has('api.pinsvcapi')) api.pinsvcapi = opt('api.pinsvcapi')
  if (has('api.ipfsproxy')) api.ipfsproxy = opt('api.ipfsproxy')
  const ipfsConnector: PeerConfig['ipfsConnector'] = {}
  if (has('ipfs_connector.ipfshttp') || (!has('ipfs_connector.embedded') && set.states.has('ipfs_connector.ipfshttp'))) {
    ipfsConnector.ipfshttp = typedOf(set, 'ipfs_connector.ipfshttp')
  }
  if (has('ipfs_connector.embedded')) ipfsConnector.embedded = opt('ipfs_connector.embedded')
  const informer: PeerConfig['informer'] = {}
  if (has('informer.disk')) informer.disk = opt('informer.disk')
  if (has('informer.tags')) informer.tags = opt('informer.tags')
  if (has('informer.pinqueue')) informer.pinqueue = opt('informer.pinqueue')
  const datastores = DATASTORE_NAMES.filter((n) => has(`datastore.${n}`))
  const out: PeerConfig = {
    cluster: typedOf(set, 'cluster'),
    consensus,
    api,
    ipfsConnector,
    pinTracker: { stateless: typedOf(set, 'pin_tracker.stateless') },
    monitor: { pubsubmon: typedOf(set, 'monitor.pubsubmon') },
    allocator: { balanced: has('allocator.balanced') ? typedOf(set, 'allocator.balanced') : { allocateBy: ['freespace'] } },
    informer,
    observations: { metrics: typedOf(set, 'observations.metrics'), tracing: typedOf(set, 'observations.tracing') }
  }
  if (datastores.length === 1) {
    out.datastore = typedOf<DatastoreConfig>(set, `datastore.${datastores[0]}`)
  }
  return out
}

export interface SerialiseOptions {
  /** Hide secrets (`XXX_hidden_XXX`) for debug output. */
  hide?: boolean
  /** Write only `{"source": <url>}`. */
  source?: string
}

/** The ordered output tree of a list of section states. */
export function statesToTree (states: SectionState[], hide = false): OrderedObject {
  const entries: Array<[string, OutValue]> = []
  for (const type of SECTION_ORDER) {
    const comps = states.filter((s) => s.def.section === type)
    if (comps.length === 0) continue
    const objOf = (s: SectionState): OrderedObject => fieldsOut(s.def.fields, toJSONFields(s.def.fields, s.values), hide)
    if (type === 'cluster') {
      entries.push(['cluster', objOf(comps[0])])
      continue
    }
    const sorted = [...comps].sort((a, b) => a.def.name < b.def.name ? -1 : a.def.name > b.def.name ? 1 : 0)
    entries.push([type, ordered(sorted.map((s) => [s.def.name, objOf(s)]))])
  }
  return ordered(entries)
}

/**
 * Writes service.json text: 2-space indentation, Go escaping, no trailing
 * newline; `{"source": <url>}` alone for remote configs.
 */
export function serialiseStates (states: SectionState[], opts: SerialiseOptions = {}): string {
  if (opts.source != null && opts.source !== '') {
    return marshalIndent(ordered([['source', opts.source]]))
  }
  return marshalIndent(statesToTree(states, opts.hide === true))
}

/** Section types, for external callers. */
export type { SectionType }

/** The default manager context pieces. */
export function managerContext (opts: { baseDir: string, env?: Env, logger?: ComponentLogger, fetch?: typeof globalThis.fetch, warnings?: string[] }): ManagerContext {
  const log = opts.logger?.forComponent('config')
  return {
    baseDir: opts.baseDir,
    env: opts.env ?? process.env,
    warn: (msg) => {
      opts.warnings?.push(msg)
      log?.warn(msg)
    },
    info: (msg) => { log?.info(msg) },
    fetch: opts.fetch ?? globalThis.fetch
  }
}

/** Reads and loads a service.json file (errors as `open <path>: …`). */
export async function loadServiceFile (configPath: string, ctx: ManagerContext, opts: LoadServiceOptions = {}): Promise<ConfigSet> {
  const abs = resolve(configPath)
  let text: string
  try {
    text = await readFile(abs, 'utf8')
  } catch (err) {
    throw configError(goFileError(err, 'open', abs))
  }
  return await loadServiceText(text, { ...ctx, baseDir: ctx.baseDir ?? dirname(abs) }, opts)
}
