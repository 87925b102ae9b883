/**
 * Several test hosts on one machine, each in its own Linux network namespace.
 *
 * Layout of one test network (every name carries a per-run id, so parallel
 * test files never collide):
 *
 * ```
 *   netns <id>-br:  lo, br0 (bridge, no address), v0 … vN (bridge ports)
 *   netns <id>-h0:  lo (127.0.0.1, private to the host), eth0 = 10.77.x.2/24  ── veth ── v0
 *   netns <id>-h1:  lo,                                  eth0 = 10.77.x.3/24  ── veth ── v1
 * ```
 *
 * Nothing is created in the root namespace (the veth pairs are created
 * inside the bridge namespace), the bridge namespace has no address and no
 * uplink, and the hosts only have a route to their own subnet (plus
 * 224.0.0.0/4 on eth0 so that mDNS and other multicast work between hosts).
 * So no packet can leave the test network: anything else gets "Network is
 * unreachable" without a packet being sent.
 *
 * `cut(i)` takes host i's bridge port down: the host keeps its address but
 * its packets are dropped silently (like a pulled cable, so peers see
 * timeouts, not "connection refused"); `heal(i)` brings it back.
 *
 * Needs root and the `ip` tool (iproute2). Tests call
 * `netnsSkipReason()` for the `skip` option of `describe`: it gives a reason
 * to skip only when not root or `ip` is missing, and never when
 * `CI_REQUIRE_NETNS=1` (then `createTestNetwork` throws and the test fails).
 */
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes, randomInt } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChildProcess, SpawnOptions } from 'node:child_process'

export interface RunResult {
  /** Exit code, or null when the process was ended by a signal. */
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** Written to the process's stdin, which is then closed. */
  input?: string
  /** Kill the process (SIGKILL) after this many ms. Default 30000. */
  timeout?: number
}

export interface TestHost {
  index: number
  /** `host<i>` */
  name: string
  /** Name of the host's network namespace (`ip netns exec <ns> …`). */
  ns: string
  /** The host's IPv4 address on the test network. */
  address: string
  /** Spawns `cmd args` inside the host's namespace. */
  exec: (cmd: string, args?: string[], opts?: SpawnOptions) => ChildProcess
  /** Runs `cmd args` inside the host's namespace and collects its output. */
  run: (cmd: string, args?: string[], opts?: RunOptions) => Promise<RunResult>
}

export interface TestNetwork {
  /** Per-run id, prefix of every namespace name. */
  id: string
  /** Network address with prefix length, e.g. `10.77.23.0/24`. */
  subnet: string
  prefixLength: number
  /** Name of the namespace holding the bridge. */
  bridgeNs: string
  hosts: TestHost[]
  /** Takes host i's link down (partition). Resolves once the link is down. */
  cut: (i: number) => Promise<void>
  /** Brings host i's link back up. Resolves once the host has carrier again. */
  heal: (i: number) => Promise<void>
  /** True while host i is cut. */
  isCut: (i: number) => boolean
  /**
   * Kills every process running in the hosts' namespaces (those started
   * through `exec`/`run` and their children), then deletes the namespaces and
   * with them every link. Safe to call more than once.
   */
  destroy: () => Promise<void>
}

export interface TestNetworkOptions {
  hosts: number
  /** IPv4 subnet in CIDR form. Default `10.77.<random>.0/24`. */
  subnet?: string
}

const NS_PREFIX = 'ict-'
const STALE_NAME = /^ict-([0-9a-z]+)-[0-9a-f]{4}-(br|h\d+)$/

let ipAvailable: boolean | undefined

/**
 * Why network namespaces cannot be used here, or undefined when they can:
 * they need root and the `ip` tool.
 */
export function netnsUnsupportedReason (): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'network namespaces need root (tests run as a non-root user)'
  if (ipAvailable === undefined) {
    const res = spawnSync('ip', ['-V'], { stdio: 'ignore' })
    ipAvailable = res.error == null && res.status === 0
  }
  if (!ipAvailable) return 'the `ip` tool (iproute2) is not installed'
  return undefined
}

/** True when `createTestNetwork` can work here (root and `ip` available). */
export function isNetnsSupported (): boolean {
  return netnsUnsupportedReason() === undefined
}

/**
 * The `skip` value for tests that need network namespaces: a message when
 * they are not supported, false otherwise — and always false when
 * `CI_REQUIRE_NETNS=1`, so that CI fails instead of skipping silently.
 */
export function netnsSkipReason (): string | false {
  const reason = netnsUnsupportedReason()
  if (reason == null || process.env.CI_REQUIRE_NETNS === '1') return false
  return `skipped: ${reason}`
}

// ---------------------------------------------------------------------------

interface LiveNetwork {
  namespaces: string[]
  children: Set<ChildProcess>
}

const live = new Map<string, LiveNetwork>()
let exitHookInstalled = false
let staleSwept = false

function onExit (): void {
  for (const [id, net] of live) {
    destroySync(net)
    live.delete(id)
  }
}

function onSignal (signal: NodeJS.Signals): void {
  // process.exit runs the 'exit' hook above
  process.exit(signal === 'SIGINT' ? 130 : 143)
}

