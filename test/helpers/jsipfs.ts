/**
 * Starts and stops a js-ipfs daemon (an independent Kubo-RPC-compatible
 * IPFS daemon, `test/fixtures/jsipfs`) for tests.
 *
 * Every daemon gets its own temporary repo, listens on free ports of one
 * host address (127.0.0.1 by default: port 0 everywhere, the real ports
 * are read from the daemon's log, so parallel test files never collide)
 * and talks to nobody else: no bootstrap peers, no delegates, no MDNS, no
 * preload nodes, no update check.
 *
 * Inside a network namespace (`test/helpers/netns.ts`), pass the host's
 * address as `host`, fixed ports if wanted, and the host's `exec` as
 * `exec`: the daemon is then spawned inside the namespace, and so are the
 * helper's own HTTP requests to it (the test process cannot reach a
 * namespace's address).
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseCid } from '../../src/api/encoding.js'
import type { ChildProcess, SpawnOptions } from 'node:child_process'
import type { CID } from 'multiformats/cid'

/** Root of the project (dist/test/helpers → ../../..). */
function projectRoot (): string {
  if (process.env.CLUSTER_TEST_ROOT != null && process.env.CLUSTER_TEST_ROOT !== '') {
    return process.env.CLUSTER_TEST_ROOT
  }
  return join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..')
}

/** The `jsipfs` bin of the installed `ipfs` package. */
export const JSIPFS_BIN = join(projectRoot(), 'test', 'fixtures', 'jsipfs', 'node_modules', 'ipfs', 'src', 'cli.js')

/** True when the fixture is installed and SKIP_JSIPFS is not set. */
export function jsIpfsAvailable (): boolean {
  return process.env.SKIP_JSIPFS !== '1' && existsSync(JSIPFS_BIN)
}

/** Why js-ipfs tests are skipped (for `test(..., { skip })`), or false. */
export function jsIpfsSkipReason (): string | false {
  if (process.env.SKIP_JSIPFS === '1') return 'SKIP_JSIPFS=1'
  if (!existsSync(JSIPFS_BIN)) return `js-ipfs fixture not installed (${JSIPFS_BIN}); run node scripts/jsipfs-fixture.mjs`
  return false
}

export interface JsIpfsOptions {
  /** Address every listener binds to (default 127.0.0.1). */
  host?: string
  /** Milliseconds to wait for the API (default 60 s). */
  startTimeout?: number
  /** Extra environment for the daemon (e.g. DEBUG). */
  env?: Record<string, string>
  /** Port of the RPC API (default 0: a free port). */
  apiPort?: number
  /** Port of the swarm (default 0: a free port). */
  swarmPort?: number
  /** Port of the gateway (default 0: a free port). */
  gatewayPort?: number
  /**
   * Spawns every process of the helper: `jsipfs init`, the daemon, and a
   * small node program per `rpc` call (which then runs where the daemon
   * runs). For a network namespace: `host.exec` of `test/helpers/netns.ts`.
   * Default: node's `spawn` (and `rpc` calls made from this process).
   */
  exec?: (cmd: string, args: string[], opts: SpawnOptions) => ChildProcess
}

export interface JsIpfsDaemon {
  /** `/ip4/<host>/tcp/<port>` of the RPC API. */
  apiMultiaddr: string
  /** `http://<host>:<port>` of the RPC API. */
  apiUrl: string
  /** Swarm addresses, each ending in `/p2p/<peerId>`. */
  swarmMultiaddrs: string[]
  peerId: string
  repoPath: string
  /** Adds content (UnixFS, CIDv1 with raw leaves, not pinned, unless told otherwise) and returns its root CID. */
  add: (bytes: Uint8Array, options?: { pin?: boolean, cidVersion?: 0 | 1, rawLeaves?: boolean }) => Promise<CID>
  /** POST to the RPC API; resolves with status and body. */
  rpc: (path: string, body?: { contentType: string, data: Uint8Array }) => Promise<{ status: number, body: string }>
  stop: () => Promise<void>
}

/** Daemons still running: killed if the test process exits without stopping them. */
const running = new Set<ChildProcess>()
let exitHook = false

function track (child: ChildProcess): void {
  running.add(child)
  child.once('exit', () => running.delete(child))
  if (!exitHook) {
    exitHook = true
    process.once('exit', () => {
      for (const c of running) c.kill('SIGKILL')
    })
  }
}

function cliEnv (repoPath: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    IPFS_PATH: repoPath,
    // update-notifier would ask the npm registry for a newer version.
    NO_UPDATE_NOTIFIER: '1',
    NODE_OPTIONS: '',
    ...extra
  }
}

type Exec = (cmd: string, args: string[], opts: SpawnOptions) => ChildProcess

