/**
 * System benchmarks of one peer (`ipfs-cluster-service daemon` against a
 * fake Kubo process in mock mode, everything on 127.0.0.1):
 *
 * - `pins-rest`: pins accepted through `POST /pins/<cid>` per second
 *   (concurrent keep-alive clients, distinct CIDs), without and with
 *   `crdt.batching`;
 * - `pin-ls`: `ipfs-cluster-ctl pin ls` over a large pinset (the built
 *   binary, output to /dev/null): wall time, peak RSS of ctl and daemon;
 * - `startup`: daemon start until `GET /version` and `GET /id` answer, with
 *   the large pinset in the state (IPFS holding the pins, and IPFS empty so
 *   that the tracker's startup recover has to re-pin everything);
 * - `state-export-import`: `state export` then `state import` of the large
 *   pinset: durations and peak RSS.
 *
 * Usage: node dist/bench/peer-core.js <bench>... [--runs 3] [--pins 1000000]
 *        [--rest-pins 20000] [--concurrency 64]
 * The large pinset is generated, imported offline (`state import`) and
 * shared by the benches of one invocation.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  BASE_ENV, CTL_BIN, MiB, mbGoal, SERVICE_BIN, answers, benchCid, countLines, fmt, initPeer, machine, now, parseArgsLoose,
  launchDaemon, percentile, pinLoad, report, runNode, spawnNode, startKubo, stateImport, tempDir, waitIdle, waitReady, writePinset,
  benchNames, runBenches
} from './lib/harness.js'
import type { Kubo, Metric, Peer, Proc } from './lib/harness.js'

const args = parseArgsLoose(process.argv.slice(2))
const benches = benchNames(process.argv.slice(2))
const RUNS = Number(args.runs ?? 3)
const PINS = Number(args.pins ?? 1_000_000)
const REST_PINS = Number(args['rest-pins'] ?? 20_000)
const CONCURRENCY = Number(args.concurrency ?? 64)

console.log(`machine: ${JSON.stringify(machine())}`)

// ---------------------------------------------------------------------------
// (a) pins through the REST API
// ---------------------------------------------------------------------------

async function pinsRest (): Promise<void> {
  const metrics: Metric[] = []
  for (const batching of [false, true]) {
    const label = batching ? 'batching 5000/1s' : 'no batching'
    const dir = await tempDir('pins-rest')
    const kubo = await startKubo(dir, 'kubo')
    const peer = await initPeer({
      dir: join(dir, 'peer'),
      name: 'peer',
      kuboAddr: kubo.addr,
      batching: batching ? { maxBatchSize: 5000, maxBatchAge: '1s' } : undefined
    })
    const daemon = await launchDaemon(peer)
    // warm-up (JIT, connections)
    let seq = 0
    const take = (n: number): string[] => Array.from({ length: n }, () => benchCid(1, seq++))
    await pinLoad([peer.restPort], take(1000), CONCURRENCY)
    const rates: number[] = []
    const p50: number[] = []
    const p99: number[] = []
    const cpuPerPin: number[] = []
    for (let r = 0; r < RUNS; r++) {
      await waitIdle(daemon, { windowMs: 1000, maxLoad: 0.1 })
      const cpu0 = daemon.cpuMs()
      const res = await pinLoad([peer.restPort], take(REST_PINS), CONCURRENCY)
      // the tracker's IPFS pins finish after the acknowledgements
      await waitIdle(daemon, { windowMs: 1000, maxLoad: 0.1 })
      cpuPerPin.push((daemon.cpuMs() - cpu0) / res.ok)
      if (res.failed > 0) throw new Error(`${res.failed} pins failed: ${res.firstError ?? ''}`)
      const rate = res.ok / res.ms * 1000
      rates.push(rate)
      p50.push(percentile(res.latencies, 0.5))
      p99.push(percentile(res.latencies, 0.99))
      console.log(`pins-rest (${label}) run ${r + 1}: ${res.ok} pins in ${fmt(res.ms / 1000, 2)} s = ${fmt(rate, 0)} pins/s, latency p50 ${fmt(p50[r])} ms p99 ${fmt(p99[r])} ms; daemon CPU ${fmt(cpuPerPin[r], 3)} ms per pin (REST, consensus, IPFS pin)`)
    }
    const total = await countLines(peer.restPort, '/allocations?filter=all')
    if (total !== seq) throw new Error(`state holds ${total} pins, expected ${seq}`)
    console.log(`pins-rest (${label}): state holds all ${total} pins; daemon peak RSS ${fmt(daemon.peakRss() / MiB)} MiB`)
    metrics.push({ name: `REST pins/s (${label}, ${CONCURRENCY} clients)`, unit: 'pins/s', values: rates, goal: 2000, kind: 'min' })
    metrics.push({ name: `REST pin latency p50 (${label})`, unit: 'ms', values: p50 })
    metrics.push({ name: `REST pin latency p99 (${label})`, unit: 'ms', values: p99 })
    metrics.push({ name: `daemon CPU per pin (${label}; includes pinning in IPFS)`, unit: 'ms', values: cpuPerPin })
    await daemon.stop()
    await kubo.proc.stop()
  }
  report('pins-rest', metrics, { pinsPerRun: REST_PINS, concurrency: CONCURRENCY })
}

// ---------------------------------------------------------------------------
// The large-pinset fixture shared by (b), (c), (d)
// ---------------------------------------------------------------------------

interface Fixture {
  dir: string
  stateFile: string
  cidsFile: string
  peer: Peer
  kubo: Kubo
  importMs: number
  importRss: number
}

let fixture: Fixture | undefined

async function largeFixture (): Promise<Fixture> {
  if (fixture != null) return fixture
  const dir = await tempDir('large')
  const stateFile = join(dir, 'state.json')
  const cidsFile = join(dir, 'cids.txt')
  let t = now()
  await writePinset(stateFile, PINS, 7, cidsFile)
  console.log(`fixture: generated ${PINS} pins in ${fmt((now() - t) / 1000, 1)} s`)
  t = now()
  const kubo = await startKubo(dir, 'kubo', cidsFile)
  console.log(`fixture: fake Kubo preloaded with ${PINS} pins in ${fmt((now() - t) / 1000, 1)} s`)
  const peer = await initPeer({ dir: join(dir, 'peer'), name: 'peer', kuboAddr: kubo.addr })
  const imp = await stateImport(peer, stateFile)
  console.log(`fixture: state import of ${PINS} pins in ${fmt(imp.ms / 1000, 1)} s (peak RSS ${fmt(imp.peakRss / MiB)} MiB)`)
  fixture = { dir, stateFile, cidsFile, peer, kubo, importMs: imp.ms, importRss: imp.peakRss }
  return fixture
}

/** Starts the fixture's daemon and waits until it is ready and its startup work has settled. */
async function startSettled (f: Fixture): Promise<Proc> {
  const t0 = now()
  const daemon = await launchDaemon(f.peer)
  const idle = await waitIdle(daemon)
  console.log(`daemon ready and idle after ${fmt((now() - t0) / 1000, 1)} s (idle wait ${fmt(idle / 1000, 1)} s)`)
  return daemon
}

