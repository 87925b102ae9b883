import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ALL_SECTIONS, applyEnvToSet, envVarsOf, sectionKey, serialiseStates } from '../../src/config/index.js'
import { defaultState } from '../../src/config/schema.js'
import { FIXTURES, SECRET } from './helpers.js'
import type { ConfigSet, Env } from '../../src/config/index.js'

const P1 = '12D3KooWRN8KRjpyg9rsW2w7StbBRGper65psTZm68cjud9KAkaW'
const P2 = '12D3KooWPwrYNj7VficHw5qYidepMGA85756kYgMdNmRM9A1ZHjN'

/** Every section with its defaults (fixed peername/secret), as `daemon` registers them. */
function fullSet (baseDir = '/tmp'): ConfigSet {
  const states = new Map(ALL_SECTIONS.map((d) => [sectionKey(d), defaultState(d)]))
  const cluster = states.get('cluster')
  if (cluster == null) throw new Error('no cluster')
  cluster.values.peername = 'node0'
  cluster.values.secret = Buffer.from(SECRET, 'hex')
  return { states, present: new Set(states.keys()), baseDir }
}

/** Applies env to a full default set and returns the written document. */
function written (env: Env, baseDir?: string): any {
  const set = fullSet(baseDir)
  applyEnvToSet(set, env, { baseDir: set.baseDir, warn: () => {} })
  return JSON.parse(serialiseStates([...set.states.values()]))
}

function at (doc: any, path: string): unknown {
  return path.split('.').reduce((o, k) => o?.[k], doc)
}

// [variable, value, path in the written service.json, expected value, extra env]
type Row = [string, string, string, unknown, Env?]

const CLUSTER_ROWS: Row[] = [
  ['CLUSTER_PEERNAME', 'peer-x', 'cluster.peername', 'peer-x'],
  ['CLUSTER_SECRET', '', 'cluster.secret', ''],
  ['CLUSTER_LEAVEONSHUTDOWN', 'true', 'cluster.leave_on_shutdown', true],
  ['CLUSTER_LISTENMULTIADDRESS', '/ip4/127.0.0.1/tcp/1234', 'cluster.listen_multiaddress', '/ip4/127.0.0.1/tcp/1234'],
  ['CLUSTER_ANNOUNCEMULTIADDRESS', '/ip4/1.2.3.4/tcp/9096,/dns4/x.example/tcp/9096', 'cluster.announce_multiaddress', ['/ip4/1.2.3.4/tcp/9096', '/dns4/x.example/tcp/9096']],
  ['CLUSTER_NOANNOUNCEMULTIADDRESS', '/ip4/10.0.0.0/ipcidr/8', 'cluster.no_announce_multiaddress', '/ip4/10.0.0.0/ipcidr/8'],
  ['CLUSTER_ENABLERELAYHOP', 'f', 'cluster.enable_relay_hop', false],
  ['CLUSTER_CONNECTIONMANAGER_HIGHWATER', '0x1f4', 'cluster.connection_manager.high_water', 500],
  ['CLUSTER_CONNECTIONMANAGER_LOWWATER', '50', 'cluster.connection_manager.low_water', 50],
  ['CLUSTER_CONNECTIONMANAGER_GRACEPERIOD', '90s', 'cluster.connection_manager.grace_period', '1m30s'],
  ['CLUSTER_RESOURCEMANAGER_ENABLED', '0', 'cluster.resource_manager.enabled', false],
  ['CLUSTER_RESOURCEMANAGER_MEMORYLIMITBYTES', '1073741824', 'cluster.resource_manager.memory_limit_bytes', 1073741824],
  ['CLUSTER_RESOURCEMANAGER_FILEDESCRIPTORSLIMIT', '512', 'cluster.resource_manager.file_descriptors_limit', 512],
  ['CLUSTER_PUBSUB_SEENMESSAGESTTL', '1h', 'cluster.pubsub.seen_messages_ttl', '1h0m0s'],
  ['CLUSTER_PUBSUB_HEARTBEATINTERVAL', '500ms', 'cluster.pubsub.heartbeat_interval', '500ms'],
  ['CLUSTER_PUBSUB_DFACTOR', '2', 'cluster.pubsub.d_factor', 2],
  ['CLUSTER_PUBSUB_HISTORYGOSSIP', '3', 'cluster.pubsub.history_gossip', 3],
  ['CLUSTER_PUBSUB_HISTORYLENGTH', '7', 'cluster.pubsub.history_length', 7],
  ['CLUSTER_PUBSUB_FLOODPUBLISH', 'TRUE', 'cluster.pubsub.flood_publish', true],
  ['CLUSTER_DIALPEERTIMEOUT', '5s', 'cluster.dial_peer_timeout', '5s'],
  ['CLUSTER_STATESYNCINTERVAL', '10m', 'cluster.state_sync_interval', '10m0s'],
  ['CLUSTER_PINRECOVERINTERVAL', '1h', 'cluster.pin_recover_interval', '1h0m0s'],
  ['CLUSTER_REPLICATIONFACTORMIN', '2', 'cluster.replication_factor_min', 2, { CLUSTER_REPLICATIONFACTORMAX: '3' }],
  ['CLUSTER_REPLICATIONFACTORMAX', '5', 'cluster.replication_factor_max', 5, { CLUSTER_REPLICATIONFACTORMIN: '1' }],
  ['CLUSTER_MONITORPINGINTERVAL', '2s', 'cluster.monitor_ping_interval', '2s'],
  ['CLUSTER_PEERWATCHINTERVAL', '10s', 'cluster.peer_watch_interval', '10s'],
  ['CLUSTER_MDNSINTERVAL', '0', 'cluster.mdns_interval', '0s'],
  ['CLUSTER_PINONLYONTRUSTEDPEERS', '1', 'cluster.pin_only_on_trusted_peers', true],
  ['CLUSTER_PINONLYONUNTRUSTEDPEERS', 't', 'cluster.pin_only_on_untrusted_peers', true],
  ['CLUSTER_DISABLEREPINNING', 'false', 'cluster.disable_repinning', false],
  ['CLUSTER_FOLLOWERMODE', 'True', 'cluster.follower_mode', true],
  ['CLUSTER_PEERSTOREFILE', 'peers.txt', 'cluster.peerstore_file', 'peers.txt'],
  ['CLUSTER_PEERADDRESSES', `/ip4/1.2.3.4/tcp/9096/p2p/${P1}`, 'cluster.peer_addresses', [`/ip4/1.2.3.4/tcp/9096/p2p/${P1}`]]
]

