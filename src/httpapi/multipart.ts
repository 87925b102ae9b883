/**
 * Streaming multipart/form-data (and multipart/mixed) parsing for `/add`
 * (HTTP spec §4.6): the body format of boxo's MultiFileReader, as sent by
 * ipfs-cluster-ctl, Kubo and the JS clients.
 *
 * - {@link MultipartReader} reads parts one at a time; part bodies are
 *   streamed straight from the request (memory does not grow with their
 *   size) and must be consumed before the next part is read (an unread
 *   remainder is skipped).
 * - {@link multipartEntries} turns parts into {@link AddEntry} items:
 *   parents before children (missing parent directories are implied),
 *   `application/x-directory` directories, `application/symlink` symlinks,
 *   everything else files; names URL-unescaped and cleaned; POSIX mode and
 *   mtime from Kubo's `name="file?mode=…&mtime=…"` form. Absolute paths and
 *   `..` escaping the upload root are refused.
 *
 * Broken bodies fail with InvalidArgumentError (HTTP 400); a request that
 * goes away fails with AbortError.
 */
import { AbortError, InvalidArgumentError } from '../errors.js'
import type { AddEntry } from '../interfaces.js'

export const ERR_NOT_MULTIPART = "request Content-Type isn't multipart/form-data"
export const ERR_MISSING_BOUNDARY = 'no multipart boundary param in Content-Type'

// ---------------------------------------------------------------------------
// Media types (Go mime.ParseMediaType, simplified)
// ---------------------------------------------------------------------------

