/**
 * Acceptance-test helpers: run the built `bin/ipfs-cluster-service` and
 * `bin/ipfs-cluster-ctl` programs as a user does (separate processes, real
 * folders, signals), against a fake Kubo in this process.
 *
 * Everything listens on 127.0.0.1: peers are initialised with
 * `--randomports` and their listen addresses rewritten to 127.0.0.1 port 0
 * (the bound ports are read from the daemon's log), and mDNS is always off
 * (`CLUSTER_MDNSINTERVAL=0`). Every folder and process made here is removed
 * or killed by {@link Sandbox.cleanup}, and any process still alive when the
 * test process exits is killed.
 */
import { spawn } from 'node:child_process'
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { importer } from 'ipfs-unixfs-importer'
import { balanced, trickle } from 'ipfs-unixfs-importer/layout'
import { FakeKubo } from '../fakes/fake-kubo.js'
import { waitFor } from '../helpers/wait-for.js'
import type { ChildProcess } from 'node:child_process'
import type { CID } from 'multiformats/cid'
import type { FakeKuboOptions } from '../fakes/fake-kubo.js'

/** Repository root (dist/test/acceptance → ../../..). */
export const ROOT = process.env.CLUSTER_TEST_ROOT ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
export const SERVICE_BIN = join(ROOT, 'bin', 'ipfs-cluster-service')
export const CTL_BIN = join(ROOT, 'bin', 'ipfs-cluster-ctl')
/** The RSA peer of the sharness fixture configs. */
export const SHARNESS_PEER_ID = 'QmdEtBsfumeH2V6dnx1fgn8zuW7XYjWdgJF4NEYpEBcTsg'
/** The legacy raft configs of the sharness suite (`sharness/config/*`). */
export const SHARNESS_CONFIGS = join(ROOT, 'test', 'config', 'fixtures', 'sharness')

/** `\tERROR\t`: the level column of an error log line. */
export const ERROR_LINE = /\tERROR\t/

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface RunOptions {
  env?: Record<string, string | undefined>
  /** Written to stdin, then stdin is closed (closed at once when absent). */
  input?: string
  cwd?: string
  /** Kill after this many ms (default 60 s). */
  timeout?: number
}

const live = new Set<ChildProcess>()
let exitHook = false

function track (child: ChildProcess): void {
  live.add(child)
  child.once('exit', () => live.delete(child))
  if (!exitHook) {
    exitHook = true
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL')
    })
  }
}

/**
 * The environment of every program run here: nothing inherited but PATH
 * (no stray `CLUSTER_*` from the caller), mDNS off, HOME in a temp folder.
 */
export function baseEnv (home: string, extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, CLUSTER_MDNSINTERVAL: '0' }
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k]
    else env[k] = v
  }
  return env
}

/** Runs a program (`node <bin> args`) to completion. */
export async function run (bin: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(opts.env ?? { PATH: process.env.PATH ?? '' })) if (v !== undefined) env[k] = v
  const child = spawn(process.execPath, [bin, ...args], { env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] })
  track(child)
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
  child.stdin.on('error', () => {})
  child.stdin.end(opts.input ?? '')
  const timer = setTimeout(() => { child.kill('SIGKILL') }, opts.timeout ?? 60_000)
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    child.once('close', (c, s) => { resolve([c, s]) })
  })
  clearTimeout(timer)
  return { code, signal, stdout, stderr }
}

/** The fields of a run that tests compare (signal null when it exited). */
export function outcome (r: RunResult): { code: number | null, stdout: string, stderr: string } {
  return { code: r.code, stdout: r.stdout, stderr: r.stderr }
}

/** GET over HTTP on 127.0.0.1: status and body, or undefined when nothing answers. */
export async function httpGet (port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number, body: string } | undefined> {
  return await new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers, timeout: 5000 }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => { body += d })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body }) })
      res.on('error', () => { resolve(undefined) })
    })
    req.on('timeout', () => { req.destroy() })
    req.on('error', () => { resolve(undefined) })
    req.end()
  })
}

/** A running `ipfs-cluster-service daemon`. */
export class Daemon {
  stdout = ''
  stderr = ''
  code: number | null = null
  signal: NodeJS.Signals | null = null
  readonly exited: Promise<number | null>

