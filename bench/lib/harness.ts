/**
 * Shared machinery of the system benchmarks (`npm run bench`): temporary
 * folders, child processes (fake Kubo, cluster daemons, ctl) and their peak
 * RSS, peer folders on 127.0.0.1, HTTP helpers, generated pinsets, and the
 * result format read by `scripts/bench.mjs`.
 *
 * Everything listens on 127.0.0.1; `CLUSTER_MDNSINTERVAL=0` is always set.
 * Every process and folder is registered for cleanup, which also runs on
 * SIGINT/SIGTERM.
 */
import { spawn } from 'node:child_process'
import { createWriteStream, openSync, closeSync, readFileSync, rmSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import { createServer } from 'node:net'
import { cpus, tmpdir, totalmem } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { counterCid } from '../../test/fakes/cids.js'
import type { ChildProcess } from 'node:child_process'

/** The repository root (this file runs from `dist/bench/lib`). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
export const SERVICE_BIN = join(ROOT, 'bin', 'ipfs-cluster-service')
export const CTL_BIN = join(ROOT, 'bin', 'ipfs-cluster-ctl')
export const FAKE_KUBO = join(ROOT, 'dist', 'test', 'fakes', 'fake-kubo-main.js')

export const BASE_ENV: Record<string, string> = { ...process.env as Record<string, string>, CLUSTER_MDNSINTERVAL: '0' }

// ---------------------------------------------------------------------------
// Cleanup
// ---------------------------------------------------------------------------

const cleanups: Array<() => Promise<void> | void> = []

/** Registers a cleanup step (run in reverse order). */
export function onCleanup (fn: () => Promise<void> | void): void {
  cleanups.push(fn)
}

export async function cleanupAll (): Promise<void> {
  while (cleanups.length > 0) {
    const fn = cleanups.pop() as () => Promise<void> | void
    try { await fn() } catch {}
  }
}

let signalled = false
const onSignal = (): void => {
  if (signalled) return
  signalled = true
  void cleanupAll().finally(() => process.exit(130))
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal)
// the reader of our output went away (e.g. `| head`): clean up too
process.stdout.on('error', onSignal)
/** Child processes still running: killed at exit whatever happens. */
const children = new Set<ChildProcess>()
/** Temporary folders not removed yet: removed at exit whatever happens. */
const folders = new Set<string>()
process.on('exit', () => {
  for (const c of children) {
    try { c.kill('SIGKILL') } catch {}
  }
  for (const d of folders) {
    try { rmSync(d, { recursive: true, force: true }) } catch {}
  }
})

/** A temporary folder, removed at cleanup. */
export async function tempDir (prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `cluster-bench-${prefix}-`))
  folders.add(dir)
  onCleanup(async () => {
    await rm(dir, { recursive: true, force: true })
    folders.delete(dir)
  })
  return dir
}

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

export async function sleep (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

export function now (): number {
  return performance.now()
}

export function median (xs: number[]): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2
}

export function percentile (xs: number[], p: number): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]
}

/** A goal given in MB (10^6 bytes, as the issues state them) in MiB, the unit RSS is reported in. */
export function mbGoal (mb: number): number {
  return Math.floor(mb * 1e6 / MiB * 10) / 10
}

export const MiB = 1024 * 1024

export function fmt (n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : String(n)
}

/** A free TCP port on 127.0.0.1 (the listener is closed at once). */
export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address()
      const port = typeof addr === 'object' && addr != null ? addr.port : 0
      s.close(() => { resolve(port) })
    })
  })
}

/** Waits for `cond` (polled every `interval` ms). */
export async function waitFor (cond: () => Promise<boolean> | boolean, opts: { timeout: number, interval?: number, what?: string }): Promise<void> {
  const deadline = Date.now() + opts.timeout
  while (true) {
    if (await cond()) return
    if (Date.now() > deadline) throw new Error(`timed out after ${opts.timeout} ms waiting for ${opts.what ?? 'a condition'}`)
    await sleep(opts.interval ?? 50)
  }
}

// ---------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------

/** VmHWM (peak resident set) of a live process in bytes, or undefined. */
export function vmHWM (pid: number): number | undefined {
  return procStatusField(pid, 'VmHWM')
}

/** VmRSS of a live process in bytes, or undefined. */
export function vmRSS (pid: number): number | undefined {
  return procStatusField(pid, 'VmRSS')
}

