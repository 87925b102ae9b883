/**
 * A JSON parser that keeps what `JSON.parse` loses and Go's encoding/json
 * relies on: duplicate keys in document order (the last one wins when
 * decoding, keys match case-insensitively) and number literals as written
 * (so ints are checked like Go does). Syntax errors carry Go's messages
 * (`invalid character 'x' looking for beginning of value`,
 * `unexpected end of JSON input`).
 */

export type JNode =
  | { t: 'null' }
  | { t: 'bool', v: boolean }
  | { t: 'num', raw: string }
  | { t: 'str', v: string }
  | { t: 'arr', items: JNode[] }
  | { t: 'obj', entries: Array<[string, JNode]> }

export class JSONSyntaxError extends Error {
  static override name = 'JSONSyntaxError'
  constructor (message: string, readonly offset: number) {
    super(message)
    this.name = 'JSONSyntaxError'
  }
}

/** Go's `quoteChar` used in scanner errors. */
function quoteChar (c: string): string {
  if (c === '\'') return '\'\\\'\''
  if (c === '"') return '\'"\''
  const code = c.codePointAt(0) ?? 0
  let q: string
  if (c === '\n') q = '\\n'
  else if (c === '\r') q = '\\r'
  else if (c === '\t') q = '\\t'
  else if (c === '\\') q = '\\\\'
  else if (code < 0x20 || code === 0x7f) q = '\\x' + code.toString(16).padStart(2, '0')
  else q = c
  return `'${q}'`
}

class Parser {
  private pos = 0
  constructor (private readonly s: string) {}

  private fail (context: string): never {
    if (this.pos >= this.s.length) {
      throw new JSONSyntaxError('unexpected end of JSON input', this.pos)
    }
    const ch = String.fromCodePoint(this.s.codePointAt(this.pos) ?? 0)
    throw new JSONSyntaxError(`invalid character ${quoteChar(ch)} ${context}`, this.pos)
  }

  private ws (): void {
    while (this.pos < this.s.length) {
      const c = this.s[this.pos]
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.pos++
      else break
    }
  }

  parseDocument (): JNode {
    this.ws()
    const v = this.value('looking for beginning of value')
    this.ws()
    if (this.pos < this.s.length) {
      this.fail('after top-level value')
    }
    return v
  }

  private value (context: string): JNode {
    const c = this.s[this.pos]
    switch (c) {
      case '{': return this.object()
      case '[': return this.array()
      case '"': return { t: 'str', v: this.string() }
      case 't': this.literal('true'); return { t: 'bool', v: true }
      case 'f': this.literal('false'); return { t: 'bool', v: false }
      case 'n': this.literal('null'); return { t: 'null' }
      default:
        if (c === '-' || (c >= '0' && c <= '9')) return this.number()
        return this.fail(context)
    }
  }

  private literal (word: string): void {
    for (let i = 0; i < word.length; i++) {
      if (this.s[this.pos] !== word[i]) {
        this.fail(`in literal ${word} (expecting ${quoteChar(word[i])})`)
      }
      this.pos++
    }
  }

  private number (): JNode {
    const start = this.pos
    if (this.s[this.pos] === '-') {
      this.pos++
      if (!(this.s[this.pos] >= '0' && this.s[this.pos] <= '9')) this.fail('in numeric literal')
    }
    if (this.s[this.pos] === '0') {
      this.pos++
    } else {
      while (this.s[this.pos] >= '0' && this.s[this.pos] <= '9') this.pos++
    }
    if (this.s[this.pos] === '.') {
      this.pos++
      if (!(this.s[this.pos] >= '0' && this.s[this.pos] <= '9')) this.fail('after decimal point in numeric literal')
      while (this.s[this.pos] >= '0' && this.s[this.pos] <= '9') this.pos++
    }
    if (this.s[this.pos] === 'e' || this.s[this.pos] === 'E') {
      this.pos++
      if (this.s[this.pos] === '+' || this.s[this.pos] === '-') this.pos++
      if (!(this.s[this.pos] >= '0' && this.s[this.pos] <= '9')) this.fail('in exponent of numeric literal')
      while (this.s[this.pos] >= '0' && this.s[this.pos] <= '9') this.pos++
    }
    return { t: 'num', raw: this.s.slice(start, this.pos) }
  }