  constructor (readonly child: ChildProcess, readonly folder: string) {
    child.stdout?.setEncoding('utf8').on('data', (d: string) => { this.stdout += d })
    child.stderr?.setEncoding('utf8').on('data', (d: string) => { this.stderr += d })
    this.exited = new Promise((resolve) => {
      child.once('close', (c, s) => {
        this.code = c
        this.signal = s
        resolve(c)
      })
    })
  }

  get running (): boolean {
    return this.code === null && this.signal === null
  }

  get pid (): number {
    return this.child.pid as number
  }

  /** Waits until a log line matches (stderr); returns the match. */
  async waitLog (re: RegExp, timeout = 30_000): Promise<RegExpExecArray> {
    return await waitFor(() => {
      const m = re.exec(this.stderr)
      if (m != null) return m
      if (!this.running) throw new Error(`daemon exited (${this.code ?? this.signal}) before ${re}:\n${this.stderr}`)
      return undefined
    }, { timeout, interval: 50, message: `daemon log ${re}` })
  }

  /** Port of the REST API, from the daemon's log. */
  async restPort (): Promise<number> {
    const m = await this.waitLog(/REST API \(HTTP\) listening on: \/ip4\/127\.0\.0\.1\/tcp\/(\d+)/)
    return Number(m[1])
  }

  /** `--host` value for ctl. */
  async host (): Promise<string> {
    return `/ip4/127.0.0.1/tcp/${await this.restPort()}`
  }

  /** The cluster (libp2p) address of the peer, with /p2p/. */
  async clusterAddr (): Promise<string> {
    const m = await this.waitLog(/\tcluster\t {8}(\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/\S+)/)
    return m[1]
  }

  /** Waits for `/version` to answer on the REST API (HTTP, no auth). */
  async waitApi (timeout = 30_000): Promise<void> {
    const port = await this.restPort()
    await waitFor(async () => {
      if (!this.running) throw new Error(`daemon exited (${this.code ?? this.signal}):\n${this.stderr}`)
      const r = await httpGet(port, '/version')
      return r != null && r.status > 0
    }, { timeout, interval: 50, message: 'REST API /version' })
  }

  /** Waits for `** IPFS Cluster is READY **`. */
  async waitReady (timeout = 30_000): Promise<void> {
    await this.waitLog(/\*\* IPFS Cluster is READY \*\*/, timeout)
  }

  /** Sends a signal and waits for the exit; returns the exit code. */
  async stop (signal: NodeJS.Signals = 'SIGTERM', timeout = 30_000): Promise<number | null> {
    if (!this.running) return this.code
    this.child.kill(signal)
    const timer = setTimeout(() => { this.child.kill('SIGKILL') }, timeout)
    const code = await this.exited
    clearTimeout(timer)
    return code
  }

  kill (): void {
    if (this.running) this.child.kill('SIGKILL')
  }

  /** stderr lines at ERROR level. */
  errorLines (): string[] {
    return this.stderr.split('\n').filter((l) => ERROR_LINE.test(l))
  }
}

export interface InitOptions {
  /** Extra `init` arguments (before `--randomports`). */
  args?: string[]
  env?: Record<string, string | undefined>
  /** Keep the written listen addresses (default: 127.0.0.1 port 0 everywhere). */
  keepAddresses?: boolean
  input?: string
}

/**
 * A temp folder for one test file: HOME, peer folders, files; tracks the
 * daemons and fake Kubos it starts. `cleanup()` kills and removes all.
 */
export class Sandbox {
  readonly daemons: Daemon[] = []
  readonly kubos: FakeKubo[] = []

  private constructor (readonly dir: string) {}

  static async create (name: string): Promise<Sandbox> {
    return new Sandbox(await mkdtemp(join(tmpdir(), `accept-${name}-`)))
  }

  path (...parts: string[]): string {
    return join(this.dir, ...parts)
  }

  env (extra: Record<string, string | undefined> = {}): Record<string, string> {
    return baseEnv(this.dir, extra)
  }

  /** A fake Kubo RPC API on 127.0.0.1 (stopped by cleanup). */
  async kubo (opts: FakeKuboOptions = {}): Promise<FakeKubo> {
    const k = new FakeKubo({ recordRequests: 0, ...opts })
    await k.start()
    this.kubos.push(k)
    return k
  }

  /** `ipfs-cluster-service <args>` with the sandbox env (plus `env`). */
  async service (args: string[], opts: RunOptions = {}): Promise<RunResult> {
    return await run(SERVICE_BIN, args, { ...opts, env: this.env(opts.env) })
  }