function procStatusField (pid: number, field: string): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8')
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)
    return m != null ? Number(m[1]) * 1024 : undefined
  } catch {
    return undefined
  }
}

export interface Proc {
  readonly name: string
  readonly pid: number
  readonly child: ChildProcess
  readonly logPath: string
  /** Resolves with the exit code (or the signal name) once the process ended. */
  readonly exited: Promise<number | string>
  readonly running: boolean
  /** Highest VmHWM seen so far (sampled every 25 ms, and on demand). */
  peakRss(): number
  /** CPU time used so far, in ms (the last sample for an ended process: up to 25 ms short). */
  cpuMs(): number
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>
  /** The log so far. */
  log(): Promise<string>
}

export interface SpawnOptions {
  env?: Record<string, string>
  /** Where stdout goes: the log file (default) or /dev/null. */
  stdout?: 'log' | 'null'
  /** Node options (e.g. `--cpu-prof`), placed before the script. */
  nodeArgs?: string[]
}

/**
 * Starts `node <script> <args>` with stdout/stderr in `logPath`, registered
 * for cleanup. Its VmHWM is sampled every 25 ms while it runs (so the peak
 * of short-lived processes is caught too).
 */
export function spawnNode (name: string, script: string, args: string[], logPath: string, opts: SpawnOptions = {}): Proc {
  const logFd = openSync(logPath, 'a')
  const outFd = opts.stdout === 'null' ? openSync('/dev/null', 'w') : logFd
  let env = opts.env ?? BASE_ENV
  let nodeArgs = opts.nodeArgs ?? []
  if (script === SERVICE_BIN) {
    // `ipfs-cluster-service` runs as users run it: with the runtime
    // settings its launcher gives node (read from the launcher itself)
    const launcher = launcherSettings(script)
    env = { ...launcher.env, ...env }
    nodeArgs = [...launcher.nodeArgs, ...nodeArgs]
  }
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    env,
    stdio: ['ignore', outFd, logFd]
  })
  closeSync(logFd)
  if (outFd !== logFd) closeSync(outFd)
  children.add(child)
  const pid = child.pid as number
  let peak = 0
  let cpu = 0
  let running = true
  const sample = (): void => {
    const v = vmHWM(pid)
    if (v != null && v > peak) peak = v
    const c = cpuMs(pid)
    if (c != null && c > cpu) cpu = c
  }
  const timer = setInterval(sample, 25)
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child)
      running = false
      clearInterval(timer)
      resolve(code ?? signal ?? -1)
    })
  })
  const proc: Proc = {
    name,
    pid,
    child,
    logPath,
    exited,
    get running () { return running },
    peakRss: () => {
      if (running) sample()
      return peak
    },
    cpuMs: () => {
      if (running) sample()
      return cpu
    },
    stop: async (graceMs = 20000) => {
      if (!running) return
      child.kill('SIGTERM')
      const killer = setTimeout(() => { if (running) child.kill('SIGKILL') }, graceMs)
      await exited
      clearTimeout(killer)
    },
    log: async () => await readFile(logPath, 'utf8')
  }
  onCleanup(async () => { await proc.stop(5000) })
  return proc
}

/**
 * The settings a `bin/` launcher starts node with: the variables it
 * defaults (`VAR="${VAR:-value}"`) and the node options before `"$0"`.
 */
export function launcherSettings (script: string): { env: Record<string, string>, nodeArgs: string[] } {
  const line = readFileSync(script, 'utf8').split('\n').find((l) => l.includes('exec ')) ?? ''
  const env: Record<string, string> = {}
  for (const m of line.matchAll(/([A-Z_]+)="\$\{\1:-([^}]*)\}"/g)) env[m[1]] = m[2]
  const beforeScript = line.slice(0, line.indexOf('"$0"'))
  const nodeArgs = [...beforeScript.matchAll(/\s(--[a-z0-9-]+(?:=\S+)?)/g)].map((m) => m[1])
  return { env, nodeArgs }
}

/** CPU time (user + system) of a live process in ms, or undefined. */
export function cpuMs (pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
    // fields[11], fields[12]: utime, stime (clock ticks, 100 per second)
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return undefined
  }
}

/**
 * Waits until a process uses less than `maxLoad` of one core over
 * `windowMs` (background work after a start has settled).
 */
