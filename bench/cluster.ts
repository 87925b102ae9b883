/**
 * System benchmarks of a cluster on this machine: three peers (a fake Kubo
 * each, mock mode), bootstrapped together, everything on 127.0.0.1.
 *
 * - `cluster-ingest`: pins posted to the three REST APIs (concurrent
 *   clients spread over the peers) until acknowledged and visible in the
 *   state of all three peers; with `crdt.batching` (5000 / 1s) and without.
 * - `cluster-catchup`: a cluster whose state holds a large pinset (imported
 *   into the first peer, then replicated to the other two); a 4th peer
 *   bootstraps and its state fills up: items/s. Also the peak RSS of each
 *   peer with that pinset.
 *
 * Visibility is checked cheaply: a sample of the CIDs (every `--sample`th)
 * through `GET /allocations/<cid>` (a delta is merged atomically, and the
 * sample has several CIDs per delta); once the sample is complete the full
 * count is confirmed with `GET /allocations?filter=all`.
 *
 * Usage: node dist/bench/cluster.js <bench>... [--runs 3] [--pins 1000000]
 *        [--batch-pins 50000] [--nobatch-pins 5000] [--concurrency 64]
 */
import { join } from 'node:path'
import {
  MiB, mbGoal, benchCid, bootstrapAddr, countLines, fmt, initPeer, machine, now, parseArgsLoose, pinLoad, report, request,
  launchDaemon, sleep, startKubo, stateImport, tempDir, waitFor, waitIdle, writePinset,
  benchNames, runBenches
} from './lib/harness.js'
import type { Kubo, Metric, Peer, Proc } from './lib/harness.js'

const args = parseArgsLoose(process.argv.slice(2))
const benches = benchNames(process.argv.slice(2))
const RUNS = Number(args.runs ?? 3)
const PINS = Number(args.pins ?? 1_000_000)
const BATCH_PINS = Number(args['batch-pins'] ?? 50_000)
const NOBATCH_PINS = Number(args['nobatch-pins'] ?? 5_000)
const CONCURRENCY = Number(args.concurrency ?? 64)
const SAMPLE = Number(args.sample ?? 1000)
/** Heads are re-announced this often (default 1 min): a joining peer learns them at the next one. */
const REBROADCAST = args.rebroadcast ?? '5s'

console.log(`machine: ${JSON.stringify(machine())}`)

interface Member {
  peer: Peer
  kubo: Kubo
  daemon: Proc
}

interface ClusterOptions {
  dir: string
  batching?: { maxBatchSize: number, maxBatchAge: string, maxQueueSize?: number }
  /** Import this state file into the first peer before starting it. */
  stateFile?: string
  /** Preload every fake Kubo with these CIDs. */
  cidsFile?: string
}

async function addMember (o: ClusterOptions, i: number, secret: string | undefined, bootstrap: Peer | undefined, logName?: string): Promise<Member> {
  const kubo = await startKubo(o.dir, `kubo${i}${logName ?? ''}`, o.cidsFile)
  const peer = await initPeer({ dir: join(o.dir, `peer${i}${logName ?? ''}`), name: `peer${i}`, kuboAddr: kubo.addr, secret, batching: o.batching, rebroadcastInterval: REBROADCAST })
  return { peer, kubo, daemon: undefined as unknown as Proc }
}

/** Peers listed in `/id` of a peer (its view of the peerset). */
async function peerCount (peer: Peer): Promise<number> {
  try {
    const r = await request(peer.restPort, 'GET', '/id', { timeout: 5000 })
    return (JSON.parse(r.body).cluster_peers ?? []).length
  } catch {
    return 0
  }
}

async function startCluster (o: ClusterOptions, n: number): Promise<Member[]> {
  const first = await addMember(o, 1, undefined, undefined)
  if (o.stateFile != null) {
    const imp = await stateImport(first.peer, o.stateFile)
    console.log(`cluster: imported the pinset into peer1 in ${fmt(imp.ms / 1000, 1)} s`)
  }
  first.daemon = await launchDaemon(first.peer)
  const members = [first]
  for (let i = 2; i <= n; i++) {
    const m = await addMember(o, i, first.peer.secret, first.peer)
    m.daemon = await launchDaemon(m.peer, { bootstrap: [bootstrapAddr(first.peer)] })
    members.push(m)
  }
  await waitFor(async () => {
    for (const m of members) if (await peerCount(m.peer) < n) return false
    return true
  }, { timeout: 120000, interval: 250, what: `every peer to see ${n} peers` })
  return members
}

/**
 * Waits until every CID of `sample` is in the state of `peer` (checking
 * only the missing ones), then until the full count is `total`. Returns
 * the time at which the sample was complete (or the count matched).
 */
