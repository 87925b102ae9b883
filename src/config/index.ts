/**
 * @packageDocumentation
 *
 * The configuration layer of the peer, compatible with IPFS Cluster
 * v1.1.6: `service.json` (one declarative schema per section, Go-style
 * reading and byte-identical writing), `CLUSTER_*` environment overrides
 * (envconfig semantics), `identity.json`, the cluster secret and the
 * peerstore file.
 *
 * ```ts
 * import { initPeerFolder, loadConfig } from './config/index.js'
 *
 * const res = await initPeerFolder({ folder: '/home/me/.ipfs-cluster' })
 * for (const line of res.messages) process.stderr.write(line + '\n')
 *
 * const { config, identity, present } = await loadConfig({ folder: '/home/me/.ipfs-cluster', logger })
 * if (present.has('api.restapi')) startRestApi(config.api.restapi!)
 * ```
 */

export * from './types.js'
export {
  DurationParseError, formatDuration, formatDurationNs, msToNs, nsToMs, parseDuration, parseDurationNs
} from './duration.js'
export { decodeGoHex, EMPTY_SECRET_WARNING, encodeSecret, generateSecret, parseSecret, SecretError, SECRET_LENGTH } from './secret.js'
export {
  applyIdentityEnv, decodeGoBase64, generateIdentity, identityPrivateKey, identityToJSON, IdentityError,
  legacyIdentityFromServiceJSON, loadIdentity, parseIdentityJSON, saveIdentity, validateIdentity
} from './identity.js'
export type { LoadedIdentity, LoadIdentityOptions } from './identity.js'
export { addrInfosFromP2pAddrs, PeerAddrError, peerstoreLines, readPeerstore, writePeerstore } from './peerstore.js'
export type { AddrInfo } from './peerstore.js'
export { parseMultiaddr, splitP2pAddr, MultiaddrParseError } from './multiaddr.js'
export { parseSize } from './size.js'
export {
  applyClusterPeersEnv, applyEnvToSet, buildPeerConfig, configError, effectiveEnv, errorDoing, loadServiceFile,
  loadServiceText, managerContext, serialiseStates, splitPeerList
} from './manager.js'
export type { ConfigErrorWithDoing, ConfigSet, ManagerContext, SerialiseOptions } from './manager.js'
export { activeStates, configToDisplayJSON, loadConfig } from './load.js'
export type { LoadConfigOptions, LoadedConfig } from './load.js'
export { defaultConfigSet, defaultServiceJSON, initPeerFolder, initSections } from './init.js'
export type { DefaultConfigOptions, InitPeerFolderOptions, InitPeerFolderResult } from './init.js'
export { envVarsOf, HIDDEN } from './schema.js'
export type { Env, FieldDef, SectionDef, SectionState } from './schema.js'
export {
  ALL_SECTIONS, CONNECTOR_NAMES, CONSENSUS_NAMES, DATASTORE_NAMES, sectionByKey, sectionKey
} from './sections/index.js'
export type { ConnectorName, ConsensusName, DatastoreName } from './sections/index.js'

import { ALL_SECTIONS } from './sections/index.js'
import { envVarsOf } from './schema.js'

/** Every `CLUSTER_*` configuration env var (plus the identity ones). */
export function allEnvVarNames (): string[] {
  const names = new Set<string>(['CLUSTER_ID', 'CLUSTER_PRIVATEKEY', 'CLUSTER_PEERS', 'IPFS_API'])
  for (const def of ALL_SECTIONS) {
    for (const v of envVarsOf(def)) names.add(v.name)
  }
  return [...names]
}