export async function waitIdle (proc: Proc, opts: { windowMs?: number, maxLoad?: number, timeout?: number } = {}): Promise<number> {
  const windowMs = opts.windowMs ?? 2000
  const maxLoad = opts.maxLoad ?? 0.05
  const t0 = now()
  const deadline = Date.now() + (opts.timeout ?? 600000)
  let prev = cpuMs(proc.pid) ?? 0
  while (true) {
    await sleep(windowMs)
    if (!proc.running) throw new Error(`${proc.name} exited while waiting for it to be idle`)
    const cur = cpuMs(proc.pid) ?? 0
    if ((cur - prev) / windowMs < maxLoad) return now() - t0
    if (Date.now() > deadline) throw new Error(`${proc.name} still busy after ${opts.timeout ?? 600000} ms`)
    prev = cur
  }
}

/** Runs a process to completion; returns its exit code, wall time and peak RSS. */
export async function runNode (name: string, script: string, args: string[], logPath: string, opts: SpawnOptions = {}): Promise<{ code: number | string, ms: number, peakRss: number, cpuMs: number }> {
  const t0 = now()
  const p = spawnNode(name, script, args, logPath, opts)
  const code = await p.exited
  const ms = now() - t0
  return { code, ms, peakRss: p.peakRss(), cpuMs: p.cpuMs() }
}

/** Waits until the log of `proc` matches `re`; returns the match. */
export async function waitLog (proc: Proc, re: RegExp, timeout = 60000): Promise<RegExpExecArray> {
  let m: RegExpExecArray | null = null
  await waitFor(async () => {
    if (!proc.running) throw new Error(`${proc.name} exited while waiting for ${String(re)}:\n${(await proc.log()).slice(-3000)}`)
    m = re.exec(await proc.log())
    return m != null
  }, { timeout, interval: 20, what: `${proc.name} to log ${String(re)}` })
  return m as unknown as RegExpExecArray
}

// ---------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 })

export interface HTTPResult {
  status: number
  body: string
}

/** One request to 127.0.0.1:`port` (keep-alive). */
export async function request (port: number, method: string, path: string, opts: { timeout?: number, agent?: http.Agent } = {}): Promise<HTTPResult> {
  return await new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent: opts.agent ?? agent, timeout: opts.timeout ?? 60000 }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }) })
      res.on('error', reject)
    })
    req.on('timeout', () => { req.destroy(new Error(`timeout: ${method} ${path}`)) })
    req.on('error', reject)
    req.end()
  })
}

/** Whether `GET path` answers 2xx (connection errors are false). */
export async function answers (port: number, path: string): Promise<boolean> {
  try {
    const r = await request(port, 'GET', path, { timeout: 5000, agent: new http.Agent({ keepAlive: false }) })
    return r.status >= 200 && r.status < 300
  } catch {
    return false
  }
}

/** Streams `GET path` and counts the newline-terminated items (NDJSON). */
export async function countLines (port: number, path: string, timeout = 600000): Promise<number> {
  return await new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'GET', path, agent, timeout }, (res) => {
      let n = 0
      res.on('data', (c: Buffer) => {
        let i = -1
        while ((i = c.indexOf(10, i + 1)) !== -1) n++
      })
      res.on('end', () => {
        if (res.statusCode === 204) resolve(0)
        else if (res.statusCode !== 200) reject(new Error(`GET ${path}: ${res.statusCode ?? 0}`))
        else resolve(n)
      })
      res.on('error', reject)
    })
    req.on('timeout', () => { req.destroy(new Error(`timeout: GET ${path}`)) })
    req.on('error', reject)
    req.end()
  })
}

// ---------------------------------------------------------------------------
// Pinsets
// ---------------------------------------------------------------------------

/**
 * The CID string of pin number `i` of a benchmark pinset (`seed`
 * separates pinsets: each seed gives 2^24 distinct CIDs).
 */
export function benchCid (seed: number, i: number): string {
  return counterCid(seed * 0x1000000 + i).toString()
}

/** A state export line (REST Pin JSON, as `state export` writes it). */
export function pinLine (cid: string, timestamp: string): string {
  return `{"replication_factor_min":-1,"replication_factor_max":-1,"name":"","mode":"recursive","shard_size":0,"user_allocations":null,"expire_at":"0001-01-01T00:00:00Z","metadata":null,"pin_update":null,"origins":[],"cid":"${cid}","type":"pin","allocations":[],"max_depth":-1,"reference":null,"timestamp":"${timestamp}"}\n`
}

