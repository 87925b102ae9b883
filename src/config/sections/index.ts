/**
 * The registry of every section schema, in the order the reference
 * registers them.
 */
import { balancedSection } from './balanced.js'
import { clusterSection } from './cluster.js'
import { crdtSection } from './crdt.js'
import { badger3Section, badgerSection, leveldbSection, pebbleSection } from './datastore.js'
import { diskSection } from './disk.js'
import { embeddedSection } from './embedded.js'
import { pinsvcapiSection, restapiSection } from './httpapi.js'
import { ipfshttpSection } from './ipfshttp.js'
import { ipfsproxySection } from './ipfsproxy.js'
import { metricsSection } from './metrics.js'
import { pinqueueSection } from './pinqueue.js'
import { pubsubmonSection } from './pubsubmon.js'
import { raftSection } from './raft.js'
import { statelessSection } from './stateless.js'
import { tagsSection } from './tags.js'
import { tracingSection } from './tracing.js'
import type { SectionDef, SectionType } from '../schema.js'

export {
  balancedSection, clusterSection, crdtSection, badger3Section, badgerSection, leveldbSection, pebbleSection,
  diskSection, embeddedSection, pinsvcapiSection, restapiSection, ipfshttpSection, ipfsproxySection,
  metricsSection, pinqueueSection, pubsubmonSection, raftSection, statelessSection, tagsSection, tracingSection
}

/** Every section, cluster first. */
export const ALL_SECTIONS: SectionDef[] = [
  clusterSection,
  restapiSection,
  pinsvcapiSection,
  ipfsproxySection,
  ipfshttpSection,
  embeddedSection,
  statelessSection,
  pubsubmonSection,
  balancedSection,
  diskSection,
  tagsSection,
  pinqueueSection,
  metricsSection,
  tracingSection,
  raftSection,
  crdtSection,
  pebbleSection,
  badgerSection,
  badger3Section,
  leveldbSection
] as SectionDef[]

/** Top-level keys of service.json in writing order (after `source`). */
export const SECTION_ORDER: SectionType[] = [
  'cluster', 'consensus', 'api', 'ipfs_connector', 'pin_tracker', 'monitor', 'allocator', 'informer', 'observations', 'datastore'
]

export const CONSENSUS_NAMES = ['crdt', 'raft'] as const
export const DATASTORE_NAMES = ['pebble', 'badger', 'badger3', 'leveldb'] as const
export const CONNECTOR_NAMES = ['ipfshttp', 'embedded'] as const

export type ConsensusName = typeof CONSENSUS_NAMES[number]
export type DatastoreName = typeof DATASTORE_NAMES[number]
export type ConnectorName = typeof CONNECTOR_NAMES[number]

/** The key of a section in the "present" set (`cluster`, `consensus.crdt`, `api.restapi`, …). */
export function sectionKey (def: SectionDef): string {
  return def.section === 'cluster' ? 'cluster' : `${def.section}.${def.name}`
}

export function sectionByKey (key: string): SectionDef | undefined {
  return ALL_SECTIONS.find((d) => sectionKey(d) === key)
}