const CONSENSUS_ROWS: Row[] = [
  ['CLUSTER_CRDT_CLUSTERNAME', 'other', 'consensus.crdt.cluster_name', 'other'],
  ['CLUSTER_CRDT_TRUSTEDPEERS', `${P1},${P2}`, 'consensus.crdt.trusted_peers', [P1, P2]],
  ['CLUSTER_CRDT_BATCHING_MAXBATCHSIZE', '100', 'consensus.crdt.batching.max_batch_size', 100],
  ['CLUSTER_CRDT_BATCHING_MAXBATCHAGE', '1s', 'consensus.crdt.batching.max_batch_age', '1s'],
  ['CLUSTER_CRDT_BATCHING_MAXQUEUESIZE', '1000', 'consensus.crdt.batching.max_queue_size', 1000],
  ['CLUSTER_CRDT_REPAIRINTERVAL', '2h', 'consensus.crdt.repair_interval', '2h0m0s'],
  ['CLUSTER_CRDT_REBROADCASTINTERVAL', '10s', 'consensus.crdt.rebroadcast_interval', '10s'],
  ['CLUSTER_CRDT_PEERSETMETRIC', 'freespace', 'consensus.crdt.peerset_metric', 'freespace'],
  ['CLUSTER_CRDT_DATASTORENAMESPACE', '/x', 'consensus.crdt.datastore_namespace', '/x'],
  ['CLUSTER_RAFT_DATAFOLDER', '/var/raft', 'consensus.raft.data_folder', '/var/raft'],
  ['CLUSTER_RAFT_INITPEERSET', P1, 'consensus.raft.init_peerset', [P1]],
  ['CLUSTER_RAFT_WAITFORLEADERTIMEOUT', '30s', 'consensus.raft.wait_for_leader_timeout', '30s'],
  ['CLUSTER_RAFT_NETWORKTIMEOUT', '20s', 'consensus.raft.network_timeout', '20s'],
  ['CLUSTER_RAFT_COMMITRETRIES', '3', 'consensus.raft.commit_retries', 3],
  ['CLUSTER_RAFT_COMMITRETRYDELAY', '1s', 'consensus.raft.commit_retry_delay', '1s'],
  ['CLUSTER_RAFT_BACKUPSROTATE', '2', 'consensus.raft.backups_rotate', 2],
  // accepted but without effect: always /r, never written
  ['CLUSTER_RAFT_DATASTORENAMESPACE', '/zz', 'consensus.raft.datastore_namespace', undefined],
  ['CLUSTER_RAFT_HEARTBEATTIMEOUT', '800ms', 'consensus.raft.heartbeat_timeout', '800ms'],
  ['CLUSTER_RAFT_ELECTIONTIMEOUT', '3s', 'consensus.raft.election_timeout', '3s'],
  ['CLUSTER_RAFT_COMMITTIMEOUT', '100ms', 'consensus.raft.commit_timeout', '100ms'],
  ['CLUSTER_RAFT_MAXAPPENDENTRIES', '128', 'consensus.raft.max_append_entries', 128],
  ['CLUSTER_RAFT_TRAILINGLOGS', '100', 'consensus.raft.trailing_logs', 100],
  ['CLUSTER_RAFT_SNAPSHOTINTERVAL', '5m', 'consensus.raft.snapshot_interval', '5m0s'],
  ['CLUSTER_RAFT_SNAPSHOTTHRESHOLD', '100', 'consensus.raft.snapshot_threshold', 100],
  ['CLUSTER_RAFT_LEADERLEASETIMEOUT', '400ms', 'consensus.raft.leader_lease_timeout', '400ms']
]

