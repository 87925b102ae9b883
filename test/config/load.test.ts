import { after, afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { cp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { hostname } from 'node:os'
import { join, resolve } from 'node:path'
import { configToDisplayJSON, defaultServiceJSON, loadConfig } from '../../src/config/index.js'
import { createLogger } from '../../src/logging/index.js'
import { FIXTURES, RSA_PEER_ID, SECRET, TempDirs } from './helpers.js'
import type { AddressInfo } from 'node:net'
import type { Env, LoadedConfig } from '../../src/config/index.js'

const P1 = '12D3KooWRN8KRjpyg9rsW2w7StbBRGper65psTZm68cjud9KAkaW'
const P2 = '12D3KooWPwrYNj7VficHw5qYidepMGA85756kYgMdNmRM9A1ZHjN'
const IDENTITY = await readFile(join(FIXTURES, 'sharness', 'basic_auth', 'identity.json'), 'utf8')

const dirs = new TempDirs()
after(async () => { await dirs.cleanup() })

/** A folder with the given service.json (object or text) and the RSA identity. */
async function folderWith (service: unknown): Promise<string> {
  const dir = await dirs.make()
  await writeFile(join(dir, 'service.json'), typeof service === 'string' ? service : JSON.stringify(service))
  await writeFile(join(dir, 'identity.json'), IDENTITY)
  return dir
}

async function load (service: unknown, env: Env = {}): Promise<LoadedConfig> {
  return await loadConfig({ folder: await folderWith(service), env })
}

async function loadError (service: unknown, env: Env = {}): Promise<string> {
  try {
    await load(service, env)
  } catch (err) {
    assert.equal((err as Error).name, 'ConfigError')
    assert.equal((err as { doing?: string }).doing, 'loading configurations')
    return (err as Error).message
  }
  throw new Error('load did not fail')
}

const MINIMAL_CLUSTER = { listen_multiaddress: '/ip4/127.0.0.1/tcp/9096' }

describe('loading the legacy sharness raft configs', () => {
  it('basic_auth: legacy keys ignored (and warned), raft, basic auth, RSA identity', async () => {
    const dir = await dirs.make()
    await cp(join(FIXTURES, 'sharness', 'basic_auth'), dir, { recursive: true })
    const lines: string[] = []
    const logger = createLogger({ sink: (l) => lines.push(l) })
    const res = await loadConfig({ folder: dir, env: {}, logger })
    assert.deepEqual([...res.present].sort(), [
      'api.ipfsproxy', 'api.restapi', 'cluster', 'consensus.raft', 'informer.disk', 'ipfs_connector.ipfshttp',
      'monitor.pubsubmon', 'pin_tracker.stateless'
    ])
    const c = res.config
    assert.equal(c.cluster.peername, 'testname')
    assert.equal(Buffer.from(c.cluster.secret).toString('hex'), SECRET)
    assert.deepEqual(c.cluster.listenMultiaddress, ['/ip4/0.0.0.0/tcp/9096', '/ip6/::/tcp/9096'])
    assert.equal(c.cluster.stateSyncInterval, 60000)
    assert.equal(c.cluster.monitorPingInterval, 15000)
    assert.equal(c.cluster.replicationFactorMin, -1)
    assert.equal(c.cluster.enableRelayHop, false)
    assert.equal(c.cluster.disableRepinning, false)
    assert.equal(c.consensus.crdt, undefined)
    assert.equal(c.consensus.raft?.commitRetries, 0)
    assert.equal(c.consensus.raft?.waitForLeaderTimeout, 15000)
    assert.equal(c.consensus.raft?.heartbeatTimeout, 1000)
    assert.equal(c.consensus.raft?.dataFolder, join(dir, 'raft'))
    assert.deepEqual(c.api.restapi?.basicAuthCredentials, { testuser: 'testpass' })
    assert.equal(c.api.restapi?.sslCertFile, '')
    assert.deepEqual(c.api.restapi?.httpListenMultiaddress, ['/ip4/127.0.0.1/tcp/9094'])
    assert.equal(c.api.restapi?.readTimeout, 30000)
    assert.equal(c.api.pinsvcapi, undefined)
    assert.equal(c.api.ipfsproxy?.readTimeout, 600000)
    assert.equal(c.ipfsConnector.ipfshttp?.pinTimeout, 120000)
    assert.equal(c.ipfsConnector.ipfshttp?.connectSwarmsDelay, 7000)
    assert.equal(c.ipfsConnector.embedded, undefined)
    assert.equal(c.informer.disk?.metricType, 'reposize')
    assert.equal(c.informer.tags, undefined)
    assert.deepEqual(c.allocator.balanced.allocateBy, ['freespace'])
    assert.equal(c.observations.metrics.enableStats, false)
    assert.equal(c.datastore, undefined)
    assert.equal(res.identity.id, RSA_PEER_ID)
    assert.deepEqual(res.notices, [])
    assert.deepEqual(res.warnings, [
      'unknown configuration section ignored: monitor.monbasic',
      'unknown configuration section ignored: informer.numpin',
      'unknown configuration key ignored: cluster.replication_factor'
    ])
    assert.ok(lines.some((l) => /\tWARN\tconfig\tunknown configuration key ignored: cluster.replication_factor$/.test(l)), lines.join('\n'))
  })

  it('ssl: TLS files relative to the folder, legacy identity migrated from service.json', async () => {
    const dir = await dirs.make()
    await cp(join(FIXTURES, 'sharness', 'ssl'), dir, { recursive: true })
    const res = await loadConfig({ folder: dir, env: {} })
    assert.equal(res.config.api.restapi?.sslCertFile, join(dir, 'server.crt'))
    assert.equal(res.config.api.restapi?.sslKeyFile, join(dir, 'server.key'))
    assert.equal(res.config.api.restapi?.basicAuthCredentials, null)
    assert.equal(res.identity.id, RSA_PEER_ID)
    const identityPath = join(dir, 'identity.json')
    assert.deepEqual(res.notices, [`\nNOTICE: identity information extracted from ${join(dir, 'service.json')} and saved as ${identityPath}.\n\n`])
    assert.equal(await readFile(identityPath, 'utf8'), IDENTITY)
    assert.equal((await stat(identityPath)).mode & 0o777, 0o600)
    // second load: no migration
    assert.deepEqual((await loadConfig({ folder: dir, env: {} })).notices, [])
  })

  it('ssl-basic_auth: a user with an empty password is kept', async () => {
    const dir = await dirs.make()
    await cp(join(FIXTURES, 'sharness', 'ssl-basic_auth'), dir, { recursive: true })
    const res = await loadConfig({ folder: dir, env: {} })
    assert.deepEqual(res.config.api.restapi?.basicAuthCredentials, { testuser: 'testpass', userwithoutpass: '' })
    assert.equal(res.config.api.restapi?.sslCertFile, join(dir, 'server.crt'))
  })

  it('fails when a TLS file is missing', async () => {
    const dir = await dirs.make()
    await cp(join(FIXTURES, 'sharness', 'ssl-basic_auth'), dir, { recursive: true })
    await rm(join(dir, 'server.key'))
    await assert.rejects(loadConfig({ folder: dir, env: {} }), {
      message: `error loading TLS certificate/key: open ${join(dir, 'server.key')}: no such file or directory`
    })
  })
})

describe('reading rules', () => {
  it('matches keys case-insensitively, the last duplicate wins', async () => {
    assert.equal((await load('{"cluster": {"listen_multiaddress": "/ip4/127.0.0.1/tcp/1", "PeerName": "a"}}')).config.cluster.peername, 'a')
    assert.equal((await load('{"cluster": {"listen_multiaddress": "/ip4/127.0.0.1/tcp/1", "peername": "a", "PEERNAME": "b"}}')).config.cluster.peername, 'b')
    assert.equal((await load('{"cluster": {"listen_multiaddress": "/ip4/127.0.0.1/tcp/1", "PEERNAME": "b", "peername": "a"}}')).config.cluster.peername, 'a')
    // component names inside sections are map keys: case-sensitive
    const res = await load({ cluster: MINIMAL_CLUSTER, Consensus: { CRDT: {} } })
    assert.ok(!res.present.has('consensus.crdt'))
    assert.deepEqual(res.warnings, ['unknown configuration section ignored: consensus.CRDT'])
  })

  it('warns about unknown keys with their path', async () => {
    const res = await load({
      cluster: { ...MINIMAL_CLUSTER, ipfs_sync_interval: '1m', connection_manager: { high_water: 10, low_water: 5, foo: 1 } },
      consensus: { crdt: { bar: true } },
      extra: 1
    })
    assert.deepEqual(res.warnings, [
      'unknown configuration key ignored: extra',
      'unknown configuration key ignored: cluster.ipfs_sync_interval',
      'unknown configuration key ignored: cluster.connection_manager.foo',
      'unknown configuration key ignored: consensus.crdt.bar'
    ])
  })

  it('reports JSON syntax and type errors like Go', async () => {
    assert.equal(await loadError('{"cluster": }'), 'invalid character \'}\' looking for beginning of value')
    assert.equal(await loadError('{"cluster": {'), 'unexpected end of JSON input')
    assert.equal(await loadError('[]'), 'json: cannot unmarshal array into Go value of type config.jsonConfig')
    assert.equal(await loadError({ cluster: { ...MINIMAL_CLUSTER, replication_factor_min: '2' } }),
      'json: cannot unmarshal string into Go struct field configJSON.replication_factor_min of type int (at cluster.replication_factor_min: "2")')
    assert.equal(await loadError({ cluster: { ...MINIMAL_CLUSTER, replication_factor_min: 1.5 } }),
      'json: cannot unmarshal number 1.5 into Go struct field configJSON.replication_factor_min of type int')
    assert.equal(await loadError({ cluster: { ...MINIMAL_CLUSTER, connection_manager: { high_water: true } } }),
      'json: cannot unmarshal bool into Go struct field configJSON.connection_manager.high_water of type int (at cluster.connection_manager.high_water: true)')
    assert.equal(await loadError({ cluster: { listen_multiaddress: 5 } }),
      'json: cannot unmarshal number into Go value of type string (at cluster.listen_multiaddress: 5)')
    assert.equal(await loadError({ cluster: MINIMAL_CLUSTER, api: [] }),
      'json: cannot unmarshal array into Go struct field jsonConfig.api of type config.jsonSection')
  })

  it('names the key and the bad value', async () => {
    assert.equal(await loadError({ cluster: { ...MINIMAL_CLUSTER, secret: 'abcd' } }),
      'error loading cluster secret from config: input secret is 2 bytes, cluster secret should be 32 (at cluster.secret: "abcd")')
    assert.equal(await loadError({ cluster: { ...MINIMAL_CLUSTER, secret: 'zz' } }),
      'error loading cluster secret from config: encoding/hex: invalid byte: U+007A \'z\' (at cluster.secret: "zz")')
    assert.equal(await loadError({ cluster: { ...MINIMAL_CLUSTER, state_sync_interval: '5x' } }),
      'error parsing cluster.state_sync_interval: time: unknown unit "x" in duration "5x"')
    assert.equal(await loadError({ cluster: { listen_multiaddress: ['/ip4/0.0.0.0/tcp/9096', '/ip4/300.0.0.1/tcp/1'] } }),
      'error parsing listen_multiaddress: failed to parse multiaddr "/ip4/300.0.0.1/tcp/1": Invalid IPv4 address "300.0.0.1"')
    assert.equal(await loadError({ cluster: { ...MINIMAL_CLUSTER, peer_addresses: ['nope'] } }),
      'error parsing peer_addresses: failed to parse multiaddr "nope": String multiaddr must start with "/"')
    assert.equal(await loadError({ cluster: MINIMAL_CLUSTER, consensus: { crdt: { trusted_peers: ['QmBad'] } } }),
      'error parsing trusted peers: failed to parse peer ID: unknown multihash code (at consensus.crdt.trusted_peers: "QmBad")')
    assert.equal(await loadError({ cluster: MINIMAL_CLUSTER, api: { restapi: { http_listen_multiaddress: '/ip4/127.0.0.1/tcp/x' } } }),
      'error parsing restapi.http_listen_multiaddress: failed to parse multiaddr "/ip4/127.0.0.1/tcp/x": Value must be an integer')
  })

  it('silently ignores bad crdt durations, warns about bad raft ones', async () => {
    const crdt = await load({ cluster: MINIMAL_CLUSTER, consensus: { crdt: { repair_interval: 'often', trusted_peers: ['*'] } } })
    assert.equal(crdt.config.consensus.crdt?.repairInterval, 3600000)
    assert.deepEqual(crdt.warnings, [])
    const raft = await load({ cluster: MINIMAL_CLUSTER, consensus: { raft: { network_timeout: '5x' } } })
    assert.equal(raft.config.consensus.raft?.networkTimeout, 10000)
    assert.deepEqual(raft.warnings, ['5x is not a valid duration. Default will be used'])
  })

  it('fails without service.json with the Go file error', async () => {
    const dir = await dirs.make()
    await assert.rejects(loadConfig({ folder: dir, env: {} }), {
      message: `open ${join(dir, 'service.json')}: no such file or directory`
    })
  })

  it('loads the default file and marks which components are enabled', async () => {
    const res = await load(defaultServiceJSON({ peername: 'node0', secret: SECRET }))
    assert.deepEqual([...res.present].sort(), [
      'allocator.balanced', 'api.ipfsproxy', 'api.pinsvcapi', 'api.restapi', 'cluster', 'consensus.crdt', 'datastore.pebble',
      'informer.disk', 'informer.pinqueue', 'informer.tags', 'ipfs_connector.ipfshttp', 'monitor.pubsubmon',
      'observations.metrics', 'observations.tracing', 'pin_tracker.stateless'
    ])
    assert.deepEqual(res.warnings, [])
    assert.deepEqual(res.config.datastore, { backend: 'pebble', folder: join(res.set.baseDir, 'pebble') })
    assert.deepEqual(res.config.consensus.crdt, {
      clusterName: 'ipfs-cluster',
      trustedPeers: [],
      trustAll: true,
      batching: { maxBatchSize: 0, maxBatchAge: 0, maxQueueSize: 50000 },
      repairInterval: 3600000,
      rebroadcastInterval: 60000,
      peersetMetric: 'ping',
      datastoreNamespace: '/c'
    })
    assert.deepEqual(res.config.allocator.balanced.allocateBy, ['tag:group', 'freespace'])
    assert.deepEqual(res.config.informer.tags?.tags, { group: 'default' })
    assert.equal(res.config.cluster.peerstorePath, join(res.set.baseDir, 'peerstore'))
    assert.equal(res.config.api.restapi?.corsAllowCredentials, true)
  })
})

describe('"if absent" rules', () => {
  it('absent booleans in a present cluster object are false, other keys keep defaults', async () => {
    const c = (await load({ cluster: MINIMAL_CLUSTER })).config.cluster
    assert.equal(c.enableRelayHop, false)
    assert.equal(c.disableRepinning, false)
    assert.equal(c.leaveOnShutdown, false)
    assert.equal(c.peername, hostname())
    assert.equal(c.secret.length, 0)
    assert.equal(c.replicationFactorMin, -1)
    assert.equal(c.pinRecoverInterval, 720000)
    assert.deepEqual(c.connectionManager, { highWater: 400, lowWater: 100, gracePeriod: 120000 })
    assert.equal(c.resourceManager.enabled, true)
    assert.deepEqual(c.peerAddresses, [])
    assert.deepEqual(c.announceMultiaddress, [])
  })

  it('listen_multiaddress is required, as is the cluster section', async () => {
    assert.equal(await loadError({ cluster: {} }), 'cluster.listen_multiaddress is undefined')
    assert.equal(await loadError({ cluster: { listen_multiaddress: [] } }), 'cluster.listen_multiaddress is undefined')
    assert.equal(await loadError({ cluster: { listen_multiaddress: '' } }), 'cluster.listen_multiaddress is undefined')
    assert.equal(await loadError({ consensus: { crdt: {} } }), 'cluster section failed to validate: cluster.listen_multiaddress is undefined')
  })

  it('present sub-objects take their ints and bools literally', async () => {
    assert.equal(await loadError({ cluster: { ...MINIMAL_CLUSTER, connection_manager: {} } }), 'cluster.connection_manager.low_water is invalid')
    assert.equal(await loadError({ cluster: { ...MINIMAL_CLUSTER, pubsub: {} } }), 'cluster.pubsub.d_factor is invalid')
    const rm = (await load({ cluster: { ...MINIMAL_CLUSTER, resource_manager: {} } })).config.cluster.resourceManager
    assert.deepEqual(rm, { enabled: false, memoryLimitBytes: 0, fileDescriptorsLimit: 0 })
    const ps = (await load({ cluster: { ...MINIMAL_CLUSTER, pubsub: { d_factor: 2, history_gossip: 1, history_length: 1 } } })).config.cluster.pubsub
    assert.equal(ps.heartbeatInterval, 10000)
    assert.equal(ps.dFactor, 2)
  })

  it('absent trusted_peers trusts nobody', async () => {
    const crdt = (await load({ cluster: MINIMAL_CLUSTER, consensus: { crdt: {} } })).config.consensus.crdt
    assert.equal(crdt?.trustAll, false)
    assert.deepEqual(crdt?.trustedPeers, [])
    assert.equal(crdt?.clusterName, 'ipfs-cluster')
    const some = (await load({ cluster: MINIMAL_CLUSTER, consensus: { crdt: { trusted_peers: [P1, '*', 'junk'] } } })).config.consensus.crdt
    assert.equal(some?.trustAll, true)
  })

  it('empty monitor, informer and observation objects fail validation', async () => {
    assert.equal(await loadError({ cluster: MINIMAL_CLUSTER, monitor: { pubsubmon: {} } }), 'pubsubmon.check_interval too low')
    assert.equal(await loadError({ cluster: MINIMAL_CLUSTER, informer: { disk: {} } }), 'disk.metric_type is invalid (at informer.disk.metric_type: "")')
    assert.equal(await loadError({ cluster: MINIMAL_CLUSTER, informer: { disk: { metric_type: 'freespace' } } }), 'disk.metric_ttl is invalid')
    assert.equal(await loadError({ cluster: MINIMAL_CLUSTER, informer: { disk: { metric_type: 'e', metric_ttl: '1s' } } }), 'disk.metric_type is invalid (at informer.disk.metric_type: "e")')
    assert.equal(await loadError({ cluster: MINIMAL_CLUSTER, informer: { pinqueue: {} } }), 'pinqueue.metric_ttl is invalid')
    assert.equal(await loadError({ cluster: MINIMAL_CLUSTER, observations: { metrics: {} } }),
      'loadMetricsOptions: PrometheusEndpoint multiaddr: empty multiaddr (at observations.metrics.prometheus_endpoint: "")')
    assert.equal(await loadError({ cluster: MINIMAL_CLUSTER, observations: { tracing: {} } }),
      'loadTracingOptions: JaegerAgentEndpoint multiaddr: empty multiaddr (at observations.tracing.jaeger_agent_endpoint: "")')
    assert.equal(await loadError({ cluster: MINIMAL_CLUSTER, ipfs_connector: { ipfshttp: {} } }),
      'error parsing ipfs_node_multiaddress: empty multiaddr (at ipfs_connector.ipfshttp.node_multiaddress: "")')
    // tags: ttl defaults, no tags
    const tags = (await load({ cluster: MINIMAL_CLUSTER, informer: { tags: {} } })).config.informer.tags
    assert.deepEqual(tags, { metricTTL: 30000, tags: {} })
  })

  it('absent CORS keys are null, empty listen addresses keep the default', async () => {
    const api = (await load({ cluster: MINIMAL_CLUSTER, api: { restapi: { http_listen_multiaddress: [] }, pinsvcapi: { http_listen_multiaddress: '' } } })).config.api
    assert.deepEqual(api.restapi?.httpListenMultiaddress, ['/ip4/127.0.0.1/tcp/9094'])
    assert.deepEqual(api.pinsvcapi?.httpListenMultiaddress, ['/ip4/127.0.0.1/tcp/9097'])
    assert.equal(api.restapi?.corsAllowedOrigins, null)
    assert.equal(api.restapi?.corsExposedHeaders, null)
    assert.equal(api.restapi?.corsAllowCredentials, false)
    assert.deepEqual(api.restapi?.headers, {})
    assert.equal(api.restapi?.maxHeaderBytes, 4096)
    assert.equal(api.restapi?.readHeaderTimeout, 5000)
    assert.equal(await loadError({ cluster: MINIMAL_CLUSTER, api: { restapi: { basic_auth_credentials: {} } } }),
      'restapi.basic_auth_creds should be null or have at least one entry')
  })

  it('absent commit_retries is 0; a missing balanced section forces freespace', async () => {
    assert.equal((await load({ cluster: MINIMAL_CLUSTER, consensus: { raft: {} } })).config.consensus.raft?.commitRetries, 0)
    const noBalanced = await load({ cluster: MINIMAL_CLUSTER }, { CLUSTER_BALANCED_ALLOCATEBY: 'tag:region' })
    assert.deepEqual(noBalanced.config.allocator.balanced.allocateBy, ['freespace'])
    const balanced = await load({ cluster: MINIMAL_CLUSTER, allocator: { balanced: {} } }, { CLUSTER_BALANCED_ALLOCATEBY: 'tag:region' })
    assert.deepEqual(balanced.config.allocator.balanced.allocateBy, ['tag:region'])
  })

  it('env vars of absent components do not enable them', async () => {
    const res = await load({ cluster: MINIMAL_CLUSTER }, { CLUSTER_RESTAPI_HTTPLISTENMULTIADDRESS: '/ip4/127.0.0.1/tcp/1' })
    assert.equal(res.config.api.restapi, undefined)
    assert.ok(!res.present.has('api.restapi'))
  })
})

describe('paths', () => {
  it('resolves relative paths against the config folder', async () => {
    const res = await load({
      cluster: { ...MINIMAL_CLUSTER, peerstore_file: '/abs/peers' },
      consensus: { raft: { data_folder: 'rel/raft' } },
      api: { restapi: { http_log_file: 'logs/api.log' }, ipfsproxy: { log_file: '/var/log/proxy.log' } },
      ipfs_connector: { embedded: { folder: 'blocks' } },
      datastore: { leveldb: { folder: 'data' } }
    })
    const dir = res.set.baseDir
    assert.equal(res.config.cluster.peerstorePath, join(dir, 'abs', 'peers'))
    assert.equal(res.config.consensus.raft?.dataFolder, resolve('rel/raft'))
    assert.equal(res.config.api.restapi?.httpLogFile, join(dir, 'logs', 'api.log'))
    assert.equal(res.config.api.ipfsproxy?.logFile, '/var/log/proxy.log')
    assert.equal(res.config.ipfsConnector.embedded?.folder, join(dir, 'blocks'))
    assert.equal(res.config.ipfsConnector.ipfshttp, undefined)
    assert.deepEqual(res.config.datastore, { backend: 'leveldb', folder: join(dir, 'data') })
  })

  it('reads the embedded connector section', async () => {
    const res = await load({ cluster: MINIMAL_CLUSTER, ipfs_connector: { embedded: { storage_max: '1GiB', pin_timeout: '10s' } } })
    assert.ok(res.present.has('ipfs_connector.embedded'))
    assert.equal(res.config.ipfsConnector.embedded?.storageMax, 1024 ** 3)
    assert.equal(res.config.ipfsConnector.embedded?.pinTimeout, 10000)
    assert.deepEqual(res.config.ipfsConnector.embedded?.listenMultiaddress, ['/ip4/0.0.0.0/tcp/4001'])
    assert.equal((await load({ cluster: MINIMAL_CLUSTER, ipfs_connector: { embedded: { storage_max: 5000 } } })).config.ipfsConnector.embedded?.storageMax, 5000)
    assert.equal(await loadError({ cluster: MINIMAL_CLUSTER, ipfs_connector: { embedded: { storage_max: 'lots' } } }),
      'error parsing embedded.storage_max: strconv.ParseFloat: parsing "": invalid syntax (at ipfs_connector.embedded.storage_max: "lots")')
  })

  it('accepts and preserves pebble tuning options (zero keeps defaults)', async () => {
    const res = await load({
      cluster: MINIMAL_CLUSTER,
      datastore: { pebble: { pebble_options: { mem_table_size: 1024, format_major_version: 16, max_concurrent_compactions: 2, levels: [{ block_size: 8192 }, {}] } } }
    })
    const display = JSON.parse(configToDisplayJSON(res))
    const opts = display.datastore.pebble.pebble_options
    assert.equal(opts.mem_table_size, 1024)
    assert.equal(opts.format_major_version, 16)
    assert.equal(opts.cache_size_bytes, 1073741824)
    assert.equal(opts.levels.length, 7)
    assert.equal(opts.levels[0].block_size, 8192)
    assert.equal(opts.levels[0].target_file_size, 4194304)
    assert.equal(opts.levels[1].block_size, 4096)
    assert.deepEqual(res.warnings, ['unknown configuration key ignored: datastore.pebble.pebble_options.max_concurrent_compactions'])
    assert.deepEqual(res.config.datastore, { backend: 'pebble', folder: join(res.set.baseDir, 'pebble') })
  })

  it('leaves the datastore unset when several sections exist', async () => {
    const res = await load({ cluster: MINIMAL_CLUSTER, datastore: { pebble: {}, leveldb: {} } })
    assert.equal(res.config.datastore, undefined)
    assert.ok(res.present.has('datastore.pebble') && res.present.has('datastore.leveldb'))
  })
})

describe('environment at load time', () => {
  it('env wins over the file and is re-validated', async () => {
    const res = await load({ cluster: { ...MINIMAL_CLUSTER, peername: 'file' } }, { CLUSTER_PEERNAME: 'env', CLUSTER_SECRET: SECRET })
    assert.equal(res.config.cluster.peername, 'env')
    assert.equal(Buffer.from(res.config.cluster.secret).toString('hex'), SECRET)
    assert.equal(await loadError({ cluster: MINIMAL_CLUSTER }, { CLUSTER_RAFT_BACKUPSROTATE: '-1' }),
      'backups_rotate should be larger than 0 (after applying CLUSTER_RAFT_BACKUPSROTATE="-1")')
  })

  it('IPFS_API aliases the node multiaddress of the connector and the proxy; CLUSTER_* wins', async () => {
    const service = { cluster: MINIMAL_CLUSTER, api: { ipfsproxy: {} }, ipfs_connector: { ipfshttp: { node_multiaddress: '/ip4/127.0.0.1/tcp/5001' } } }
    const a = await load(service, { IPFS_API: '/dns4/ipfs0/tcp/5001' })
    assert.equal(a.config.ipfsConnector.ipfshttp?.nodeMultiaddress, '/dns4/ipfs0/tcp/5001')
    assert.equal(a.config.api.ipfsproxy?.nodeMultiaddress, '/dns4/ipfs0/tcp/5001')
    const b = await load(service, { IPFS_API: '/dns4/ipfs0/tcp/5001', CLUSTER_IPFSHTTP_NODEMULTIADDRESS: '/ip4/10.0.0.1/tcp/5001' })
    assert.equal(b.config.ipfsConnector.ipfshttp?.nodeMultiaddress, '/ip4/10.0.0.1/tcp/5001')
    assert.equal(b.config.api.ipfsproxy?.nodeMultiaddress, '/dns4/ipfs0/tcp/5001')
    assert.equal(await loadError(service, { IPFS_API: 'localhost:5001' }),
      'error parsing ipfs node_multiaddress: failed to parse multiaddr "localhost:5001": String multiaddr must start with "/" (from IPFS_API="localhost:5001")')
  })

  it('CLUSTER_PEERS adds peer addresses and trusted peers (in memory)', async () => {
    const peers = ` /ip4/192.168.0.129/tcp/9196/p2p/${P1}, /ipfs/${P2}`
    const service = { cluster: { ...MINIMAL_CLUSTER, peer_addresses: [`/ip4/192.168.0.129/tcp/9196/p2p/${P1}`] }, consensus: { crdt: { trusted_peers: [P2] } } }
    const res = await load(service, { CLUSTER_PEERS: peers })
    assert.deepEqual(res.config.cluster.peerAddresses, [`/ip4/192.168.0.129/tcp/9196/p2p/${P1}`, `/p2p/${P2}`])
    assert.deepEqual(res.config.consensus.crdt?.trustedPeers, [P2, P1])
    // the file is untouched
    const onDisk = JSON.parse(await readFile(join(res.set.baseDir, 'service.json'), 'utf8'))
    assert.deepEqual(onDisk.consensus.crdt.trusted_peers, [P2])
    // trust-all stays trust-all
    const all = await load({ cluster: MINIMAL_CLUSTER, consensus: { crdt: { trusted_peers: ['*'] } } }, { CLUSTER_PEERS: `/p2p/${P1}` })
    assert.equal(all.config.consensus.crdt?.trustAll, true)
    assert.deepEqual(all.config.consensus.crdt?.trustedPeers, [])
    assert.equal(await loadError(service, { CLUSTER_PEERS: '/ip4/1.2.3.4/tcp/1' }),
      'error parsing CLUSTER_PEERS: /ip4/1.2.3.4/tcp/1: invalid p2p multiaddr (from CLUSTER_PEERS="/ip4/1.2.3.4/tcp/1")')
  })

  it('applies CLUSTER_ID / CLUSTER_PRIVATEKEY to the identity', async () => {
    assert.equal(await loadError({ cluster: MINIMAL_CLUSTER }, { CLUSTER_ID: P1 }),
      'error applying environment variables to the identity: identity ID does not match the private_key')
  })
})

describe('remote configuration (source)', () => {
  const servers: Array<{ close: () => void }> = []
  afterEach(() => { for (const s of servers.splice(0)) s.close() })

  async function serve (routes: Record<string, [number, string]>): Promise<string> {
    const srv = createServer((req, res) => {
      const r = routes[req.url ?? ''] ?? [404, 'not here']
      res.writeHead(r[0]).end(r[1])
    })
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
    servers.push({ close: () => srv.close() })
    return `http://127.0.0.1:${(srv.address() as AddressInfo).port}`
  }

  it('fetches the configuration from the source URL', async () => {
    const base = await serve({
      '/cfg.json': [200, JSON.stringify({ cluster: { ...MINIMAL_CLUSTER, peername: 'remote' }, api: { restapi: { http_log_file: 'api.log' } } })],
      '/loop.json': [200, JSON.stringify({ source: 'http://127.0.0.1:1/x' })]
    })
    const res = await load({ source: `${base}/cfg.json`, cluster: { peername: 'ignored' } })
    assert.equal(res.config.cluster.peername, 'remote')
    assert.equal(res.source, `${base}/cfg.json`)
    assert.equal(res.config.api.restapi?.httpLogFile, join(res.set.baseDir, 'api.log'))
    assert.equal(await loadError({ source: `${base}/missing` }), 'unsuccessful request (404): not here')
    assert.equal(await loadError({ source: `${base}/loop.json` }), 'a sourced configuration cannot point to another source')
  })

  it('reports unreachable sources', async () => {
    const base = await serve({})
    servers.pop()?.close()
    assert.equal(await loadError({ source: `${base}/cfg.json` }), `could not fetch configuration from source: ${base}/cfg.json`)
  })
})

describe('debug dump', () => {
  it('hides the secret, private keys and basic auth credentials', async () => {
    const dir = await dirs.make()
    await cp(join(FIXTURES, 'sharness', 'ssl-basic_auth'), dir, { recursive: true })
    const res = await loadConfig({ folder: dir, env: {} })
    const text = configToDisplayJSON(res)
    const doc = JSON.parse(text)
    assert.equal(doc.cluster.secret, 'XXX_hidden_XXX')
    assert.equal(doc.api.restapi.basic_auth_credentials, 'XXX_hidden_XXX')
    assert.ok(!text.includes(SECRET))
    assert.ok(!text.includes('testpass'))
    assert.deepEqual(Object.keys(doc), ['cluster', 'consensus', 'api', 'ipfs_connector', 'pin_tracker', 'monitor', 'allocator', 'informer', 'observations'])
  })
})