/**
 * Writes `n` pins as a state export file, and (when `cidsPath` is given)
 * their CIDs one per line (the fake Kubo's `--preload`).
 */
export async function writePinset (path: string, n: number, seed: number, cidsPath?: string): Promise<void> {
  const ts = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
  const out = createWriteStream(path)
  const cidsOut = cidsPath != null ? createWriteStream(cidsPath) : undefined
  const write = async (s: NodeJS.WritableStream, text: string): Promise<void> => {
    if (!s.write(text)) await new Promise<void>((resolve) => { s.once('drain', () => { resolve() }) })
  }
  const CHUNK = 2000
  for (let i = 0; i < n; i += CHUNK) {
    let text = ''
    let cids = ''
    for (let j = i; j < Math.min(n, i + CHUNK); j++) {
      const cid = benchCid(seed, j)
      text += pinLine(cid, ts)
      cids += cid + '\n'
    }
    await write(out, text)
    if (cidsOut != null) await write(cidsOut, cids)
  }
  await new Promise<void>((resolve) => { out.end(() => { resolve() }) })
  if (cidsOut != null) await new Promise<void>((resolve) => { cidsOut.end(() => { resolve() }) })
}

// ---------------------------------------------------------------------------
// Fake Kubo and cluster peers
// ---------------------------------------------------------------------------

export interface Kubo {
  proc: Proc
  addr: string
}

/** A fake Kubo process in mock mode (any CID pins at once), optionally preloaded with pins. */
export async function startKubo (dir: string, name: string, preload?: string): Promise<Kubo> {
  const args = ['--port', '0', '--host', '127.0.0.1', '--mode', 'mock']
  if (preload != null) args.push('--preload', preload)
  const proc = spawnNode(name, FAKE_KUBO, args, join(dir, `${name}.log`))
  const m = await waitLog(proc, /listening on (\S+)/, 120000)
  return { proc, addr: m[1] }
}

export interface PeerInit {
  /** Peer folder (created by `init`). */
  dir: string
  name: string
  kuboAddr: string
  /** Shared cluster secret (hex); default: the one `init` generated. */
  secret?: string
  /** crdt.batching; absent: no batching. */
  batching?: { maxBatchSize: number, maxBatchAge: string, maxQueueSize?: number }
  rebroadcastInterval?: string
}

export interface Peer {
  dir: string
  name: string
  restPort: number
  clusterPort: number
  secret: string
  /** Set once the daemon started (`startDaemon`). */
  peerId?: string
}

/** `ipfs-cluster-service init`, then every listener moved to 127.0.0.1 (fixed free ports). */
export async function initPeer (p: PeerInit): Promise<Peer> {
  const r = await runNode(`init-${p.name}`, SERVICE_BIN, ['-c', p.dir, 'init', '--randomports', '--ipfs-api', p.kuboAddr, '--force'], `${p.dir}.init.log`)
  if (r.code !== 0) throw new Error(`init of ${p.name} failed (${r.code}):\n${await readFile(`${p.dir}.init.log`, 'utf8')}`)
  const cfgPath = join(p.dir, 'service.json')
  const cfg = JSON.parse(await readFile(cfgPath, 'utf8'))
  cfg.cluster.peername = p.name
  if (p.secret != null) cfg.cluster.secret = p.secret
  const crdt = cfg.consensus.crdt
  if (p.batching != null) {
    crdt.batching = { max_batch_size: p.batching.maxBatchSize, max_batch_age: p.batching.maxBatchAge }
    if (p.batching.maxQueueSize != null) crdt.batching.max_queue_size = p.batching.maxQueueSize
  }
  if (p.rebroadcastInterval != null) crdt.rebroadcast_interval = p.rebroadcastInterval
  await writeFile(cfgPath, JSON.stringify(cfg, null, 2))
  const peer: Peer = { dir: p.dir, name: p.name, restPort: 0, clusterPort: 0, secret: cfg.cluster.secret }
  await assignPorts(peer)
  return peer
}