async function runInit (repoPath: string, timeout: number, env: Record<string, string> | undefined, exec: Exec): Promise<void> {
  const child = exec(process.execPath, [JSIPFS_BIN, 'init', '--profile', 'test'], { env: cliEnv(repoPath, env), stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', (d: Buffer) => { output += d.toString() })
  child.stderr?.on('data', (d: Buffer) => { output += d.toString() })
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`jsipfs init timed out after ${timeout} ms:\n${output}`))
    }, timeout)
    child.once('error', (err) => { clearTimeout(timer); reject(err) })
    child.once('exit', (c) => { clearTimeout(timer); resolve(c) })
  })
  if (code !== 0) {
    throw new Error(`jsipfs init exited with ${code}:\n${output}`)
  }
}

interface Ports { api: number, swarm: number, gateway: number }

/** Rewrites the config so that the daemon uses free (or the given) ports of `host` and contacts nobody. */
async function configure (repoPath: string, host: string, ports: Ports): Promise<void> {
  const file = join(repoPath, 'config')
  const cfg = JSON.parse(await readFile(file, 'utf8')) as Record<string, any>
  const family = host.includes(':') ? 'ip6' : 'ip4'
  cfg.Addresses = {
    ...cfg.Addresses,
    Swarm: [`/${family}/${host}/tcp/${ports.swarm}`],
    Announce: [],
    NoAnnounce: [],
    API: `/${family}/${host}/tcp/${ports.api}`,
    Gateway: `/${family}/${host}/tcp/${ports.gateway}`,
    RPC: `/${family}/${host}/tcp/0`,
    Delegates: []
  }
  cfg.Bootstrap = []
  cfg.Discovery = { MDNS: { Enabled: false, Interval: 10 }, webRTCStar: { Enabled: false } }
  cfg.Swarm = { ...(cfg.Swarm ?? {}), DisableNatPortMap: true }
  await writeFile(file, JSON.stringify(cfg, null, 2))
}

/** Starts a js-ipfs daemon; resolves once its API answers `id`. */
export async function startJsIpfs (options: JsIpfsOptions = {}): Promise<JsIpfsDaemon> {
  const host = options.host ?? '127.0.0.1'
  const timeout = options.startTimeout ?? 60000
  const dir = await mkdtemp(join(tmpdir(), 'jsipfs-'))
  const repoPath = join(dir, 'repo')
  const exec: Exec = options.exec ?? ((cmd, args, opts) => spawn(cmd, args, opts))
  const ports = { api: options.apiPort ?? 0, swarm: options.swarmPort ?? 0, gateway: options.gatewayPort ?? 0 }
  let child: ChildProcess | undefined
  try {
    await runInit(repoPath, timeout, options.env, exec)
    await configure(repoPath, host, ports)
    child = exec(process.execPath, [JSIPFS_BIN, 'daemon', '--enable-preload=false'], {
      env: cliEnv(repoPath, options.env),
      stdio: ['ignore', 'pipe', 'pipe']
    })
    track(child)
    const started = await waitForDaemon(child, timeout)
    const apiUrl = multiaddrToUrl(started.api)
    const rpc = async (path: string, body?: { contentType: string, data: Uint8Array }): Promise<{ status: number, body: string }> =>
      options.exec == null ? await post(apiUrl, path, body) : await postThrough(options.exec, apiUrl, path, body)
    const idRes = await rpc('id')
    if (idRes.status !== 200) throw new Error(`jsipfs id answered ${idRes.status}: ${idRes.body}`)
    const id = JSON.parse(idRes.body) as { ID: string, Addresses: string[] }
    const proc = child
    let stopped: Promise<void> | undefined
    return {
      apiMultiaddr: started.api,
      apiUrl,
      swarmMultiaddrs: started.swarm.map((a) => a.includes('/p2p/') ? a : `${a}/p2p/${id.ID}`),
      peerId: id.ID,
      repoPath,
      add: async (bytes, opts = {}) => await addContent(rpc, bytes, opts),
      rpc,
      stop: async () => {
        stopped ??= (async () => {
          await killProcess(proc)
          await rm(dir, { recursive: true, force: true })
        })()
        await stopped
      }
    }
  } catch (err) {
    if (child != null) await killProcess(child)
    await rm(dir, { recursive: true, force: true })
    throw err
  }
}

