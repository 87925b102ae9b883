/**
 * `loadConfig`: service.json (+ env) and identity.json (+ env) of a peer,
 * as the daemon and the `state` commands load them.
 */
import { dirname, join, resolve } from 'node:path'
import { loadIdentity } from './identity.js'
import {
  applyClusterPeersEnv, buildPeerConfig, configError, errorDoing, loadServiceFile, managerContext,
  serialiseStates
} from './manager.js'
import { sectionKey } from './sections/index.js'
import type { ConfigSet } from './manager.js'
import type { Env, SectionState } from './schema.js'
import type { Identity, PeerConfig } from './types.js'
import type { ComponentLogger } from '../interfaces.js'

export interface LoadConfigOptions {
  /** The config folder (absolute, or relative to the CWD). */
  folder: string
  /** Default `<folder>/service.json`. */
  configPath?: string
  /** Default `<folder>/identity.json`. */
  identityPath?: string
  /** Default `process.env`. */
  env?: Env
  /** Warnings (unknown keys…) are logged on facility `config`. */
  logger?: ComponentLogger
  /** HTTP client for `source` configs (default global fetch). */
  fetch?: typeof globalThis.fetch
}

export interface LoadedConfig {
  config: PeerConfig
  identity: Identity
  /** Sections present in the JSON (`cluster`, `consensus.crdt`, `api.restapi`, `datastore.pebble`, …). */
  present: Set<string>
  /** Warnings emitted while loading (also logged). */
  warnings: string[]
  /** Texts the CLI prints to stderr (legacy identity migration NOTICE). */
  notices: string[]
  /** The `source` URL of a remote config. */
  source?: string
  configPath: string
  identityPath: string
  /** The loaded section states (for the debug dump). */
  set: ConfigSet
}

/**
 * Loads the configuration and the identity of a peer. Errors are
 * ConfigErrors whose `doing` is `loading configurations` (the CLI prints
 * `error loading configurations: <message>`).
 */
export async function loadConfig (opts: LoadConfigOptions): Promise<LoadedConfig> {
  const folder = resolve(opts.folder)
  const configPath = resolve(opts.configPath ?? join(folder, 'service.json'))
  const identityPath = resolve(opts.identityPath ?? join(folder, 'identity.json'))
  const env = opts.env ?? process.env
  const warnings: string[] = []
  const ctx = managerContext({ baseDir: dirname(configPath), env, logger: opts.logger, fetch: opts.fetch, warnings })
  const doing = 'loading configurations'
  try {
    const set = await loadServiceFile(configPath, ctx)
    applyClusterPeersEnv(set, env)
    const config = buildPeerConfig(set)
    const { identity, notice } = await loadIdentity(identityPath, { configPath, env })
    const out: LoadedConfig = {
      config,
      identity,
      present: new Set(set.present),
      warnings,
      notices: notice != null ? [notice] : [],
      configPath,
      identityPath,
      set
    }
    if (set.source != null) out.source = set.source
    return out
  } catch (err) {
    if (errorDoing(err) != null) throw err
    throw configError((err as Error).message, doing, err)
  }
}

const ALWAYS_ACTIVE = ['cluster', 'pin_tracker.stateless', 'monitor.pubsubmon', 'allocator.balanced', 'observations.metrics', 'observations.tracing']

/** The sections in effect: present ones plus those the daemon always creates. */
export function activeStates (set: ConfigSet): SectionState[] {
  const connectorPresent = set.present.has('ipfs_connector.ipfshttp') || set.present.has('ipfs_connector.embedded')
  return [...set.states.values()].filter((s) => {
    const key = sectionKey(s.def)
    return set.present.has(key) || ALWAYS_ACTIVE.includes(key) || (!connectorPresent && key === 'ipfs_connector.ipfshttp')
  })
}

/**
 * The service.json document in effect with `secret`, `private_key` and
 * `basic_auth_credentials` replaced by `XXX_hidden_XXX` (debug dump).
 */
export function configToDisplayJSON (loaded: Pick<LoadedConfig, 'set'>): string {
  return serialiseStates(activeStates(loaded.set), { hide: true })
}
