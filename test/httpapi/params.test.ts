import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { defaultAddParams, parseAddParams, parseGoDuration, parsePinOptionsQuery } from '../../src/httpapi/index.js'
import { defaultPinOptions } from '../../src/api/json.js'
import { cidToString } from '../../src/api/encoding.js'
import { fakePeerId } from '../fakes/fake-cluster.js'

const P1 = fakePeerId(1)
const P2 = fakePeerId(2)
const ORIGIN = `/ip4/1.2.3.4/tcp/4001/p2p/${P1}`

function q (s: string): URLSearchParams {
  return new URLSearchParams(s)
}

describe('PinOptions query parameters', () => {
  it('defaults to recursive, cluster replication defaults and empty metadata', () => {
    assert.deepEqual(parsePinOptionsQuery(q('')), { ...defaultPinOptions(), metadata: {} })
    // the Go client sends every key, empty ones included
    assert.deepEqual(parsePinOptionsQuery(q('name=&mode=&replication-min=&replication-max=&shard-size=&user-allocations=&expire-at=&pin-update=&origins=')), { ...defaultPinOptions(), metadata: {} })
  })

  it('parses every parameter', () => {
    const po = parsePinOptionsQuery(q(`name=foo&mode=direct&replication-min=2&replication-max=3&shard-size=1048576&user-allocations=${P1},bogus,${P2}&expire-at=2030-01-02T03:04:05Z&meta-a=1&meta-b=x%20y&meta-=ignored&pin-update=QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmmq&origins=${encodeURIComponent(ORIGIN)}`))
    assert.equal(po.name, 'foo')
    assert.equal(po.mode, 'direct')
    assert.equal(po.replicationFactorMin, 2)
    assert.equal(po.replicationFactorMax, 3)
    assert.equal(po.shardSize, 1048576)
    assert.deepEqual(po.userAllocations, [P1, P2])
    assert.equal(po.expireAt?.toISOString(), '2030-01-02T03:04:05.000Z')
    assert.deepEqual(po.metadata, { a: '1', b: 'x y' })
    assert.equal(po.pinUpdate != null ? cidToString(po.pinUpdate) : null, 'QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmmq')
    assert.deepEqual(po.origins, [ORIGIN])
  })

  it('lets replication override both factors and maps unknown modes to recursive', () => {
    const po = parsePinOptionsQuery(q('replication=-1&replication-min=5&replication-max=6&mode=weird'))
    assert.equal(po.replicationFactorMin, -1)
    assert.equal(po.replicationFactorMax, -1)
    assert.equal(po.mode, 'recursive')
  })

  it('computes expire-in from now and prefers expire-at', () => {
    const now = Date.parse('2026-01-01T00:00:00Z')
    assert.equal(parsePinOptionsQuery(q('expire-in=1h30m'), { now: () => now }).expireAt?.toISOString(), '2026-01-01T01:30:00.000Z')
    assert.equal(parsePinOptionsQuery(q('expire-at=2030-01-01T00:00:00Z&expire-in=bogus'), { now: () => now }).expireAt?.toISOString(), '2030-01-01T00:00:00.000Z')
  })

  it('fails with the reference messages', () => {
    const cases: Array<[string, string]> = [
      ['replication-min=x', 'parameter replication-min invalid'],
      ['replication-max=1.5', 'parameter replication-max invalid'],
      ['replication=abc', 'parameter replication-min invalid'],
      ['shard-size=-1', 'parameter shard_size is invalid'],
      ['expire-at=tomorrow', 'expire-at cannot be parsed: parsing time "tomorrow" as "2006-01-02T15:04:05Z07:00": cannot parse'],
      ['expire-in=5', 'expire-in cannot be parsed: time: missing unit in duration "5"'],
      ['expire-in=5x', 'expire-in cannot be parsed: time: unknown unit "x" in duration "5x"'],
      ['expire-in=500ms', 'expire-in duration too short'],
      ['pin-update=notacid', 'error decoding update option parameter: Unable to decode multibase string "notacid"'],
      ['origins=garbage', 'error decoding multiaddress: String multiaddr must start with "/"'],
      [`origins=${encodeURIComponent(`${ORIGIN},/ip4/1.2.3.4/tcp/1`)}`, 'multiaddress does not contain peer ID: protocol not found in multiaddr']
    ]
    for (const [query, message] of cases) {
      assert.throws(() => parsePinOptionsQuery(q(query)), (err: Error) => {
        assert.equal(err.name, 'InvalidArgumentError', query)
        assert.ok(err.message.startsWith(message), `${query}: ${err.message}`)
        return true
      })
    }
  })
})