export interface MediaType {
  type: string
  params: Record<string, string>
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

function isTokenChar (c: string): boolean {
  return TOKEN.test(c)
}

/**
 * Parses `type/subtype; key=value; key="quoted"; key*=utf-8''%xx`. Type and
 * parameter names are lower-cased. Throws InvalidArgumentError.
 */
export function parseMediaType (v: string): MediaType {
  let i = v.indexOf(';')
  const type = (i < 0 ? v : v.slice(0, i)).trim().toLowerCase()
  if (type === '' || !type.split('/').every((t) => t !== '' && TOKEN.test(t)) || type.split('/').length > 2) {
    throw new InvalidArgumentError('mime: no media type')
  }
  const params: Record<string, string> = {}
  const continuations: Record<string, Record<string, string>> = {}
  let rest = i < 0 ? '' : v.slice(i)
  while (rest.length > 0) {
    rest = rest.replace(/^[ \t]+/, '')
    if (rest === '') break
    if (rest[0] !== ';') throw new InvalidArgumentError('mime: invalid media parameter')
    rest = rest.slice(1).replace(/^[ \t]+/, '')
    if (rest === '') break // trailing semicolon
    // key
    let k = 0
    while (k < rest.length && isTokenChar(rest[k])) k++
    const key = rest.slice(0, k).toLowerCase()
    if (key === '') throw new InvalidArgumentError('mime: invalid media parameter')
    rest = rest.slice(k).replace(/^[ \t]+/, '')
    if (rest[0] !== '=') throw new InvalidArgumentError('mime: invalid media parameter')
    rest = rest.slice(1).replace(/^[ \t]+/, '')
    let value: string
    if (rest[0] === '"') {
      let out = ''
      let j = 1
      for (; j < rest.length; j++) {
        const c = rest[j]
        if (c === '"') break
        if (c === '\\' && j + 1 < rest.length) {
          out += rest[++j]
          continue
        }
        out += c
      }
      if (j >= rest.length) throw new InvalidArgumentError('mime: invalid media parameter')
      value = out
      rest = rest.slice(j + 1)
    } else {
      let j = 0
      while (j < rest.length && isTokenChar(rest[j])) j++
      if (j === 0) throw new InvalidArgumentError('mime: invalid media parameter')
      value = rest.slice(0, j)
      rest = rest.slice(j)
    }
    const star = key.indexOf('*')
    if (star >= 0) {
      const base = key.slice(0, star)
      const cont = (continuations[base] ??= {})
      if (cont[key] != null) throw new InvalidArgumentError('mime: duplicate parameter name')
      cont[key] = value
    } else {
      if (params[key] != null) throw new InvalidArgumentError('mime: duplicate parameter name')
      params[key] = value
    }
  }
  // RFC 2231 extended and continued parameters.
  for (const [base, pieces] of Object.entries(continuations)) {
    const ext = pieces[`${base}*`]
    if (ext != null) {
      const decoded = decode2231(ext)
      if (decoded != null) params[base] = decoded
      continue
    }
    let out = ''
    let ok = false
    for (let n = 0; ; n++) {
      const plain = pieces[`${base}*${n}`]
      const encoded = pieces[`${base}*${n}*`]
      if (plain != null) {
        out += plain
      } else if (encoded != null) {
        const d = n === 0 ? decode2231(encoded) : percentDecodeUtf8(encoded)
        if (d == null) break
        out += d
      } else {
        break
      }
      ok = true
    }
    if (ok) params[base] = out
  }
  return { type, params }
}

function percentDecodeUtf8 (s: string): string | undefined {
  try {
    return decodeURIComponent(s)
  } catch {
    return undefined
  }
}

function decode2231 (s: string): string | undefined {
  const parts = s.split("'")
  if (parts.length !== 3) return undefined
  const charset = parts[0].toLowerCase()
  if (charset !== 'utf-8' && charset !== 'us-ascii' && charset !== '') return undefined
  return percentDecodeUtf8(parts[2])
}

/**
 * The boundary of a multipart request (`multipart/form-data` or
 * `multipart/mixed`), with the Go error messages.
 */
export function multipartBoundary (contentType: string | undefined): string {
  if (contentType == null || contentType === '') {
    throw new InvalidArgumentError(ERR_NOT_MULTIPART)
  }
  let mt: MediaType
  try {
    mt = parseMediaType(contentType)
  } catch {
    throw new InvalidArgumentError(ERR_NOT_MULTIPART)
  }
  if (mt.type !== 'multipart/form-data' && mt.type !== 'multipart/mixed') {
    throw new InvalidArgumentError(ERR_NOT_MULTIPART)
  }
  const boundary = mt.params.boundary
  if (boundary == null || boundary === '') {
    throw new InvalidArgumentError(ERR_MISSING_BOUNDARY)
  }
  if (boundary.length > 200) {
    throw new InvalidArgumentError('multipart boundary is too long')
  }
  return boundary
}

// ---------------------------------------------------------------------------
// Parts
// ---------------------------------------------------------------------------

export interface MultipartReaderOptions {
  /** Limit of one part's header block (default 64 KiB). */
  maxHeaderBytes?: number
  /** Limit of the preamble before the first boundary (default 64 KiB). */
  maxPreambleBytes?: number
}

export interface MultipartPart {
  /** Lower-cased header name → values. */
  headers: Map<string, string[]>
  /** First value of a header, or ''. */
  header(name: string): string
  /** The part body, streamed; can be iterated once. */
  body: AsyncIterable<Buffer>
}

const EMPTY = Buffer.alloc(0)

function malformed (msg: string): Error {
  return new InvalidArgumentError(`malformed multipart body: ${msg}`)
}

function printable (b: Buffer): string {
  return JSON.stringify(b.subarray(0, 80).toString('latin1'))
}

/** Pull-based multipart parser (Go mime/multipart semantics). */
export class MultipartReader {
  private readonly source: AsyncIterator<Uint8Array>
  private buf: Buffer = EMPTY
  private eof = false
  private nl: Buffer = Buffer.from('\r\n')
  private readonly dashBoundary: Buffer
  private readonly dashBoundaryDash: Buffer
  private nlDashBoundary: Buffer
  private partsRead = 0
  private finished = false
  private current?: { readonly done: boolean, drain: () => Promise<void> }
  private readonly maxHeaderBytes: number
  private readonly maxPreambleBytes: number