// ---------------------------------------------------------------------------
// (b) ctl pin ls
// ---------------------------------------------------------------------------

async function pinLs (): Promise<void> {
  const f = await largeFixture()
  const daemon = await startSettled(f)
  const host = `/ip4/127.0.0.1/tcp/${f.peer.restPort}`
  // correctness once: every pin is listed
  const outFile = join(f.dir, 'pin-ls.txt')
  const check = await runNode('ctl-check', CTL_BIN, ['--host', host, 'pin', 'ls'], outFile)
  const lines = (await readFile(outFile, 'utf8')).split('\n').filter((l) => l !== '').length
  if (check.code !== 0 || lines !== PINS) throw new Error(`ctl pin ls: exit ${check.code}, ${lines} lines (expected ${PINS})`)
  console.log(`pin-ls: ctl listed ${lines} pins (verification run, output to a file: ${fmt(check.ms / 1000, 2)} s)`)
  const walls: number[] = []
  const ctlRss: number[] = []
  const ctlCpu: number[] = []
  const daemonCpu: number[] = []
  for (let r = 0; r < RUNS; r++) {
    const dcpu0 = daemon.cpuMs()
    const res = await runNode('ctl', CTL_BIN, ['--host', host, 'pin', 'ls'], join(f.dir, 'ctl.log'), { stdout: 'null' })
    if (res.code !== 0) throw new Error(`ctl pin ls exited with ${res.code}`)
    walls.push(res.ms / 1000)
    ctlRss.push(res.peakRss / MiB)
    ctlCpu.push(res.cpuMs / 1000)
    daemonCpu.push((daemon.cpuMs() - dcpu0) / 1000)
    console.log(`pin-ls run ${r + 1}: ${fmt(res.ms / 1000, 2)} s, ctl peak RSS ${fmt(res.peakRss / MiB)} MiB, CPU: ctl ${fmt(res.cpuMs / 1000, 2)} s, daemon ${fmt(daemonCpu[r], 2)} s; daemon peak RSS so far ${fmt(daemon.peakRss() / MiB)} MiB`)
  }
  const daemonRss = daemon.peakRss() / MiB
  await daemon.stop()
  report('pin-ls', [
    { name: `ctl pin ls of ${PINS} pins, wall time`, unit: 's', values: walls, goal: 10, kind: 'max' },
    { name: 'ctl peak RSS', unit: 'MiB', values: ctlRss, goal: mbGoal(250), kind: 'max' },
    { name: 'ctl CPU time (user+sys)', unit: 's', values: ctlCpu },
    { name: 'daemon CPU time during the listing', unit: 's', values: daemonCpu },
    { name: 'daemon peak RSS (start, settle, all listings)', unit: 'MiB', values: [daemonRss], goal: mbGoal(250), kind: 'max' }
  ], { pins: PINS })
}

