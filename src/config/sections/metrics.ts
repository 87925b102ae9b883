/**
 * `observations.metrics` section (spec §4.11). Env prefix `CLUSTER_METRICS_`.
 */
import { bool, dur, multiaddrCheck, ns, str } from './fields.js'
import type { MetricsConfig } from '../types.js'
import type { SectionDef } from '../schema.js'

export const metricsSection: SectionDef<MetricsConfig> = {
  name: 'metrics',
  section: 'observations',
  envPrefix: 'CLUSTER_METRICS',
  structName: 'jsonMetricsConfig',
  fields: [
    bool('enable_stats', false),
    str('prometheus_endpoint', '/ip4/127.0.0.1/tcp/8888', {
      set: 'literal',
      check: multiaddrCheck('loadMetricsOptions: PrometheusEndpoint multiaddr', false)
    }),
    dur('reporting_interval', '30s')
  ],
  validate: (v) => {
    if (v.enable_stats === true && (v.reporting_interval as bigint) < 0n) return 'metrics.reporting_interval is invalid'
    return undefined
  },
  typed: (v) => ({
    enableStats: v.enable_stats as boolean,
    prometheusEndpoint: v.prometheus_endpoint as string,
    reportingInterval: ns(v.reporting_interval)
  })
}