  constructor (source: AsyncIterable<Uint8Array>, boundary: string, opts: MultipartReaderOptions = {}) {
    this.source = source[Symbol.asyncIterator]()
    this.dashBoundary = Buffer.from(`--${boundary}`, 'latin1')
    this.dashBoundaryDash = Buffer.from(`--${boundary}--`, 'latin1')
    this.nlDashBoundary = Buffer.concat([this.nl, this.dashBoundary])
    this.maxHeaderBytes = opts.maxHeaderBytes ?? 64 * 1024
    this.maxPreambleBytes = opts.maxPreambleBytes ?? 64 * 1024
  }

  /** Reads one more chunk into the buffer; false at end of input. */
  private async fill (): Promise<boolean> {
    if (this.eof) return false
    let r: IteratorResult<Uint8Array>
    try {
      r = await this.source.next()
    } catch (err) {
      if ((err as Error).name === 'AbortError' || (err as Error).name === 'InvalidArgumentError') throw err
      throw new AbortError(`error reading request body: ${(err as Error).message}`)
    }
    if (r.done === true) {
      this.eof = true
      return false
    }
    const chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength)
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk])
    return true
  }

  /** A line including its `\n` (or the rest at end of input; null when nothing is left). */
  private async readLine (limit: number, what: string): Promise<Buffer | null> {
    let from = 0
    while (true) {
      const i = this.buf.indexOf(0x0a, from)
      if (i >= 0) {
        const line = this.buf.subarray(0, i + 1)
        this.buf = this.buf.subarray(i + 1)
        return line
      }
      from = this.buf.length
      if (this.buf.length > limit) {
        throw malformed(`${what} too large`)
      }
      if (!await this.fill()) {
        if (this.buf.length === 0) return null
        const line = this.buf
        this.buf = EMPTY
        return line
      }
    }
  }

  private isFinalBoundary (line: Buffer): boolean {
    if (!startsWith(line, this.dashBoundaryDash)) return false
    const rest = skipLWSP(line.subarray(this.dashBoundaryDash.length))
    return rest.length === 0 || rest.equals(this.nl)
  }

  private isBoundaryDelimiterLine (line: Buffer): boolean {
    if (!startsWith(line, this.dashBoundary)) return false
    const rest = skipLWSP(line.subarray(this.dashBoundary.length))
    if (this.partsRead === 0 && rest.length === 1 && rest[0] === 0x0a) {
      this.nl = this.nl.subarray(1)
      this.nlDashBoundary = this.nlDashBoundary.subarray(1)
    }
    return rest.equals(this.nl)
  }

  /** The next part, or null after the final boundary. */
  async nextPart (): Promise<MultipartPart | null> {
    if (this.current != null && !this.current.done) {
      await this.current.drain()
    }
    if (this.finished) return null
    let preamble = 0
    while (true) {
      const line = await this.readLine(Math.max(this.maxPreambleBytes, this.dashBoundaryDash.length + 256), 'boundary line')
      if (line == null) {
        throw malformed(this.partsRead === 0 ? 'no multipart boundary found' : 'unexpected end of body')
      }
      if (this.isBoundaryDelimiterLine(line)) break
      if (this.isFinalBoundary(line)) {
        this.finished = true
        return null
      }
      if (this.partsRead > 0) {
        throw malformed(`expecting a new part; got line ${printable(line)}`)
      }
      preamble += line.length
      if (preamble > this.maxPreambleBytes) {
        throw malformed('no multipart boundary found')
      }
    }
    const headers = await this.readHeaders()
    this.partsRead++
    const st: BodyState = { atStart: true, finished: false, claimed: false }
    this.current = {
      get done () { return st.finished },
      drain: async () => {
        // eslint-disable-next-line @typescript-eslint/no-unused-vars
        for await (const _ of this.bodyChunks(st)) { /* skip */ }
      }
    }
    const body: AsyncIterable<Buffer> = {
      [Symbol.asyncIterator]: () => {
        if (st.claimed) {
          throw new Error('multipart part body can only be read once')
        }
        st.claimed = true
        return this.bodyChunks(st)
      }
    }
    return {
      headers,
      header: (name: string) => headers.get(name.toLowerCase())?.[0] ?? '',
      body
    }
  }

  private async readHeaders (): Promise<Map<string, string[]>> {
    const headers = new Map<string, string[]>()
    let total = 0
    let lastKey: string | undefined
    while (true) {
      const line = await this.readLine(this.maxHeaderBytes, 'part header')
      if (line == null || line[line.length - 1] !== 0x0a) {
        throw malformed('unexpected end of body in part headers')
      }
      total += line.length
      if (total > this.maxHeaderBytes) {
        throw malformed('part header too large')
      }
      let text = line.toString('utf8')
      text = text.endsWith('\r\n') ? text.slice(0, -2) : text.slice(0, -1)
      if (text === '') return headers
      if ((text[0] === ' ' || text[0] === '\t') && lastKey != null) {
        const vals = headers.get(lastKey) as string[]
        vals[vals.length - 1] = `${vals[vals.length - 1]} ${text.trim()}`
        continue
      }
      const colon = text.indexOf(':')
      if (colon <= 0) {
        throw malformed(`malformed MIME header line: ${text.slice(0, 80)}`)
      }
      const key = text.slice(0, colon)
      if (!TOKEN.test(key)) {
        throw malformed(`malformed MIME header line: ${text.slice(0, 80)}`)
      }
      const lk = key.toLowerCase()
      const value = text.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '')
      const vals = headers.get(lk)
      if (vals == null) headers.set(lk, [value])
      else vals.push(value)
      lastKey = lk
    }
  }

  /**
   * Go `matchAfterPrefix`: +1 when the bytes after a boundary prefix at
   * `pos` end a delimiter, -1 when they do not, 0 when more input is needed.
   */
  private matchAfter (pos: number): number {
    const b = this.buf
    if (b.length === pos) return this.eof ? 1 : 0
    const c = b[pos]
    if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) return 1
    if (c === 0x2d) {
      if (b.length === pos + 1) return this.eof ? -1 : 0
      if (b[pos + 1] === 0x2d) return 1
    }
    return -1
  }

  /**
   * The chunks of the current part body up to its delimiter. Several
   * generators may be created for one part (the consumer's, then the
   * drain's); they share `st` and stop as soon as the part is finished.
   */
  private async * bodyChunks (st: BodyState): AsyncGenerator<Buffer> {
    while (!st.finished) {
      // At the very beginning of a body, a bare `--boundary` also ends it.
      if (st.atStart) {
        if (this.buf.length < this.dashBoundary.length + 2 && !this.eof && startsWith(this.dashBoundary, this.buf)) {
          await this.fill()
          continue
        }
        if (startsWith(this.buf, this.dashBoundary)) {
          const m = this.matchAfter(this.dashBoundary.length)
          if (m === 0) { await this.fill(); continue }
          if (m === 1) {
            st.finished = true
            return
          }
        }
      }
      const delim = this.nlDashBoundary
      const i = this.buf.indexOf(delim)
      if (i >= 0) {
        const m = this.matchAfter(i + delim.length)
        if (m === 0) {
          await this.fill()
          continue
        }
        if (m === 1) {
          const data = this.buf.subarray(0, i)
          this.buf = this.buf.subarray(i + this.nl.length)
          st.finished = true
          if (data.length > 0) yield data
          return
        }
        // Not a delimiter: everything up to and including its first byte is data.
        const data = this.buf.subarray(0, i + 1)
        this.buf = this.buf.subarray(i + 1)
        st.atStart = false
        yield data
        continue
      }
      // Keep a tail that could be the start of a delimiter.
      const keep = Math.min(this.buf.length, delim.length - 1)
      const safe = this.buf.length - keep
      if (safe > 0) {
        const data = this.buf.subarray(0, safe)
        this.buf = this.buf.subarray(safe)
        st.atStart = false
        yield data
        continue
      }
      if (!await this.fill()) {
        throw malformed('unexpected end of body in part content')
      }
    }
  }
}