// ---------------------------------------------------------------------------
// (c) daemon start until the REST API answers
// ---------------------------------------------------------------------------

async function pollUntil (port: number, path: string, t0: number): Promise<number> {
  while (!(await answers(port, path))) {
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  return now() - t0
}

async function startup (): Promise<void> {
  const f = await largeFixture()
  const metrics: Metric[] = []
  for (const kuboHasPins of [true, false]) {
    const label = kuboHasPins ? 'IPFS holds the pins' : 'IPFS empty: startup recover re-pins all'
    let kubo = f.kubo
    if (!kuboHasPins) {
      // an empty fake Kubo on the same address is not possible (port held):
      // start another one and point the peer at it through the environment
      kubo = await startKubo(f.dir, 'kubo-empty')
    }
    const versionMs: number[] = []
    const idMs: number[] = []
    const readyMs: number[] = []
    const rss: number[] = []
    for (let r = 0; r < RUNS; r++) {
      const t0 = now()
      const daemon = spawnNode(`daemon-${r}`, SERVICE_BIN, ['-c', f.peer.dir, 'daemon'], join(f.dir, `startup-${kuboHasPins ? 'full' : 'empty'}-${r}.log`), {
        env: { ...BASE_ENV, CLUSTER_IPFSHTTP_NODEMULTIADDRESS: kubo.addr }
      })
      const [v, i] = await Promise.all([pollUntil(f.peer.restPort, '/version', t0), pollUntil(f.peer.restPort, '/id', t0)])
      versionMs.push(v / 1000)
      idMs.push(i / 1000)
      await waitReady(f.peer, daemon)
      readyMs.push((now() - t0) / 1000)
      // how the daemon behaves while the startup recover runs
      let apiWorst = 0
      const until = now() + (kuboHasPins ? 5000 : 20000)
      while (now() < until) {
        const s = now()
        await answers(f.peer.restPort, '/id')
        apiWorst = Math.max(apiWorst, now() - s)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      rss.push(daemon.peakRss() / MiB)
      console.log(`startup (${label}) run ${r + 1}: /version ${fmt(v / 1000, 2)} s, /id ${fmt(i / 1000, 2)} s, READY ${fmt(readyMs[r], 2)} s; worst /id latency in the next ${kuboHasPins ? 5 : 20} s ${fmt(apiWorst, 0)} ms; peak RSS ${fmt(rss[r])} MiB`)
      await daemon.stop()
    }
    metrics.push({ name: `start → GET /version answers (${label})`, unit: 's', values: versionMs, goal: 2, kind: 'max' })
    metrics.push({ name: `start → GET /id answers (${label})`, unit: 's', values: idMs, goal: 2, kind: 'max' })
    metrics.push({ name: `start → READY logged (${label})`, unit: 's', values: readyMs })
    metrics.push({ name: `daemon peak RSS, first ${kuboHasPins ? 5 : 20} s after READY (${label})`, unit: 'MiB', values: rss, goal: mbGoal(250), kind: 'max' })
    if (!kuboHasPins) await kubo.proc.stop()
  }
  report('startup', metrics, { pins: PINS })
}

// ---------------------------------------------------------------------------
// (d) state export / import
// ---------------------------------------------------------------------------

async function stateExportImport (): Promise<void> {
  const f = await largeFixture()
  const exportMs: number[] = []
  const exportRss: number[] = []
  const importMs: number[] = []
  const importRss: number[] = []
  const file = join(f.dir, 'export.json')
  for (let r = 0; r < RUNS; r++) {
    const ex = await runNode('export', SERVICE_BIN, ['-c', f.peer.dir, 'state', 'export', '-f', file], join(f.dir, 'export.log'))
    if (ex.code !== 0) throw new Error(`state export exited with ${ex.code}`)
    if (r === 0) {
      const n = await countFileLines(file)
      if (n !== PINS) throw new Error(`export holds ${n} lines, expected ${PINS}`)
    }
    const im = await stateImport(f.peer, file)
    exportMs.push(ex.ms / 1000)
    exportRss.push(ex.peakRss / MiB)
    importMs.push(im.ms / 1000)
    importRss.push(im.peakRss / MiB)
    console.log(`state-export-import run ${r + 1}: export ${fmt(ex.ms / 1000, 2)} s (peak RSS ${fmt(ex.peakRss / MiB)} MiB), import ${fmt(im.ms / 1000, 2)} s (peak RSS ${fmt(im.peakRss / MiB)} MiB)`)
  }
  report('state-export-import', [
    { name: `state export of ${PINS} pins`, unit: 's', values: exportMs },
    { name: 'state export peak RSS', unit: 'MiB', values: exportRss },
    { name: `state import of ${PINS} pins`, unit: 's', values: importMs },
    { name: 'state import peak RSS', unit: 'MiB', values: importRss }
  ], { pins: PINS, firstImportOfGeneratedFile: { s: f.importMs / 1000, rssMiB: f.importRss / MiB } })
}

async function countFileLines (path: string): Promise<number> {
  const { createReadStream } = await import('node:fs')
  let n = 0
  for await (const chunk of createReadStream(path)) {
    const b = chunk as Buffer
    let i = -1
    while ((i = b.indexOf(10, i + 1)) !== -1) n++
  }
  return n
}

// ---------------------------------------------------------------------------

const BENCHES: Record<string, () => Promise<void>> = {
  'pins-rest': pinsRest,
  'pin-ls': pinLs,
  startup,
  'state-export-import': stateExportImport
}

await runBenches(BENCHES, benches)