async function waitVisible (peer: Peer, sample: string[], total: number, timeout: number): Promise<number> {
  let missing = sample
  const deadline = Date.now() + timeout
  while (missing.length > 0) {
    const still: string[] = []
    for (let i = 0; i < missing.length; i += 32) {
      const part = missing.slice(i, i + 32)
      const rs = await Promise.all(part.map(async (c) => await request(peer.restPort, 'GET', `/allocations/${c}`).catch(() => ({ status: 0, body: '' }))))
      rs.forEach((r, j) => { if (r.status !== 200) still.push(part[j]) })
      if (still.length > 0) {
        still.push(...missing.slice(i + 32))
        break
      }
    }
    missing = still
    if (missing.length === 0) break
    if (Date.now() > deadline) throw new Error(`${peer.name}: ${missing.length} sampled CIDs still missing after ${timeout} ms`)
    await sleep(50)
  }
  const at = now()
  while (true) {
    const c = await countLines(peer.restPort, '/allocations?filter=all')
    if (c === total) return at
    if (c > total) throw new Error(`${peer.name}: ${c} pins in the state, expected ${total}`)
    console.log(`  ${peer.name}: sample complete but ${c}/${total} pins: polling the count`)
    if (Date.now() > deadline) throw new Error(`${peer.name}: ${c} pins after ${timeout} ms, expected ${total}`)
    await sleep(200)
  }
}

function sampleOf (cids: string[]): string[] {
  const s: string[] = []
  for (let i = 0; i < cids.length; i += SAMPLE) s.push(cids[i])
  s.push(cids[cids.length - 1])
  return s
}

// ---------------------------------------------------------------------------
// (e) ingestion
// ---------------------------------------------------------------------------

async function ingest (): Promise<void> {
  const metrics: Metric[] = []
  for (const batching of [true, false]) {
    const label = batching ? 'batching 5000/1s' : 'no batching'
    const n = batching ? BATCH_PINS : NOBATCH_PINS
    const dir = await tempDir('ingest')
    const members = await startCluster({ dir, batching: batching ? { maxBatchSize: 5000, maxBatchAge: '1s' } : undefined }, 3)
    const ports = members.map((m) => m.peer.restPort)
    let seq = 0
    let total = 0
    const take = (k: number): string[] => Array.from({ length: k }, () => benchCid(2, seq++))
    // warm-up
    const warm = take(Math.min(1000, n))
    await pinLoad(ports, warm, CONCURRENCY)
    total += warm.length
    for (const m of members) await waitVisible(m.peer, sampleOf(warm), total, 120000)
    const rates: number[] = []
    const ackRates: number[] = []
    const cpuPerPin: number[] = []
    const procs = members.flatMap((m) => [m.daemon, m.kubo.proc])
    for (let r = 0; r < RUNS; r++) {
      for (const m of members) await waitIdle(m.daemon, { windowMs: 1000, maxLoad: 0.15 })
      const cpu0 = procs.map((p) => p.cpuMs())
      const cids = take(n)
      total += n
      const t0 = now()
      const res = await pinLoad(ports, cids, CONCURRENCY)
      if (res.failed > 0) throw new Error(`${res.failed} pins failed: ${res.firstError ?? ''}`)
      const sample = sampleOf(cids)
      const seen = await Promise.all(members.map(async (m) => await waitVisible(m.peer, sample, total, 600000)))
      const done = Math.max(...seen) - t0
      rates.push(n / done * 1000)
      ackRates.push(n / res.ms * 1000)
      // CPU of the whole cluster for these pins, once the trackers have pinned them in IPFS
      for (const m of members) await waitIdle(m.daemon, { windowMs: 1000, maxLoad: 0.15, timeout: 1800000 })
      cpuPerPin.push(procs.reduce((sum, p, i) => sum + p.cpuMs() - cpu0[i], 0) / n)
      console.log(`cluster-ingest (${label}) run ${r + 1}: ${n} pins acknowledged in ${fmt(res.ms / 1000, 2)} s (${fmt(ackRates[r], 0)}/s), visible on all 3 peers after ${fmt(done / 1000, 2)} s = ${fmt(rates[r], 0)} pins/s; CPU of 3 peers + 3 fake Kubos ${fmt(cpuPerPin[r], 3)} ms per pin`)
    }
    const rss = members.map((m) => m.daemon.peakRss() / MiB)
    console.log(`cluster-ingest (${label}): peak RSS per peer ${rss.map((v) => fmt(v)).join(', ')} MiB`)
    metrics.push({ name: `pins/s acknowledged and visible on 3 peers (${label}, ${n} pins per run)`, unit: 'pins/s', values: rates, goal: batching ? 5000 : 500, kind: 'min' })
    metrics.push({ name: `pins/s acknowledged (${label})`, unit: 'pins/s', values: ackRates })
    metrics.push({ name: `CPU per pin, 3 peers + 3 fake Kubos (${label}; includes pinning in IPFS)`, unit: 'ms', values: cpuPerPin })
    for (const m of members) await m.daemon.stop()
    for (const m of members) await m.kubo.proc.stop()
  }
  report('cluster-ingest', metrics, { concurrency: CONCURRENCY })
}

