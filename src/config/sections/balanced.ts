/**
 * `allocator.balanced` section (spec §4.9). Env prefix `CLUSTER_BALANCED_`.
 * Absent/empty `allocate_by` keeps the default; when the whole section is
 * absent the loader forces `["freespace"]` (legacy behaviour, see
 * `loadConfig`).
 */
import { list } from './fields.js'
import type { BalancedAllocatorConfig } from '../types.js'
import type { SectionDef } from '../schema.js'

export const balancedSection: SectionDef<BalancedAllocatorConfig> = {
  name: 'balanced',
  section: 'allocator',
  envPrefix: 'CLUSTER_BALANCED',
  structName: 'jsonConfig',
  fields: [
    list('allocate_by', ['tag:group', 'freespace'])
  ],
  validate: (v) => (v.allocate_by as string[] | null ?? []).length === 0 ? 'metricalloc.allocate_by is invalid' : undefined,
  typed: (v) => ({ allocateBy: [...(v.allocate_by as string[])] })
}