function installHooks (): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', onExit)
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
}

function removeHooks (): void {
  if (!exitHookInstalled || live.size > 0) return
  exitHookInstalled = false
  process.off('exit', onExit)
  process.off('SIGINT', onSignal)
  process.off('SIGTERM', onSignal)
}

function nsPidsSync (ns: string): number[] {
  const res = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' })
  if (res.status !== 0) return []
  return parsePids(res.stdout)
}

function parsePids (text: string): number[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => /^\d+$/.test(l)).map(Number)
}

function killPid (pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // already gone
  }
}

/** Synchronous clean-up for the exit hook. */
function destroySync (net: LiveNetwork): void {
  for (const child of net.children) {
    if (child.pid != null && child.exitCode == null && child.signalCode == null) killPid(child.pid)
  }
  for (const ns of net.namespaces) {
    for (const pid of nsPidsSync(ns)) killPid(pid)
  }
  for (const ns of [...net.namespaces].reverse()) {
    spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' })
  }
}

/** Runs `ip args` in the root namespace; rejects with its stderr on failure. */
async function ip (args: string[]): Promise<string> {
  const res = await runProcess('ip', args, { timeout: 10_000 })
  if (res.code !== 0) {
    throw new Error(`ip ${args.join(' ')} failed (${res.code ?? res.signal}): ${res.stderr.trim()}`)
  }
  return res.stdout
}

async function runProcess (cmd: string, args: string[], opts: RunOptions & { track?: Set<ChildProcess> } = {}): Promise<RunResult> {
  return await new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] })
    opts.track?.add(child)
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeout ?? 30_000)
    child.on('error', (err) => {
      clearTimeout(timer)
      opts.track?.delete(child)
      reject(err)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      opts.track?.delete(child)
      resolve({ code, signal, stdout, stderr })
    })
    child.stdin.on('error', () => {})
    child.stdin.end(opts.input ?? '')
  })
}

let netnsDirReady = false

/**
 * `ip netns add`. The first one on a machine turns /run/netns into a shared
 * mount point; two processes doing that at the same moment would stack two
 * mounts, so until it is a mount point the call runs under a lock file.
 */
async function netnsAdd (name: string): Promise<void> {
  if (!netnsDirReady) {
    netnsDirReady = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === '/run/netns')
  }
  if (netnsDirReady || spawnSync('flock', ['--version'], { stdio: 'ignore' }).status !== 0) {
    await ip(['netns', 'add', name])
  } else {
    const res = await runProcess('flock', [join(tmpdir(), 'ict-netns-add.lock'), 'ip', 'netns', 'add', name], { timeout: 10_000 })
    if (res.code !== 0) throw new Error(`ip netns add ${name} failed (${res.code ?? res.signal}): ${res.stderr.trim()}`)
    netnsDirReady = true
  }
}

/** Deletes namespaces left behind by test processes that no longer exist. */
async function sweepStale (): Promise<void> {
  if (staleSwept) return
  staleSwept = true
  const out = await ip(['netns', 'list'])
  for (const line of out.split('\n')) {
    const name = line.trim().split(/\s+/)[0]
    const m = name != null ? STALE_NAME.exec(name) : null
    if (m == null) continue
    const pid = parseInt(m[1], 36)
    if (pid === process.pid) continue
    let alive = true
    try {
      process.kill(pid, 0)
    } catch (err) {
      alive = (err as NodeJS.ErrnoException).code !== 'ESRCH'
    }
    if (!alive) {
      await ip(['netns', 'del', name]).catch(() => {})
    }
  }
}

interface Subnet { base: number, prefixLength: number, text: string }

function ipToInt (addr: string): number {
  const parts = addr.split('.')
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new Error(`invalid IPv4 address: ${addr}`)
  }
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0)
}

function intToIp (n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')
}

function parseSubnet (cidr: string, hosts: number): Subnet {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(cidr)
  if (m == null) throw new Error(`invalid subnet "${cidr}": expected a.b.c.d/len`)
  const prefixLength = Number(m[2])
  if (prefixLength < 8 || prefixLength > 30) throw new Error(`invalid subnet "${cidr}": prefix length must be between 8 and 30`)
  const size = 2 ** (32 - prefixLength)
  const base = ipToInt(m[1]) - (ipToInt(m[1]) % size)
  // .0 is the network, .1 is left free, the last one is broadcast
  if (hosts + 2 > size - 1) throw new Error(`subnet ${cidr} is too small for ${hosts} hosts`)
  return { base, prefixLength, text: `${intToIp(base)}/${prefixLength}` }
}

/**
 * Creates `hosts` network namespaces joined by one bridge (in its own
 * namespace). Host i gets the address `<subnet>.(i+2)`.
 */