function apiRows (api: 'restapi' | 'pinsvcapi', key: { id: string, pk: string }): Row[] {
  const v = `CLUSTER_${api.toUpperCase()}_`
  const p = `api.${api}.`
  return [
    [v + 'HTTPLISTENMULTIADDRESS', '/ip4/0.0.0.0/tcp/9094', p + 'http_listen_multiaddress', '/ip4/0.0.0.0/tcp/9094'],
    [v + 'SSLCERTFILE', 'server.crt', p + 'ssl_cert_file', 'server.crt', { [v + 'SSLKEYFILE']: 'server.key' }],
    [v + 'SSLKEYFILE', 'server.key', p + 'ssl_key_file', 'server.key', { [v + 'SSLCERTFILE']: 'server.crt' }],
    [v + 'READTIMEOUT', '1m', p + 'read_timeout', '1m0s'],
    [v + 'READHEADERTIMEOUT', '10s', p + 'read_header_timeout', '10s'],
    [v + 'WRITETIMEOUT', '2m', p + 'write_timeout', '2m0s'],
    [v + 'IDLETIMEOUT', '3m', p + 'idle_timeout', '3m0s'],
    [v + 'MAXHEADERBYTES', '8192', p + 'max_header_bytes', 8192],
    [v + 'LIBP2PLISTENMULTIADDRESS', '/ip4/127.0.0.1/tcp/9099', p + 'libp2p_listen_multiaddress', '/ip4/127.0.0.1/tcp/9099', { [v + 'ID']: key.id, [v + 'PRIVATEKEY']: key.pk }],
    [v + 'ID', key.id, p + 'id', key.id, { [v + 'LIBP2PLISTENMULTIADDRESS']: '/ip4/127.0.0.1/tcp/9099', [v + 'PRIVATEKEY']: key.pk }],
    [v + 'PRIVATEKEY', key.pk, p + 'private_key', key.pk, { [v + 'LIBP2PLISTENMULTIADDRESS']: '/ip4/127.0.0.1/tcp/9099', [v + 'ID']: key.id }],
    [v + 'BASICAUTHCREDENTIALS', 'user:pass,user2:pass2', p + 'basic_auth_credentials', { user: 'pass', user2: 'pass2' }],
    [v + 'HTTPLOGFILE', 'access.log', p + 'http_log_file', 'access.log'],
    [v + 'HEADERS', 'X-A:1,X-B:2', p + 'headers', { 'X-A': ['1'], 'X-B': ['2'] }],
    [v + 'CORSALLOWEDORIGINS', 'https://a.example,https://b.example', p + 'cors_allowed_origins', ['https://a.example', 'https://b.example']],
    [v + 'CORSALLOWEDMETHODS', 'GET,POST', p + 'cors_allowed_methods', ['GET', 'POST']],
    [v + 'CORSALLOWEDHEADERS', 'X-Custom', p + 'cors_allowed_headers', ['X-Custom']],
    [v + 'CORSEXPOSEDHEADERS', '', p + 'cors_exposed_headers', []],
    [v + 'CORSALLOWCREDENTIALS', 'false', p + 'cors_allow_credentials', false],
    [v + 'CORSMAXAGE', '1h', p + 'cors_max_age', '1h0m0s']
  ]
}

