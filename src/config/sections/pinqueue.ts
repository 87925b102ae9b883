/**
 * `informer.pinqueue` section (spec §4.10). Env prefix `CLUSTER_PINQUEUE_`.
 */
import { dur, int, ns } from './fields.js'
import type { PinQueueInformerConfig } from '../types.js'
import type { SectionDef } from '../schema.js'

export const pinqueueSection: SectionDef<PinQueueInformerConfig> = {
  name: 'pinqueue',
  section: 'informer',
  envPrefix: 'CLUSTER_PINQUEUE',
  structName: 'jsonConfig',
  fields: [
    dur('metric_ttl', '30s', { set: 'literal', durationError: 'zero', goName: 'MetricTTL' }),
    int('weight_bucket_size', 100000, { set: 'literal' })
  ],
  validate: (v) => {
    if ((v.metric_ttl as bigint) <= 0n) return 'pinqueue.metric_ttl is invalid'
    if ((v.weight_bucket_size as number) < 0) return 'pinqueue.WeightBucketSize is invalid'
    return undefined
  },
  typed: (v) => ({ metricTTL: ns(v.metric_ttl), weightBucketSize: v.weight_bucket_size as number })
}
