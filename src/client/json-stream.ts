/**
 * JSON decoding helpers of the client:
 * - {@link JSONValueSplitter}: splits a byte stream into complete top-level
 *   JSON values (any whitespace between them), like Go's `json.Decoder`,
 *   so NDJSON streams are decoded incrementally;
 * - {@link parseJSONLossless}: `JSON.parse` that keeps integers beyond
 *   2^53 exact (as bigint), for int64 fields such as metric timestamps.
 */

export class JSONSyntaxError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'InvalidArgumentError'
  }
}

function isSpace (c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
}

/** Marks an item of {@link JSONValueSplitter.pushValues} that was not parsed yet. */
export const UNPARSED: unique symbol = Symbol('unparsed')

/** Beyond this many bytes without a newline, the splitter scans instead of waiting for the line end. */
const MAX_PENDING_LINE = 1 << 20

export class JSONValueSplitter {
  private readonly decoder = new TextDecoder('utf-8')
  private buf = ''
  private pos = 0
  // scanner state for the value being accumulated
  private start = -1
  private depth = 0
  private inString = false
  private escaped = false
  private scalar = false

  /** Adds bytes; returns the texts of the values completed by them. */
  push (chunk: Uint8Array): string[] {
    this.buf += this.decoder.decode(chunk, { stream: true })
    return this.scan(false)
  }

  /**
   * Like {@link push}, but parses too: a stream with one value per line
   * (NDJSON, what IPFS Cluster sends) is split at newlines and each line
   * parsed once, without scanning it. A line that is not exactly one JSON
   * value falls back to the scanner, whose texts come back with
   * `value: UNPARSED` (the caller parses them, reporting errors as usual).
   */
  pushValues (chunk: Uint8Array): Array<{ text: string, value: unknown }> {
    this.buf += this.decoder.decode(chunk, { stream: true })
    if (this.start >= 0 || this.pos !== 0) return this.scanned(false)
    const out: Array<{ text: string, value: unknown }> = []
    const s = this.buf
    const len = s.length
    let p = 0
    while (true) {
      while (p < len && isSpace(s.charCodeAt(p))) p++
      if (p >= len) {
        this.buf = ''
        return out
      }
      const nl = s.indexOf('\n', p)
      if (nl < 0) {
        this.buf = p === 0 ? s : s.slice(p)
        if (this.buf.length > MAX_PENDING_LINE) out.push(...this.scanned(false))
        return out
      }
      const line = s.slice(p, nl)
      let value: unknown
      try {
        value = JSON.parse(line)
      } catch {
        // not one value per line: scan the rest
        this.buf = s.slice(p)
        out.push(...this.scanned(false))
        return out
      }
      out.push({ text: line, value })
      p = nl + 1
    }
  }

  private scanned (final: boolean): Array<{ text: string, value: unknown }> {
    return this.scan(final).map((text) => ({ text, value: UNPARSED }))
  }

  /** Ends the stream; returns the last value (if any). Throws on a truncated value. */
  end (): string[] {
    this.buf += this.decoder.decode()
    const out = this.scan(true)
    if (this.start >= 0) {
      throw new JSONSyntaxError('unexpected EOF')
    }
    return out
  }

  private scan (final: boolean): string[] {
    // the scanner state lives in locals in the loop (hot: millions of items)
    const out: string[] = []
    const s = this.buf
    const len = s.length
    let start = this.start
    let depth = this.depth
    let inString = this.inString
    let escaped = this.escaped
    let scalar = this.scalar
    let i = this.pos
    for (; i < len; i++) {
      const c = s.charCodeAt(i)
      if (inString) {
        if (escaped) {
          escaped = false
        } else if (c === 0x5c) {
          escaped = true
        } else if (c === 0x22) {
          inString = false
          if (depth === 0) {
            out.push(s.slice(start, i + 1))
            start = -1
          }
        }
        continue
      }
      if (start < 0) {
        if (isSpace(c)) continue
        start = i
        depth = 0
        escaped = false
        scalar = !(c === 0x7b || c === 0x5b || c === 0x22)
        if (c === 0x22) inString = true
        else if (!scalar) depth = 1
        continue
      }
      if (scalar) {
        // a number/true/false/null ends at whitespace or a structural character
        if (isSpace(c) || c === 0x7b || c === 0x5b || c === 0x22 || c === 0x7d || c === 0x5d || c === 0x2c) {
          out.push(s.slice(start, i))
          start = -1
          i--
        }
        continue
      }
      if (c === 0x22) {
        inString = true
      } else if (c === 0x7b || c === 0x5b) {
        depth++
      } else if (c === 0x7d || c === 0x5d) {
        depth--
        if (depth === 0) {
          out.push(s.slice(start, i + 1))
          start = -1
        }
      }
    }
    if (final && start >= 0 && scalar && !inString) {
      out.push(s.slice(start))
      start = -1
    }
    this.depth = depth
    this.inString = inString
    this.escaped = escaped
    this.scalar = scalar
    // drop consumed text
    if (start >= 0) {
      this.buf = s.slice(start)
      this.start = 0
      this.pos = this.buf.length
    } else {
      this.buf = ''
      this.start = -1
      this.pos = 0
    }
    return out
  }
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER)

/**
 * Parses JSON text keeping large integers exact: integer literals outside
 * the safe range become bigint. Everything else is as `JSON.parse`.
 */
export function parseJSONLossless (text: string): unknown {
  let i = 0
  const err = (msg: string): never => {
    throw new JSONSyntaxError(`invalid character in JSON at offset ${i}: ${msg}`)
  }
  const ws = (): void => {
    while (i < text.length && isSpace(text.charCodeAt(i))) i++
  }
  const value = (): unknown => {
    ws()
    const c = text[i]
    if (c === '{') {
      i++
      const o: Record<string, unknown> = {}
      ws()
      if (text[i] === '}') { i++; return o }
      for (;;) {
        ws()
        if (text[i] !== '"') err('expected string key')
        const k = string()
        ws()
        if (text[i] !== ':') err('expected colon')
        i++
        o[k] = value()
        ws()
        if (text[i] === ',') { i++; continue }
        if (text[i] === '}') { i++; return o }
        err('expected , or }')
      }
    }
    if (c === '[') {
      i++
      const a: unknown[] = []
      ws()
      if (text[i] === ']') { i++; return a }
      for (;;) {
        a.push(value())
        ws()
        if (text[i] === ',') { i++; continue }
        if (text[i] === ']') { i++; return a }
        err('expected , or ]')
      }
    }
    if (c === '"') return string()
    if (text.startsWith('true', i)) { i += 4; return true }
    if (text.startsWith('false', i)) { i += 5; return false }
    if (text.startsWith('null', i)) { i += 4; return null }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400))
    if (m == null) return err('unexpected token')
    i += m[0].length
    if (m[2] == null && m[3] == null) {
      const b = BigInt(m[0])
      if (b > SAFE || b < -SAFE) return b
    }
    return Number(m[0])
  }
  const string = (): string => {
    const startPos = i
    i++
    let escaped = false
    for (; i < text.length; i++) {
      const ch = text.charCodeAt(i)
      if (escaped) { escaped = false; continue }
      if (ch === 0x5c) { escaped = true; continue }
      if (ch === 0x22) break
    }
    if (i >= text.length) err('unterminated string')
    i++
    return JSON.parse(text.slice(startPos, i)) as string
  }
  const v = value()
  ws()
  if (i !== text.length) err('trailing data')
  return v
}
