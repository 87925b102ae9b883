/**
 * `observations.tracing` section (spec §4.11). Env prefix `CLUSTER_TRACING_`.
 */
import { bool, float, multiaddrCheck, str } from './fields.js'
import type { TracingConfig } from '../types.js'
import type { SectionDef } from '../schema.js'

export const tracingSection: SectionDef<TracingConfig> = {
  name: 'tracing',
  section: 'observations',
  envPrefix: 'CLUSTER_TRACING',
  structName: 'jsonTracingConfig',
  fields: [
    bool('enable_tracing', false),
    str('jaeger_agent_endpoint', '/ip4/0.0.0.0/udp/6831', {
      set: 'literal',
      check: multiaddrCheck('loadTracingOptions: JaegerAgentEndpoint multiaddr', false)
    }),
    float('sampling_prob', 0.3, { set: 'literal' }),
    str('service_name', 'cluster-daemon', { set: 'literal' })
  ],
  validate: (v) => {
    if (v.enable_tracing === true && (v.sampling_prob as number) < 0) return 'tracing.sampling_prob is invalid'
    return undefined
  },
  typed: (v) => ({
    enableTracing: v.enable_tracing as boolean,
    jaegerAgentEndpoint: v.jaeger_agent_endpoint as string,
    samplingProb: v.sampling_prob as number,
    serviceName: v.service_name as string
  })
}
