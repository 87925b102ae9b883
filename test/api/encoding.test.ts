import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { base32Upper, base32UpperDecode, cidToString, formatTime, goJSON, parseCid, parsePeerId, parseTrackerStatusFilter, TrackerStatus, trackerStatusToString, toJSONText } from '../../src/api/index.js'

describe('api encodings', () => {
  it('normalises CIDv1 to base32 and keeps CIDv0 in base58', () => {
    assert.equal(cidToString(parseCid('zb2rhWjjjR1YQVgT6A1hLP15hkKFnABULM6znZZQQ448TjfSD')), 'bafkreiabmxuv6ktfam5xyvyj4uombmgzjg7mqpfvd2qppyldwfiel4i53y')
    assert.equal(cidToString(parseCid('QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmmq')), 'QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmmq')
  })

  it('rejects invalid CIDs with InvalidArgumentError', () => {
    assert.throws(() => parseCid('XXXinvalid-CIDXXX'), { name: 'InvalidArgumentError' })
  })

  it('round-trips base32 datastore keys', () => {
    const bytes = parseCid('QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmmq').bytes
    assert.deepEqual(base32UpperDecode(base32Upper(bytes)), bytes)
  })

  it('parses peer IDs in base58 and CID form', () => {
    assert.equal(parsePeerId('12D3KooWRN8KRjpyg9rsW2w7StbBRGper65psTZm68cjud9KAkaW'), '12D3KooWRN8KRjpyg9rsW2w7StbBRGper65psTZm68cjud9KAkaW')
    assert.throws(() => parsePeerId('XXXinvalid-peerXXX'), { name: 'InvalidArgumentError' })
  })

  it('formats Go zero time and UTC times', () => {
    assert.equal(formatTime(null), '0001-01-01T00:00:00Z')
    if (new Date().getTimezoneOffset() === 0) {
      assert.equal(formatTime(new Date('2026-05-11T08:17:41.500Z')), '2026-05-11T08:17:41.5Z')
      assert.equal(formatTime(new Date('2026-05-11T08:17:41.500Z'), true), '2026-05-11T08:17:41Z')
    }
  })

  it('escapes HTML characters like Go and prints bigints as numbers', () => {
    assert.equal(goJSON({ a: '<&>' }), '{"a":"\\u003c\\u0026\\u003e"}')
    assert.equal(toJSONText({ n: 1778487461000000000n }), '{"n":1778487461000000000}')
  })

  it('parses tracker status filters ignoring unknown names', () => {
    assert.equal(parseTrackerStatusFilter('bogus,pinned'), TrackerStatus.Pinned)
    assert.equal(parseTrackerStatusFilter('error'), 2 | 4 | 8)
    assert.equal(trackerStatusToString(TrackerStatus.UnexpectedlyUnpinned), 'unexpectedly_unpinned')
  })
})