const COMPONENT_ROWS: Row[] = [
  ['CLUSTER_IPFSPROXY_LISTENMULTIADDRESS', '/ip4/0.0.0.0/tcp/9095', 'api.ipfsproxy.listen_multiaddress', '/ip4/0.0.0.0/tcp/9095'],
  ['CLUSTER_IPFSPROXY_NODEMULTIADDRESS', '/dns4/ipfs0/tcp/5001', 'api.ipfsproxy.node_multiaddress', '/dns4/ipfs0/tcp/5001'],
  ['CLUSTER_IPFSPROXY_NODEHTTPS', 'true', 'api.ipfsproxy.node_https', true],
  ['CLUSTER_IPFSPROXY_LOGFILE', 'proxy.log', 'api.ipfsproxy.log_file', 'proxy.log'],
  ['CLUSTER_IPFSPROXY_READTIMEOUT', '1m', 'api.ipfsproxy.read_timeout', '1m0s'],
  ['CLUSTER_IPFSPROXY_READHEADERTIMEOUT', '1s', 'api.ipfsproxy.read_header_timeout', '1s'],
  ['CLUSTER_IPFSPROXY_WRITETIMEOUT', '1m', 'api.ipfsproxy.write_timeout', '1m0s'],
  ['CLUSTER_IPFSPROXY_IDLETIMEOUT', '2m', 'api.ipfsproxy.idle_timeout', '2m0s'],
  ['CLUSTER_IPFSPROXY_MAXHEADERBYTES', '10000', 'api.ipfsproxy.max_header_bytes', 10000],
  ['CLUSTER_IPFSPROXY_EXTRACTHEADERSEXTRA', 'X-A,X-B', 'api.ipfsproxy.extract_headers_extra', ['X-A', 'X-B']],
  ['CLUSTER_IPFSPROXY_EXTRACTHEADERSPATH', '/api/v0/id', 'api.ipfsproxy.extract_headers_path', '/api/v0/id'],
  ['CLUSTER_IPFSPROXY_EXTRACTHEADERSTTL', '1m', 'api.ipfsproxy.extract_headers_ttl', '1m0s'],
  ['CLUSTER_IPFSHTTP_NODEMULTIADDRESS', '/dns4/ipfs0/tcp/5001', 'ipfs_connector.ipfshttp.node_multiaddress', '/dns4/ipfs0/tcp/5001'],
  ['CLUSTER_IPFSHTTP_CONNECTSWARMSDELAY', '1s', 'ipfs_connector.ipfshttp.connect_swarms_delay', '1s'],
  ['CLUSTER_IPFSHTTP_IPFSREQUESTTIMEOUT', '1m', 'ipfs_connector.ipfshttp.ipfs_request_timeout', '1m0s'],
  ['CLUSTER_IPFSHTTP_PINTIMEOUT', '30s', 'ipfs_connector.ipfshttp.pin_timeout', '30s'],
  ['CLUSTER_IPFSHTTP_UNPINTIMEOUT', '1h', 'ipfs_connector.ipfshttp.unpin_timeout', '1h0m0s'],
  ['CLUSTER_IPFSHTTP_REPOGCTIMEOUT', '1h', 'ipfs_connector.ipfshttp.repogc_timeout', '1h0m0s'],
  ['CLUSTER_IPFSHTTP_INFORMERTRIGGERINTERVAL', '10', 'ipfs_connector.ipfshttp.informer_trigger_interval', 10],
  ['CLUSTER_IPFSHTTP_UNPINDISABLE', 'true', 'ipfs_connector.ipfshttp.unpin_disable', true],
  ['CLUSTER_STATELESS_MAXPINQUEUESIZE', '5000', 'pin_tracker.stateless.max_pin_queue_size', 5000],
  ['CLUSTER_STATELESS_CONCURRENTPINS', '4', 'pin_tracker.stateless.concurrent_pins', 4],
  ['CLUSTER_STATELESS_PRIORITYPINMAXAGE', '1h', 'pin_tracker.stateless.priority_pin_max_age', '1h0m0s'],
  ['CLUSTER_STATELESS_PRIORITYPINMAXRETRIES', '2', 'pin_tracker.stateless.priority_pin_max_retries', 2],
  ['CLUSTER_PUBSUBMON_CHECKINTERVAL', '5s', 'monitor.pubsubmon.check_interval', '5s'],
  ['CLUSTER_BALANCED_ALLOCATEBY', 'tag:region,pinqueue', 'allocator.balanced.allocate_by', ['tag:region', 'pinqueue']],
  ['CLUSTER_DISK_METRICTTL', '1m', 'informer.disk.metric_ttl', '1m0s'],
  ['CLUSTER_DISK_METRICTYPE', 'reposize', 'informer.disk.metric_type', 'reposize'],
  ['CLUSTER_TAGS_METRICTTL', '1m', 'informer.tags.metric_ttl', '1m0s'],
  ['CLUSTER_TAGS_TAGS', 'group:x,region:y', 'informer.tags.tags', { group: 'x', region: 'y' }],
  ['CLUSTER_PINQUEUE_METRICTTL', '1m', 'informer.pinqueue.metric_ttl', '1m0s'],
  ['CLUSTER_PINQUEUE_WEIGHTBUCKETSIZE', '10', 'informer.pinqueue.weight_bucket_size', 10],
  ['CLUSTER_METRICS_ENABLESTATS', 'true', 'observations.metrics.enable_stats', true],
  ['CLUSTER_METRICS_PROMETHEUSENDPOINT', '/ip4/127.0.0.1/tcp/8889', 'observations.metrics.prometheus_endpoint', '/ip4/127.0.0.1/tcp/8889'],
  ['CLUSTER_METRICS_REPORTINGINTERVAL', '2s', 'observations.metrics.reporting_interval', '2s'],
  ['CLUSTER_TRACING_ENABLETRACING', 'true', 'observations.tracing.enable_tracing', true],
  ['CLUSTER_TRACING_JAEGERAGENTENDPOINT', '/ip4/127.0.0.1/udp/6832', 'observations.tracing.jaeger_agent_endpoint', '/ip4/127.0.0.1/udp/6832'],
  ['CLUSTER_TRACING_SAMPLINGPROB', '0.5', 'observations.tracing.sampling_prob', 0.5],
  ['CLUSTER_TRACING_SERVICENAME', 'svc', 'observations.tracing.service_name', 'svc'],
  ['CLUSTER_PEBBLE_FOLDER', 'pebble2', 'datastore.pebble.folder', 'pebble2'],
  ['CLUSTER_PEBBLE_PEBBLEOPTIONS_MEMTABLESIZE', '1024', 'datastore.pebble.pebble_options.mem_table_size', 1024],
  ['CLUSTER_PEBBLE_PEBBLEOPTIONS_FLUSHDELAYDELETERANGE', '1s', 'datastore.pebble.pebble_options.flush_delay_delete_range', 1000000000],
  ['CLUSTER_PEBBLE_PEBBLEOPTIONS_L0STOPWRITESTHRESHOLD', '24', 'datastore.pebble.pebble_options.l0_stop_writes_threshold', 24],
  ['CLUSTER_PEBBLE_PEBBLEOPTIONS_LBASEMAXBYTES', '1048576', 'datastore.pebble.pebble_options.l_base_max_bytes', 1048576],
  ['CLUSTER_BADGER_GCDISCARDRATIO', '0.5', 'datastore.badger.gc_discard_ratio', 0.5],
  ['CLUSTER_BADGER3_GCINTERVAL', '1h', 'datastore.badger3.gc_interval', '1h0m0s'],
  ['CLUSTER_LEVELDB_FOLDER', 'ldb', 'datastore.leveldb.folder', 'ldb']
]

