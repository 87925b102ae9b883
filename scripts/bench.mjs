#!/usr/bin/env node
// Runs the benchmarks (compiled to dist/bench by `npm run bench`).
//
//   npm run bench                         every benchmark
//   npm run bench -- pins-rest startup    the named ones
//   npm run bench -- --list               the names
//   npm run bench -- pin-ls --runs 5 --pins 200000
//   npm run bench -- --out results.json  also write the results as JSON
//
// Options after the names are passed to the benchmark programs (--runs,
// --pins, --rest-pins, --batch-pins, --nobatch-pins, --concurrency, ...).
// Each group runs in its own process; system benchmarks start cluster
// daemons and fake Kubo processes on 127.0.0.1 in temporary folders, with
// CLUSTER_MDNSINTERVAL=0, and clean them up.
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/** name → [program under dist/bench, group (names of a group share one process), description] */
const BENCHES = {
  'pins-rest': ['peer-core.js', 'peer', '(a) pins/s through POST /pins/<cid>, one peer, without and with batching'],
  'pin-ls': ['peer-core.js', 'peer', '(b) ipfs-cluster-ctl pin ls over 1M pins: wall time, peak RSS of ctl and daemon'],
  startup: ['peer-core.js', 'peer', '(c) daemon start until /version and /id answer with 1M pins'],
  'state-export-import': ['peer-core.js', 'peer', '(d) state export and state import of 1M pins'],
  'cluster-ingest': ['cluster.js', 'cluster', '(e) 3 peers: pins/s acknowledged and visible on all, with and without batching'],
  'cluster-catchup': ['cluster.js', 'cluster', '(f, g) 3 peers with 1M pins; a 4th peer catches up (items/s); peak RSS per peer'],
  'pintracker-queue': ['pintracker-queue.js', null, 'component: memory per queued tracker operation and per IPFS pin in statusAll'],
  'embedded-ipfs': ['embedded-ipfs.js', null, 'component: embedded IPFS node start-up, pin throughput, pin ls, GC'],
  'crdt-engine': ['crdt-engine.js', null, 'component: CRDT store: batched writes, catch-up of 1M pins (items/s), store open, 3-replica throughput'],
  add: ['add.js', null, 'component: adder throughput over 1 GiB vs SHA-256 of the same bytes and js-ipfs add; peak RSS']
}

const argv = process.argv.slice(2)
if (argv.includes('--list') || argv.includes('--help') || argv.includes('-h')) {
  for (const [name, [, , desc]] of Object.entries(BENCHES)) console.log(`${name.padEnd(22)} ${desc}`)
  process.exit(0)
}

const names = []
const passArgs = []
let outFile
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]
  if (a === '--out') { outFile = argv[++i]; continue }
  if (a.startsWith('--out=')) { outFile = a.slice(6); continue }
  if (a.startsWith('--')) {
    passArgs.push(a)
    if (!a.includes('=') && i + 1 < argv.length && !argv[i + 1].startsWith('--')) passArgs.push(argv[++i])
    continue
  }
  if (BENCHES[a] == null) {
    console.error(`unknown benchmark ${a}; known: ${Object.keys(BENCHES).join(', ')}`)
    process.exit(2)
  }
  names.push(a)
}
const selected = names.length > 0 ? names : Object.keys(BENCHES)

// group the names that share a program (they share fixtures)
const jobs = []
for (const name of selected) {
  const [program, group] = BENCHES[name]
  const existing = group != null ? jobs.find((j) => j.group === group) : undefined
  if (existing != null) existing.names.push(name)
  else jobs.push({ program, group, names: [name] })
}

function cpuModel () {
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model
  } catch {
    return cpus()[0]?.model
  }
}

const machine = {
  date: new Date().toISOString(),
  cpus: cpus().length,
  model: cpuModel(),
  ramGiB: Math.round(totalmem() / 1024 ** 3),
  node: process.version
}
console.log(`# benchmarks ${selected.join(', ')}\n# ${JSON.stringify(machine)}`)

const results = []
let failed = 0
for (const job of jobs) {
  const script = join(root, 'dist', 'bench', job.program)
  // component benches take their own positional arguments; system ones take names + options
  const jobArgs = job.group != null ? [...job.names, ...passArgs] : []
  console.log(`\n# node ${['dist/bench/' + job.program, ...jobArgs].join(' ')}`)
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...jobArgs], {
      cwd: root,
      env: { ...process.env, CLUSTER_MDNSINTERVAL: '0' },
      stdio: ['ignore', 'pipe', 'inherit']
    })
    let buf = ''
    child.stdout.on('data', (chunk) => {
      buf += chunk.toString('utf8')
      let i
      while ((i = buf.indexOf('\n')) !== -1) {
        const line = buf.slice(0, i)
        buf = buf.slice(i + 1)
        if (line.startsWith('BENCH_RESULT ')) {
          try { results.push(JSON.parse(line.slice(13))) } catch {}
        } else {
          process.stdout.write(line + '\n')
        }
      }
    })
    const forward = (sig) => { child.kill(sig) }
    process.on('SIGINT', forward)
    process.on('SIGTERM', forward)
    child.on('exit', (c, s) => {
      process.off('SIGINT', forward)
      process.off('SIGTERM', forward)
      if (buf !== '') process.stdout.write(buf + '\n')
      resolve(c ?? s)
    })
  })
  if (code !== 0) {
    failed++
    console.log(`# ${job.names.join(', ')}: exited with ${code}`)
  }
}

if (results.length > 0) {
  console.log('\n# Summary (medians)')
  console.log('| benchmark | metric | goal | median | ratio |')
  console.log('| --- | --- | --- | --- | --- |')
  for (const r of results) {
    for (const m of r.metrics) {
      const goal = m.goal != null ? `${m.kind === 'max' ? '≤' : '≥'} ${m.goal} ${m.unit}` : ''
      const med = `${m.median >= 100 ? Math.round(m.median) : Number(m.median).toFixed(2)} ${m.unit}`
      const ratio = m.ratio != null ? `${m.ratio.toFixed(2)}${m.pass ? '' : ' (missed)'}` : ''
      console.log(`| ${r.bench} | ${m.name} | ${goal} | ${med} | ${ratio} |`)
    }
  }
}
if (outFile != null) {
  writeFileSync(outFile, JSON.stringify({ machine, results }, null, 2) + '\n')
  console.log(`\nresults written to ${outFile}`)
}
process.exit(failed > 0 ? 1 : 0)