describe('/add query parameters', () => {
  it('has the reference defaults, with a 100 MiB shard size (quirk #3 fixed)', () => {
    const p = parseAddParams(q(''))
    const def = defaultAddParams()
    assert.deepEqual(p, { ...def, pinOptions: { ...def.pinOptions, metadata: {} } })
    assert.equal(p.chunker, 'size-262144')
    assert.equal(p.hashFun, 'sha2-256')
    assert.equal(p.cidVersion, 0)
    assert.equal(p.rawLeaves, false)
    assert.equal(p.streamChannels, true)
    assert.equal(p.format, 'unixfs')
    assert.equal(p.layout, '')
    assert.equal(p.pinOptions.shardSize, 104857600)
    assert.equal(p.pinOptions.mode, 'recursive')
  })

  it('parses the importer and cluster options', () => {
    const p = parseAddParams(q('local=true&recursive=1&hidden=T&wrap-with-directory=True&shard=t&progress=TRUE&cid-version=1&chunker=rabin-1-2-3&hash=blake2b-256&layout=trickle&format=car&stream-channels=false&nocopy=true&no-pin=true&mode=direct&pin-update=QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmmq&name=n&replication=2&shard-size=0'))
    assert.equal(p.local, true)
    assert.equal(p.recursive, true)
    assert.equal(p.hidden, true)
    assert.equal(p.wrapWithDirectory, true)
    assert.equal(p.shard, true)
    assert.equal(p.progress, true)
    assert.equal(p.cidVersion, 1)
    assert.equal(p.rawLeaves, true, 'cid-version > 0 implies raw leaves')
    assert.equal(p.chunker, 'rabin-1-2-3')
    assert.equal(p.hashFun, 'blake2b-256')
    assert.equal(p.layout, 'trickle')
    assert.equal(p.format, 'car')
    assert.equal(p.streamChannels, false)
    assert.equal(p.noCopy, true)
    assert.equal(p.noPin, true)
    assert.equal(p.pinOptions.mode, 'recursive', 'adds always pin recursively')
    assert.equal(p.pinOptions.pinUpdate, null, 'pin-update is ignored')
    assert.equal(p.pinOptions.name, 'n')
    assert.equal(p.pinOptions.replicationFactorMin, 2)
    assert.equal(p.pinOptions.shardSize, 0, 'an explicit shard size is kept')
    assert.equal(parseAddParams(q('cid-version=1&raw-leaves=false')).rawLeaves, false)
  })

  it('fails with the reference messages', () => {
    const cases: Array<[string, string]> = [
      ['layout=fancy', 'layout parameter is invalid'],
      ['format=tar', 'format parameter is invalid'],
      ['local=yes', 'parameter local invalid'],
      ['stream-channels=2', 'parameter stream-channels invalid'],
      ['cid-version=one', 'parameter cid-version invalid'],
      ['raw-leaves=nah', 'parameter raw-leaves invalid'],
      ['replication-min=z', 'parameter replication-min invalid']
    ]
    for (const [query, message] of cases) {
      assert.throws(() => parseAddParams(q(query)), { name: 'InvalidArgumentError', message }, query)
    }
  })
})

describe('Go durations', () => {
  it('parses Go duration syntax into nanoseconds', () => {
    assert.equal(parseGoDuration('0'), 0)
    assert.equal(parseGoDuration('1h30m'), 5400e9)
    assert.equal(parseGoDuration('1.5s'), 1.5e9)
    assert.equal(parseGoDuration('-2m'), -120e9)
    assert.equal(parseGoDuration('500ms'), 500e6)
    assert.equal(parseGoDuration('3us'), 3000)
    assert.equal(parseGoDuration('3µs'), 3000)
    assert.equal(parseGoDuration('.5h'), 1800e9)
    assert.equal(parseGoDuration('1h2m3s4ms5us6ns'), 3723004005006)
    assert.equal(parseGoDuration('1.h'), 3600e9)
    for (const bad of ['', '1', 'h', '.', '.s', '1d', '- 1s', '1s2']) {
      assert.throws(() => parseGoDuration(bad), { name: 'InvalidArgumentError' }, bad)
    }
  })
})