interface BodyState {
  atStart: boolean
  finished: boolean
  claimed: boolean
}

function startsWith (b: Buffer, prefix: Buffer): boolean {
  return b.length >= prefix.length && b.compare(prefix, 0, prefix.length, 0, prefix.length) === 0
}

function skipLWSP (b: Buffer): Buffer {
  let i = 0
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x09)) i++
  return b.subarray(i)
}

// ---------------------------------------------------------------------------
// Entries
// ---------------------------------------------------------------------------

export interface MultipartEntriesOptions extends MultipartReaderOptions {
  boundary: string
  /** Limit of a symlink target (default 4096 bytes). */
  maxSymlinkBytes?: number
}

/** Go `url.QueryUnescape`, or the input when it has a bad escape. */
export function queryUnescape (s: string): string {
  const plus = s.replace(/\+/g, ' ')
  if (!plus.includes('%')) return plus
  if (/%(?![0-9a-fA-F]{2})/.test(plus)) return s
  const bytes: number[] = []
  const enc = Buffer.from(plus, 'utf8')
  for (let i = 0; i < enc.length; i++) {
    if (enc[i] === 0x25) {
      bytes.push(parseInt(enc.subarray(i + 1, i + 3).toString('latin1'), 16))
      i += 2
    } else {
      bytes.push(enc[i])
    }
  }
  return Buffer.from(bytes).toString('utf8')
}

