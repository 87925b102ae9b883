/**
 * `monitor.pubsubmon` section (spec §4.8). Env prefix `CLUSTER_PUBSUBMON_`.
 * A present object without a valid `check_interval` is an error.
 */
import { dur, ns } from './fields.js'
import type { PubsubMonConfig } from '../types.js'
import type { SectionDef } from '../schema.js'

export const pubsubmonSection: SectionDef<PubsubMonConfig> = {
  name: 'pubsubmon',
  section: 'monitor',
  envPrefix: 'CLUSTER_PUBSUBMON',
  structName: 'jsonConfig',
  fields: [
    dur('check_interval', '15s', { set: 'literal', durationError: 'zero' })
  ],
  validate: (v) => (v.check_interval as bigint) <= 0n ? 'pubsubmon.check_interval too low' : undefined,
  typed: (v) => ({ checkInterval: ns(v.check_interval) })
}
