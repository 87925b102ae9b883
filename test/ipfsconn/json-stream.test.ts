import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { JSONValueSplitter, parseJSONStream } from '../../src/ipfsconn/ipfshttp/json-stream.js'

async function * chunks (parts: Array<string | Uint8Array>): AsyncGenerator<string | Uint8Array> {
  for (const p of parts) yield p
}

async function parseAll (parts: Array<string | Uint8Array>): Promise<unknown[]> {
  const out: unknown[] = []
  for await (const v of parseJSONStream(chunks(parts))) out.push(v)
  return out
}

describe('ipfshttp streamed JSON', () => {
  it('splits objects concatenated without separators', async () => {
    assert.deepEqual(await parseAll(['{"a":1}{"b":[1,{"c":2}]}{"d":"x"}']), [{ a: 1 }, { b: [1, { c: 2 }] }, { d: 'x' }])
  })

  it('splits NDJSON and ignores blank lines', async () => {
    assert.deepEqual(await parseAll(['{"a":1}\n\n{"b":2}\r\n', '\n']), [{ a: 1 }, { b: 2 }])
  })

  it('handles every chunk boundary, braces and escapes inside strings', async () => {
    const text = '{"s":"a}b{c\\"}"}{"t":"\\\\"}[1,"]"]{"u":"é€😀"}'
    const expected = [{ s: 'a}b{c"}' }, { t: '\\' }, [1, ']'], { u: 'é€😀' }]
    const bytes = new TextEncoder().encode(text)
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= bytes.length; j += 3) {
        // Three byte chunks, splitting multi-byte characters too.
        assert.deepEqual(await parseAll([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)]), expected, `split at ${i},${j}`)
      }
    }
  })

  it('fails on a truncated value and on garbage', async () => {
    await assert.rejects(parseAll(['{"a":1}{"b":']), { name: 'JSONStreamSyntaxError', message: 'unexpected EOF' })
    await assert.rejects(parseAll(['{"a":1} x']), { name: 'JSONStreamSyntaxError', message: "invalid character 'x' looking for beginning of value" })
    await assert.rejects(parseAll(['{"a":}']), { name: 'JSONStreamSyntaxError' })
  })

  it('keeps only the partial value between pushes', () => {
    const s = new JSONValueSplitter()
    assert.deepEqual(s.push('{"a":'), [])
    assert.deepEqual(s.push('1}{"b"'), ['{"a":1}'])
    assert.deepEqual(s.push(':2}'), ['{"b":2}'])
    s.end()
  })
})
