/**
 * A streaming tar writer (POSIX ustar, with PAX extended headers for long
 * or non-ASCII names and sizes beyond 8 GiB), enough for Kubo's `get`.
 */

const BLOCK = 512
const MAX_OCTAL_SIZE = 0o77777777777 // 11 octal digits

export interface TarEntry {
  /** `/`-separated path inside the archive (no leading `/`). */
  name: string
  type: 'file' | 'directory' | 'symlink'
  /** Bytes of a file (0 otherwise). */
  size?: bigint | number
  /** Link target of a symlink. */
  linkname?: string
  mode?: number
  /** Seconds since the epoch. */
  mtime?: number
}

const enc = new TextEncoder()

function isASCII (s: string): boolean {
  return /^[\x00-\x7f]*$/.test(s)
}

function writeString (buf: Uint8Array, offset: number, length: number, s: string): void {
  const b = enc.encode(s)
  buf.set(b.subarray(0, length), offset)
}

/** Octal field: digits, zero-padded, then NUL. */
function writeOctal (buf: Uint8Array, offset: number, length: number, n: bigint | number): void {
  writeString(buf, offset, length - 1, n.toString(8).padStart(length - 1, '0'))
}

/** One PAX record `"<len> key=value\n"`, where <len> counts the whole record. */
function paxRecord (key: string, value: string): string {
  const body = ` ${key}=${value}\n`
  const bodyLen = enc.encode(body).byteLength
  let len = bodyLen + 1
  while (String(len).length + bodyLen !== len) len = String(len).length + bodyLen
  return `${len}${body}`
}

/** Splits a long name into ustar prefix (≤155 bytes) and name (≤100 bytes), if possible. */
function splitUSTAR (name: string): { prefix: string, name: string } | undefined {
  if (name.length <= 100) return { prefix: '', name }
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] !== '/') continue
    const prefix = name.slice(0, i)
    const rest = name.slice(i + 1)
    if (prefix.length <= 155 && rest.length > 0 && rest.length <= 100) return { prefix, name: rest }
    if (rest.length > 100) return undefined
  }
  return undefined
}

function header (name: string, prefix: string, typeflag: string, size: bigint, mode: number, mtime: number, linkname: string): Uint8Array {
  const h = new Uint8Array(BLOCK)
  writeString(h, 0, 100, name)
  writeOctal(h, 100, 8, mode & 0o7777)
  writeOctal(h, 108, 8, 0)
  writeOctal(h, 116, 8, 0)
  writeOctal(h, 124, 12, size)
  writeOctal(h, 136, 12, Math.max(0, Math.floor(mtime)))
  h.fill(0x20, 148, 156) // checksum placeholder
  writeString(h, 156, 1, typeflag)
  writeString(h, 157, 100, linkname)
  writeString(h, 257, 6, 'ustar\0')
  writeString(h, 263, 2, '00')
  writeString(h, 345, 155, prefix)
  let sum = 0
  for (const b of h) sum += b
  writeString(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ')
  return h
}

/** Zero bytes that pad `size` bytes of content to a whole block. */
export function tarPadding (size: bigint | number): Uint8Array {
  const rest = Number(BigInt(size) % BigInt(BLOCK))
  return new Uint8Array(rest === 0 ? 0 : BLOCK - rest)
}

/** The header block(s) of an entry (a PAX header first when ustar cannot hold it). */
export function tarHeader (entry: TarEntry): Uint8Array {
  const size = entry.type === 'file' ? BigInt(entry.size ?? 0) : 0n
  const mode = entry.mode ?? (entry.type === 'file' ? 0o644 : 0o777)
  const mtime = entry.mtime ?? 0
  const linkname = entry.linkname ?? ''
  const typeflag = entry.type === 'file' ? '0' : entry.type === 'directory' ? '5' : '2'

  const records: string[] = []
  let split = isASCII(entry.name) ? splitUSTAR(entry.name) : undefined
  if (split == null) {
    records.push(paxRecord('path', entry.name))
    split = { prefix: '', name: enc.encode(entry.name).byteLength <= 100 && isASCII(entry.name) ? entry.name : truncated(entry.name) }
  }
  let link = linkname
  if (linkname.length > 100 || !isASCII(linkname)) {
    records.push(paxRecord('linkpath', linkname))
    link = truncated(linkname)
  }
  let sizeField = size
  if (size > BigInt(MAX_OCTAL_SIZE)) {
    records.push(paxRecord('size', size.toString()))
    sizeField = 0n
  }
  const main = header(split.name, split.prefix, typeflag, sizeField, mode, mtime, link)
  if (records.length === 0) return main
  const pax = enc.encode(records.join(''))
  const paxName = `PaxHeaders.0/${truncated(entry.name.split('/').pop() ?? '')}`.slice(0, 100)
  const paxHeader = header(paxName, '', 'x', BigInt(pax.byteLength), 0o644, mtime, '')
  const padding = tarPadding(pax.byteLength)
  const out = new Uint8Array(paxHeader.byteLength + pax.byteLength + padding.byteLength + main.byteLength)
  out.set(paxHeader, 0)
  out.set(pax, BLOCK)
  out.set(main, BLOCK + pax.byteLength + padding.byteLength)
  return out
}

/** An ASCII stand-in of at most 100 bytes for the ustar field (the PAX record has the real value). */
function truncated (s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '_').slice(0, 100)
}

/** The end-of-archive marker: two zero blocks. */
export function tarEnd (): Uint8Array {
  return new Uint8Array(2 * BLOCK)
}

/**
 * Writes a whole archive from entries and their contents: file contents
 * must yield exactly `size` bytes.
 */
export async function * tarStream (entries: AsyncIterable<{ entry: TarEntry, content?: AsyncIterable<Uint8Array> }>): AsyncGenerator<Uint8Array> {
  for await (const { entry, content } of entries) {
    yield tarHeader(entry)
    if (entry.type !== 'file') continue
    const expected = BigInt(entry.size ?? 0)
    let written = 0n
    if (content != null) {
      for await (const chunk of content) {
        written += BigInt(chunk.byteLength)
        if (written > expected) throw new Error(`tar: ${entry.name}: content longer than its size ${expected}`)
        yield chunk
      }
    }
    if (written !== expected) throw new Error(`tar: ${entry.name}: content of ${written} bytes, expected ${expected}`)
    const pad = tarPadding(expected)
    if (pad.byteLength > 0) yield pad
  }
  yield tarEnd()
}
