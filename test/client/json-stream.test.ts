import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { JSONValueSplitter, UNPARSED } from '../../src/client/json-stream.js'

const enc = new TextEncoder()

/** Feeds `text` in chunks of `size` bytes through pushValues + end; returns the values (parsing UNPARSED texts). */
function values (text: string, size: number): unknown[] {
  const s = new JSONValueSplitter()
  const bytes = enc.encode(text)
  const out: unknown[] = []
  for (let i = 0; i < bytes.length; i += size) {
    for (const item of s.pushValues(bytes.subarray(i, i + size))) {
      out.push(item.value === UNPARSED ? JSON.parse(item.text) : item.value)
    }
  }
  for (const text of s.end()) out.push(JSON.parse(text))
  return out
}

describe('client JSONValueSplitter.pushValues', () => {
  const cases: Array<[string, string, unknown[]]> = [
    ['NDJSON', '{"a":1}\n{"b":"x\\ny"}\n[1,2]\n', [{ a: 1 }, { b: 'x\ny' }, [1, 2]]],
    ['no trailing newline', '{"a":1}\n{"b":2}', [{ a: 1 }, { b: 2 }]],
    ['CRLF and blank lines', '{"a":1}\r\n\r\n  {"b":2}  \r\n', [{ a: 1 }, { b: 2 }]],
    ['several values on a line', '{"a":1} {"b":2}\n{"c":3}\n', [{ a: 1 }, { b: 2 }, { c: 3 }]],
    ['values without separators', '{"a":1}{"b":2}[3]"s"', [{ a: 1 }, { b: 2 }, [3], 's']],
    ['pretty-printed values', '{\n  "a": 1,\n  "b": [\n    2\n  ]\n}\n{\n  "c": "}"\n}\n{"d":4}\n', [{ a: 1, b: [2] }, { c: '}' }, { d: 4 }]],
    ['scalars', '1\n"two"\ntrue\nnull\n3 4\n', [1, 'two', true, null, 3, 4]],
    ['multi-byte characters', '{"n":"ünï ∞ 🎉"}\n{"n":"é"}\n', [{ n: 'ünï ∞ 🎉' }, { n: 'é' }]]
  ]
  for (const [name, text, expected] of cases) {
    it(`splits ${name}, whatever the chunking`, () => {
      for (const size of [1, 2, 3, 5, 7, 16, 1024]) {
        assert.deepEqual(values(text, size), expected, `chunks of ${size}`)
      }
    })
  }

  it('parses NDJSON lines once (fast path) and leaves other texts to the caller', () => {
    const s = new JSONValueSplitter()
    const items = s.pushValues(enc.encode('{"a":1}\n{"b":2} {"c":3}\n'))
    assert.deepEqual(items.map((i) => i.value === UNPARSED ? `text:${i.text}` : i.value), [{ a: 1 }, 'text:{"b":2}', 'text:{"c":3}'])
  })

  it('hands an invalid line to the caller as text, and keeps splitting after it', () => {
    const s = new JSONValueSplitter()
    const items = [...s.pushValues(enc.encode('{"a":1}\n{"b":tru}\n{"c":3}\n')), ...s.end().map((text) => ({ text, value: UNPARSED }))]
    assert.equal(items[0].value !== UNPARSED, true)
    assert.equal(items[1].text, '{"b":tru}')
    assert.equal(items[1].value, UNPARSED)
    assert.throws(() => JSON.parse(items[1].text))
    assert.deepEqual(items.slice(2).map((i) => i.value === UNPARSED ? JSON.parse(i.text) : i.value), [{ c: 3 }])
  })

  it('reports a truncated value at the end', () => {
    const s = new JSONValueSplitter()
    s.pushValues(enc.encode('{"a":1}\n{"b":'))
    assert.throws(() => s.end(), /unexpected EOF/)
  })

  it('scans a value longer than 1 MiB without a newline', () => {
    const big = JSON.stringify({ x: 'y'.repeat(1_500_000) })
    assert.deepEqual(values(big + big, 65536).length, 2)
  })
})
