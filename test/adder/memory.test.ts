/**
 * Bounded memory: adding a 200 MiB file must not make the process grow with
 * the file size (blocks are released once every destination took them).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomFillSync } from 'node:crypto'
import { createAdder } from '../../src/adder/index.js'
import { silentLogger } from '../../src/logging/index.js'
import { SELF, PEER2, fromArray, params } from './helpers.js'
import type { BlockWithCid } from '../../src/api/types.js'

const MiB = 1024 * 1024

describe('adder memory', () => {
  it('adds 200 MiB with bounded RSS growth (two destinations, one slower)', async () => {
    const total = 200 * MiB
    const piece = MiB
    const buf = randomFillSync(Buffer.alloc(piece))
    let received = 0
    let peak = 0
    const sample = (): void => { peak = Math.max(peak, process.memoryUsage.rss()) }
    const adder = createAdder({
      peerId: SELF,
      logger: silentLogger(),
      allocate: async () => [SELF, PEER2],
      pin: async (pin) => pin,
      putBlocks: async (peer: string, blocks: AsyncIterable<BlockWithCid>) => {
        let n = 0
        for await (const b of blocks) {
          if (peer === SELF) received += b.bytes.length
          // the second destination yields to the event loop on every block
          if (peer === PEER2 || (++n % 16) === 0) await new Promise((resolve) => setImmediate(resolve))
        }
      }
    })
    const content = (async function * () {
      for (let off = 0; off < total; off += piece) {
        // make every chunk distinct so nothing is deduplicated
        for (let i = 0; i < piece; i += 262144) buf.writeUInt32LE(off + i, i)
        sample()
        yield buf
      }
    })()
    const before = process.memoryUsage.rss()
    let root
    for await (const out of adder.add(fromArray([{ path: 'big.bin', type: 'file', content }]), params())) {
      root = out
    }
    sample()
    const growth = (peak - before) / MiB
    assert.equal(root?.name, 'big.bin')
    assert.ok(received >= total, `${received} bytes received`)
    assert.ok(growth < 96, `RSS grew by ${growth.toFixed(1)} MiB while adding 200 MiB`)
  })
})
