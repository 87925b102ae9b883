/**
 * Add throughput benchmark (run: `npx tsc -p tsconfig.json && node dist/bench/add.js`).
 *
 * Over the same 1 GiB random file (BENCH_SIZE_MIB to change), medians of
 * BENCH_RUNS runs (default 3), each in a fresh child process:
 *  - sha256-stream: read the file and SHA-256 every 256 KiB chunk (node:crypto);
 *  - sha256-mem: SHA-256 of 256 KiB chunks of a 4 MiB buffer (no I/O, warm caches);
 *  - adder: the cluster adder (default options) into a discarding block sink;
 *  - jsipfs: the js-ipfs 0.66 daemon's `/api/v0/add?pin=false` of the file
 *    (BENCH_JSIPFS_RUNS, default 3; 0 to skip).
 * Prints MB/s, the adder/SHA-256 ratio and the peak RSS of each child.
 */
import { spawnSync } from 'node:child_process'
import { createHash, randomFillSync } from 'node:crypto'
import { createReadStream, existsSync, statSync } from 'node:fs'
import { mkdir, open } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createAdder } from '../src/adder/index.js'
import { defaultAddParams } from '../src/adder/params.js'
import { silentLogger } from '../src/logging/index.js'
import type { BlockWithCid } from '../src/api/types.js'
import type { AddEntry } from '../src/interfaces.js'

const MiB = 1024 * 1024
const CHUNK = 256 * 1024

interface Result { seconds: number, maxRssMiB: number, cid?: string }

function report (r: Result): void {
  process.stdout.write(JSON.stringify({ ...r, maxRssMiB: process.resourceUsage().maxRSS / 1024 }) + '\n')
}

async function readFile2 (path: string, enc: 'utf8'): Promise<string> {
  const { readFile } = await import('node:fs/promises')
  return await readFile(path, enc)
}

async function * readFile (path: string): AsyncGenerator<Uint8Array> {
  for await (const chunk of createReadStream(path, { highWaterMark: MiB })) yield chunk as Buffer
}

async function childSha256Stream (path: string): Promise<void> {
  const start = process.hrtime.bigint()
  let carry = Buffer.alloc(0)
  for await (const piece of readFile(path)) {
    let buf = carry.length > 0 ? Buffer.concat([carry, piece]) : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength)
    let off = 0
    for (; off + CHUNK <= buf.length; off += CHUNK) createHash('sha256').update(buf.subarray(off, off + CHUNK)).digest()
    carry = Buffer.from(buf.subarray(off))
    buf = carry
  }
  if (carry.length > 0) createHash('sha256').update(carry).digest()
  report({ seconds: Number(process.hrtime.bigint() - start) / 1e9, maxRssMiB: 0 })
}

async function childSha256Mem (sizeMiB: number): Promise<void> {
  const buf = randomFillSync(Buffer.alloc(4 * MiB))
  const start = process.hrtime.bigint()
  const rounds = sizeMiB / 4
  for (let r = 0; r < rounds; r++) {
    for (let off = 0; off < buf.length; off += CHUNK) createHash('sha256').update(buf.subarray(off, off + CHUNK)).digest()
  }
  report({ seconds: Number(process.hrtime.bigint() - start) / 1e9, maxRssMiB: 0 })
}

async function childAdder (path: string): Promise<void> {
  const adder = createAdder({
    peerId: '12D3KooWBench',
    logger: silentLogger(),
    allocate: async () => ['12D3KooWBench'],
    pin: async (pin) => pin,
    putBlocks: async (_peer: string, blocks: AsyncIterable<BlockWithCid>) => {
      for await (const b of blocks) { void b }
    }
  })
  const entry: AddEntry = { path: 'big.bin', type: 'file', content: readFile(path) }
  const start = process.hrtime.bigint()
  let cid = ''
  const entries = (async function * () { yield entry })()
  for await (const out of adder.add(entries, defaultAddParams())) {
    cid = String(out.cid)
  }
  report({ seconds: Number(process.hrtime.bigint() - start) / 1e9, maxRssMiB: 0, cid })
}

async function childJsIpfs (path: string): Promise<void> {
  const { startJsIpfs } = await import('../test/adder/jsipfs-daemon.js')
  const daemon = await startJsIpfs()
  try {
    const boundary = '----bench' + Date.now().toString(16)
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`)
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`)
    const body = new ReadableStream<Uint8Array>({
      async start (controller) {
        controller.enqueue(head)
        for await (const c of readFile(path)) controller.enqueue(c)
        controller.enqueue(tail)
        controller.close()
      }
    })
    const start = process.hrtime.bigint()
    const res = await fetch(`${daemon.apiUrl}/add?pin=false`, {
      method: 'POST',
      body,
      headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
      duplex: 'half'
    } as RequestInit & { duplex: 'half' })
    const text = await res.text()
    const seconds = Number(process.hrtime.bigint() - start) / 1e9
    const last = text.trim().split('\n').pop() ?? '{}'
    // peak RSS of the daemon process (the client here only streams the file)
    const status = await readFile2(`/proc/${daemon.pid}/status`, 'utf8').catch(() => '')
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status)
    process.stdout.write(JSON.stringify({ seconds, maxRssMiB: hwm != null ? Number(hwm[1]) / 1024 : 0, cid: JSON.parse(last).Hash }) + '\n')
  } finally {
    await daemon.stop()
  }
}

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

