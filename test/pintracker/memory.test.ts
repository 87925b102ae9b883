import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { measureFingerprintSet, measureQueue } from '../../bench/pintracker-queue.js'
import { BACKLOG_LIMIT } from '../../src/pintracker/index.js'

/**
 * A peer catching up may track a million pins faster than IPFS pins them:
 * queued operations must stay small (no Pin objects held).
 */
describe('pintracker: memory', () => {
  it('keeps 1,000,000 queued operations under 150 bytes each', async () => {
    const n = 1_000_000
    const result = await measureQueue(n)
    // concurrent_pins (10) operations are running, the rest are queued.
    assert.equal(result.queued, n - 10)
    assert.ok(result.bytesPerOp < 150, `${result.bytesPerOp.toFixed(1)} bytes per queued operation`)
    assert.ok(result.bytesPerOp > 40, `a measurement below the CID size (${result.bytesPerOp.toFixed(1)}) means it measured nothing`)
  })

  it('holds at most the backlog limit of operations for a million tracked pins (the rest deferred)', async () => {
    const n = 1_000_000
    const result = await measureQueue(n, false)
    // the pinqueue metric still counts every pin waiting for IPFS
    assert.equal(result.queued, n - 10)
    const perPin = result.bytesPerOp
    const ceiling = (BACKLOG_LIMIT * 150) / n
    assert.ok(perPin < ceiling, `${perPin.toFixed(1)} bytes per tracked pin (at most ${BACKLOG_LIMIT} operations of 150 bytes)`)
    assert.ok(perPin > 1, `${perPin.toFixed(1)} bytes per tracked pin: the ${BACKLOG_LIMIT} operations must show`)
  })

  it('holds the IPFS pinset of statusAll in about 19 bytes per pin', () => {
    const result = measureFingerprintSet(250_000)
    assert.equal(result.cids, 250_000)
    assert.ok(result.bytesPerCid < 30, `${result.bytesPerCid.toFixed(1)} bytes per IPFS pin`)
  })
})
