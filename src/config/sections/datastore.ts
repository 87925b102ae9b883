/**
 * `datastore.pebble|badger|badger3|leveldb` sections (spec §4.12).
 * The tuning options belong to the Go storage libraries: they are accepted,
 * preserved and written in the default file, but not honoured. Only the
 * folder matters (relative to the config folder unless absolute). Zero
 * option values keep the defaults (pebble rule, applied to all backends).
 */
import { isAbsolute, join } from 'node:path'
import { bool, dur, float, floatList, int, nsDuration, obj, objList, str, uint } from './fields.js'
import type { DatastoreConfig } from '../types.js'
import type { FieldDef, SectionDef, Values } from '../schema.js'

type Backend = DatastoreConfig['backend']

function datastoreTyped (backend: Backend): SectionDef<DatastoreConfig>['typed'] {
  return (v, ctx) => ({
    backend,
    folder: isAbsolute(v.folder as string) ? v.folder as string : join(ctx.baseDir, v.folder as string)
  })
}

const PEBBLE_LEVEL_FIELDS: FieldDef[] = [
  int('block_restart_interval', 16),
  int('block_size', 4096),
  int('block_size_threshold', 90),
  int('compression', 1),
  int('filter_type', 0),
  int('filter_policy', 10),
  int('index_block_size', 4096),
  int('target_file_size', 4194304, { goType: 'int64' })
]

/** The 7 default pebble levels: identical but for target_file_size doubling. */
export function defaultPebbleLevels (): Values[] {
  return Array.from({ length: 7 }, (_v, i) => ({
    block_restart_interval: 16,
    block_size: 4096,
    block_size_threshold: 90,
    compression: 1,
    filter_type: 0,
    filter_policy: 10,
    index_block_size: 4096,
    target_file_size: 4194304 * 2 ** i
  }))
}

export const pebbleSection: SectionDef<DatastoreConfig> = {
  name: 'pebble',
  section: 'datastore',
  envPrefix: 'CLUSTER_PEBBLE',
  structName: 'jsonConfig',
  fields: [
    str('folder', 'pebble', { omit: 'default' }),
    obj('pebble_options', [
      int('cache_size_bytes', 1073741824, { goType: 'int64' }),
      int('bytes_per_sync', 1048576),
      bool('disable_wal', false, { set: 'keep', goName: 'DisableWAL' }),
      nsDuration('flush_delay_delete_range', 0n),
      nsDuration('flush_delay_range_key', 0n),
      int('flush_split_bytes', 4194304, { goType: 'int64' }),
      uint('format_major_version', 24, { goType: 'pebble.FormatMajorVersion' }),
      int('l0_compaction_file_threshold', 750),
      int('l0_compaction_threshold', 4),
      int('l0_stop_writes_threshold', 12),
      int('l_base_max_bytes', 134217728, { goType: 'int64' }),
      int('max_open_files', 1000),
      uint('mem_table_size', 67108864),
      int('mem_table_stop_writes_threshold', 20),
      bool('read_only', false, { set: 'keep' }),
      int('wal_bytes_per_sync', 0, { goName: 'WALBytesPerSync' }),
      objList('levels', PEBBLE_LEVEL_FIELDS, defaultPebbleLevels(), { goType: '[]pebble.LevelOptions' })
    ])
  ],
  validate: (v) => v.folder === '' ? 'folder is unset' : undefined,
  typed: datastoreTyped('pebble')
}

function badgerCommon (folder: string): FieldDef[] {
  return [
    str('folder', folder, { omit: 'default' }),
    float('gc_discard_ratio', 0.2, { goName: 'GCDiscardRatio' }),
    dur('gc_interval', '15m0s', { goName: 'GCInterval' }),
    dur('gc_sleep', '10s', { goName: 'GCSleep' })
  ]
}

function badgerValidate (v: Values): string | undefined {
  if (v.folder === '') return 'folder is unset'
  const r = v.gc_discard_ratio as number
  if (r <= 0 || r >= 1) return 'gc_discard_ratio must be more than 0 and less than 1'
  return undefined
}

const keepBool = (key: string, def: boolean, opts: Partial<FieldDef> = {}): FieldDef => bool(key, def, { set: 'keep', ...opts })

