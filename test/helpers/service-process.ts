/**
 * `bin/ipfs-cluster-service` as a child process (on this machine, or in a
 * network namespace through a spawn function such as `TestHost.exec`):
 * collects its log lines, waits for lines, stops it with a signal.
 */
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { waitFor } from './wait-for.js'
import type { ChildProcess, SpawnOptions } from 'node:child_process'

/** The repository root (the compiled tests live in `<root>/dist/test`). */
export const REPO_ROOT = process.env.CLUSTER_TEST_ROOT ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
export const SERVICE_BIN = join(REPO_ROOT, 'bin', 'ipfs-cluster-service')
export const CTL_BIN = join(REPO_ROOT, 'bin', 'ipfs-cluster-ctl')

export type SpawnFn = (cmd: string, args: string[], opts: SpawnOptions) => ChildProcess

export interface ServiceProcess {
  child: ChildProcess
  /** stdout and stderr lines, in arrival order. */
  lines: string[]
  /** Resolves with the first line matching `re` (also lines already seen). */
  waitLine: (re: RegExp, timeout?: number) => Promise<string>
  /** Resolves with the exit code (or signal) once the process ended. */
  exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
  /** Sends `signal` and waits for the exit. */
  stop: (signal?: NodeJS.Signals) => Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

export interface RunServiceOptions {
  env: NodeJS.ProcessEnv
  spawnFn?: SpawnFn
  /** Prefix for the echoed lines (with `TEST_PEER_ECHO=1`). */
  name?: string
}

/** Spawns `ipfs-cluster-service <args>`. */
export function runService (args: string[], opts: RunServiceOptions): ServiceProcess {
  const spawnFn: SpawnFn = opts.spawnFn ?? ((cmd, a, o) => spawn(cmd, a, o))
  const child = spawnFn(process.execPath, [SERVICE_BIN, ...args], { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  const echo = process.env.TEST_PEER_ECHO === '1'
  for (const stream of [child.stdout, child.stderr]) {
    let buf = ''
    stream?.setEncoding('utf8').on('data', (d: string) => {
      buf += d
      let i: number
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i)
        buf = buf.slice(i + 1)
        lines.push(line)
        if (echo) process.stderr.write(`${opts.name ?? 'service'} ${line}\n`)
      }
    })
  }
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => { resolve({ code, signal }) })
    child.on('error', () => { resolve({ code: -1, signal: null }) })
  })
  return {
    child,
    lines,
    exited,
    waitLine: async (re, timeout = 30_000) => await waitFor(() => {
      const l = lines.find((x) => re.test(x))
      if (l == null && child.exitCode != null) throw new Error(`process exited (${child.exitCode}) before a line matching ${re}:\n${lines.join('\n')}`)
      return l
    }, { timeout, message: `a line matching ${re}` }),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode == null && child.signalCode == null) child.kill(signal)
      return await exited
    }
  }
}

/** Runs `ipfs-cluster-service <args>` to completion (init…). */
export async function runServiceOnce (args: string[], opts: RunServiceOptions): Promise<{ code: number | null, output: string }> {
  const p = runService(args, opts)
  const { code } = await p.exited
  return { code, output: p.lines.join('\n') }
}
