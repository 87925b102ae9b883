import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { AbortError, IPFSUnreachableError } from '../../src/errors.js'
import { createDiskInformer, createNumpinInformer, createPinQueueInformer, createTagsInformer } from '../../src/informer/index.js'
import { createLogger, silentLogger } from '../../src/logging/index.js'
import { metricTTL, nowNs, NS_PER_MS } from '../../src/monitor/index.js'
import type { IPFSRepoStat, Metric } from '../../src/api/types.js'

const logger = silentLogger()

function assertTTL (m: Metric, ttl: number): void {
  const left = metricTTL(m)
  assert.ok(left > ttl - 1000 && left <= ttl, `ttl ${left} for ${ttl}`)
}

function pick (m: Metric): Pick<Metric, 'name' | 'value' | 'valid' | 'weight' | 'partitionable' | 'peer'> {
  return { name: m.name, value: m.value, valid: m.valid, weight: m.weight, partitionable: m.partitionable, peer: m.peer }
}

describe('disk informer', () => {
  const stat = (repoSize: bigint, storageMax: bigint) => async (): Promise<IPFSRepoStat> => ({ repoSize, storageMax })

  it('freespace = StorageMax - RepoSize, weight the same (more free sorts first)', async () => {
    const inf = createDiskInformer({ logger, repoStat: stat(400n, 10_000_000_000n) }, { metricTTL: 30_000, metricType: 'freespace' })
    assert.equal(inf.name, 'freespace')
    const ms = await inf.getMetrics()
    assert.equal(ms.length, 1)
    assert.deepEqual(pick(ms[0]), { name: 'freespace', value: '9999999600', valid: true, weight: 9_999_999_600n, partitionable: false, peer: '' })
    assertTTL(ms[0], 30_000)
  })

  it('freespace is invalid when no space is left', async () => {
    for (const [size, max] of [[100n, 100n], [200n, 100n], [0n, 0n]]) {
      const lines: string[] = []
      const inf = createDiskInformer({ logger: createLogger({ sink: (l) => lines.push(l) }), repoStat: stat(size, max) }, { metricTTL: 30_000, metricType: 'freespace' })
      const [m] = await inf.getMetrics()
      assert.deepEqual(pick(m), { name: 'freespace', value: '0', valid: false, weight: 0n, partitionable: false, peer: '' })
      assert.ok(lines.some((l) => l.includes('WARN\tdiskinfo\treported freespace is 0')), lines.join('\n'))
    }
  })

  it('reposize = RepoSize, weight -RepoSize (smaller repos sort first)', async () => {
    const inf = createDiskInformer({ logger, repoStat: stat(12345n, 100n) }, { metricTTL: 10_000, metricType: 'reposize' })
    assert.equal(inf.name, 'reposize')
    const [m] = await inf.getMetrics()
    assert.deepEqual(pick(m), { name: 'reposize', value: '12345', valid: true, weight: -12345n, partitionable: false, peer: '' })
    assertTTL(m, 10_000)
  })

  it('is invalid when IPFS fails', async () => {
    const lines: string[] = []
    const inf = createDiskInformer({ logger: createLogger({ sink: (l) => lines.push(l) }), repoStat: async () => { throw new Error('connection refused') } }, { metricTTL: 30_000, metricType: 'freespace' })
    const [m] = await inf.getMetrics()
    assert.deepEqual(pick(m), { name: 'freespace', value: '', valid: false, weight: 0n, partitionable: false, peer: '' })
    assert.ok(lines.some((l) => l.includes('ERROR\tdiskinfo\tconnection refused')))
  })

  it('is invalid without an ERROR line when the IPFS daemon is unreachable (the connector warns)', async () => {
    const lines: string[] = []
    const log = createLogger({ sink: (l) => lines.push(l) })
    const inf = createDiskInformer({ logger: log, repoStat: async () => { throw new IPFSUnreachableError('dial tcp 127.0.0.1:5001: connect: connection refused') } }, { metricTTL: 30_000, metricType: 'freespace' })
    const [m] = await inf.getMetrics()
    assert.equal(m.valid, false)
    assert.equal(lines.length, 0, lines.join('\n'))
    log.setLevels({ default: 'debug', facilities: new Map() })
    await inf.getMetrics()
    assert.ok(lines.some((l) => l.includes('DEBUG\tdiskinfo\tdial tcp 127.0.0.1:5001: connect: connection refused')), lines.join('\n'))
  })

  it('is invalid without an ERROR line when the measurement is cancelled (shutdown)', async () => {
    const lines: string[] = []
    const ctrl = new AbortController()
    const failing = async (): Promise<never> => { ctrl.abort(); throw new AbortError() }
    const log = createLogger({ sink: (l) => lines.push(l) })
    const disk = createDiskInformer({ logger: log, repoStat: failing }, { metricTTL: 30_000, metricType: 'freespace' })
    const queue = createPinQueueInformer({ logger: log, pinQueueSize: failing }, { metricTTL: 30_000, weightBucketSize: 100000 })
    const numpin = createNumpinInformer({ logger: log, pinLs: async function * () { yield * []; await failing() } }, { metricTTL: 30_000 })
    for (const inf of [disk, queue, numpin]) {
      const [m] = await inf.getMetrics({ signal: ctrl.signal })
      assert.equal(m.valid, false, inf.name)
    }
    assert.deepEqual(lines, [])
  })

  it('passes the abort signal to IPFS', async () => {
    let seen: AbortSignal | undefined
    const inf = createDiskInformer({ logger, repoStat: async (o) => { seen = o?.signal; return { repoSize: 1n, storageMax: 2n } } }, { metricTTL: 30_000, metricType: 'freespace' })
    const ctrl = new AbortController()
    await inf.getMetrics({ signal: ctrl.signal })
    assert.equal(seen, ctrl.signal)
  })

  it('rejects bad config', () => {
    assert.throws(() => createDiskInformer({ logger, repoStat: stat(1n, 2n) }, { metricTTL: 0, metricType: 'freespace' }), { name: 'ConfigError', message: 'disk.metric_ttl is invalid' })
    assert.throws(() => createDiskInformer({ logger, repoStat: stat(1n, 2n) }, { metricTTL: 1000, metricType: 'bogus' as 'freespace' }), { name: 'ConfigError', message: 'disk.metric_type is invalid' })
  })
})

