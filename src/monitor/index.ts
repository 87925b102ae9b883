/**
 * @packageDocumentation
 *
 * The peer monitor (reference `monitor/pubsubmon`): every peer publishes
 * {@link Metric}s on the pubsub topic `monitor.metrics`; the monitor keeps
 * the latest metric per (name, peer), answers `latestMetrics(name)` with the
 * valid, non-expired ones, and raises an {@link Alert} once when a peer's
 * metric expires without renewal (checked every `check_interval`).
 *
 * The metrics pusher runs the periodic loops of a cluster peer: the `ping`
 * metric every `monitor_ping_interval` (TTL 2×), and each informer's metrics
 * every TTL/2 (TTL/4 after an error).
 *
 * @example
 *
 * ```ts
 * const monitor = createPubsubMonitor({ pubsub, peerId, logger }, { checkInterval: 15_000 })
 * monitor.onAlert((a) => { console.log(`${a.peer}: ${a.name} expired`) })
 * await monitor.start()
 * const pusher = createMetricsPusher({ monitor, peerId, logger, informers, pingValue }, { monitorPingInterval: 15_000 })
 * await pusher.start()
 * const free = await monitor.latestMetrics('freespace')
 * ```
 */
import { MetricsPusher } from './metrics-pusher.js'
import { PubsubMonitor } from './pubsub-monitor.js'
import type { PeerIdString, PingValue } from '../api/types.js'
import type { PubsubMonConfig } from '../config/types.js'
import type { AbortOptions, ComponentLogger, Informer, PeerMonitor, PubSub } from '../interfaces.js'

export interface PubsubMonitorComponents {
  pubsub: PubSub
  /** This peer's ID. */
  peerId: PeerIdString
  logger: ComponentLogger
  /**
   * The current peerset, when it is not itself derived from metrics (raft).
   * When set, `latestMetrics` only returns metrics of these peers and only
   * these peers are checked for expiry. Leave unset in crdt mode (the crdt
   * peerset is computed from the `ping` metrics).
   */
  peers?: (options?: AbortOptions) => Promise<PeerIdString[]>
}

export interface PubsubMonitorInit extends PubsubMonConfig {
  /**
   * Alerts kept before the list is reset.
   *
   * @default 1000
   */
  maxAlerts?: number
}

export function createPubsubMonitor (components: PubsubMonitorComponents, init: PubsubMonitorInit): PubsubMonitor {
  return new PubsubMonitor(components, init)
}

export interface MetricsPusherComponents {
  monitor: Pick<PeerMonitor, 'publishMetric'>
  peerId: PeerIdString
  logger: ComponentLogger
  informers: Informer[]
  /**
   * Our current ping value: peer name, IPFS peer ID and IPFS addresses
   * (the pusher keeps only public addresses). Called before every ping.
   */
  pingValue: (options?: AbortOptions) => Promise<PingValue>
}

export interface MetricsPusherInit {
  /** `cluster.monitor_ping_interval` in ms. */
  monitorPingInterval: number
}

export function createMetricsPusher (components: MetricsPusherComponents, init: MetricsPusherInit): MetricsPusher {
  return new MetricsPusher(components, init)
}

export { PubsubMonitor, METRICS_TOPIC, DEFAULT_MAX_ALERTS } from './pubsub-monitor.js'
export { MetricsPusher, DEFAULT_INFORMER_TTL } from './metrics-pusher.js'
export { MetricStore } from './metric-store.js'
export { encodeMetric, decodeMetric } from './codec.js'
export * from './metric.js'
export * from './ping.js'