export async function createTestNetwork (opts: TestNetworkOptions): Promise<TestNetwork> {
  const reason = netnsUnsupportedReason()
  if (reason != null) throw new Error(`cannot create a test network: ${reason}`)
  if (!Number.isInteger(opts.hosts) || opts.hosts < 1) throw new Error('hosts must be a positive integer')
  const subnet = parseSubnet(opts.subnet ?? `10.77.${randomInt(0, 256)}.0/24`, opts.hosts)

  await sweepStale()

  const id = `${NS_PREFIX}${process.pid.toString(36)}-${randomBytes(2).toString('hex')}`
  const bridgeNs = `${id}-br`
  const state: LiveNetwork = { namespaces: [], children: new Set() }
  live.set(id, state)
  installHooks()

  const cut = new Set<number>()
  let destroyed = false

  const destroy = async (): Promise<void> => {
    if (destroyed) return
    destroyed = true
    for (const child of state.children) {
      if (child.pid != null && child.exitCode == null && child.signalCode == null) killPid(child.pid)
    }
    const deadline = Date.now() + 10_000
    for (const ns of state.namespaces) {
      // kill everything in the namespace (children of children too), until empty
      while (true) {
        const pids = parsePids(await ip(['netns', 'pids', ns]).catch(() => ''))
        if (pids.length === 0) break
        if (Date.now() > deadline) throw new Error(`processes ${pids.join(', ')} in ${ns} did not exit`)
        pids.forEach(killPid)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    }
    const errors: string[] = []
    for (const ns of [...state.namespaces].reverse()) {
      await ip(['netns', 'del', ns]).catch((err: Error) => { errors.push(err.message) })
    }
    live.delete(id)
    removeHooks()
    if (errors.length > 0) throw new Error(errors.join('; '))
  }

  const hostNs = (i: number): string => `${id}-h${i}`
  const checkIndex = (i: number): void => {
    if (!Number.isInteger(i) || i < 0 || i >= opts.hosts) throw new Error(`no host ${i} (network has ${opts.hosts})`)
  }

  const waitLink = async (ns: string, dev: string, up: boolean): Promise<void> => {
    const deadline = Date.now() + 5000
    while (true) {
      const out = await ip(['-n', ns, '-o', 'link', 'show', dev])
      const hasCarrier = /[<,]LOWER_UP[,>]/.test(out)
      if (hasCarrier === up) return
      if (Date.now() > deadline) throw new Error(`${dev} in ${ns} did not go ${up ? 'up' : 'down'}: ${out.trim()}`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }

  try {
    await netnsAdd(bridgeNs)
    state.namespaces.push(bridgeNs)
    await ip(['-n', bridgeNs, 'link', 'set', 'lo', 'up'])
    await ip(['-n', bridgeNs, 'link', 'add', 'br0', 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0'])
    await ip(['-n', bridgeNs, 'link', 'set', 'br0', 'up'])

    const hosts: TestHost[] = []
    for (let i = 0; i < opts.hosts; i++) {
      const ns = hostNs(i)
      const address = intToIp(subnet.base + i + 2)
      await netnsAdd(ns)
      state.namespaces.push(ns)
      await ip(['-n', ns, 'link', 'set', 'lo', 'up'])
      // both ends are created inside namespaces: the root namespace is never touched
      await ip(['-n', bridgeNs, 'link', 'add', `v${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns])
      await ip(['-n', bridgeNs, 'link', 'set', `v${i}`, 'master', 'br0'])
      await ip(['-n', bridgeNs, 'link', 'set', `v${i}`, 'up'])
      await ip(['-n', ns, 'addr', 'add', `${address}/${subnet.prefixLength}`, 'dev', 'eth0'])
      await ip(['-n', ns, 'link', 'set', 'eth0', 'up'])
      await ip(['-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0'])

      const exec = (cmd: string, args: string[] = [], spawnOpts: SpawnOptions = {}): ChildProcess => {
        if (destroyed) throw new Error('test network destroyed')
        const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], spawnOpts)
        state.children.add(child)
        child.on('exit', () => state.children.delete(child))
        return child
      }
      const run = async (cmd: string, args: string[] = [], runOpts: RunOptions = {}): Promise<RunResult> => {
        if (destroyed) throw new Error('test network destroyed')
        return await runProcess('ip', ['netns', 'exec', ns, cmd, ...args], { ...runOpts, track: state.children })
      }
      hosts.push({ index: i, name: `host${i}`, ns, address, exec, run })
    }
    for (let i = 0; i < opts.hosts; i++) await waitLink(hostNs(i), 'eth0', true)

    return {
      id,
      subnet: subnet.text,
      prefixLength: subnet.prefixLength,
      bridgeNs,
      hosts,
      cut: async (i: number): Promise<void> => {
        checkIndex(i)
        await ip(['-n', bridgeNs, 'link', 'set', `v${i}`, 'down'])
        await waitLink(hostNs(i), 'eth0', false)
        cut.add(i)
      },
      heal: async (i: number): Promise<void> => {
        checkIndex(i)
        await ip(['-n', bridgeNs, 'link', 'set', `v${i}`, 'up'])
        await waitLink(hostNs(i), 'eth0', true)
        cut.delete(i)
      },
      isCut: (i: number): boolean => cut.has(i),
      destroy
    }
  } catch (err) {
    await destroy().catch(() => {})
    throw err
  }
}