export const badgerSection: SectionDef<DatastoreConfig> = {
  name: 'badger',
  section: 'datastore',
  envPrefix: 'CLUSTER_BADGER',
  structName: 'jsonConfig',
  fields: [
    ...badgerCommon('badger'),
    obj('badger_options', [
      str('dir', ''),
      str('value_dir', ''),
      keepBool('sync_writes', true),
      int('table_loading_mode', 2, { goType: 'options.FileLoadingMode' }),
      int('value_log_loading_mode', 0, { goType: 'options.FileLoadingMode' }),
      int('num_versions_to_keep', 1),
      int('max_table_size', 16777216, { goType: 'int64' }),
      int('level_size_multiplier', 10),
      int('max_levels', 7),
      int('value_threshold', 32),
      int('num_memtables', 5),
      int('num_level_zero_tables', 5),
      int('num_level_zero_tables_stall', 10),
      int('level_one_size', 268435456, { goType: 'int64' }),
      int('value_log_file_size', 1073741823, { goType: 'int64' }),
      uint('value_log_max_entries', 1000000, { goType: 'uint32' }),
      int('num_compactors', 2),
      keepBool('compact_l_0_on_close', false, { goName: 'CompactL0OnClose' }),
      keepBool('read_only', false),
      keepBool('truncate', true)
    ])
  ],
  validate: badgerValidate,
  typed: datastoreTyped('badger')
}

export const badger3Section: SectionDef<DatastoreConfig> = {
  name: 'badger3',
  section: 'datastore',
  envPrefix: 'CLUSTER_BADGER3',
  structName: 'jsonConfig',
  fields: [
    ...badgerCommon('badger3'),
    obj('badger_options', [
      str('dir', ''),
      str('value_dir', ''),
      keepBool('sync_writes', false),
      int('num_versions_to_keep', 1),
      keepBool('read_only', false),
      int('compression', 0, { goType: 'options.CompressionType' }),
      keepBool('in_memory', false),
      keepBool('metrics_enabled', true),
      int('num_goroutines', 8),
      int('mem_table_size', 67108864, { goType: 'int64' }),
      int('base_table_size', 2097152, { goType: 'int64' }),
      int('base_level_size', 10485760, { goType: 'int64' }),
      int('level_size_multiplier', 10),
      int('table_size_multiplier', 2),
      int('max_levels', 7),
      float('v_log_percentile', 0),
      int('value_threshold', 100, { goType: 'int64' }),
      int('num_memtables', 5),
      int('block_size', 4096),
      float('bloom_false_positive', 0.01),
      int('block_cache_size', 0, { goType: 'int64' }),
      int('index_cache_size', 0, { goType: 'int64' }),
      int('num_level_zero_tables', 5),
      int('num_level_zero_tables_stall', 15),
      int('value_log_file_size', 1073741823, { goType: 'int64' }),
      uint('value_log_max_entries', 1000000, { goType: 'uint32' }),
      int('num_compactors', 4),
      keepBool('compact_l_0_on_close', false, { goName: 'CompactL0OnClose' }),
      keepBool('lmax_compaction', false),
      int('zstd_compression_level', 1),
      keepBool('verify_value_checksum', false),
      int('checksum_verification_mode', 0, { goType: 'options.ChecksumVerificationMode' }),
      keepBool('detect_conflicts', false),
      int('namespace_offset', -1)
    ])
  ],
  validate: badgerValidate,
  typed: datastoreTyped('badger3')
}

export const leveldbSection: SectionDef<DatastoreConfig> = {
  name: 'leveldb',
  section: 'datastore',
  envPrefix: 'CLUSTER_LEVELDB',
  structName: 'jsonConfig',
  fields: [
    str('folder', 'leveldb', { omit: 'default' }),
    obj('leveldb_options', [
      int('block_cache_capacity', 0),
      keepBool('block_cache_evict_removed', false),
      int('block_restart_interval', 0),
      int('block_size', 0),
      int('compaction_expand_limit_factor', 0),
      int('compaction_gp_overlaps_factor', 0),
      int('compaction_l0_trigger', 0),
      int('compaction_source_limit_factor', 0),
      int('compaction_table_size', 0),
      float('compaction_table_size_multiplier', 0),
      floatList('compaction_table_size_multiplier_per_level', null),
      int('compaction_total_size', 0, { goType: 'int64' }),
      float('compaction_total_size_multiplier', 0),
      floatList('compaction_total_size_multiplier_per_level', null),
      uint('compression', 0, { goType: 'opt.Compression' }),
      keepBool('disable_buffer_pool', false),
      keepBool('disable_block_cache', false),
      keepBool('disable_compaction_backoff', false),
      keepBool('disable_large_batch_transaction', false),
      int('iterator_sampling_rate', 0),
      keepBool('no_sync', false),
      keepBool('no_write_merge', false),
      int('open_files_cache_capacity', 0),
      keepBool('read_only', false),
      uint('strict', 0, { goType: 'opt.Strict' }),
      int('write_buffer', 0),
      int('write_l0_pause_trigger', 0),
      int('write_l0_slowdown_trigger', 0)
    ], { goName: 'LevelDBOptions' })
  ],
  validate: (v) => v.folder === '' ? 'folder is unset' : undefined,
  typed: datastoreTyped('leveldb')
}