  /** `ipfs-cluster-ctl <args>` with the sandbox env (plus `env`). */
  async ctl (args: string[], opts: RunOptions = {}): Promise<RunResult> {
    return await run(CTL_BIN, args, { ...opts, env: this.env(opts.env) })
  }

  /**
   * `ipfs-cluster-service --config <folder> init --randomports [args]`,
   * then (unless `keepAddresses`) every listen address rewritten to
   * 127.0.0.1 port 0. Throws when init fails.
   */
  async init (folder: string, opts: InitOptions = {}): Promise<RunResult> {
    const r = await this.service(['--config', folder, 'init', ...(opts.args ?? []), '--randomports'], { env: opts.env, input: opts.input })
    if (r.code !== 0) throw new Error(`init failed (${r.code}): ${r.stdout}${r.stderr}`)
    if (opts.keepAddresses !== true) await localAddresses(folder)
    return r
  }

  /** Starts `ipfs-cluster-service --config <folder> daemon [args]`. */
  startDaemon (folder: string, opts: { args?: string[], env?: Record<string, string | undefined>, globalArgs?: string[] } = {}): Daemon {
    const child = spawn(process.execPath, [SERVICE_BIN, ...(opts.globalArgs ?? []), '--config', folder, 'daemon', ...(opts.args ?? [])], {
      env: this.env(opts.env),
      stdio: ['ignore', 'pipe', 'pipe']
    })
    track(child)
    const d = new Daemon(child, folder)
    this.daemons.push(d)
    return d
  }

  /** Starts a daemon and waits for READY. */
  async daemon (folder: string, opts: { args?: string[], env?: Record<string, string | undefined>, globalArgs?: string[] } = {}): Promise<Daemon> {
    const d = this.startDaemon(folder, opts)
    await d.waitReady()
    return d
  }

  /**
   * The sharness way to run a fixture config (`test_cluster_init <dir>`):
   * `init --force`, then the fixture files copied over the folder (the
   * RSA identity of the suite too: `sharness/config/ssl/identity.json`
   * upstream, the same as basic_auth's). Its fixed ports and IPFS address
   * are overridden from the environment, as a deployment would.
   */
  async fixturePeer (name: 'ssl' | 'basic_auth' | 'ssl-basic_auth', kuboAddr: string, opts: { identity?: boolean } = {}): Promise<{ folder: string, env: Record<string, string> }> {
    const folder = this.path(`test-config-${name}${opts.identity === false ? '-legacy' : ''}`)
    await this.init(folder, { args: ['--force', '--consensus', 'crdt', '--ipfs-api', kuboAddr] })
    if (opts.identity === false) await rm(join(folder, 'identity.json'))
    const src = join(SHARNESS_CONFIGS, name)
    for (const f of await readdir(src)) await copyFile(join(src, f), join(folder, f))
    if (opts.identity !== false) await copyFile(join(SHARNESS_CONFIGS, 'basic_auth', 'identity.json'), join(folder, 'identity.json'))
    return { folder, env: { ...LOCAL_LISTEN_ENV, CLUSTER_IPFSHTTP_NODEMULTIADDRESS: kuboAddr, CLUSTER_IPFSPROXY_NODEMULTIADDRESS: kuboAddr } }
  }

  async cleanup (): Promise<void> {
    await Promise.all(this.daemons.map(async (d) => { await d.stop('SIGKILL', 5000) }))
    await Promise.all(this.kubos.map(async (k) => { await k.stop() }))
    await rm(this.dir, { recursive: true, force: true })
  }
}

type Json = Record<string, any>

export async function readJson (path: string): Promise<Json> {
  return JSON.parse(await readFile(path, 'utf8')) as Json
}

export async function writeJson (path: string, value: unknown): Promise<void> {
  await writeFile(path, JSON.stringify(value, null, 2))
}

/** 127.0.0.1 port 0 instead of any listen address of a multiaddr (list). */
function local (addrs: unknown): unknown {
  const one = (a: string): string => a.replace(/^\/ip[46]\/[^/]+\/(tcp|udp)\/\d+/, (_m, proto: string) => `/ip4/127.0.0.1/${proto}/0`)
  if (Array.isArray(addrs)) return [...new Set((addrs as string[]).filter((a) => !a.includes('/quic')).map(one))]
  if (typeof addrs === 'string') return one(addrs)
  return addrs
}

