import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { formatAdded, formatError, formatPin, isZeroTime, shortTime } from '../../src/cmd/ctl/format.js'
import { goFixed, humanizeBytes, humanizeTime, padLeft, padRight } from '../../src/cmd/ctl/humanize.js'
import { CID1, PEER, PEER2 } from '../fakes/rest-fixtures.js'
import type { PinJSON } from '../../src/api/json.js'

function pin (extra: Partial<PinJSON> = {}): PinJSON {
  return {
    replication_factor_min: -1,
    replication_factor_max: -1,
    name: '',
    mode: 'recursive',
    shard_size: 0,
    user_allocations: null,
    expire_at: '0001-01-01T00:00:00Z',
    metadata: null,
    pin_update: null,
    origins: [],
    cid: CID1,
    type: 'pin',
    allocations: [],
    max_depth: -1,
    reference: null,
    timestamp: '2026-05-11T10:17:41Z',
    ...extra
  }
}

describe('ctl: text formats', () => {
  it('formats pins (§6.4.2)', () => {
    assert.equal(formatPin(pin()), `${CID1} |  | PIN | Repl. Factor: -1 | Allocations: [everywhere] | Recursive | Metadata: no | Exp: ∞ | Added: 2026-05-11 10:17:41\n`)
    assert.equal(formatPin(pin({
      name: 'n',
      type: 'shard-pin',
      replication_factor_min: 2,
      replication_factor_max: 3,
      allocations: [PEER, PEER2],
      max_depth: 2,
      metadata: {},
      expire_at: '2026-06-01T12:00:00.5+02:00',
      timestamp: '0001-01-01T00:00:00Z'
    })), `${CID1} | n | SHARD-PIN | Repl. Factor: 2--3 | Allocations: [${PEER2} ${PEER}] | Recursive-2 | Metadata: no | Exp: 2026-06-01 12:00:00 | Added: unknown\n`)
    assert.equal(formatPin(pin({ type: 'bad-type', mode: 'direct', max_depth: 0, replication_factor_min: -1, replication_factor_max: 3, metadata: { a: 'b' } })),
      `${CID1} |  | BAD-TYPE-DIRECT | Repl. Factor: -1--3 | Allocations: [] | Direct | Metadata: yes | Exp: ∞ | Added: 2026-05-11 10:17:41\n`)
    assert.equal(formatPin(pin({ type: 'meta-pin', allocations: null })).split(' | ')[2], 'META-PIN')
  })

  it('formats added outputs and errors', () => {
    assert.equal(formatAdded({ name: 'a/b', cid: CID1 }, false), `added ${CID1} a/b\n`)
    assert.equal(formatAdded({ name: '', cid: CID1 }, false), `added ${CID1} \n`)
    assert.equal(formatAdded({ name: 'x', cid: CID1 }, true), `${CID1}\n`)
    assert.equal(formatError({ code: 404, message: 'pin is not part of the pinset' }), 'An error occurred:\n  Code: 404\n  Message: pin is not part of the pinset\n')
  })

  it('recognises the Go zero time and cuts times in their own offset', () => {
    assert.ok(isZeroTime('0001-01-01T00:00:00Z'))
    assert.ok(!isZeroTime('2026-05-11T10:17:41Z'))
    assert.equal(shortTime('2026-05-11T23:59:59.999-07:00'), '2026-05-11 23:59:59')
  })

  it('humanises byte sizes like go-humanize (SI)', () => {
    const cases: Array<[number | bigint, string]> = [
      [0, '0 B'], [9, '9 B'], [10, '10 B'], [999, '999 B'], [1000, '1.0 kB'], [1499, '1.5 kB'], [9949, '9.9 kB'], [9950, '10 kB'],
      [10000000000, '10 GB'], [9800000000, '9.8 GB'], [12500000000, '12 GB'], [13500000000, '14 GB'], [1e18, '1.0 EB'], [18446744073709551615n, '18 EB']
    ]
    for (const [n, s] of cases) assert.equal(humanizeBytes(n), s, String(n))
  })

  it('prints relative times like go-humanize', () => {
    const now = 1778487433000000000n
    const s = 1000000000n
    const cases: Array<[bigint, string]> = [
      [0n, 'now'], [s / 2n, 'now'], [s, '1 second from now'], [2n * s, '2 seconds from now'], [28n * s, '28 seconds from now'],
      [59n * s, '59 seconds from now'], [60n * s, '1 minute from now'], [119n * s, '1 minute from now'], [120n * s, '2 minutes from now'],
      [3600n * s, '1 hour from now'], [7200n * s, '2 hours from now'], [86400n * s, '1 day from now'], [2n * 86400n * s, '2 days from now'],
      [7n * 86400n * s, '1 week from now'], [14n * 86400n * s, '2 weeks from now'], [30n * 86400n * s, '1 month from now'],
      [60n * 86400n * s, '2 months from now'], [360n * 86400n * s, '1 year from now'], [720n * 86400n * s, '2 years from now'],
      [3600n * 86400n * s, '10 years from now'], [100n * 360n * 86400n * s, 'a long while from now']
    ]
    for (const [d, txt] of cases) {
      assert.equal(humanizeTime(now + d, now), txt, `+${d}`)
      if (d >= s) assert.equal(humanizeTime(now - d, now), txt.replace('from now', 'ago'), `-${d}`)
    }
  })

  it('formats floats and pads like Go fmt', () => {
    assert.equal(goFixed(0.125, 2), '0.12')
    assert.equal(goFixed(0.375, 2), '0.38')
    assert.equal(goFixed(1234.5678, 2), '1234.57')
    assert.equal(goFixed(12.5, 0), '12')
    assert.equal(goFixed(13.5, 0), '14')
    assert.equal(goFixed(0, 2), '0.00')
    assert.equal(goFixed(9.995, 2), '9.99')
    assert.equal(padRight('node0', 15), 'node0          ')
    assert.equal(padRight('x'.repeat(20), 15), 'x'.repeat(20))
    assert.equal(padRight('é', 3), 'é  ')
    assert.equal(padLeft('5 B', 7), '    5 B')
  })
})
