/**
 * @packageDocumentation
 *
 * Informers produce the metrics a peer publishes about itself (reference
 * `informer/*`): `disk` (`freespace` or `reposize`), `tags` (`tag:<name>`),
 * `pinqueue` and `numpin`. Each `getMetrics()` returns at least one metric;
 * invalid metrics are not published by the metrics pusher. Metrics carry no
 * peer: the pusher sets it.
 *
 * @example
 *
 * ```ts
 * const disk = createDiskInformer({ logger, repoStat: (o) => ipfs.repoStat(o) }, { metricTTL: 30_000, metricType: 'freespace' })
 * const [m] = await disk.getMetrics()
 * // m.name === 'freespace', m.value === String(storageMax - repoSize)
 * ```
 */
import { DiskInformer } from './disk-informer.js'
import { NumpinInformer } from './numpin-informer.js'
import { PinQueueInformer } from './pinqueue-informer.js'
import { TagsInformer } from './tags-informer.js'
import type { IPFSRepoStat } from '../api/types.js'
import type { DiskInformerConfig, PinQueueInformerConfig, TagsInformerConfig } from '../config/types.js'
import type { AbortOptions, ComponentLogger, Informer } from '../interfaces.js'

export interface DiskInformerComponents {
  logger: ComponentLogger
  /** The local IPFS daemon's repo stats (`IPFSConnector.repoStat`). */
  repoStat(options?: AbortOptions): Promise<IPFSRepoStat>
}

export function createDiskInformer (components: DiskInformerComponents, init: DiskInformerConfig): Informer {
  return new DiskInformer(components, init)
}

export interface TagsInformerComponents {
  logger: ComponentLogger
}

export function createTagsInformer (components: TagsInformerComponents, init: TagsInformerConfig): Informer {
  return new TagsInformer(components, init)
}

export interface PinQueueInformerComponents {
  logger: ComponentLogger
  /** Length of the pin tracker's queue (`PinTracker.pinQueueSize`). */
  pinQueueSize(options?: AbortOptions): Promise<number>
}

export function createPinQueueInformer (components: PinQueueInformerComponents, init: PinQueueInformerConfig): Informer {
  return new PinQueueInformer(components, init)
}

export interface NumpinInformerComponents {
  logger: ComponentLogger
  /** Streams IPFS pins of the given types (`IPFSConnector.pinLs`). */
  pinLs(typeFilters: string[], options?: AbortOptions): AsyncIterable<unknown>
}

/** `informer.numpin` section (not part of the shared config types). */
export interface NumpinInformerInit {
  /** @default 10000 */
  metricTTL: number
}

export const DEFAULT_NUMPIN_TTL = 10_000

export function createNumpinInformer (components: NumpinInformerComponents, init: NumpinInformerInit = { metricTTL: DEFAULT_NUMPIN_TTL }): Informer {
  return new NumpinInformer(components, init)
}

export { DiskInformer, TagsInformer, PinQueueInformer, NumpinInformer }
export { NO_TAGS_METRIC } from './tags-informer.js'