/** Rewrites every listen address of `<folder>/service.json` to 127.0.0.1 port 0. */
export async function localAddresses (folder: string): Promise<void> {
  const path = join(folder, 'service.json')
  const cfg = await readJson(path)
  if (cfg.cluster != null) cfg.cluster.listen_multiaddress = local(cfg.cluster.listen_multiaddress)
  for (const name of ['restapi', 'pinsvcapi']) {
    const api = cfg.api?.[name]
    if (api?.http_listen_multiaddress != null) api.http_listen_multiaddress = local(api.http_listen_multiaddress)
  }
  if (cfg.api?.ipfsproxy?.listen_multiaddress != null) cfg.api.ipfsproxy.listen_multiaddress = local(cfg.api.ipfsproxy.listen_multiaddress)
  const emb = cfg.ipfs_connector?.embedded
  if (emb?.listen_multiaddress != null) emb.listen_multiaddress = local(emb.listen_multiaddress)
  await writeJson(path, cfg)
}

/** Env overrides that put every listener of a peer on 127.0.0.1 port 0. */
export const LOCAL_LISTEN_ENV: Record<string, string> = {
  CLUSTER_LISTENMULTIADDRESS: '/ip4/127.0.0.1/tcp/0',
  CLUSTER_RESTAPI_HTTPLISTENMULTIADDRESS: '/ip4/127.0.0.1/tcp/0',
  CLUSTER_PINSVCAPI_HTTPLISTENMULTIADDRESS: '/ip4/127.0.0.1/tcp/0',
  CLUSTER_IPFSPROXY_LISTENMULTIADDRESS: '/ip4/127.0.0.1/tcp/0'
}

/** A closed TCP port on 127.0.0.1 (bound then released). */
export async function closedPort (): Promise<number> {
  const { createServer } = await import('node:net')
  return await new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => { resolve(port) })
    })
  })
}

// ---------------------------------------------------------------------------
// `ipfs add` into the fake Kubo
// ---------------------------------------------------------------------------

export interface AddOptions {
  cidVersion?: 0 | 1
  rawLeaves?: boolean
  trickle?: boolean
  wrapWithDirectory?: boolean
}

export interface AddedEntry { path: string, cid: CID }

/**
 * `ipfs add` with Kubo's defaults (CIDv0, 256 KiB chunks, balanced layout
 * with 174 links per node, dag-pb leaves; CIDv1 implies raw leaves;
 * sha2-256 only): the entries in the order `ipfs add` prints them
 * (files as given, then each directory after its contents, root last).
 * Every block is passed to `put`.
 */
export async function unixfsAdd (files: Array<{ path: string, content?: Uint8Array }>, opts: AddOptions = {}, put: (cid: CID, bytes: Uint8Array) => void = () => {}): Promise<AddedEntry[]> {
  const cidVersion = opts.cidVersion ?? 0
  const blockstore = {
    put: async (cid: CID, bytes: Uint8Array): Promise<CID> => { put(cid, bytes); return cid }
  }
  const out: AddedEntry[] = []
  const source = files.map((f) => ({ path: f.path, content: f.content }))
  for await (const entry of importer(source, blockstore as never, {
    cidVersion,
    rawLeaves: opts.rawLeaves ?? cidVersion === 1,
    reduceSingleLeafToSelf: true,
    wrapWithDirectory: opts.wrapWithDirectory ?? false,
    layout: opts.trickle === true ? trickle() : balanced({ maxChildrenPerNode: 174 })
  })) {
    out.push({ path: entry.path ?? '', cid: entry.cid })
  }
  return out
}

/** {@link unixfsAdd} storing the blocks (unpinned) in the fake Kubo. */
export async function kuboAdd (kubo: FakeKubo, files: Array<{ path: string, content?: Uint8Array }>, opts: AddOptions = {}): Promise<AddedEntry[]> {
  return await unixfsAdd(files, opts, (cid, bytes) => { kubo.putBlock(cid, bytes) })
}

/** `echo <text> | ipfs add -q` into the fake Kubo: the CID string. */
export async function kuboAddText (kubo: FakeKubo, text: string): Promise<string> {
  const entries = await kuboAdd(kubo, [{ path: 'stdin', content: new TextEncoder().encode(text + '\n') }])
  return entries[entries.length - 1].cid.toString()
}
