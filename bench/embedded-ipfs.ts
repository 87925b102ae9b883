/**
 * Start-up cost and pin-store scale of the embedded IPFS node.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/embedded-ipfs.js [pins]
 *
 * Prints: module import time, create+start time (fresh folder and restart),
 * RSS after start, then for `pins` (default 20000) small direct-imported raw
 * blocks: blockStream + pin throughput, a full `pinLs` stream, `pinLsCid`
 * latency, `repoStat` latency, restart time with that pin set, and GC.
 */
import '../src/polyfill.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const rssBaseline = process.memoryUsage().rss
const t0 = performance.now()
const { createEmbeddedIPFS } = await import('../src/ipfsconn/embedded/index.js')
const { silentLogger } = await import('../src/logging/index.js')
const { PinType } = await import('../src/api/enums.js')
const { CID } = await import('multiformats/cid')
const raw = await import('multiformats/codecs/raw')
const { sha256 } = await import('multiformats/hashes/sha2')
const importMs = performance.now() - t0

type Node = ReturnType<typeof createEmbeddedIPFS>

const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`
const ms = (n: number): string => `${n.toFixed(1)} ms`

function config (folder: string): Parameters<typeof createEmbeddedIPFS>[1] {
  return {
    listenMultiaddress: ['/ip4/127.0.0.1/tcp/0'],
    announceMultiaddress: [],
    folder,
    storageMax: 10_000_000_000,
    pinTimeout: 60_000,
    unpinTimeout: 60_000,
    ipfsRequestTimeout: 5_000,
    connectSwarmsDelay: 0
  }
}

async function startTimed (folder: string): Promise<[Node, number]> {
  const started = performance.now()
  const node = createEmbeddedIPFS({ logger: silentLogger() }, config(folder))
  await node.start()
  return [node, performance.now() - started]
}

function pinOf (cid: InstanceType<typeof CID>, maxDepth: number): any {
  return { cid, maxDepth, type: PinType.Data, allocations: [], reference: null, timestamp: null, replicationFactorMin: -1, replicationFactorMax: -1, name: '', mode: 'recursive', shardSize: 0, userAllocations: null, expireAt: null, metadata: null, pinUpdate: null, origins: null }
}

const count = Number(process.argv[2] ?? 20000)
const folder = await mkdtemp(join(tmpdir(), 'embedded-bench-'))
try {
  console.log(`import of the module graph: ${ms(importMs)}`)
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  const rssBefore = process.memoryUsage().rss
  let [node, startMs] = await startTimed(folder)
  console.log(`create + start (fresh folder, key generation): ${ms(startMs)}`)
  gc?.()
  console.log(`RSS after start: ${mb(process.memoryUsage().rss)} (bare process ${mb(rssBaseline)}, after imports ${mb(rssBefore)}; run with --expose-gc for settled numbers)`)
  await node.stop()
  ;[node, startMs] = await startTimed(folder)
  console.log(`create + start (existing folder): ${ms(startMs)}`)

  const cids: Array<InstanceType<typeof CID>> = []
  let started = performance.now()
  const batch = 1000
  for (let i = 0; i < count; i += batch) {
    const blocks = []
    for (let j = i; j < Math.min(count, i + batch); j++) {
      const bytes = new TextEncoder().encode(`block number ${j}`)
      const cid = CID.createV1(raw.code, await sha256.digest(bytes))
      cids.push(cid)
      blocks.push({ cid, bytes })
    }
    await node.blockStream((async function * () { yield * blocks })())
  }
  const putMs = performance.now() - started
  console.log(`blockStream of ${count} small blocks: ${ms(putMs)} (${(count / putMs * 1000).toFixed(0)}/s)`)

  started = performance.now()
  const concurrency = 16
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < cids.length) {
      const cid = cids[next++]
      await node.pin(pinOf(cid, -1))
    }
  }))
  const pinMs = performance.now() - started
  console.log(`pin of ${count} (16 at a time): ${ms(pinMs)} (${(count / pinMs * 1000).toFixed(0)}/s)`)

  started = performance.now()
  let listed = 0
  const heapBefore = process.memoryUsage().heapUsed
  let heapMax = heapBefore
  for await (const _ of node.pinLs(['recursive'])) {
    listed++
    if (listed % 5000 === 0) heapMax = Math.max(heapMax, process.memoryUsage().heapUsed)
  }
  console.log(`pinLs stream of ${listed} pins: ${ms(performance.now() - started)}, heap growth during the stream ≤ ${mb(heapMax - heapBefore)}`)

  started = performance.now()
  const probes = 1000
  for (let i = 0; i < probes; i++) await node.pinLsCid(pinOf(cids[(i * 7919) % cids.length], -1))
  console.log(`pinLsCid: ${ms((performance.now() - started) / probes)} each (${probes} lookups)`)

  started = performance.now()
  for (let i = 0; i < probes; i++) await node.repoStat()
  console.log(`repoStat: ${ms((performance.now() - started) / probes)} each; ${JSON.stringify(await node.repoStat(), (_k, v) => typeof v === 'bigint' ? v.toString() : v)}`)

  await node.stop()
  ;[node, startMs] = await startTimed(folder)
  console.log(`create + start with ${count} pins: ${ms(startMs)}`)

  started = performance.now()
  let removed = 0
  for await (const _ of node.repoGC()) removed++
  console.log(`repoGC over ${count} pinned blocks: removed ${removed} in ${ms(performance.now() - started)}`)

  started = performance.now()
  for (const cid of cids.slice(0, Math.min(2000, count))) await node.unpin(cid)
  const unpinMs = performance.now() - started
  console.log(`unpin: ${ms(unpinMs / Math.min(2000, count))} each`)
  started = performance.now()
  removed = 0
  for await (const _ of node.repoGC()) removed++
  console.log(`repoGC after unpinning: removed ${removed} in ${ms(performance.now() - started)}`)
  await node.stop()
} finally {
  await rm(folder, { recursive: true, force: true })
}