// ---------------------------------------------------------------------------
// (f) a new peer catching up, (g) peak RSS per peer
// ---------------------------------------------------------------------------

async function catchup (): Promise<void> {
  const dir = await tempDir('catchup')
  const stateFile = join(dir, 'state.json')
  const cidsFile = join(dir, 'cids.txt')
  await writePinset(stateFile, PINS, 11, cidsFile)
  const allCids: string[] = []
  for (let i = 0; i < PINS; i += SAMPLE) allCids.push(benchCid(11, i))
  allCids.push(benchCid(11, PINS - 1))
  const o: ClusterOptions = { dir, stateFile, cidsFile }

  const t0 = now()
  const members = await startCluster(o, 3)
  // peers 2 and 3 catch up from peer1
  const firstCatchup = await Promise.all(members.slice(1).map(async (m) => await waitVisible(m.peer, allCids, PINS, 1800000)))
  const initialMs = Math.max(...firstCatchup) - t0
  console.log(`cluster-catchup: peers 2 and 3 have the ${PINS} pins ${fmt(initialMs / 1000, 1)} s after the cluster started (${fmt(PINS / initialMs * 1000, 0)} items/s each, concurrently)`)
  for (const m of members) await waitIdle(m.daemon, { windowMs: 2000, maxLoad: 0.1, timeout: 1800000 })

  const rates: number[] = []
  const ratesAfterFirst: number[] = []
  const newRss: number[] = []
  for (let r = 0; r < RUNS; r++) {
    const m = await addMember(o, 4, members[0].peer.secret, members[0].peer, `-run${r}`)
    const s = now()
    m.daemon = await launchDaemon(m.peer, { bootstrap: [bootstrapAddr(members[0].peer)], logName: `peer4-run${r}` })
    let first = 0
    // when does the first item arrive (head discovery)?
    const firstSeen = (async () => {
      while (true) {
        const r = await request(m.peer.restPort, 'GET', `/allocations/${allCids[allCids.length - 1]}`).catch(() => ({ status: 0 }))
        if (r.status === 200) { first = now(); return }
        const r2 = await request(m.peer.restPort, 'GET', `/allocations/${allCids[0]}`).catch(() => ({ status: 0 }))
        if (r2.status === 200) { first = now(); return }
        await sleep(50)
      }
    })()
    const done = await waitVisible(m.peer, allCids, PINS, 1800000)
    await firstSeen
    const ms = done - s
    rates.push(PINS / ms * 1000)
    ratesAfterFirst.push(PINS / (done - first) * 1000)
    await waitIdle(m.daemon, { windowMs: 2000, maxLoad: 0.1, timeout: 1800000 })
    newRss.push(m.daemon.peakRss() / MiB)
    console.log(`cluster-catchup run ${r + 1}: the new peer has ${PINS} pins ${fmt(ms / 1000, 1)} s after its start (${fmt(rates[r], 0)} items/s; first item after ${fmt((first - s) / 1000, 1)} s, then ${fmt(ratesAfterFirst[r], 0)} items/s); peak RSS ${fmt(newRss[r])} MiB`)
    await m.daemon.stop()
    await m.kubo.proc.stop()
  }
  const rss = members.map((m) => m.daemon.peakRss() / MiB)
  console.log(`cluster-catchup: peak RSS of peers 1-3: ${rss.map((v) => fmt(v)).join(', ')} MiB`)
  report('cluster-catchup', [
    { name: `new peer catch-up on ${PINS} pins, from its start`, unit: 'items/s', values: rates, goal: 20000, kind: 'min', note: `rebroadcast_interval ${REBROADCAST}` },
    { name: 'new peer catch-up, from its first item', unit: 'items/s', values: ratesAfterFirst },
    { name: 'peer 2 and 3 initial catch-up (concurrently, from cluster start)', unit: 'items/s', values: [PINS / initialMs * 1000] },
    { name: `peak RSS of the new peer (${PINS} pins)`, unit: 'MiB', values: newRss, goal: mbGoal(300), kind: 'max' },
    { name: `peak RSS of peers 1-3 (${PINS} pins, max of the three)`, unit: 'MiB', values: [Math.max(...rss)], goal: mbGoal(300), kind: 'max' }
  ], { pins: PINS, rssPeers: rss })
  for (const m of members) await m.daemon.stop()
}

// ---------------------------------------------------------------------------

const BENCHES: Record<string, () => Promise<void>> = {
  'cluster-ingest': ingest,
  'cluster-catchup': catchup
}

await runBenches(BENCHES, benches)
