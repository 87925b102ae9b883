/**
 * `informer.disk` section (spec §4.10). Env prefix `CLUSTER_DISK_`.
 * Both keys are required when the object is present.
 */
import { FieldError } from '../schema.js'
import { dur, ns, str } from './fields.js'
import type { DiskInformerConfig } from '../types.js'
import type { SectionDef } from '../schema.js'

export const diskSection: SectionDef<DiskInformerConfig> = {
  name: 'disk',
  section: 'informer',
  envPrefix: 'CLUSTER_DISK',
  structName: 'jsonConfig',
  fields: [
    dur('metric_ttl', '30s', { set: 'literal', durationError: 'zero', goName: 'MetricTTL' }),
    str('metric_type', 'freespace', {
      set: 'literal',
      check: (v, ctx) => {
        if (v !== 'freespace' && v !== 'reposize') throw new FieldError('disk.metric_type is invalid', ctx.path, v)
      }
    })
  ],
  validate: (v) => (v.metric_ttl as bigint) <= 0n ? 'disk.metric_ttl is invalid' : undefined,
  typed: (v) => ({ metricTTL: ns(v.metric_ttl), metricType: v.metric_type as 'freespace' | 'reposize' })
}