// The datastore variables of spec §5.2, typed from the list.
const DATASTORE_VARS: string[] = [
  'CLUSTER_PEBBLE_FOLDER',
  ...['CACHESIZEBYTES', 'BYTESPERSYNC', 'DISABLEWAL', 'FLUSHDELAYDELETERANGE', 'FLUSHDELAYRANGEKEY', 'FLUSHSPLITBYTES',
    'FORMATMAJORVERSION', 'L0COMPACTIONFILETHRESHOLD', 'L0COMPACTIONTHRESHOLD', 'L0STOPWRITESTHRESHOLD', 'LBASEMAXBYTES',
    'MAXOPENFILES', 'MEMTABLESIZE', 'MEMTABLESTOPWRITESTHRESHOLD', 'READONLY', 'WALBYTESPERSYNC', 'LEVELS']
    .map((s) => `CLUSTER_PEBBLE_PEBBLEOPTIONS_${s}`),
  ...['FOLDER', 'GCDISCARDRATIO', 'GCINTERVAL', 'GCSLEEP'].map((s) => `CLUSTER_BADGER_${s}`),
  ...['DIR', 'VALUEDIR', 'SYNCWRITES', 'TABLELOADINGMODE', 'VALUELOGLOADINGMODE', 'NUMVERSIONSTOKEEP', 'MAXTABLESIZE',
    'LEVELSIZEMULTIPLIER', 'MAXLEVELS', 'VALUETHRESHOLD', 'NUMMEMTABLES', 'NUMLEVELZEROTABLES', 'NUMLEVELZEROTABLESSTALL',
    'LEVELONESIZE', 'VALUELOGFILESIZE', 'VALUELOGMAXENTRIES', 'NUMCOMPACTORS', 'COMPACTL0ONCLOSE', 'READONLY', 'TRUNCATE']
    .map((s) => `CLUSTER_BADGER_BADGEROPTIONS_${s}`),
  ...['FOLDER', 'GCDISCARDRATIO', 'GCINTERVAL', 'GCSLEEP'].map((s) => `CLUSTER_BADGER3_${s}`),
  ...['DIR', 'VALUEDIR', 'SYNCWRITES', 'NUMVERSIONSTOKEEP', 'READONLY', 'COMPRESSION', 'INMEMORY', 'METRICSENABLED',
    'NUMGOROUTINES', 'MEMTABLESIZE', 'BASETABLESIZE', 'BASELEVELSIZE', 'LEVELSIZEMULTIPLIER', 'TABLESIZEMULTIPLIER',
    'MAXLEVELS', 'VLOGPERCENTILE', 'VALUETHRESHOLD', 'NUMMEMTABLES', 'BLOCKSIZE', 'BLOOMFALSEPOSITIVE', 'BLOCKCACHESIZE',
    'INDEXCACHESIZE', 'NUMLEVELZEROTABLES', 'NUMLEVELZEROTABLESSTALL', 'VALUELOGFILESIZE', 'VALUELOGMAXENTRIES',
    'NUMCOMPACTORS', 'COMPACTL0ONCLOSE', 'LMAXCOMPACTION', 'ZSTDCOMPRESSIONLEVEL', 'VERIFYVALUECHECKSUM',
    'CHECKSUMVERIFICATIONMODE', 'DETECTCONFLICTS', 'NAMESPACEOFFSET'].map((s) => `CLUSTER_BADGER3_BADGEROPTIONS_${s}`),
  'CLUSTER_LEVELDB_FOLDER',
  ...['BLOCKCACHECAPACITY', 'BLOCKCACHEEVICTREMOVED', 'BLOCKRESTARTINTERVAL', 'BLOCKSIZE', 'COMPACTIONEXPANDLIMITFACTOR',
    'COMPACTIONGPOVERLAPSFACTOR', 'COMPACTIONL0TRIGGER', 'COMPACTIONSOURCELIMITFACTOR', 'COMPACTIONTABLESIZE',
    'COMPACTIONTABLESIZEMULTIPLIER', 'COMPACTIONTABLESIZEMULTIPLIERPERLEVEL', 'COMPACTIONTOTALSIZE',
    'COMPACTIONTOTALSIZEMULTIPLIER', 'COMPACTIONTOTALSIZEMULTIPLIERPERLEVEL', 'COMPRESSION', 'DISABLEBUFFERPOOL',
    'DISABLEBLOCKCACHE', 'DISABLECOMPACTIONBACKOFF', 'DISABLELARGEBATCHTRANSACTION', 'ITERATORSAMPLINGRATE', 'NOSYNC',
    'NOWRITEMERGE', 'OPENFILESCACHECAPACITY', 'READONLY', 'STRICT', 'WRITEBUFFER', 'WRITEL0PAUSETRIGGER',
    'WRITEL0SLOWDOWNTRIGGER'].map((s) => `CLUSTER_LEVELDB_LEVELDBOPTIONS_${s}`)
]

