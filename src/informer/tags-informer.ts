/**
 * Tags informer (reference `informer/tags`): one partitionable
 * `tag:<name>` metric per configured tag.
 */
import { ConfigError } from '../errors.js'
import { newMetric } from '../monitor/metric.js'
import type { TagsInformerComponents } from './index.js'
import type { Metric } from '../api/types.js'
import type { TagsInformerConfig } from '../config/types.js'
import type { AbortOptions, Informer, Logger } from '../interfaces.js'

/** Name of the metric returned (invalid, never published) without tags. */
export const NO_TAGS_METRIC = 'tag:none'

export class TagsInformer implements Informer {
  readonly name = 'tags'
  private readonly log: Logger
  private readonly ttl: number
  private readonly tags: Array<[string, string]>

  constructor (components: TagsInformerComponents, init: TagsInformerConfig) {
    if (!(init.metricTTL > 0)) throw new ConfigError('tags.metric_ttl is invalid')
    this.log = components.logger.forComponent('tags')
    this.ttl = init.metricTTL
    this.tags = Object.entries(init.tags ?? {}).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
  }

  /**
   * One `tag:<name>` metric per tag (value = tag value, weight 0,
   * partitionable), sorted by tag name. Without tags, a single invalid
   * `tag:none` metric (so nothing is published).
   */
  async getMetrics (options?: AbortOptions): Promise<Metric[]> {
    if (this.tags.length === 0) {
      this.log.debug('no tags defined in tags informer')
      return [newMetric({ name: NO_TAGS_METRIC, valid: false, partitionable: true, ttl: this.ttl })]
    }
    return this.tags.map(([n, v]) => newMetric({ name: `tag:${n}`, value: v, partitionable: true, ttl: this.ttl }))
  }
}
