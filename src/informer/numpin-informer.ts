/**
 * Numpin informer (reference `informer/numpin`, not registered by the
 * reference daemon): the number of pins in IPFS.
 */
import { ConfigError } from '../errors.js'
import { newMetric } from '../monitor/metric.js'
import { logInformerFailure } from './failure.js'
import type { NumpinInformerComponents, NumpinInformerInit } from './index.js'
import type { Metric } from '../api/types.js'
import type { AbortOptions, Informer, Logger } from '../interfaces.js'

export class NumpinInformer implements Informer {
  readonly name = 'numpin'
  private readonly log: Logger
  private readonly pinLs: NumpinInformerComponents['pinLs']
  private readonly ttl: number

  constructor (components: NumpinInformerComponents, init: NumpinInformerInit) {
    if (!(init.metricTTL > 0)) throw new ConfigError('numpin.metric_ttl is invalid')
    this.log = components.logger.forComponent('numpin')
    this.pinLs = components.pinLs
    this.ttl = init.metricTTL
  }

  /**
   * Value = number of recursive and direct pins (streamed, never held in
   * memory); weight = −count so peers with fewer pins sort first. Invalid
   * when listing fails.
   */
  async getMetrics (options?: AbortOptions): Promise<Metric[]> {
    let n = 0n
    let valid = true
    try {
      for await (const _ of this.pinLs(['recursive', 'direct'], options)) {
        n++
      }
    } catch (err) {
      logInformerFailure(this.log, err, options)
      valid = false
    }
    return [newMetric({ name: this.name, value: n.toString(), valid, weight: -n, ttl: this.ttl })]
  }
}