function envIndex (): Map<string, { section: string, path: string, kind: string }> {
  const out = new Map<string, { section: string, path: string, kind: string }>()
  for (const def of ALL_SECTIONS) {
    for (const v of envVarsOf(def)) out.set(v.name, { section: sectionKey(def), path: v.path, kind: v.field.kind })
  }
  return out
}

describe('environment variables (envconfig)', async () => {
  const key = await generateKeyPair('Ed25519')
  const apiKey = { id: peerIdFromPrivateKey(key).toString(), pk: Buffer.from(privateKeyToProtobuf(key)).toString('base64') }
  const rows = [...CLUSTER_ROWS, ...CONSENSUS_ROWS, ...apiRows('restapi', apiKey), ...apiRows('pinsvcapi', apiKey), ...COMPONENT_ROWS]

  it('accepts every variable of spec §5.2 and writes its value (table)', () => {
    const baseDir = join(FIXTURES, 'sharness', 'ssl')
    for (const [name, value, path, expected, extra] of rows) {
      const doc = written({ ...extra, [name]: value }, baseDir)
      assert.deepEqual(at(doc, path), expected, `${name}=${value}`)
    }
  })

  it('knows exactly the spec variables, plus our CLUSTER_EMBEDDED_* extension', () => {
    const index = envIndex()
    const spec = [...rows.map((r) => r[0]), ...DATASTORE_VARS, 'CLUSTER_ID', 'CLUSTER_PRIVATEKEY']
    for (const name of spec) assert.ok(index.has(name), `${name} is not accepted by any section`)
    const extra = [...index.keys()].filter((n) => !spec.includes(n))
    assert.deepEqual(extra.sort(), [
      'CLUSTER_EMBEDDED_ANNOUNCEMULTIADDRESS', 'CLUSTER_EMBEDDED_CONNECTSWARMSDELAY', 'CLUSTER_EMBEDDED_FOLDER',
      'CLUSTER_EMBEDDED_IPFSREQUESTTIMEOUT', 'CLUSTER_EMBEDDED_LISTENMULTIADDRESS', 'CLUSTER_EMBEDDED_PINTIMEOUT',
      'CLUSTER_EMBEDDED_STORAGEMAX', 'CLUSTER_EMBEDDED_UNPINTIMEOUT'
    ])
    assert.ok(!index.has('CLUSTER_NUMPIN_METRICTTL'))
  })

  it('accepts and preserves every datastore tuning variable', () => {
    const index = envIndex()
    const sample: Record<string, [string, unknown]> = {
      int: ['7', 7],
      uint: ['7', 7],
      float: ['0.5', 0.5],
      bool: ['true', true],
      string: ['x', 'x'],
      duration: ['1s', '1s'],
      nsduration: ['1s', 1000000000],
      floatlist: ['1.5,2', [1.5, 2]]
    }
    for (const name of DATASTORE_VARS) {
      const info = index.get(name)
      assert.ok(info != null, name)
      const doc = written({})
      const sectionPath = info.section + '.' + info.path
      if (info.kind === 'objectlist') {
        // LEVELS cannot be set from text: accepted, levels unchanged
        assert.deepEqual(at(written({ [name]: 'x,y' }), sectionPath), at(doc, sectionPath))
        continue
      }
      const [value, expected] = sample[info.kind]
      assert.deepEqual(at(written({ [name]: value }), sectionPath), expected, name)
    }
  })

  it('the embedded connector variables', () => {
    const doc = written({
      CLUSTER_EMBEDDED_LISTENMULTIADDRESS: '/ip4/127.0.0.1/tcp/4002',
      CLUSTER_EMBEDDED_STORAGEMAX: '1GiB',
      CLUSTER_EMBEDDED_FOLDER: '/data/ipfs',
      CLUSTER_EMBEDDED_PINTIMEOUT: '1m'
    })
    assert.deepEqual(doc.ipfs_connector.embedded.listen_multiaddress, ['/ip4/127.0.0.1/tcp/4002'])
    assert.equal(doc.ipfs_connector.embedded.storage_max, '1GiB')
    assert.equal(doc.ipfs_connector.embedded.folder, '/data/ipfs')
    assert.equal(doc.ipfs_connector.embedded.pin_timeout, '1m0s')
    assert.throws(() => written({ CLUSTER_EMBEDDED_STORAGEMAX: '10XB' }), {
      message: 'error parsing embedded.storage_max: unhandled size name: xb (from CLUSTER_EMBEDDED_STORAGEMAX="10XB")'
    })
  })

  it('parses ints with base prefixes and keeps current values for zero/empty', () => {
    const hw = (v: string): unknown => at(written({ CLUSTER_CONNECTIONMANAGER_HIGHWATER: v }), 'cluster.connection_manager.high_water')
    assert.equal(hw('0x1f4'), 500)
    assert.equal(hw('0o764'), 500)
    assert.equal(hw('0764'), 500)
    assert.equal(hw('0b111110100'), 500)
    assert.equal(hw('1_000'), 1000)
    assert.equal(at(written({ CLUSTER_PEERNAME: '' }), 'cluster.peername'), 'node0')
    assert.equal(at(written({ CLUSTER_REPLICATIONFACTORMIN: '0' }), 'cluster.replication_factor_min'), -1)
    // lists are split on ',' without trimming; blank = empty list
    assert.deepEqual(at(written({ CLUSTER_BALANCED_ALLOCATEBY: ' a, b' }), 'allocator.balanced.allocate_by'), [' a', ' b'])
    assert.deepEqual(at(written({ CLUSTER_CRDT_TRUSTEDPEERS: '  ' }), 'consensus.crdt.trusted_peers'), [])
    assert.deepEqual(at(written({ CLUSTER_CRDT_TRUSTEDPEERS: `${P1},*` }), 'consensus.crdt.trusted_peers'), ['*'])
  })

  it('escapes strings like Go when writing', () => {
    const set = fullSet()
    applyEnvToSet(set, { CLUSTER_PEERNAME: '<a&b>' }, { baseDir: '/tmp', warn: () => {} })
    assert.ok(serialiseStates([...set.states.values()]).includes('"peername": "\\u003ca\\u0026b\\u003e"'))
  })

  it('keeps the raft rule for a zero duration from the environment (warning, default kept)', () => {
    const set = fullSet()
    const warnings: string[] = []
    applyEnvToSet(set, { CLUSTER_RAFT_COMMITTIMEOUT: '0s' }, { baseDir: set.baseDir, warn: (m) => warnings.push(m) })
    const doc = JSON.parse(serialiseStates([...set.states.values()]))
    assert.equal(at(doc, 'consensus.raft.commit_timeout'), '50ms')
    assert.deepEqual(warnings, ['0s is not a valid duration. Default will be used'])
    assert.throws(() => written({ CLUSTER_RAFT_COMMITTIMEOUT: 'soon' }), {
      name: 'ConfigError',
      message: 'error parsing raft.commit_timeout: time: invalid duration "soon" (from CLUSTER_RAFT_COMMITTIMEOUT="soon")'
    })
  })

  it('fails on bad values with the reference text naming the variable and the value', () => {
    const cases: Array<[Env, string]> = [
      [{ CLUSTER_PUBSUB_DFACTOR: 'x' }, 'envconfig.Process: assigning CLUSTER_PUBSUB_DFACTOR to DFactor: converting \'x\' to type int. details: strconv.ParseInt: parsing "x": invalid syntax'],
      [{ CLUSTER_LEAVEONSHUTDOWN: 'yes' }, 'envconfig.Process: assigning CLUSTER_LEAVEONSHUTDOWN to LeaveOnShutdown: converting \'yes\' to type bool. details: strconv.ParseBool: parsing "yes": invalid syntax'],
      [{ CLUSTER_RESOURCEMANAGER_MEMORYLIMITBYTES: '-1' }, 'envconfig.Process: assigning CLUSTER_RESOURCEMANAGER_MEMORYLIMITBYTES to MemoryLimitBytes: converting \'-1\' to type uint64. details: strconv.ParseUint: parsing "-1": invalid syntax'],
      [{ CLUSTER_CONNECTIONMANAGER_HIGHWATER: '99999999999999999999' }, 'envconfig.Process: assigning CLUSTER_CONNECTIONMANAGER_HIGHWATER to HighWater: converting \'99999999999999999999\' to type int. details: strconv.ParseInt: parsing "99999999999999999999": value out of range'],
      [{ CLUSTER_TRACING_SAMPLINGPROB: 'half' }, 'envconfig.Process: assigning CLUSTER_TRACING_SAMPLINGPROB to SamplingProb: converting \'half\' to type float64. details: strconv.ParseFloat: parsing "half": invalid syntax'],
      [{ CLUSTER_TAGS_TAGS: 'a:b:c' }, 'envconfig.Process: assigning CLUSTER_TAGS_TAGS to Tags: converting \'a:b:c\' to type map[string]string. details: invalid map item: "a:b:c"'],
      [{ CLUSTER_PEBBLE_PEBBLEOPTIONS_FLUSHDELAYRANGEKEY: '5' }, 'envconfig.Process: assigning CLUSTER_PEBBLE_PEBBLEOPTIONS_FLUSHDELAYRANGEKEY to FlushDelayRangeKey: converting \'5\' to type time.Duration. details: time: missing unit in duration "5"'],
      [{ CLUSTER_SECRET: 'abc' }, 'error loading cluster secret from config: encoding/hex: odd length hex string (from CLUSTER_SECRET="abc")'],
      [{ CLUSTER_SECRET: 'abcd' }, 'error loading cluster secret from config: input secret is 2 bytes, cluster secret should be 32 (from CLUSTER_SECRET="abcd")'],
      [{ CLUSTER_SECRET: 'xx' }, 'error loading cluster secret from config: encoding/hex: invalid byte: U+0078 \'x\' (from CLUSTER_SECRET="xx")'],
      [{ CLUSTER_STATESYNCINTERVAL: '5x' }, 'error parsing cluster.state_sync_interval: time: unknown unit "x" in duration "5x" (from CLUSTER_STATESYNCINTERVAL="5x")'],
      [{ CLUSTER_LISTENMULTIADDRESS: '/ip4/1.2.3' }, 'error parsing listen_multiaddress: failed to parse multiaddr "/ip4/1.2.3": Invalid IPv4 address "1.2.3" (from CLUSTER_LISTENMULTIADDRESS="/ip4/1.2.3")'],
      [{ CLUSTER_IPFSHTTP_NODEMULTIADDRESS: '' }, 'error parsing ipfs_node_multiaddress: empty multiaddr (from CLUSTER_IPFSHTTP_NODEMULTIADDRESS="")'],
      [{ CLUSTER_CRDT_TRUSTEDPEERS: 'notapeer' }, 'error parsing trusted peers: failed to parse peer ID: Unable to decode multibase string "notapeer", only inputs prefixed with b,z,k,m,u,f are supported (from CLUSTER_CRDT_TRUSTEDPEERS="notapeer")'],
      [{ CLUSTER_DISK_METRICTYPE: 'bogus' }, 'disk.metric_type is invalid (from CLUSTER_DISK_METRICTYPE="bogus")'],
      [{ CLUSTER_DISK_METRICTYPE: 'e' }, 'disk.metric_type is invalid (from CLUSTER_DISK_METRICTYPE="e")'],
      [{ CLUSTER_CONNECTIONMANAGER_LOWWATER: '500' }, 'cluster.connection_manager.low_water is greater than high_water (after applying CLUSTER_CONNECTIONMANAGER_LOWWATER="500")'],
      // a bad duration from the environment is an error even for the fields
      // whose bad file values the reference turns into zero or ignores
      [{ CLUSTER_PUBSUBMON_CHECKINTERVAL: 'soon' }, 'error parsing pubsubmon.check_interval: time: invalid duration "soon" (from CLUSTER_PUBSUBMON_CHECKINTERVAL="soon")'],
      [{ CLUSTER_CRDT_BATCHING_MAXBATCHAGE: '1x' }, 'error parsing crdt.batching.max_batch_age: time: unknown unit "x" in duration "1x" (from CLUSTER_CRDT_BATCHING_MAXBATCHAGE="1x")'],
      [{ CLUSTER_CRDT_REPAIRINTERVAL: 'hourly' }, 'error parsing crdt.repair_interval: time: invalid duration "hourly" (from CLUSTER_CRDT_REPAIRINTERVAL="hourly")']
    ]
    for (const [env, message] of cases) {
      assert.throws(() => written(env), (err: Error) => {
        assert.equal(err.name, 'ConfigError')
        assert.equal(err.message, message)
        return true
      }, JSON.stringify(env))
    }
  })
})