function runChild (mode: string, arg: string): Result {
  const self = fileURLToPath(import.meta.url)
  const res = spawnSync(process.execPath, [self, '--child', mode, arg], { encoding: 'utf8', maxBuffer: 16 * MiB, env: { ...process.env, CLUSTER_TEST_ROOT: process.cwd() } })
  if (res.status !== 0) throw new Error(`${mode} failed: ${res.stderr}`)
  const line = res.stdout.trim().split('\n').pop() as string
  return JSON.parse(line)
}

async function ensureFile (path: string, sizeMiB: number): Promise<void> {
  if (existsSync(path) && statSync(path).size === sizeMiB * MiB) return
  const fh = await open(path, 'w')
  const buf = Buffer.alloc(16 * MiB)
  for (let i = 0; i < sizeMiB / 16; i++) {
    randomFillSync(buf)
    await fh.write(buf)
  }
  await fh.close()
}

async function main (): Promise<void> {
  const sizeMiB = Number(process.env.BENCH_SIZE_MIB ?? 1024)
  const runs = Number(process.env.BENCH_RUNS ?? 3)
  const { jsIpfsAvailable } = await import('../test/adder/jsipfs-daemon.js')
  let jsRuns = Number(process.env.BENCH_JSIPFS_RUNS ?? 3)
  if (jsRuns > 0 && !jsIpfsAvailable()) {
    process.stdout.write('js-ipfs fixture not installed (npm test installs it in test/fixtures/jsipfs): skipping the js-ipfs runs\n')
    jsRuns = 0
  }
  const dir = join(process.cwd(), '.bench-tmp')
  await mkdir(dir, { recursive: true })
  const file = join(dir, `random-${sizeMiB}MiB.bin`)
  await ensureFile(file, sizeMiB)
  const mb = sizeMiB * MiB / 1e6

  // runs are interleaved (SHA-256, adder, SHA-256, …) so that noise from
  // other processes affects every measurement alike
  runChild('sha256-stream', file) // warm the page cache
  const kinds: Array<[string, string, string]> = [
    ['SHA-256 (node:crypto, 256 KiB chunks, streamed from the file)', 'sha256-stream', file],
    ['SHA-256 (node:crypto, 256 KiB chunks, in memory, no I/O)', 'sha256-mem', String(sizeMiB)],
    ['cluster adder (defaults) → discarding block sink', 'adder', file]
  ]
  const rows: Array<[string, Result[]]> = kinds.map(([label]) => [label, []])
  for (let i = 0; i < runs; i++) {
    kinds.forEach(([, mode, arg], k) => { rows[k][1].push(runChild(mode, arg)) })
  }
  const sha = rows[0][1]
  const shaMem = rows[1][1]
  const adder = rows[2][1]
  if (jsRuns > 0) {
    const js: Result[] = []
    for (let i = 0; i < jsRuns; i++) js.push(runChild('jsipfs', file))
    rows.push(['js-ipfs 0.66 daemon /api/v0/add?pin=false (RSS: daemon)', js])
  }

  process.stdout.write(`\nAdd benchmark: ${sizeMiB} MiB random file, medians of the runs\n\n`)
  process.stdout.write('| what | median s | MB/s | peak RSS MiB (median) | runs (s) |\n|---|---|---|---|---|\n')
  for (const [label, rs] of rows) {
    const s = median(rs.map((r) => r.seconds))
    process.stdout.write(`| ${label} | ${s.toFixed(3)} | ${(mb / s).toFixed(0)} | ${median(rs.map((r) => r.maxRssMiB)).toFixed(0)} | ${rs.map((r) => r.seconds.toFixed(2)).join(', ')} |\n`)
  }
  const a = median(adder.map((r) => r.seconds))
  process.stdout.write(`\nadder / SHA-256 streamed: ${(100 * median(sha.map((r) => r.seconds)) / a).toFixed(0)}%`)
  process.stdout.write(`, adder / SHA-256 in memory: ${(100 * median(shaMem.map((r) => r.seconds)) / a).toFixed(0)}%\n`)
  process.stdout.write(`root CID: ${String(adder[0].cid)}\n`)
  const js = rows.find(([l]) => l.startsWith('js-ipfs'))
  if (js != null) process.stdout.write(`js-ipfs root CID: ${String(js[1][0].cid)} (base58 CIDv0 expected to match)\n`)
}

const childIdx = process.argv.indexOf('--child')
if (childIdx >= 0) {
  const mode = process.argv[childIdx + 1]
  const arg = process.argv[childIdx + 2]
  const run = mode === 'sha256-stream'
    ? childSha256Stream(arg)
    : mode === 'sha256-mem'
      ? childSha256Mem(Number(arg))
      : mode === 'adder'
        ? childAdder(arg)
        : childJsIpfs(arg)
  run.catch((err) => { process.stderr.write(String(err?.stack ?? err)); process.exitCode = 1 })
} else {
  main().catch((err) => { process.stderr.write(String(err?.stack ?? err)); process.exitCode = 1 })
}
