import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { defaultServiceJSON, parseSecret } from '../../src/config/index.js'
import { FIXTURES, SECRET } from './helpers.js'

describe('default service.json', () => {
  it('is byte-identical to the reference crdt + pebble file', async () => {
    const golden = await readFile(join(FIXTURES, 'default-crdt-pebble.json'), 'utf8')
    assert.equal(defaultServiceJSON({ peername: 'node0', secret: SECRET }), golden)
    assert.ok(!golden.endsWith('\n'))
  })

  it('is byte-identical to the reference raft file (no datastore section)', async () => {
    const golden = await readFile(join(FIXTURES, 'default-raft.json'), 'utf8')
    assert.equal(defaultServiceJSON({ consensus: 'raft', peername: 'node0', secret: SECRET }), golden)
    // the datastore choice is ignored for raft
    assert.equal(defaultServiceJSON({ consensus: 'raft', datastore: 'leveldb', peername: 'node0', secret: SECRET }), golden)
  })

  it('writes only the embedded connector section when asked', async () => {
    const golden = await readFile(join(FIXTURES, 'default-crdt-pebble.json'), 'utf8')
    const ipfshttp = `    "ipfshttp": {
      "node_multiaddress": "/ip4/127.0.0.1/tcp/5001",
      "connect_swarms_delay": "30s",
      "ipfs_request_timeout": "5m0s",
      "pin_timeout": "2m0s",
      "unpin_timeout": "3h0m0s",
      "repogc_timeout": "24h0m0s",
      "informer_trigger_interval": 0
    }`
    const embedded = `    "embedded": {
      "listen_multiaddress": [
        "/ip4/0.0.0.0/tcp/4001"
      ],
      "announce_multiaddress": [],
      "folder": "ipfs",
      "storage_max": "10GB",
      "pin_timeout": "2m0s",
      "unpin_timeout": "3h0m0s",
      "ipfs_request_timeout": "5m0s",
      "connect_swarms_delay": "30s"
    }`
    assert.ok(golden.includes(ipfshttp))
    assert.equal(defaultServiceJSON({ connector: 'embedded', peername: 'node0', secret: SECRET }), golden.replace(ipfshttp, embedded))
  })

  it('writes the other datastores with their option objects', () => {
    const badger = JSON.parse(defaultServiceJSON({ datastore: 'badger', peername: 'p', secret: SECRET }))
    assert.deepEqual(Object.keys(badger.datastore), ['badger'])
    assert.deepEqual(Object.keys(badger.datastore.badger), ['gc_discard_ratio', 'gc_interval', 'gc_sleep', 'badger_options'])
    assert.equal(badger.datastore.badger.gc_interval, '15m0s')
    assert.equal(badger.datastore.badger.badger_options.value_log_file_size, 1073741823)
    assert.equal(badger.datastore.badger.badger_options.truncate, true)
    const b3 = JSON.parse(defaultServiceJSON({ datastore: 'badger3', peername: 'p', secret: SECRET }))
    assert.equal(Object.keys(b3.datastore.badger3.badger_options).length, 34)
    assert.equal(b3.datastore.badger3.badger_options.value_threshold, 100)
    assert.equal(b3.datastore.badger3.badger_options.namespace_offset, -1)
    const ldb = JSON.parse(defaultServiceJSON({ datastore: 'leveldb', peername: 'p', secret: SECRET }))
    assert.deepEqual(Object.keys(ldb.datastore.leveldb), ['leveldb_options'])
    assert.equal(Object.keys(ldb.datastore.leveldb.leveldb_options).length, 28)
    assert.equal(ldb.datastore.leveldb.leveldb_options.compaction_table_size_multiplier_per_level, null)
  })

  it('generates a new random lowercase 32-byte secret each time', () => {
    const a = JSON.parse(defaultServiceJSON()).cluster.secret as string
    const b = JSON.parse(defaultServiceJSON()).cluster.secret as string
    assert.match(a, /^[0-9a-f]{64}$/)
    assert.notEqual(a, b)
    assert.equal(parseSecret(a).length, 32)
  })

  it('rejects unknown consensus and datastore names', () => {
    assert.throws(() => defaultServiceJSON({ consensus: 'paxos' }), {
      name: 'ConfigError',
      message: 'flag value must be set to \'raft\' or \'crdt\' (got "paxos")',
      doing: 'choosing consensus'
    } as any)
    assert.throws(() => defaultServiceJSON({ datastore: 'rocks' }), {
      message: 'flag value must be set to \'leveldb\', \'badger\', \'badger3\' or \'pebble\' (got "rocks")',
      doing: 'choosing datastore'
    } as any)
  })
})
