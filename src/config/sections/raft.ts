/**
 * `consensus.raft` section (spec §4.3). Env prefix `CLUSTER_RAFT_`.
 * Invalid durations log `<value> is not a valid duration. Default will be
 * used`; `datastore_namespace` is ignored (always `/r`) and never written.
 */
import { join, resolve } from 'node:path'
import { tryParsePeerId } from '../../api/encoding.js'
import { dur, int, list, ns, str, uint } from './fields.js'
import type { RaftConfig } from '../types.js'
import type { FieldDef, SectionDef } from '../schema.js'

function raftDur (key: string, def: string, opts: Partial<FieldDef> = {}): FieldDef {
  return dur(key, def, { durationError: 'warn', ...opts })
}

const MS = 1_000_000n

export const raftSection: SectionDef<RaftConfig> = {
  name: 'raft',
  section: 'consensus',
  envPrefix: 'CLUSTER_RAFT',
  structName: 'jsonConfig',
  fields: [
    str('data_folder', '', { omit: 'empty' }),
    list('init_peerset', [], {
      // invalid IDs are silently dropped
      fromJSON: (j) => ((j as string[] | null) ?? []).map((p) => tryParsePeerId(p)).filter((p): p is string => p != null)
    }),
    raftDur('wait_for_leader_timeout', '15s'),
    raftDur('network_timeout', '10s'),
    int('commit_retries', 1, { set: 'literal' }),
    raftDur('commit_retry_delay', '200ms'),
    int('backups_rotate', 6),
    str('datastore_namespace', '/r', { set: 'ignore', omit: 'always' }),
    raftDur('heartbeat_timeout', '1s', { omit: 'empty' }),
    raftDur('election_timeout', '1s', { omit: 'empty' }),
    raftDur('commit_timeout', '50ms', { omit: 'empty' }),
    int('max_append_entries', 64, { omit: 'empty' }),
    uint('trailing_logs', 10240, { omit: 'empty' }),
    raftDur('snapshot_interval', '2m0s', { omit: 'empty' }),
    uint('snapshot_threshold', 8192, { omit: 'empty' }),
    raftDur('leader_lease_timeout', '500ms', { omit: 'empty' })
  ],
  validate: (v) => {
    const d = (k: string): bigint => v[k] as bigint
    if (d('wait_for_leader_timeout') <= 0n) return 'wait_for_leader_timeout <= 0'
    if (d('network_timeout') <= 0n) return 'network_timeout <= 0'
    if ((v.commit_retries as number) < 0) return 'commit_retries is invalid'
    if (d('commit_retry_delay') <= 0n) return 'commit_retry_delay is invalid'
    if ((v.backups_rotate as number) <= 0) return 'backups_rotate should be larger than 0'
    // hashicorp/raft ValidateConfig
    if (d('heartbeat_timeout') < 5n * MS) return 'heartbeat timeout is too low'
    if (d('election_timeout') < 5n * MS) return 'election timeout is too low'
    if (d('commit_timeout') < MS) return 'commit timeout is too low'
    if ((v.max_append_entries as number) <= 0) return 'max append entries must be positive'
    if ((v.max_append_entries as number) > 1024) return 'max append entries is too large'
    if (d('snapshot_interval') < 5n * MS) return 'snapshot interval is too low'
    if (d('leader_lease_timeout') < 5n * MS) return 'leader lease timeout is too low'
    if (d('leader_lease_timeout') > d('heartbeat_timeout')) return 'leader lease timeout cannot be larger than heartbeat timeout'
    if (d('election_timeout') < d('heartbeat_timeout')) return 'election timeout must be equal or greater than Heartbeat Timeout'
    return undefined
  },
  typed: (v, ctx) => ({
    // "" → <config>/raft; otherwise used verbatim (relative to the CWD)
    dataFolder: v.data_folder === '' ? join(ctx.baseDir, 'raft') : resolve(v.data_folder as string),
    initPeerset: [...(v.init_peerset as string[])],
    waitForLeaderTimeout: ns(v.wait_for_leader_timeout),
    networkTimeout: ns(v.network_timeout),
    commitRetries: v.commit_retries as number,
    commitRetryDelay: ns(v.commit_retry_delay),
    backupsRotate: v.backups_rotate as number,
    heartbeatTimeout: ns(v.heartbeat_timeout),
    electionTimeout: ns(v.election_timeout),
    commitTimeout: ns(v.commit_timeout),
    maxAppendEntries: v.max_append_entries as number,
    trailingLogs: v.trailing_logs as number,
    snapshotInterval: ns(v.snapshot_interval),
    snapshotThreshold: v.snapshot_threshold as number,
    leaderLeaseTimeout: ns(v.leader_lease_timeout)
  })
}