/** Moves every listener of a peer to 127.0.0.1 on fresh free ports. */
export async function assignPorts (peer: Peer): Promise<void> {
  const cfgPath = join(peer.dir, 'service.json')
  const cfg = JSON.parse(await readFile(cfgPath, 'utf8'))
  peer.clusterPort = await freePort()
  peer.restPort = await freePort()
  cfg.cluster.listen_multiaddress = [`/ip4/127.0.0.1/tcp/${peer.clusterPort}`]
  cfg.api.restapi.http_listen_multiaddress = `/ip4/127.0.0.1/tcp/${peer.restPort}`
  if (cfg.api.pinsvcapi != null) cfg.api.pinsvcapi.http_listen_multiaddress = `/ip4/127.0.0.1/tcp/${await freePort()}`
  if (cfg.api.ipfsproxy != null) cfg.api.ipfsproxy.listen_multiaddress = `/ip4/127.0.0.1/tcp/${await freePort()}`
  await writeFile(cfgPath, JSON.stringify(cfg, null, 2))
}

/** Node options for every daemon, from BENCH_DAEMON_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`), for profiling. */
const DAEMON_NODE_ARGS = (process.env.BENCH_DAEMON_NODE_ARGS ?? '').split(' ').filter((a) => a !== '')

/** Starts `ipfs-cluster-service daemon` for a peer (not waiting for anything). */
export function startDaemon (peer: Peer, opts: { bootstrap?: string[], nodeArgs?: string[], logName?: string } = {}): Proc {
  const args = ['-c', peer.dir, 'daemon']
  if (opts.bootstrap != null && opts.bootstrap.length > 0) args.push('--bootstrap', opts.bootstrap.join(','))
  return spawnNode(`daemon-${peer.name}`, SERVICE_BIN, args, join(dirname(peer.dir), `${opts.logName ?? peer.name}.daemon.log`), { nodeArgs: [...DAEMON_NODE_ARGS, ...(opts.nodeArgs ?? [])] })
}

/** Waits for the REST API and for `** IPFS Cluster is READY **`; fills `peer.peerId`. */
export async function waitReady (peer: Peer, proc: Proc, timeout = 300000): Promise<void> {
  await waitLog(proc, /IPFS Cluster is READY/, timeout)
  const id = await request(peer.restPort, 'GET', '/id')
  peer.peerId = JSON.parse(id.body).id
}

/**
 * Starts a daemon and waits until it is ready. A port taken in the
 * meantime by another process (the ports are picked free, then released)
 * makes it retry on new ports.
 */
export async function launchDaemon (peer: Peer, opts: { bootstrap?: string[], nodeArgs?: string[], logName?: string, timeout?: number } = {}): Promise<Proc> {
  for (let attempt = 1; ; attempt++) {
    const logPath = join(dirname(peer.dir), `${opts.logName ?? peer.name}.daemon.log`)
    const before = await readFile(logPath, 'utf8').then((t) => t.length, () => 0)
    const proc = startDaemon(peer, opts)
    try {
      await waitReady(peer, proc, opts.timeout)
      return proc
    } catch (err) {
      const log = (await proc.log()).slice(before)
      if (attempt < 5 && !proc.running && log.includes('EADDRINUSE')) {
        await assignPorts(peer)
        continue
      }
      throw err
    }
  }
}

/** The multiaddress other peers bootstrap to. */
export function bootstrapAddr (peer: Peer): string {
  if (peer.peerId == null) throw new Error(`peer ${peer.name} has not started`)
  return `/ip4/127.0.0.1/tcp/${peer.clusterPort}/p2p/${peer.peerId}`
}

/** `state import` of a file into a stopped peer; returns wall time and peak RSS. */
export async function stateImport (peer: Peer, file: string): Promise<{ ms: number, peakRss: number }> {
  const log = join(dirname(peer.dir), `${peer.name}.import.log`)
  const r = await runNode(`import-${peer.name}`, SERVICE_BIN, ['-c', peer.dir, 'state', 'import', '--force', file], log)
  if (r.code !== 0) throw new Error(`state import failed (${r.code}):\n${(await readFile(log, 'utf8')).slice(-3000)}`)
  return { ms: r.ms, peakRss: r.peakRss }
}

// ---------------------------------------------------------------------------
// Load
// ---------------------------------------------------------------------------

export interface PinLoadResult {
  ms: number
  ok: number
  failed: number
  latencies: number[]
  firstError?: string
}

/**
 * `POST /pins/<cid>` of `cids` by `concurrency` keep-alive clients, spread
 * round-robin over `ports` (client k talks to ports[k % ports.length]).
 */
