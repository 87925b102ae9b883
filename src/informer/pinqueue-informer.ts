/**
 * Pin queue informer (reference `informer/pinqueue`): the number of items
 * waiting in the pin tracker's queue.
 */
import { ConfigError } from '../errors.js'
import { newMetric } from '../monitor/metric.js'
import { logInformerFailure } from './failure.js'
import type { PinQueueInformerComponents } from './index.js'
import type { Metric } from '../api/types.js'
import type { PinQueueInformerConfig } from '../config/types.js'
import type { AbortOptions, Informer, Logger } from '../interfaces.js'

export class PinQueueInformer implements Informer {
  readonly name = 'pinqueue'
  private readonly log: Logger
  private readonly pinQueueSize: (options?: AbortOptions) => Promise<number>
  private readonly ttl: number
  private readonly bucket: bigint

  constructor (components: PinQueueInformerComponents, init: PinQueueInformerConfig) {
    if (!(init.metricTTL > 0)) throw new ConfigError('pinqueue.metric_ttl is invalid')
    if (!Number.isInteger(init.weightBucketSize) || init.weightBucketSize < 0) throw new ConfigError('pinqueue.weight_bucket_size is invalid')
    this.log = components.logger.forComponent('pinqueue')
    this.pinQueueSize = components.pinQueueSize
    this.ttl = init.metricTTL
    this.bucket = BigInt(init.weightBucketSize)
  }

  /**
   * Value = queue length; weight = −length / weight_bucket_size (integer
   * division; −length when the bucket size is 0), so shorter queues sort
   * first and queues within one bucket weigh the same. Invalid when the
   * tracker cannot be asked.
   */
  async getMetrics (options?: AbortOptions): Promise<Metric[]> {
    let queued = 0n
    let valid = true
    try {
      queued = BigInt(Math.max(0, Math.trunc(await this.pinQueueSize(options))))
    } catch (err) {
      logInformerFailure(this.log, err, options)
      valid = false
    }
    let weight = -queued
    if (this.bucket > 0n) weight = weight / this.bucket
    return [newMetric({ name: this.name, value: queued.toString(), valid, weight, ttl: this.ttl })]
  }
}
