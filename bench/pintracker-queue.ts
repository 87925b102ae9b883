/**
 * Memory cost of the stateless pin tracker under a catch-up burst.
 *
 * 1. Queued operations: N `track()` calls against an IPFS that never
 *    finishes a pin (the workers take `concurrent_pins` operations and
 *    hang; everything else stays queued). Prints heap + array-buffer bytes
 *    per queued operation.
 * 2. The compact IPFS pinset of `statusAll`: N CIDs in a
 *    CidFingerprintSet. Prints bytes per IPFS pin.
 *
 * Usage: node dist/bench/pintracker-queue.js [N=1000000]
 * (enables `--expose-gc` by itself).
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { silentLogger } from '../src/logging/index.js'
import { CidFingerprintSet } from '../src/pintracker/cid-fingerprint-set.js'
import { BACKLOG_LIMIT, createStatelessPinTracker } from '../src/pintracker/index.js'
import { counterCid, testPin } from '../test/fakes/cids.js'
import { FakeIPFSConnector } from '../test/fakes/fake-ipfs-connector.js'
import type { Pin } from '../src/api/types.js'
import type { AbortOptions, ReadOnlyState } from '../src/interfaces.js'
import type { CID } from 'multiformats/cid'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

export interface QueueMemoryResult {
  ops: number
  queued: number
  bytesPerOp: number
  heapBytesPerOp: number
  arrayBufferBytesPerOp: number
  seconds: number
}

const PEER = '12D3KooWRN8KRjpyg9rsW2w7StbBRGper65psTZm68cjud9KAkaW'

/**
 * A state that holds nothing: `get` synthesises the pin of any CID
 * (allocated everywhere), so the measurement only sees the tracker.
 */
class SyntheticState implements ReadOnlyState {
  async get (cid: CID): Promise<Pin> {
    return testPin(cid)
  }

  async has (): Promise<boolean> {
    return true
  }

  async * list (_options?: AbortOptions): AsyncGenerator<Pin> {}
}

function used (): { heap: number, buffers: number } {
  gc()
  gc()
  const m = process.memoryUsage()
  return { heap: m.heapUsed, buffers: m.arrayBuffers }
}

/**
 * Measures N track() calls against a stalled IPFS. With `oneByOne`, every
 * pin gets a queued operation (the backlog limit is lifted): the cost of an
 * operation; otherwise the default backlog limit applies (pins beyond it are
 * deferred to a state sweep): the cost per tracked pin.
 */
export async function measureQueue (n: number, oneByOne = true): Promise<QueueMemoryResult> {
  const ipfs = new FakeIPFSConnector()
  ipfs.pause('pin')
  const state = new SyntheticState()
  const tracker = createStatelessPinTracker({
    ipfs,
    state: () => state,
    peerId: PEER,
    peerName: () => 'bench',
    ipfsId: () => ({ id: ipfs.peerId, addresses: [] }),
    logger: silentLogger()
  }, oneByOne ? { maxPinQueueSize: n + 1, backlogLimit: n + 1 } : { maxPinQueueSize: n + 1 })
  await tracker.start()

  const before = used()
  const started = performance.now()
  const timestamp = new Date()
  for (let i = 0; i < n; i++) {
    // A fresh Pin each time, dropped right after: only the tracker keeps anything.
    await tracker.track(testPin(counterCid(i), { timestamp }))
  }
  const seconds = (performance.now() - started) / 1000
  const after = used()
  const queued = await tracker.pinQueueSize()
  await tracker.stop()
  await ipfs.stop()

  const heap = after.heap - before.heap
  const buffers = after.buffers - before.buffers
  return {
    ops: n,
    queued,
    bytesPerOp: (heap + buffers) / n,
    heapBytesPerOp: heap / n,
    arrayBufferBytesPerOp: buffers / n,
    seconds
  }
}

export interface SetMemoryResult {
  cids: number
  bytesPerCid: number
  tableBytesPerCid: number
}

/** Measures a CidFingerprintSet of N CIDs. */
export function measureFingerprintSet (n: number): SetMemoryResult {
  const before = used()
  const set = new CidFingerprintSet()
  for (let i = 0; i < n; i++) {
    set.add(counterCid(i), 3)
  }
  const after = used()
  const result = {
    cids: set.size,
    bytesPerCid: ((after.heap - before.heap) + (after.buffers - before.buffers)) / n,
    tableBytesPerCid: set.byteLength() / n
  }
  return result
}

async function main (): Promise<void> {
  const n = Number(process.argv[2] ?? 1_000_000)
  const q = await measureQueue(n)
  process.stdout.write(`track() x ${q.ops} against a stalled IPFS, one operation each (no backlog limit), in ${q.seconds.toFixed(1)}s: ${q.queued} queued\n`)
  process.stdout.write(`  ${q.bytesPerOp.toFixed(1)} bytes/op (heap ${q.heapBytesPerOp.toFixed(1)}, array buffers ${q.arrayBufferBytesPerOp.toFixed(1)})\n`)
  const d = await measureQueue(n, false)
  process.stdout.write(`track() x ${d.ops} with the default backlog limit (${BACKLOG_LIMIT} operations, the rest deferred) in ${d.seconds.toFixed(1)}s: ${d.queued} queued\n`)
  process.stdout.write(`  ${d.bytesPerOp.toFixed(1)} bytes per tracked pin (heap ${d.heapBytesPerOp.toFixed(1)}, array buffers ${d.arrayBufferBytesPerOp.toFixed(1)})\n`)
  const s = measureFingerprintSet(n)
  process.stdout.write(`IPFS pinset fingerprint set x ${s.cids}: ${s.bytesPerCid.toFixed(1)} bytes/pin (tables ${s.tableBytesPerCid.toFixed(1)})\n`)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main()
}