  private string (): string {
    this.pos++ // opening quote
    let out = ''
    while (true) {
      if (this.pos >= this.s.length) this.fail('in string literal')
      const c = this.s[this.pos]
      if (c === '"') {
        this.pos++
        return out
      }
      if (c === '\\') {
        this.pos++
        const e = this.s[this.pos]
        switch (e) {
          case '"': out += '"'; break
          case '\\': out += '\\'; break
          case '/': out += '/'; break
          case 'b': out += '\b'; break
          case 'f': out += '\f'; break
          case 'n': out += '\n'; break
          case 'r': out += '\r'; break
          case 't': out += '\t'; break
          case 'u': {
            let code = 0
            for (let i = 1; i <= 4; i++) {
              const h = this.s[this.pos + i]
              if (h == null || !/[0-9a-fA-F]/.test(h)) {
                this.pos += i
                this.fail('in \\u hexadecimal character escape')
              }
              code = code * 16 + parseInt(h, 16)
            }
            out += String.fromCharCode(code)
            this.pos += 4
            break
          }
          default:
            this.fail('in string escape code')
        }
        this.pos++
        continue
      }
      if (c.charCodeAt(0) < 0x20) {
        this.fail('in string literal')
      }
      out += c
      this.pos++
    }
  }

  private array (): JNode {
    this.pos++
    const items: JNode[] = []
    this.ws()
    if (this.s[this.pos] === ']') {
      this.pos++
      return { t: 'arr', items }
    }
    while (true) {
      this.ws()
      items.push(this.value('looking for beginning of value'))
      this.ws()
      const c = this.s[this.pos]
      if (c === ',') {
        this.pos++
        continue
      }
      if (c === ']') {
        this.pos++
        return { t: 'arr', items }
      }
      this.fail('after array element')
    }
  }

  private object (): JNode {
    this.pos++
    const entries: Array<[string, JNode]> = []
    this.ws()
    if (this.s[this.pos] === '}') {
      this.pos++
      return { t: 'obj', entries }
    }
    while (true) {
      this.ws()
      if (this.s[this.pos] !== '"') this.fail('looking for beginning of object key string')
      const key = this.string()
      this.ws()
      if (this.s[this.pos] !== ':') this.fail('after object key')
      this.pos++
      this.ws()
      entries.push([key, this.value('looking for beginning of value')])
      this.ws()
      const c = this.s[this.pos]
      if (c === ',') {
        this.pos++
        continue
      }
      if (c === '}') {
        this.pos++
        return { t: 'obj', entries }
      }
      this.fail('after object key:value pair')
    }
  }
}

/** Parses JSON text into an ordered tree. Throws JSONSyntaxError. */
export function parseJSONTree (text: string): JNode {
  return new Parser(text).parseDocument()
}

/** The Go name of a JSON value kind, as used in `json: cannot unmarshal <kind>`. */
export function jsonKind (n: JNode): string {
  switch (n.t) {
    case 'null': return 'null'
    case 'bool': return 'bool'
    case 'num': return 'number'
    case 'str': return 'string'
    case 'arr': return 'array'
    default: return 'object'
  }
}

/** Converts a tree to a plain JS value (last duplicate key wins). */
export function treeToValue (n: JNode): unknown {
  switch (n.t) {
    case 'null': return null
    case 'bool': return n.v
    case 'num': return Number(n.raw)
    case 'str': return n.v
    case 'arr': return n.items.map(treeToValue)
    default: {
      const out: Record<string, unknown> = {}
      for (const [k, v] of n.entries) out[k] = treeToValue(v)
      return out
    }
  }
}

/** All entries of an object whose key matches `key` case-insensitively, in order. */
export function entriesCI (n: JNode & { t: 'obj' }, key: string): JNode[] {
  const lower = key.toLowerCase()
  return n.entries.filter(([k]) => k.toLowerCase() === lower).map(([, v]) => v)
}
