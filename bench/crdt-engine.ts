/**
 * CRDT engine figures (prints a report; not a test).
 *
 *   npx tsc -p tsconfig.json && node dist/bench/crdt-engine.js [pins=1000000]
 *
 * 1. Replica A applies N pins through batched `logPin` (write-ahead log,
 *    ~1 MiB deltas).
 * 2. Replica B, empty, catches up on A's DAG through the in-memory syncer.
 * 3. Reopening A's store (N pins): start time vs an empty store.
 * 4. `logPin` throughput with and without batching, 3 replicas, until every
 *    replica has every pin.
 *
 * Everything runs in this process on LevelDB stores in a temporary folder.
 */
import '../src/polyfill.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { createKVStore } from '../src/datastore/index.js'
import { createCRDTConsensus } from '../src/consensus/crdt/index.js'
import { silentLogger } from '../src/logging/index.js'
import { defaultPinOptions, newPin } from '../src/api/json.js'
import { CRDTTestNetwork } from '../test/fakes/crdt-network.js'
import { testPeerId } from '../test/helpers/pins.js'
import type { CRDTConsensus, CRDTConsensusInit } from '../src/consensus/crdt/index.js'
import type { KVStore } from '../src/interfaces.js'
import type { Pin } from '../src/api/types.js'

setFlagsFromString('--expose_gc')
const gc = runInNewContext('gc') as () => void

const N = Number(process.argv[2] ?? 1000000)
const HOUR = 3600000
const MB = 1024 * 1024

function config (over: Partial<CRDTConsensusInit> = {}): CRDTConsensusInit {
  return {
    clusterName: 'bench',
    trustedPeers: ['*'],
    trustAll: true,
    batching: { maxBatchSize: 0, maxBatchAge: 0, maxQueueSize: 50000 },
    repairInterval: HOUR,
    rebroadcastInterval: HOUR,
    peersetMetric: 'ping',
    datastoreNamespace: '/c',
    ...over
  }
}

const peers = [testPeerId(1), testPeerId(2), testPeerId(3)]
const template = newPin(CID.parse('bafkreiabmxuv6ktfam5xyvyj4uombmgzjg7mqpfvd2qppyldwfiel4i53y'), { ...defaultPinOptions(), replicationFactorMin: 2, replicationFactorMax: 3 })

/** A realistic pin: CIDv1 raw sha2-256, 3 allocations, a name, a timestamp. */
function makePin (i: number, prefix = 0): Pin {
  const digest = new Uint8Array(32)
  const dv = new DataView(digest.buffer)
  dv.setUint32(0, prefix)
  dv.setUint32(4, i)
  return { ...template, cid: CID.createV1(0x55, Digest.create(0x12, digest)), name: `file-${i}.bin`, allocations: peers, timestamp: new Date(1750000000000 + i * 1000) }
}

interface Replica {
  name: string
  store: KVStore
  consensus: CRDTConsensus
  pinned: number
}

async function startReplica (network: CRDTTestNetwork, dir: string, name: string, cfg: Partial<CRDTConsensusInit>): Promise<Replica> {
  const id = testPeerId(name)
  const store = createKVStore({ path: join(dir, name) })
  const r: Replica = { name, store, consensus: undefined as unknown as CRDTConsensus, pinned: 0 }
  const endpoint = network.join(id, async (cid) => await r.consensus.getBlock(cid))
  r.consensus = createCRDTConsensus({
    store,
    peerId: id,
    logger: silentLogger(),
    pubsub: endpoint.pubsub,
    dagSyncer: endpoint.dagSyncer,
    onPin: () => { r.pinned++ }
  }, config(cfg))
  await r.consensus.start()
  return r
}

async function stopReplica (r: Replica): Promise<void> {
  await r.consensus.stop()
  await r.store.stop()
}

function heapMB (): number {
  return process.memoryUsage().heapUsed / MB
}

function rssMB (): number {
  return process.memoryUsage().rss / MB
}

function cpuSeconds (start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start)
  return (u.user + u.system) / 1e6
}

