/**
 * A js-ipfs 0.66 daemon (test/fixtures/jsipfs) on loopback, used as an
 * independent UnixFS importer to cross-check our CIDs. Its `/api/v0/add`
 * takes Kubo's options and prints CIDv1 in base58: compare CIDs by bytes.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { base58btc } from 'multiformats/bases/base58'
import type { ChildProcess } from 'node:child_process'

const ROOT = process.env.CLUSTER_TEST_ROOT ?? process.cwd()
export const JSIPFS_BIN = join(ROOT, 'test', 'fixtures', 'jsipfs', 'node_modules', 'ipfs', 'src', 'cli.js')

/** True when the fixture is installed and not disabled with SKIP_JSIPFS=1. */
export function jsIpfsAvailable (): boolean {
  return process.env.SKIP_JSIPFS !== '1' && existsSync(JSIPFS_BIN)
}

export interface JsIpfsAddEntry {
  path: string
  type: 'file' | 'directory'
  content?: Uint8Array
}

export interface JsIpfsAdded {
  name: string
  cid: CID
  size: number
}

export interface JsIpfsDaemon {
  apiUrl: string
  /** Process id of the daemon. */
  pid: number
  add(entries: JsIpfsAddEntry[], query?: Record<string, string | number | boolean>): Promise<JsIpfsAdded[]>
  stop(): Promise<void>
}

function parseCid (s: string): CID {
  return s.startsWith('z') ? CID.decode(base58btc.decode(s)) : CID.parse(s)
}

export async function startJsIpfs (options: { sharding?: boolean } = {}): Promise<JsIpfsDaemon> {
  const dir = await mkdtemp(join(tmpdir(), 'jsipfs-'))
  const repo = join(dir, 'repo')
  const env = { ...process.env, IPFS_PATH: repo, NODE_OPTIONS: '' }
  const init = spawnSync(process.execPath, [JSIPFS_BIN, 'init', '--profile', 'test'], { env, encoding: 'utf8' })
  if (init.status !== 0) {
    await rm(dir, { recursive: true, force: true })
    throw new Error(`jsipfs init failed: ${init.stderr}`)
  }
  const configPath = join(repo, 'config')
  const config = JSON.parse(await readFile(configPath, 'utf8'))
  config.Addresses.Swarm = ['/ip4/127.0.0.1/tcp/0']
  config.Addresses.API = '/ip4/127.0.0.1/tcp/0'
  config.Addresses.Gateway = '/ip4/127.0.0.1/tcp/0'
  config.Addresses.RPC = '/ip4/127.0.0.1/tcp/0'
  await writeFile(configPath, JSON.stringify(config))

  const args = [JSIPFS_BIN, 'daemon', '--enable-preload=false']
  if (options.sharding === true) args.push('--enable-sharding-experiment')
  const proc: ChildProcess = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  const apiUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`jsipfs daemon did not start:\n${log}`)) }, 60_000)
    const onData = (chunk: Buffer): void => {
      log += chunk.toString()
      const m = /HTTP API listening on \/ip4\/127\.0\.0\.1\/tcp\/(\d+)\/http/.exec(log)
      if (m != null && log.includes('Daemon is ready')) {
        clearTimeout(timer)
        resolve(`http://127.0.0.1:${m[1]}/api/v0`)
      }
    }
    proc.stdout?.on('data', onData)
    proc.stderr?.on('data', onData)
    proc.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`jsipfs daemon exited (${String(code)}):\n${log}`))
    })
  })

  const stop = async (): Promise<void> => {
    if (proc.exitCode == null && proc.signalCode == null) {
      const exited = new Promise<void>((resolve) => { proc.once('exit', () => { resolve() }) })
      proc.kill('SIGTERM')
      const timer = setTimeout(() => { proc.kill('SIGKILL') }, 5000)
      await exited
      clearTimeout(timer)
    }
    await rm(dir, { recursive: true, force: true })
  }

  const add = async (entries: JsIpfsAddEntry[], query: Record<string, string | number | boolean> = {}): Promise<JsIpfsAdded[]> => {
    const form = new FormData()
    for (const e of entries) {
      const name = encodeURIComponent(e.path)
      if (e.type === 'directory') {
        form.append('file', new Blob([], { type: 'application/x-directory' }), name)
      } else {
        form.append('file', new Blob([(e.content ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }), name)
      }
    }
    const q = new URLSearchParams({ pin: 'false', ...Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])) })
    const res = await fetch(`${apiUrl}/add?${q.toString()}`, { method: 'POST', body: form })
    const text = await res.text()
    if (res.status !== 200) throw new Error(`jsipfs add failed: ${res.status} ${text}`)
    const out: JsIpfsAdded[] = []
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue
      const o = JSON.parse(line)
      if (o.Message != null) throw new Error(`jsipfs add failed: ${String(o.Message)}`)
      if (o.Hash == null) continue
      out.push({ name: o.Name, cid: parseCid(o.Hash), size: Number(o.Size) })
    }
    return out
  }

  return { apiUrl, pid: proc.pid as number, add, stop }
}