export async function pinLoad (ports: number[], cids: string[], concurrency: number): Promise<PinLoadResult> {
  const agents = ports.map(() => new http.Agent({ keepAlive: true, maxSockets: concurrency }))
  let next = 0
  let ok = 0
  let failed = 0
  let firstError: string | undefined
  const latencies: number[] = []
  const t0 = now()
  await Promise.all(Array.from({ length: concurrency }, async (_, k) => {
    const port = ports[k % ports.length]
    const ag = agents[k % ports.length]
    while (next < cids.length) {
      const cid = cids[next++]
      const s = now()
      try {
        const r = await request(port, 'POST', `/pins/${cid}`, { agent: ag })
        if (r.status >= 200 && r.status < 300) ok++
        else {
          failed++
          firstError ??= `${r.status} ${r.body.slice(0, 200)}`
        }
      } catch (err) {
        failed++
        firstError ??= (err as Error).message
      }
      latencies.push(now() - s)
    }
  }))
  const ms = now() - t0
  for (const a of agents) a.destroy()
  return { ms, ok, failed, latencies, firstError }
}

// ---------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------

export interface Metric {
  name: string
  unit: string
  values: number[]
  /** Goal and its direction: 'min' = at least, 'max' = at most. */
  goal?: number
  kind?: 'min' | 'max'
  note?: string
}

/** Prints the per-run values, the median and the goal ratio of each metric, then the machine-readable line. */
export function report (bench: string, metrics: Metric[], extra: Record<string, unknown> = {}): void {
  console.log(`\n== ${bench}: results (median of ${Math.max(...metrics.map((m) => m.values.length))} runs) ==`)
  const out = metrics.map((m) => {
    const med = median(m.values)
    let ratio: number | undefined
    let pass: boolean | undefined
    if (m.goal != null) {
      ratio = m.kind === 'max' ? m.goal / med : med / m.goal
      pass = ratio >= 1
    }
    const goalText = m.goal != null ? `goal ${m.kind === 'max' ? '≤' : '≥'} ${m.goal} ${m.unit}, ratio ${fmt(ratio as number, 2)} ${pass === true ? 'OK' : 'MISSED'}` : ''
    console.log(`  ${m.name}: median ${fmt(med, med >= 100 ? 0 : 2)} ${m.unit}  [runs: ${m.values.map((v) => fmt(v, v >= 100 ? 0 : 2)).join(', ')}]  ${goalText}${m.note != null ? `  (${m.note})` : ''}`)
    return { ...m, median: med, ratio, pass }
  })
  console.log('BENCH_RESULT ' + JSON.stringify({ bench, metrics: out, ...extra }))
}

/** The machine description quoted with the results. */
export function machine (): Record<string, unknown> {
  let model = cpus()[0]?.model ?? 'unknown'
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))
    if (m != null) model = m[1]
  } catch {}
  return { cpus: cpus().length, model, ramGiB: Math.round(totalmem() / 1024 / 1024 / 1024), node: process.version }
}

/** Command-line options of the system benches: `--runs N --pins N ...`. */
/** The positional arguments (benchmark names) of argv: not options, nor option values. */
export function benchNames (argv: string[]): string[] {
  return argv.filter((a, i, all) => !a.startsWith('--') && (i === 0 || !all[i - 1].startsWith('--') || all[i - 1].includes('=')))
}

/**
 * Runs the named benchmarks of a program (all of them when none is named),
 * one after the other, then stops every process and removes every folder.
 */
export async function runBenches (table: Record<string, () => Promise<void>>, names: string[]): Promise<void> {
  try {
    for (const name of names.length > 0 ? names : Object.keys(table)) {
      const fn = table[name]
      if (fn == null) throw new Error(`unknown bench ${name} (known: ${Object.keys(table).join(', ')})`)
      console.log(`\n### ${name}`)
      await fn()
    }
  } finally {
    await cleanupAll()
  }
}

export function parseArgsLoose (argv: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (!a.startsWith('--')) continue
    const eq = a.indexOf('=')
    if (eq > 0) {
      out[a.slice(2, eq)] = a.slice(eq + 1)
    } else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
      out[a.slice(2)] = argv[++i]
    } else {
      out[a.slice(2)] = 'true'
    }
  }
  return out
}
