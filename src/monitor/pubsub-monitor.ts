/**
 * PeerMonitor over pubsub (reference `monitor/pubsubmon`).
 */
import { decodeMetric, encodeMetric } from './codec.js'
import { ConfigError } from '../errors.js'
import { MetricStore } from './metric-store.js'
import { metricDiscard, metricExpired, nowNs } from './metric.js'
import { repeatingTask } from '../utils/repeating-task.js'
import type { PubsubMonitorComponents, PubsubMonitorInit } from './index.js'
import type { Alert, Metric, PeerIdString } from '../api/types.js'
import type { AbortOptions, Logger, PeerMonitor, PubSub } from '../interfaces.js'
import type { RepeatingTask } from '../utils/repeating-task.js'

/** Pubsub topic carrying every peer's metrics. */
export const METRICS_TOPIC = 'monitor.metrics'

/** Alerts kept before the list is reset (reference `maxAlerts`). */
export const DEFAULT_MAX_ALERTS = 1000

/**
 * After this many consecutive failed checks of one metric the alert counter
 * is reset, so a long-dead peer alerts again (reference behaviour).
 */
const ALERT_COUNTER_RESET = 300

export class PubsubMonitor implements PeerMonitor {
  private readonly log: Logger
  private readonly pubsub: PubSub
  private readonly peerId: PeerIdString
  private readonly peersFn?: (options?: AbortOptions) => Promise<PeerIdString[]>
  private readonly checkInterval: number
  private readonly maxAlerts: number
  private readonly store = new MetricStore()
  /** name → peer → consecutive failed checks. */
  private readonly failed = new Map<string, Map<PeerIdString, number>>()
  /** Oldest first. */
  private alertList: Alert[] = []
  private readonly handlers: Array<(alert: Alert) => void> = []
  private unsubscribe?: () => void
  private checker?: RepeatingTask

  constructor (components: PubsubMonitorComponents, init: PubsubMonitorInit) {
    if (!(init.checkInterval > 0)) throw new ConfigError('pubsubmon.check_interval too low')
    this.log = components.logger.forComponent('monitor')
    this.pubsub = components.pubsub
    this.peerId = components.peerId
    this.peersFn = components.peers
    this.checkInterval = init.checkInterval
    this.maxAlerts = init.maxAlerts ?? DEFAULT_MAX_ALERTS
  }

  async start (): Promise<void> {
    if (this.unsubscribe != null) return
    this.unsubscribe = this.pubsub.subscribe(METRICS_TOPIC, (data, from) => { this.onMessage(data, from) })
    this.checker = repeatingTask(async (signal) => { await this.check({ signal }) }, this.checkInterval, {
      onError: (err) => { this.log.error('checking metrics: %s', (err as Error).message) }
    })
    this.checker.start()
  }

  async stop (): Promise<void> {
    const unsub = this.unsubscribe
    this.unsubscribe = undefined
    unsub?.()
    const checker = this.checker
    this.checker = undefined
    await checker?.stop()
  }

  async logMetric (metric: Metric, options?: AbortOptions): Promise<void> {
    this.record({ ...metric })
  }

  async publishMetric (metric: Metric, options?: AbortOptions): Promise<void> {
    if (metricDiscard(metric)) {
      this.log.warn('discarding invalid metric: %s', describe(metric))
      return
    }
    const m: Metric = { ...metric, peer: metric.peer === '' ? this.peerId : metric.peer }
    // Our own metrics are stored directly: pubsub does not echo them back.
    this.record({ ...m, receivedAt: 0n })
    if (this.log.debugEnabled) this.log.debug('publish metric: %s', describe(m))
    await this.pubsub.publish(METRICS_TOPIC, encodeMetric(m), options)
  }

  async latestMetrics (name: string, options?: AbortOptions): Promise<Metric[]> {
    const latest = this.store.latestValid(name)
    if (this.peersFn == null || latest.length === 0) return latest
    let peers: PeerIdString[]
    try {
      peers = await this.peersFn(options)
    } catch (err) {
      this.log.debug('cannot get peerset: %s', (err as Error).message)
      return []
    }
    const set = new Set(peers)
    return latest.filter((m) => set.has(m.peer))
  }

  latestForPeer (name: string, peer: PeerIdString): Metric | undefined {
    const m = this.store.peerLatest(name, peer)
    return m == null ? undefined : { ...m }
  }

  metricNames (): string[] {
    return this.store.names()
  }

  alerts (): Alert[] {
    return this.alertList.slice().reverse()
  }

  onAlert (handler: (alert: Alert) => void): void {
    this.handlers.push(handler)
  }

  /**
   * One round of expiry checks (runs every `check_interval`). Exposed so
   * the cluster and tests can force a check.
   */
  async check (options?: AbortOptions): Promise<void> {
    const now = nowNs()
    const expired: Metric[] = []
    if (this.peersFn != null) {
      let peers: PeerIdString[]
      try {
        peers = await this.peersFn(options)
      } catch (err) {
        this.log.debug('cannot get peerset: %s', (err as Error).message)
        return
      }
      for (const name of this.store.names()) {
        for (const peer of peers) {
          const m = this.store.peerLatest(name, peer)
          if (m != null && metricExpired(m, now)) expired.push(m)
        }
      }
    } else {
      for (const m of this.store.all()) {
        if (metricExpired(m, now)) expired.push(m)
      }
    }
    for (const m of expired) {
      this.raise(m)
    }
  }

  private record (m: Metric): void {
    if (m.receivedAt === 0n) m.receivedAt = nowNs()
    this.store.add(m)
    if (this.log.debugEnabled) this.log.debug('logged metric: %s', describe(m))
    if (!metricDiscard(m)) {
      // A fresh metric: the peer may alert again when this one expires.
      const byPeer = this.failed.get(m.name)
      if (byPeer?.delete(m.peer) === true && byPeer.size === 0) this.failed.delete(m.name)
    }
  }

  private onMessage (data: Uint8Array, from: PeerIdString): void {
    if (from === this.peerId) return
    let m: Metric
    try {
      m = decodeMetric(data)
    } catch (err) {
      this.log.debug('ignoring bad metric message from %s: %s', from, (err as Error).message)
      return
    }
    if (from !== '' && m.peer !== from) {
      this.log.debug('ignoring metric of %s published by %s', m.peer, from)
      return
    }
    m.receivedAt = nowNs()
    this.record(m)
  }

  private raise (m: Metric): void {
    let byPeer = this.failed.get(m.name)
    if (byPeer == null) {
      byPeer = new Map()
      this.failed.set(m.name, byPeer)
    }
    const count = (byPeer.get(m.peer) ?? 0) + 1
    byPeer.set(m.peer, count)
    if (count > 1) {
      if (count >= ALERT_COUNTER_RESET) byPeer.delete(m.peer)
      return
    }
    const alert: Alert = { ...m, triggeredAt: new Date() }
    this.log.warn('metric alert for %s: Peer: %s.', m.name, m.peer)
    if (this.alertList.length > this.maxAlerts) {
      this.alertList = []
    }
    this.alertList.push(alert)
    for (const h of this.handlers) {
      try {
        h({ ...alert })
      } catch (err) {
        this.log.error('alert handler failed: %s', (err as Error).message)
      }
    }
  }
}

function describe (m: Metric): string {
  const d = new Date(Number(m.expire / 1_000_000n))
  const exp = Number.isNaN(d.getTime()) ? m.expire.toString() : d.toISOString()
  return `'${m.peer}' - '${m.name}' - '${m.value}' - '${exp}'`
}
