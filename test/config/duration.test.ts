import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { formatDuration, formatDurationNs, parseDuration, parseDurationNs } from '../../src/config/index.js'

describe('Go durations', () => {
  it('formats like time.Duration.String()', () => {
    const cases: Array<[bigint, string]> = [
      [0n, '0s'],
      [1n, '1ns'],
      [1100n, '1.1µs'],
      [2200000n, '2.2ms'],
      [1500000n, '1.5ms'],
      [15_000_000_000n, '15s'],
      [120_000_000_000n, '2m0s'],
      [3_600_000_000_000n, '1h0m0s'],
      [86_400_000_000_000n, '24h0m0s'],
      [90_500_000_000n, '1m30.5s'],
      [-3_000_000_000n, '-3s'],
      [200_000_000n, '200ms'],
      [9_223_372_036_854_775_807n, '2562047h47m16.854775807s']
    ]
    for (const [ns, text] of cases) assert.equal(formatDurationNs(ns), text)
    assert.equal(formatDuration(1.5), '1.5ms')
    assert.equal(formatDuration(120000), '2m0s')
    assert.equal(formatDuration(0), '0s')
  })

  it('parses every unit, fractions, signs and the bare 0', () => {
    const cases: Array<[string, bigint]> = [
      ['0', 0n],
      ['30s', 30_000_000_000n],
      ['1m30s', 90_000_000_000n],
      ['0h2m0s', 120_000_000_000n],
      ['1.5h', 5_400_000_000_000n],
      ['200ms', 200_000_000n],
      ['10us', 10_000n],
      ['10µs', 10_000n],
      ['10μs', 10_000n],
      ['7ns', 7n],
      ['-1.5m', -90_000_000_000n],
      ['+5s', 5_000_000_000n],
      ['.5s', 500_000_000n],
      ['1.s', 1_000_000_000n]
    ]
    for (const [text, ns] of cases) assert.equal(parseDurationNs(text), ns, text)
    assert.equal(parseDuration('1.5ms'), 1.5)
  })

  it('rejects bad input with Go messages', () => {
    assert.throws(() => parseDurationNs(''), { message: 'time: invalid duration ""' })
    assert.throws(() => parseDurationNs('abc'), { message: 'time: invalid duration "abc"' })
    assert.throws(() => parseDurationNs('1'), { message: 'time: missing unit in duration "1"' })
    assert.throws(() => parseDurationNs('1d'), { message: 'time: unknown unit "d" in duration "1d"' })
    assert.throws(() => parseDurationNs('.s'), { message: 'time: invalid duration ".s"' })
    assert.throws(() => parseDurationNs('9999999999h'), { message: 'time: invalid duration "9999999999h"' })
  })

  it('round-trips formatted values', () => {
    for (const text of ['2m0s', '1h0m0s', '1.5ms', '0s', '3.25µs', '24h0m0s', '1m30.5s']) {
      assert.equal(formatDurationNs(parseDurationNs(text)), text)
    }
  })
})
