/**
 * Disk informer (reference `informer/disk`): `freespace` or `reposize`
 * from the IPFS daemon's repo stats.
 */
import { ConfigError } from '../errors.js'
import { newMetric } from '../monitor/metric.js'
import { logInformerFailure } from './failure.js'
import type { DiskInformerComponents } from './index.js'
import type { IPFSRepoStat, Metric } from '../api/types.js'
import type { DiskInformerConfig } from '../config/types.js'
import type { AbortOptions, Informer, Logger } from '../interfaces.js'

const INT64_MAX = 2n ** 63n - 1n

export class DiskInformer implements Informer {
  readonly name: string
  private readonly log: Logger
  private readonly repoStat: (options?: AbortOptions) => Promise<IPFSRepoStat>
  private readonly ttl: number
  private readonly type: DiskInformerConfig['metricType']

  constructor (components: DiskInformerComponents, init: DiskInformerConfig) {
    if (!(init.metricTTL > 0)) throw new ConfigError('disk.metric_ttl is invalid')
    if (init.metricType !== 'freespace' && init.metricType !== 'reposize') throw new ConfigError('disk.metric_type is invalid')
    this.log = components.logger.forComponent('diskinfo')
    this.repoStat = components.repoStat
    this.ttl = init.metricTTL
    this.type = init.metricType
    this.name = init.metricType
  }

  /**
   * `freespace`: value and weight = StorageMax − RepoSize (more free space
   * sorts first); invalid when no space is left. `reposize`: value =
   * RepoSize, weight = −RepoSize (smaller repos sort first). Invalid when
   * IPFS cannot be asked.
   */
  async getMetrics (options?: AbortOptions): Promise<Metric[]> {
    let stat: IPFSRepoStat
    try {
      stat = await this.repoStat(options)
    } catch (err) {
      logInformerFailure(this.log, err, options)
      return [newMetric({ name: this.name, valid: false, ttl: this.ttl })]
    }
    if (this.type === 'freespace') {
      if (stat.repoSize < stat.storageMax) {
        let free = stat.storageMax - stat.repoSize
        if (free > INT64_MAX) free = INT64_MAX
        return [newMetric({ name: this.name, value: free.toString(), weight: free, ttl: this.ttl })]
      }
      this.log.warn('reported freespace is 0')
      return [newMetric({ name: this.name, value: '0', valid: false, ttl: this.ttl })]
    }
    let size = stat.repoSize
    if (size > INT64_MAX) size = INT64_MAX
    return [newMetric({ name: this.name, value: stat.repoSize.toString(), weight: -size, ttl: this.ttl })]
  }
}