async function until (cond: () => boolean | Promise<boolean>, sample?: () => void, timeout = 3600000): Promise<void> {
  const deadline = Date.now() + timeout
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('timed out')
    sample?.()
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

function fmt (n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
}

async function main (): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'crdt-bench-'))
  const out: string[] = []
  const report = (s: string): void => {
    out.push(s)
    process.stdout.write(s + '\n')
  }
  report(`# CRDT engine benchmark (${fmt(N)} pins, node ${process.version}, ${new Date().toISOString()})`)
  try {
    // ---------------------------------------------------------------- 1
    const network = new CRDTTestNetwork()
    const a = await startReplica(network, dir, 'a', { batching: { maxBatchSize: 10000000, maxBatchAge: HOUR, maxQueueSize: 200000 } })
    gc()
    const heap0 = heapMB()
    let heapPeak = 0
    let t0 = Date.now()
    let cpu0 = process.cpuUsage()
    const WINDOW = 128
    const inflight = new Set<Promise<void>>()
    for (let i = 0; i < N; i++) {
      const p = a.consensus.logPin(makePin(i)).finally(() => inflight.delete(p))
      inflight.add(p)
      if (inflight.size >= WINDOW) await Promise.race(inflight)
      if (i % 100000 === 0 && i > 0) {
        gc()
        heapPeak = Math.max(heapPeak, heapMB() - heap0)
      }
    }
    await Promise.all(inflight)
    const ackSeconds = (Date.now() - t0) / 1000
    await a.consensus.commitPending()
    let secs = (Date.now() - t0) / 1000
    const info = a.consensus.info()
    report(`\n## 1. Replica A applies ${fmt(N)} pins through batched logPin (write-ahead log, ~1 MiB deltas, ${WINDOW} calls in flight)`)
    report(`acknowledged in ${fmt(ackSeconds, 1)} s, all committed in ${fmt(secs, 1)} s → ${fmt(N / secs)} pins/s (CPU ${fmt(cpuSeconds(cpu0), 1)} s)`)
    report(`DAG: ${fmt(Number(info.maxHeight))} nodes (~${fmt(N / Number(info.maxHeight))} pins per delta), heads ${info.heads.length}; hooks fired ${fmt(a.pinned)}`)
    report(`heap growth (after GC) at most ${fmt(heapPeak, 1)} MB; RSS ${fmt(rssMB())} MB`)

    // ---------------------------------------------------------------- 2
    gc()
    const heap1 = heapMB()
    heapPeak = 0
    const b = await startReplica(network, dir, 'b', {})
    t0 = Date.now()
    cpu0 = process.cpuUsage()
    await a.consensus.rebroadcast()
    await until(() => b.pinned >= N, () => {
      const h = heapMB() - heap1
      if (h > heapPeak) heapPeak = h
    })
    secs = (Date.now() - t0) / 1000
    report(`\n## 2. Replica B (empty) catches up on that DAG through the in-memory DAG syncer`)
    report(`${fmt(N)} pins applied in ${fmt(secs, 1)} s → ${fmt(N / secs)} pins/s (CPU ${fmt(cpuSeconds(cpu0), 1)} s); blocks fetched ${fmt(network.stats.fetches)}`)
    report(`heap above start, sampled every 50 ms (no forced GC): at most ${fmt(heapPeak, 1)} MB; RSS ${fmt(rssMB())} MB; B dirty: ${b.consensus.info().dirty}, same heads: ${b.consensus.info().heads.map(String).join() === info.heads.map(String).join()}`)
    await stopReplica(b)

    // ---------------------------------------------------------------- 3
    await stopReplica(a)
    network.leave(testPeerId('a'))
    const openTimes: number[] = []
    for (let i = 0; i < 3; i++) {
      const store = createKVStore({ path: join(dir, 'a') })
      const c = createCRDTConsensus({ store, peerId: testPeerId('a'), logger: silentLogger() }, config({ offline: true }))
      const s = performance.now()
      await c.start()
      openTimes.push(performance.now() - s)
      const heads = c.info().heads.length
      await c.stop()
      await store.stop()
      if (heads !== 1) throw new Error('bad reopen')
    }
    const emptyTimes: number[] = []
    for (let i = 0; i < 3; i++) {
      const store = createKVStore({ path: join(dir, `empty${i}`) })
      const c = createCRDTConsensus({ store, peerId: testPeerId('e'), logger: silentLogger() }, config({ offline: true }))
      const s = performance.now()
      await c.start()
      emptyTimes.push(performance.now() - s)
      await c.stop()
      await store.stop()
    }
    report(`\n## 3. Start time (open LevelDB + CRDT start), ${fmt(N)} pins vs empty store`)
    report(`${fmt(N)} pins: ${openTimes.map((t) => fmt(t, 1)).join(' / ')} ms; empty: ${emptyTimes.map((t) => fmt(t, 1)).join(' / ')} ms`)

    // ---------------------------------------------------------------- 4
    report('\n## 4. logPin throughput, 3 replicas, until every replica has every pin')
    for (const [label, batchingCfg, count, window] of [
      ['unbatched, sequential calls', { maxBatchSize: 0, maxBatchAge: 0, maxQueueSize: 50000 }, 3000, 1],
      ['unbatched, 16 calls in flight', { maxBatchSize: 0, maxBatchAge: 0, maxQueueSize: 50000 }, 5000, 16],
      ['batched (500 items / 200 ms), sequential calls', { maxBatchSize: 500, maxBatchAge: 200, maxQueueSize: 50000 }, 50000, 1],
      ['batched (500 items / 200 ms), 64 calls in flight', { maxBatchSize: 500, maxBatchAge: 200, maxQueueSize: 50000 }, 100000, 64]
    ] as Array<[string, CRDTConsensusInit['batching'], number, number]>) {
      const net = new CRDTTestNetwork()
      const sub = join(dir, `tp-${Math.random().toString(36).slice(2)}`)
      const rs: Replica[] = []
      for (const n of ['x', 'y', 'z']) rs.push(await startReplica(net, sub, n, { batching: batchingCfg }))
      const start = Date.now()
      const cpu = process.cpuUsage()
      const pending = new Set<Promise<void>>()
      for (let i = 0; i < count; i++) {
        const p = rs[i % 3].consensus.logPin(makePin(i, 7)).finally(() => pending.delete(p))
        pending.add(p)
        if (pending.size >= window) await Promise.race(pending)
      }
      await Promise.all(pending)
      const acked = (Date.now() - start) / 1000
      await until(() => rs.every((r) => r.pinned >= count))
      const s = (Date.now() - start) / 1000
      report(`${label}: ${fmt(count)} pins written round-robin on 3 replicas: acknowledged at ${fmt(count / acked)} /s, on all replicas at ${fmt(count / s)} /s (${fmt(s, 1)} s, CPU ${fmt(cpuSeconds(cpu), 1)} s)`)
      for (const r of rs) await stopReplica(r)
      net.close()
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
