import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { formatGoDuration, formatGoDurationNs, parseGoBool, parseGoDuration, parseGoDurationNs, parseGoInt, parseGoUint, stringifyFlag, tabwrite } from '../../src/cli/index.js'

describe('cli: Go value syntaxes', () => {
  it('parses ints like strconv.ParseInt(v, 0, 64)', () => {
    assert.equal(parseGoInt('42'), 42n)
    assert.equal(parseGoInt('-1'), -1n)
    assert.equal(parseGoInt('+7'), 7n)
    assert.equal(parseGoInt('0x1F'), 31n)
    assert.equal(parseGoInt('0X1f'), 31n)
    assert.equal(parseGoInt('0o17'), 15n)
    assert.equal(parseGoInt('017'), 15n)
    assert.equal(parseGoInt('0b101'), 5n)
    assert.equal(parseGoInt('1_000'), 1000n)
    assert.equal(parseGoInt('0x_ff'), 255n)
    assert.equal(parseGoInt('0'), 0n)
    assert.equal(parseGoInt('9223372036854775807'), 9223372036854775807n)
    assert.equal(parseGoInt('-9223372036854775808'), -9223372036854775808n)
    assert.throws(() => parseGoInt('9223372036854775808'), { message: 'value out of range' })
    for (const bad of ['', 'abc', '08', '1.5', '0x', '_1', '1__0', '1_', '--1', ' 1']) {
      assert.throws(() => parseGoInt(bad), { message: 'parse error' }, bad)
    }
    assert.equal(parseGoUint('18446744073709551615'), 18446744073709551615n)
    assert.throws(() => parseGoUint('-1'), { message: 'parse error' })
  })

  it('parses booleans like strconv.ParseBool', () => {
    for (const t of ['1', 't', 'T', 'true', 'TRUE', 'True']) assert.equal(parseGoBool(t), true)
    for (const f of ['0', 'f', 'F', 'false', 'FALSE', 'False']) assert.equal(parseGoBool(f), false)
    assert.throws(() => parseGoBool('yes'), { message: 'parse error' })
  })

  it('parses and prints Go durations', () => {
    assert.equal(parseGoDuration('2s'), 2000)
    assert.equal(parseGoDuration('1m30s'), 90000)
    assert.equal(parseGoDuration('1h'), 3600000)
    assert.equal(parseGoDuration('1.5h'), 5400000)
    assert.equal(parseGoDuration('500ms'), 500)
    assert.equal(parseGoDuration('-1m'), -60000)
    assert.equal(parseGoDuration('0'), 0)
    assert.equal(parseGoDurationNs('1µs'), 1000n)
    assert.equal(parseGoDurationNs('1us'), 1000n)
    assert.equal(parseGoDurationNs('3ns'), 3n)
    assert.throws(() => parseGoDuration('2'), { message: 'time: missing unit in duration "2"' })
    assert.throws(() => parseGoDuration(''), { message: 'time: invalid duration ""' })
    assert.throws(() => parseGoDuration('abc'), { message: 'time: invalid duration "abc"' })
    assert.throws(() => parseGoDuration('2d'), { message: 'time: unknown unit "d" in duration "2d"' })
    assert.equal(formatGoDuration(0), '0s')
    assert.equal(formatGoDuration(1500), '1.5s')
    assert.equal(formatGoDuration(120000), '2m0s')
    assert.equal(formatGoDuration(3600000), '1h0m0s')
    assert.equal(formatGoDuration(5400000 + 1000), '1h30m1s')
    assert.equal(formatGoDuration(500), '500ms')
    assert.equal(formatGoDuration(-60000), '-1m0s')
    assert.equal(formatGoDurationNs(1500n), '1.5µs')
    assert.equal(formatGoDurationNs(100n), '100ns')
  })
})

describe('cli: help rendering', () => {
  it('renders flags like urfave/cli v1', () => {
    assert.equal(stringifyFlag({ type: 'string', name: 'host', aliases: ['l'], value: '/ip4/127.0.0.1/tcp/9094', usage: 'API endpoint multiaddresses (comma-separated)' }),
      '--host value, -l value\tAPI endpoint multiaddresses (comma-separated) (default: "/ip4/127.0.0.1/tcp/9094")')
    assert.equal(stringifyFlag({ type: 'bool', name: 'https', aliases: ['s'], usage: 'use https' }), '--https, -s\tuse https')
    assert.equal(stringifyFlag({ type: 'string', name: 'name', value: '', usage: 'a name' }), '--name value\ta name')
    assert.equal(stringifyFlag({ type: 'int', name: 'replication-min', aliases: ['rmin'], usage: 'min' }), '--replication-min value, --rmin value\tmin (default: 0)')
    assert.equal(stringifyFlag({ type: 'duration', name: 'wait-timeout', aliases: ['wt'], usage: 'how long' }), '--wait-timeout value, --wt value\thow long (default: 0s)')
    assert.equal(stringifyFlag({ type: 'stringSlice', name: 'metadata', usage: 'meta' }), '--metadata value\tmeta')
    assert.equal(stringifyFlag({ type: 'string', name: 'config', aliases: ['c'], usage: 'path to the `FOLDER`', envVar: 'IPFS_CLUSTER_PATH' }),
      '--config FOLDER, -c FOLDER\tpath to the FOLDER [$IPFS_CLUSTER_PATH]')
    assert.equal(stringifyFlag({ type: 'string', name: 'basic-auth', usage: 'creds', envVar: 'A,B' }), '--basic-auth value\tcreds [$A, $B]')
  })

  it('aligns tab-separated cells like Go text/tabwriter (minwidth 1, padding 2)', () => {
    assert.equal(tabwrite('a\tb\nccc\td\n'), 'a    b\nccc  d\n')
    // a line without tabs ends the column block
    assert.equal(tabwrite('a\tb\nno tabs\nlonger\tx\n'), 'a  b\nno tabs\nlonger  x\n')
    // nested columns
    assert.equal(tabwrite('a\tb\tc\naa\tbbbb\tc\nx\ty\n'), 'a   b     c\naa  bbbb  c\nx   y\n')
    // runes, not bytes
    assert.equal(tabwrite('é\tx\nab\ty'), 'é   x\nab  y')
  })
})
