/**
 * `pin_tracker.stateless` section (spec §4.7). Env prefix `CLUSTER_STATELESS_`.
 */
import { dur, int, ns } from './fields.js'
import type { StatelessTrackerConfig } from '../types.js'
import type { SectionDef } from '../schema.js'

export const statelessSection: SectionDef<StatelessTrackerConfig> = {
  name: 'stateless',
  section: 'pin_tracker',
  envPrefix: 'CLUSTER_STATELESS',
  structName: 'jsonConfig',
  fields: [
    int('max_pin_queue_size', 1000000, { omit: 'default' }),
    int('concurrent_pins', 10),
    dur('priority_pin_max_age', '24h0m0s'),
    int('priority_pin_max_retries', 5)
  ],
  validate: (v) => {
    if ((v.max_pin_queue_size as number) <= 0) return 'statelesstracker.max_pin_queue_size too low'
    if ((v.concurrent_pins as number) <= 0) return 'statelesstracker.concurrent_pins is too low'
    if ((v.priority_pin_max_age as bigint) <= 0n) return 'statelesstracker.priority_pin_max_age is too low'
    if ((v.priority_pin_max_retries as number) <= 0) return 'statelesstracker.priority_pin_max_retries is too low'
    return undefined
  },
  typed: (v) => ({
    maxPinQueueSize: v.max_pin_queue_size as number,
    concurrentPins: v.concurrent_pins as number,
    priorityPinMaxAge: ns(v.priority_pin_max_age),
    priorityPinMaxRetries: v.priority_pin_max_retries as number
  })
}
