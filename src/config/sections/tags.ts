/**
 * `informer.tags` section (spec §4.10). Env prefix `CLUSTER_TAGS_`.
 */
import { dur, map, ns } from './fields.js'
import type { TagsInformerConfig } from '../types.js'
import type { SectionDef } from '../schema.js'

export const tagsSection: SectionDef<TagsInformerConfig> = {
  name: 'tags',
  section: 'informer',
  envPrefix: 'CLUSTER_TAGS',
  structName: 'jsonConfig',
  fields: [
    dur('metric_ttl', '30s', { goName: 'MetricTTL' }),
    map('tags', { group: 'default' }, { set: 'literal' })
  ],
  validate: (v) => (v.metric_ttl as bigint) <= 0n ? 'tags.metric_ttl is invalid' : undefined,
  typed: (v) => ({ metricTTL: ns(v.metric_ttl), tags: { ...(v.tags as Record<string, string> | null ?? {}) } })
}