/**
 * Cleans a relative upload path: `.` and empty segments dropped, `..`
 * resolved. Absolute paths and paths escaping the root are refused.
 */
export function cleanEntryPath (name: string): string {
  if (name.includes('\0')) {
    throw new InvalidArgumentError(`invalid file name ${JSON.stringify(name)}: contains a NUL byte`)
  }
  if (name.startsWith('/')) {
    throw new InvalidArgumentError(`invalid file name ${JSON.stringify(name)}: absolute paths are not allowed`)
  }
  const out: string[] = []
  for (const seg of name.split('/')) {
    if (seg === '' || seg === '.') continue
    if (seg === '..') {
      if (out.length === 0) {
        throw new InvalidArgumentError(`invalid file name ${JSON.stringify(name)}: path escapes the upload root`)
      }
      out.pop()
      continue
    }
    out.push(seg)
  }
  if (out.length === 0) {
    throw new InvalidArgumentError(`invalid file name ${JSON.stringify(name)}: empty path`)
  }
  return out.join('/')
}

interface FormNameAttrs {
  mode?: number
  mtime?: { secs: bigint, nsecs?: number }
}

/** Kubo's `file?mode=0644&mtime=<secs>&mtime-nsecs=<n>` form names. */
export function parseFormNameAttrs (formName: string): FormNameAttrs {
  const q = formName.indexOf('?')
  if (q < 0) return {}
  const params = new URLSearchParams(formName.slice(q + 1))
  const out: FormNameAttrs = {}
  const mode = params.get('mode')
  if (mode != null && mode !== '') {
    if (!/^[0-7]+$/.test(mode) || parseInt(mode, 8) > 0xffffffff) {
      throw new InvalidArgumentError(`invalid mode ${JSON.stringify(mode)} in multipart part name`)
    }
    out.mode = parseInt(mode, 8)
  }
  const mtime = params.get('mtime')
  if (mtime != null && mtime !== '') {
    if (!/^-?\d+$/.test(mtime)) {
      throw new InvalidArgumentError(`invalid mtime ${JSON.stringify(mtime)} in multipart part name`)
    }
    out.mtime = { secs: BigInt(mtime) }
    const nsecs = params.get('mtime-nsecs')
    if (nsecs != null && nsecs !== '') {
      if (!/^\d+$/.test(nsecs) || Number(nsecs) > 999999999) {
        throw new InvalidArgumentError(`invalid mtime-nsecs ${JSON.stringify(nsecs)} in multipart part name`)
      }
      out.mtime.nsecs = Number(nsecs)
    }
  }
  return out
}