describe('tags informer', () => {
  it('one partitionable tag:<name> metric per tag, value = tag value', async () => {
    const inf = createTagsInformer({ logger }, { metricTTL: 30_000, tags: { region: 'eu', group: 'default' } })
    assert.equal(inf.name, 'tags')
    const ms = await inf.getMetrics()
    assert.deepEqual(ms.map(pick), [
      { name: 'tag:group', value: 'default', valid: true, weight: 0n, partitionable: true, peer: '' },
      { name: 'tag:region', value: 'eu', valid: true, weight: 0n, partitionable: true, peer: '' }
    ])
    for (const m of ms) assertTTL(m, 30_000)
  })

  it('without tags returns one invalid tag:none metric', async () => {
    const inf = createTagsInformer({ logger }, { metricTTL: 30_000, tags: {} })
    const ms = await inf.getMetrics()
    assert.deepEqual(ms.map(pick), [{ name: 'tag:none', value: '', valid: false, weight: 0n, partitionable: true, peer: '' }])
  })
})

describe('pinqueue informer', () => {
  it('value = queue length, weight = -(length / weight_bucket_size)', async () => {
    const cases: Array<[number, number, bigint]> = [
      [0, 100_000, 0n],
      [99_999, 100_000, 0n],
      [100_000, 100_000, -1n],
      [250_000, 100_000, -2n],
      [7, 3, -2n],
      [42, 0, -42n]
    ]
    for (const [len, bucket, weight] of cases) {
      const inf = createPinQueueInformer({ logger, pinQueueSize: async () => len }, { metricTTL: 30_000, weightBucketSize: bucket })
      assert.equal(inf.name, 'pinqueue')
      const [m] = await inf.getMetrics()
      assert.deepEqual(pick(m), { name: 'pinqueue', value: String(len), valid: true, weight, partitionable: false, peer: '' }, `len ${len} bucket ${bucket}`)
    }
  })

  it('is invalid when the tracker cannot be asked', async () => {
    const inf = createPinQueueInformer({ logger, pinQueueSize: async () => { throw new Error('stopped') } }, { metricTTL: 30_000, weightBucketSize: 10 })
    const [m] = await inf.getMetrics()
    assert.deepEqual(pick(m), { name: 'pinqueue', value: '0', valid: false, weight: 0n, partitionable: false, peer: '' })
  })

  it('rejects bad config', () => {
    assert.throws(() => createPinQueueInformer({ logger, pinQueueSize: async () => 0 }, { metricTTL: -1, weightBucketSize: 1 }), { message: 'pinqueue.metric_ttl is invalid' })
    assert.throws(() => createPinQueueInformer({ logger, pinQueueSize: async () => 0 }, { metricTTL: 1, weightBucketSize: -1 }), { name: 'ConfigError' })
  })
})

describe('numpin informer', () => {
  it('counts recursive and direct pins from a stream', async () => {
    let asked: string[] = []
    const inf = createNumpinInformer({
      logger,
      pinLs: async function * (types) {
        asked = types
        for (let i = 0; i < 1234; i++) yield { i }
      }
    })
    assert.equal(inf.name, 'numpin')
    const [m] = await inf.getMetrics()
    assert.deepEqual(asked, ['recursive', 'direct'])
    assert.deepEqual(pick(m), { name: 'numpin', value: '1234', valid: true, weight: -1234n, partitionable: false, peer: '' })
    assertTTL(m, 10_000)
  })

  it('is invalid when listing fails midway', async () => {
    const inf = createNumpinInformer({
      logger,
      pinLs: async function * () {
        yield 1
        throw new Error('ipfs died')
      }
    }, { metricTTL: 5000 })
    const [m] = await inf.getMetrics()
    assert.equal(m.valid, false)
    assert.ok(m.expire > nowNs() + 4000n * NS_PER_MS)
  })
})
