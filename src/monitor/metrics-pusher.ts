/**
 * The periodic metric loops of a cluster peer (reference `cluster.go`
 * `pushPingMetrics` / `pushInformerMetrics`).
 */
import { metricDiscard, metricTTL } from './metric.js'
import { ConfigError } from '../errors.js'
import { newPingMetric, pingValueValid, publicIPFSAddresses } from './ping.js'
import { repeatingTask } from '../utils/repeating-task.js'
import type { MetricsPusherComponents, MetricsPusherInit } from './index.js'
import type { PeerIdString, PingValue } from '../api/types.js'
import type { AbortOptions, Informer, Logger, PeerMonitor, Startable } from '../interfaces.js'
import type { RepeatingTask } from '../utils/repeating-task.js'

/** Period used when an informer published nothing with a TTL (ms). */
export const DEFAULT_INFORMER_TTL = 30_000

/** How often repeated publishing errors are logged (1st, 11th, …). */
const RETRY_WARN_MOD = 10

interface SendResult {
  /** Smallest TTL (ms) among published metrics, 0 when none. */
  minTTL: number
  errors: Error[]
}

export class MetricsPusher implements Startable {
  private readonly log: Logger
  private readonly monitor: Pick<PeerMonitor, 'publishMetric'>
  private readonly peerId: PeerIdString
  private readonly informers: Informer[]
  private readonly pingValueFn: (options?: AbortOptions) => Promise<PingValue>
  private readonly pingInterval: number
  private readonly tasks: RepeatingTask[] = []
  private curPing: PingValue = {}
  private started = false

  constructor (components: MetricsPusherComponents, init: MetricsPusherInit) {
    if (!(init.monitorPingInterval > 0)) throw new ConfigError('cluster.monitoring_interval is invalid')
    this.log = components.logger.forComponent('cluster')
    this.monitor = components.monitor
    this.peerId = components.peerId
    this.informers = components.informers
    this.pingValueFn = components.pingValue
    this.pingInterval = init.monitorPingInterval
  }

  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    const ping = repeatingTask(async (signal) => { await this.pushPing({ signal }) }, this.pingInterval, {
      runImmediately: true
    })
    this.tasks.push(ping)
    for (const inf of this.informers) {
      this.tasks.push(this.informerLoop(inf))
    }
    for (const t of this.tasks) t.start()
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    const tasks = this.tasks.splice(0)
    await Promise.all(tasks.map(async (t) => { await t.stop() }))
  }

  /** The last ping value published. */
  pingValue (): PingValue {
    return { ...this.curPing }
  }

  /**
   * Publishes our `ping` metric now (TTL = 2 × monitor_ping_interval). When
   * IPFS is unreachable (no IPFS ID) the last good IPFS identity is reused.
   */
  async pushPing (options?: AbortOptions): Promise<void> {
    let pv: PingValue
    try {
      const raw = await this.pingValueFn(options)
      pv = {}
      if (raw.peerName != null && raw.peerName !== '') pv.peerName = raw.peerName
      if (raw.ipfsId != null && raw.ipfsId !== '') pv.ipfsId = raw.ipfsId
      const addrs = publicIPFSAddresses(raw.ipfsAddresses)
      if (addrs.length > 0) pv.ipfsAddresses = addrs
    } catch (err) {
      if (options?.signal?.aborted === true) return
      this.log.debug('cannot get ping value: %s', (err as Error).message)
      pv = {}
    }
    if (pingValueValid(this.curPing) && !pingValueValid(pv)) {
      pv = this.curPing // i.e. IPFS down: use last good value
    }
    this.curPing = pv
    try {
      await this.monitor.publishMetric(newPingMetric(this.peerId, this.pingInterval * 2, pv), options)
    } catch (err) {
      if (options?.signal?.aborted === true) return
      this.log.error('error sending ping metric: %s', (err as Error).message)
    }
  }

  /**
   * Publishes every informer's metrics now (reference
   * `SendInformersMetrics`). Throws the first failure after trying all.
   */
  async pushNow (options?: AbortOptions): Promise<void> {
    const errors: Error[] = []
    for (const inf of this.informers) {
      const res = await this.sendInformerMetrics(inf, options)
      if (res.errors.length > 0) {
        this.log.warn('informer %s did not send all metrics', inf.name)
        errors.push(...res.errors)
      }
    }
    if (errors.length > 0) throw errors[0]
  }

  private informerLoop (inf: Informer): RepeatingTask {
    let retries = 0
    return repeatingTask(async (signal) => {
      const res = await this.sendInformerMetrics(inf, { signal })
      const ttl = res.minTTL > 0 ? res.minTTL : DEFAULT_INFORMER_TTL
      if (signal.aborted) return ttl // stopping: nothing failed
      if (res.errors.length > 0) {
        if (retries % RETRY_WARN_MOD === 0) {
          this.log.error('error broadcasting metric: %s', res.errors[0].message)
        }
        retries++
        return ttl / 4 // retry sooner
      }
      retries = 0
      return ttl / 2
    }, DEFAULT_INFORMER_TTL / 4, { runImmediately: true })
  }

  private async sendInformerMetrics (inf: Informer, options?: AbortOptions): Promise<SendResult> {
    const res: SendResult = { minTTL: 0, errors: [] }
    let metrics
    try {
      metrics = await inf.getMetrics(options)
    } catch (err) {
      if (options?.signal?.aborted !== true) {
        this.log.error('informer %s failed: %s', inf.name, (err as Error).message)
      }
      res.errors.push(err as Error)
      return res
    }
    if (metrics.length === 0) {
      this.log.error('informer %s produced no metrics', inf.name)
      return res
    }
    for (const metric of metrics) {
      // Invalid metrics are not published (e.g. `tag:none` without tags,
      // `freespace` when IPFS is down).
      if (metricDiscard(metric)) continue
      const m = { ...metric, peer: this.peerId }
      const ttl = metricTTL(m)
      if (ttl > 0 && (res.minTTL === 0 || ttl < res.minTTL)) res.minTTL = ttl
      try {
        await this.monitor.publishMetric(m, options)
      } catch (err) {
        if (options?.signal?.aborted !== true) {
          this.log.warn('error sending metric %s: %s', m.name, (err as Error).message)
        }
        res.errors.push(err as Error)
      }
    }
    return res
  }
}
