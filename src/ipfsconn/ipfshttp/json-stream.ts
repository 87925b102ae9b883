/**
 * Incremental parsing of streamed JSON values: NDJSON (Kubo, js-ipfs) and
 * JSON objects concatenated without any separator (the Go reference's fake
 * Kubo). Values are split by scanning brackets and strings, then each one
 * is handed to `JSON.parse`; nothing but the current partial value is kept.
 */

const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const QUOTE = 0x22
const BACKSLASH = 0x5c

function isWhitespace (c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
}

export class JSONStreamSyntaxError extends Error {
  static override name = 'JSONStreamSyntaxError'
  constructor (message: string) {
    super(message)
    this.name = 'JSONStreamSyntaxError'
  }
}

/**
 * Splits a character stream into top-level JSON objects/arrays.
 * `push` returns the complete values found so far (as text).
 */
export class JSONValueSplitter {
  private buf = ''
  /** Where scanning resumes in `buf`. */
  private pos = 0
  /** Start of the value being scanned, -1 between values. */
  private start = -1
  private depth = 0
  private inString = false
  private escaped = false

  push (text: string): string[] {
    const out: string[] = []
    if (this.start === -1 && this.buf.length === this.pos) {
      this.buf = text
      this.pos = 0
    } else {
      this.buf = this.buf.slice(this.start === -1 ? this.pos : this.start) + text
      this.pos = this.start === -1 ? 0 : this.pos - this.start
      if (this.start !== -1) this.start = 0
    }
    const buf = this.buf
    const len = buf.length
    let i = this.pos
    while (i < len) {
      const c = buf.charCodeAt(i)
      if (this.start === -1) {
        if (isWhitespace(c)) {
          i++
          continue
        }
        if (c !== OPEN_BRACE && c !== OPEN_BRACKET) {
          throw new JSONStreamSyntaxError(`invalid character '${buf[i]}' looking for beginning of value`)
        }
        this.start = i
        this.depth = 1
        i++
        continue
      }
      if (this.inString) {
        if (this.escaped) {
          this.escaped = false
        } else if (c === BACKSLASH) {
          this.escaped = true
        } else if (c === QUOTE) {
          this.inString = false
        }
        i++
        continue
      }
      if (c === QUOTE) {
        this.inString = true
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        this.depth++
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        this.depth--
        if (this.depth === 0) {
          out.push(buf.slice(this.start, i + 1))
          this.start = -1
        }
      }
      i++
    }
    this.pos = i
    return out
  }

  /** Throws when the stream ended in the middle of a value. */
  end (): void {
    if (this.start !== -1) {
      throw new JSONStreamSyntaxError('unexpected EOF')
    }
  }
}

/** Parses one streamed value, with a clear error on bad JSON. */
export function parseJSONValue (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new JSONStreamSyntaxError((err as Error).message)
  }
}

/**
 * Yields every JSON value of a byte stream, parsing incrementally.
 */
export async function * parseJSONStream (source: AsyncIterable<Uint8Array | string>): AsyncGenerator<unknown> {
  const decoder = new TextDecoder('utf-8')
  const splitter = new JSONValueSplitter()
  for await (const chunk of source) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })
    if (text.length === 0) continue
    for (const value of splitter.push(text)) {
      yield parseJSONValue(value)
    }
  }
  const rest = decoder.decode()
  if (rest.length > 0) {
    for (const value of splitter.push(rest)) {
      yield parseJSONValue(value)
    }
  }
  splitter.end()
}