function parentsOf (path: string): string[] {
  const segs = path.split('/')
  const out: string[] = []
  for (let i = 1; i < segs.length; i++) out.push(segs.slice(0, i).join('/'))
  return out
}

async function readAll (body: AsyncIterable<Buffer>, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const c of body) {
    size += c.length
    if (size > limit) throw new InvalidArgumentError(`${what} is too large`)
    chunks.push(c)
  }
  return Buffer.concat(chunks)
}

async function * once (b: Uint8Array): AsyncGenerator<Uint8Array> {
  yield b
}

/**
 * The entries of an `/add` body, parents before children. A file's content
 * must be consumed before the next entry is requested (otherwise its
 * remainder is skipped).
 */
export async function * multipartEntries (source: AsyncIterable<Uint8Array>, options: MultipartEntriesOptions): AsyncGenerator<AddEntry> {
  const reader = new MultipartReader(source, options.boundary, options)
  const seen = new Map<string, 'file' | 'directory' | 'symlink'>()
  const maxSymlink = options.maxSymlinkBytes ?? 4096

  const claim = (path: string, type: 'file' | 'directory' | 'symlink'): boolean => {
    const prev = seen.get(path)
    if (prev == null) {
      seen.set(path, type)
      return true
    }
    if (prev === 'directory' && type === 'directory') return false
    throw new InvalidArgumentError(`duplicate entry ${JSON.stringify(path)} in multipart body`)
  }

  while (true) {
    const part = await reader.nextPart()
    if (part == null) return
    const dispRaw = part.header('content-disposition')
    let disp: MediaType
    try {
      disp = parseMediaType(dispRaw)
    } catch {
      throw new InvalidArgumentError(`multipart part has an invalid Content-Disposition header: ${JSON.stringify(dispRaw)}`)
    }
    const filename = disp.params.filename
    if (filename == null || filename === '') {
      throw new InvalidArgumentError('multipart part has no filename in its Content-Disposition header')
    }
    const path = cleanEntryPath(queryUnescape(filename))
    const attrs = parseFormNameAttrs(disp.params.name ?? '')

    const ctRaw = part.header('content-type')
    let ct = ''
    if (ctRaw !== '') {
      try {
        ct = parseMediaType(ctRaw).type
      } catch {
        throw new InvalidArgumentError(`multipart part ${JSON.stringify(path)} has an invalid Content-Type: ${JSON.stringify(ctRaw)}`)
      }
    }
    const type: AddEntry['type'] = ct === 'application/x-directory' || ct === 'multipart/form-data'
      ? 'directory'
      : ct === 'application/symlink' ? 'symlink' : 'file'

    for (const parent of parentsOf(path)) {
      const prev = seen.get(parent)
      if (prev != null && prev !== 'directory') {
        throw new InvalidArgumentError(`entry ${JSON.stringify(path)} is inside ${JSON.stringify(parent)}, which is not a directory`)
      }
      if (claim(parent, 'directory')) {
        yield { path: parent, type: 'directory' }
      }
    }

    if (type === 'directory') {
      if (claim(path, 'directory')) {
        const entry: AddEntry = { path, type: 'directory' }
        if (attrs.mode != null) entry.mode = attrs.mode
        if (attrs.mtime != null) entry.mtime = attrs.mtime
        yield entry
      }
      continue
    }
    claim(path, type)
    const entry: AddEntry = { path, type }
    if (attrs.mode != null) entry.mode = attrs.mode
    if (attrs.mtime != null) entry.mtime = attrs.mtime
    if (type === 'symlink') {
      entry.content = once(await readAll(part.body, maxSymlink, `symlink target of ${JSON.stringify(path)}`))
    } else {
      entry.content = part.body
    }
    yield entry
  }
}
