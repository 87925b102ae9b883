import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { encodeSecret, generateSecret, parseSecret } from '../../src/config/index.js'
import { SECRET } from './helpers.js'

describe('cluster secret', () => {
  it('decodes 32-byte hex secrets in either case', () => {
    assert.equal(encodeSecret(parseSecret(SECRET)), SECRET)
    assert.equal(encodeSecret(parseSecret(SECRET.toUpperCase())), SECRET)
    assert.equal(parseSecret('').length, 0)
    const s = generateSecret()
    assert.equal(s.length, 32)
    assert.match(encodeSecret(s), /^[0-9a-f]{64}$/)
  })

  it('rejects bad secrets with the Go messages', () => {
    assert.throws(() => parseSecret('abcd'), { message: 'input secret is 2 bytes, cluster secret should be 32' })
    assert.throws(() => parseSecret(SECRET + '00'), { message: 'input secret is 33 bytes, cluster secret should be 32' })
    assert.throws(() => parseSecret('abc'), { message: 'encoding/hex: odd length hex string' })
    assert.throws(() => parseSecret('0x12'), { message: 'encoding/hex: invalid byte: U+0078 \'x\'' })
    assert.throws(() => parseSecret('ab\u0001'), { message: 'encoding/hex: invalid byte: U+0001' })
    assert.throws(() => parseSecret('abx'), { message: 'encoding/hex: invalid byte: U+0078 \'x\'' })
  })
})