async function waitForDaemon (child: ChildProcess, timeout: number): Promise<{ api: string, swarm: string[] }> {
  return await new Promise((resolve, reject) => {
    let output = ''
    let api: string | undefined
    const swarm: string[] = []
    const finish = (err?: Error): void => {
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      child.off('exit', onExit)
      if (err != null) {
        reject(err)
      } else {
        resolve({ api: api as string, swarm })
      }
    }
    const onData = (d: Buffer): void => {
      output += d.toString()
      for (const m of output.matchAll(/^Swarm listening on (\S+)$/gm)) {
        if (!swarm.includes(m[1])) swarm.push(m[1])
      }
      const a = /^HTTP API listening on (\S+?)(\/http)?$/m.exec(output)
      if (a != null) api = a[1]
      if (/^Daemon is ready$/m.test(output) && api != null) finish()
    }
    const onExit = (code: number | null): void => {
      finish(new Error(`jsipfs daemon exited with ${code} before it was ready:\n${output}${stderr}`))
    }
    let stderr = ''
    child.stderr?.on('data', (d: Buffer) => { if (stderr.length < 100000) stderr += d.toString() })
    // Keep draining stdout after startup so the daemon never blocks on it.
    child.stdout?.on('data', () => {})
    child.stdout?.on('data', onData)
    child.on('exit', onExit)
    const timer = setTimeout(() => {
      finish(new Error(`jsipfs daemon not ready after ${timeout} ms:\n${output}${stderr}`))
    }, timeout)
  })
}

async function killProcess (child: ChildProcess): Promise<void> {
  if (child.exitCode != null || child.signalCode != null) return
  const exited = new Promise<void>((resolve) => { child.once('exit', () => { resolve() }) })
  child.kill('SIGTERM')
  const timer = setTimeout(() => { child.kill('SIGKILL') }, 5000)
  await exited
  clearTimeout(timer)
}

function multiaddrToUrl (ma: string): string {
  const m = /^\/(ip4|ip6)\/([^/]+)\/tcp\/(\d+)/.exec(ma)
  if (m == null) throw new Error(`unexpected API address ${ma}`)
  return `http://${m[1] === 'ip6' ? `[${m[2]}]` : m[2]}:${m[3]}`
}

async function post (base: string, path: string, body?: { contentType: string, data: Uint8Array }): Promise<{ status: number, body: string }> {
  return await new Promise((resolve, reject) => {
    const req = http.request(`${base}/api/v0/${path}`, { method: 'POST', headers: body != null ? { 'Content-Type': body.contentType } : {} }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }) })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body?.data)
  })
}

/** The request of `post`, made by a node program spawned with `exec` (its output: status, then the body in base64). */
const POST_PROGRAM = `
const [url, type] = process.argv.slice(1)
const chunks = []
process.stdin.on('data', (c) => chunks.push(c))
process.stdin.on('end', async () => {
  try {
    const headers = type !== '' ? { 'Content-Type': type } : {}
    const body = type !== '' ? Buffer.concat(chunks) : undefined
    const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(60000) })
    const text = Buffer.from(await res.arrayBuffer()).toString('base64')
    process.stdout.write(res.status + '\\n' + text)
  } catch (err) {
    process.stderr.write(String(err && err.cause && err.cause.code || err))
    process.exitCode = 2
  }
})
`

async function postThrough (exec: Exec, base: string, path: string, body?: { contentType: string, data: Uint8Array }): Promise<{ status: number, body: string }> {
  const child = exec(process.execPath, ['-e', POST_PROGRAM, `${base}/api/v0/${path}`, body?.contentType ?? ''], { stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout?.setEncoding('utf8').on('data', (d: string) => { out += d })
  child.stderr?.setEncoding('utf8').on('data', (d: string) => { err += d })
  child.stdin?.on('error', () => {})
  child.stdin?.end(body?.data ?? '')
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (c) => { resolve(c) })
  })
  if (code !== 0) {
    throw Object.assign(new Error(`POST ${path} failed: ${err.trim()}`), { code: /^E[A-Z]+$/.test(err.trim()) ? err.trim() : undefined })
  }
  const nl = out.indexOf('\n')
  return { status: Number(out.slice(0, nl)), body: Buffer.from(out.slice(nl + 1), 'base64').toString('utf8') }
}

async function addContent (rpc: JsIpfsDaemon['rpc'], bytes: Uint8Array, opts: { pin?: boolean, cidVersion?: 0 | 1, rawLeaves?: boolean }): Promise<CID> {
  const boundary = `----jsipfs${Math.random().toString(16).slice(2)}`
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="data"\r\nContent-Type: application/octet-stream\r\n\r\n`)
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`)
  const data = Buffer.concat([head, bytes, tail])
  const q = `add?pin=${opts.pin === true ? 'true' : 'false'}&cid-version=${opts.cidVersion ?? 1}&raw-leaves=${opts.rawLeaves ?? true ? 'true' : 'false'}&progress=false`
  const res = await rpc(q, { contentType: `multipart/form-data; boundary=${boundary}`, data })
  if (res.status !== 200) throw new Error(`jsipfs add answered ${res.status}: ${res.body}`)
  const lines = res.body.split('\n').filter((l) => l.trim() !== '')
  const last = JSON.parse(lines[lines.length - 1]) as { Hash: string }
  return parseCid(last.Hash)
}
