/**
 * `consensus.crdt` section (spec §4.2). Env prefix `CLUSTER_CRDT_`.
 * Invalid duration strings are silently ignored (defaults kept), as in the
 * reference.
 */
import { dur, int, list, ns, obj, peerIdOrThrow, str } from './fields.js'
import type { CRDTConfig } from '../types.js'
import type { SectionDef, Values } from '../schema.js'

export const DEFAULT_BATCHING_MAX_QUEUE_SIZE = 50000

export const crdtSection: SectionDef<CRDTConfig> = {
  name: 'crdt',
  section: 'consensus',
  envPrefix: 'CLUSTER_CRDT',
  structName: 'jsonConfig',
  fields: [
    str('cluster_name', 'ipfs-cluster'),
    list('trusted_peers', ['*'], {
      // absent or empty = trust nobody but self; '*' anywhere = trust all
      fromJSON: (j, _prev, ctx) => {
        const out: string[] = []
        for (const p of (j as string[] | null) ?? []) {
          if (p === '*') return ['*']
          out.push(peerIdOrThrow(p, 'error parsing trusted peers', ctx))
        }
        return out
      }
    }),
    obj('batching', [
      int('max_batch_size', 0, { set: 'literal' }),
      dur('max_batch_age', '0s', { durationError: 'keep' }),
      int('max_queue_size', DEFAULT_BATCHING_MAX_QUEUE_SIZE, { omit: 'default' })
    ]),
    dur('repair_interval', '1h0m0s', { durationError: 'keep' }),
    dur('rebroadcast_interval', '1m0s', { durationError: 'keep', omit: 'default' }),
    str('peerset_metric', 'ping', { omit: 'default' }),
    str('datastore_namespace', '/c', { omit: 'default' })
  ],
  validate: (v) => {
    const b = v.batching as Values
    if (v.cluster_name === '') return 'crdt.cluster_name cannot be empty'
    if (v.peerset_metric === '') return 'crdt.peerset_metric needs a name'
    if ((v.rebroadcast_interval as bigint) <= 0n) return 'crdt.rebroadcast_interval is invalid'
    if ((b.max_queue_size as number) <= 0) return 'crdt.batching.max_queue_size is invalid'
    if ((v.repair_interval as bigint) < 0n) return 'crdt.repair_interval is invalid'
    return undefined
  },
  typed: (v) => {
    const b = v.batching as Values
    const peers = v.trusted_peers as string[]
    const trustAll = peers.includes('*')
    return {
      clusterName: v.cluster_name as string,
      trustedPeers: trustAll ? [] : [...peers],
      trustAll,
      batching: {
        maxBatchSize: b.max_batch_size as number,
        maxBatchAge: ns(b.max_batch_age),
        maxQueueSize: b.max_queue_size as number
      },
      repairInterval: ns(v.repair_interval),
      rebroadcastInterval: ns(v.rebroadcast_interval),
      peersetMetric: v.peerset_metric as string,
      datastoreNamespace: v.datastore_namespace as string
    }
  }
}
