/**
 * The multipart body of `POST /add`, built like the Go client (boxo
 * `MultiFileReader` in form mode over a slice directory of the arguments):
 *
 * - one part per entry, parents before children, directory parts empty;
 * - `Content-Disposition: form-data; name="file?mode=…&mtime=…"; filename="<url.QueryEscape(path)>"`
 *   (mode/mtime only when known), `Content-Type` `application/octet-stream`
 *   (file), `application/x-directory` (directory) or `application/symlink`
 *   (symlink; the body is the target), and `Abspath-Encoded` for local files
 *   and URLs;
 * - Go `mime/multipart` framing with a 60-hex-digit random boundary.
 *
 * Local paths are walked lazily (directory listings sorted by name, dot-files
 * skipped unless `hidden`, symlinks not followed); URLs are fetched with GET.
 */
import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { lstat, readdir, readlink } from 'node:fs/promises'
import { posix, resolve as resolvePath, basename, join } from 'node:path'
import { InvalidArgumentError } from '../errors.js'
import { queryEscape } from './query.js'
import type { Stats, BigIntStats } from 'node:fs'

/** Modification time (Unix seconds and nanoseconds). */
export interface MTime {
  secs: bigint
  nsecs: number
}

interface EntryBase {
  /** Name of the entry inside its parent (top level: the uploaded name). */
  name: string
  /** Go `os.FileMode` bits (permissions | type bits); 0 = unknown (not sent). */
  mode?: number
  mtime?: MTime
}

export interface FileEntry extends EntryBase {
  kind: 'file'
  /** In-memory content. */
  data?: Uint8Array | string
  /** Streamed content (used when `data` is absent). */
  open?: () => AsyncIterable<Uint8Array>
  /** Size in bytes when known (progress). */
  size?: number
  /** Sent as `Abspath-Encoded`. */
  abspath?: string
}

export interface DirectoryEntry extends EntryBase {
  kind: 'directory'
  /** Children (listed lazily when a function). */
  entries: AddEntry[] | (() => Promise<AddEntry[]>)
}

export interface SymlinkEntry extends EntryBase {
  kind: 'symlink'
  target: string
}

/** One top-level entry (or a child) of an upload. */
export type AddEntry = FileEntry | DirectoryEntry | SymlinkEntry

/** Go `mime/multipart` random boundary (30 random bytes, hex). */
export function randomBoundary (): string {
  return randomBytes(30).toString('hex')
}

const S_IFMT = 0o170000
const S_IFDIR = 0o040000
const S_IFLNK = 0o120000
const S_IFREG = 0o100000
const S_IFIFO = 0o010000
const S_IFSOCK = 0o140000
const S_IFCHR = 0o020000
const S_IFBLK = 0o060000

/** Converts POSIX `st_mode` to Go `os.FileMode` bits. */
export function goFileMode (stMode: number): number {
  let mode = stMode & 0o777
  switch (stMode & S_IFMT) {
    case S_IFBLK: mode += 2 ** 26; break
    case S_IFCHR: mode += 2 ** 26 + 2 ** 21; break
    case S_IFDIR: mode += 2 ** 31; break
    case S_IFIFO: mode += 2 ** 25; break
    case S_IFLNK: mode += 2 ** 27; break
    case S_IFSOCK: mode += 2 ** 24; break
    default: break
  }
  if ((stMode & 0o2000) !== 0) mode += 2 ** 22
  if ((stMode & 0o4000) !== 0) mode += 2 ** 23
  if ((stMode & 0o1000) !== 0) mode += 2 ** 20
  return mode
}

function statMTime (st: BigIntStats): MTime {
  const ns = st.mtimeNs
  let secs = ns / 1000000000n
  let nsecs = ns % 1000000000n
  if (nsecs < 0n) {
    nsecs += 1000000000n
    secs -= 1n
  }
  return { secs, nsecs: Number(nsecs) }
}

function goModeString (st: Stats | BigIntStats): string {
  const m = Number(st.mode)
  switch (m & S_IFMT) {
    case S_IFIFO: return 'p' + (m & 0o777).toString(8)
    case S_IFSOCK: return 'S' + (m & 0o777).toString(8)
    case S_IFCHR: return 'Dc' + (m & 0o777).toString(8)
    case S_IFBLK: return 'D' + (m & 0o777).toString(8)
    default: return (m & 0o777).toString(8)
  }
}

function fsErrorMessage (op: string, path: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code
  const reason = code === 'ENOENT'
    ? 'no such file or directory'
    : code === 'EACCES'
      ? 'permission denied'
      : code === 'ENOTDIR'
        ? 'not a directory'
        : (err as Error).message
  return `${op} ${path}: ${reason}`
}

/** Byte-wise name order (Go `os.ReadDir`). */
function compareNames (a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b))
}

/** Go `filepath.Base`, except that `.`/`..` give the directory's real name. */
export function uploadName (p: string): string {
  let s = p
  while (s.length > 1 && s.endsWith('/')) s = s.slice(0, -1)
  if (s === '') return '.'
  if (s === '/') return '/'
  const b = basename(s)
  if (b === '.' || b === '..') {
    const r = basename(resolvePath(s))
    return r === '' ? '/' : r
  }
  return b
}

async function entryFromStat (fsPath: string, name: string, st: BigIntStats, hidden: boolean): Promise<AddEntry> {
  const stMode = Number(st.mode)
  const base = { name, mode: goFileMode(stMode), mtime: statMTime(st) }
  switch (stMode & S_IFMT) {
    case S_IFREG: {
      const abspath = resolvePath(fsPath)
      return {
        ...base,
        kind: 'file',
        size: Number(st.size),
        abspath,
        open: () => createReadStream(fsPath)
      }
    }
    case S_IFDIR:
      return {
        ...base,
        kind: 'directory',
        entries: async () => await listDirectory(fsPath, hidden)
      }
    case S_IFLNK: {
      let target: string
      try {
        target = await readlink(fsPath)
      } catch (err) {
        throw new InvalidArgumentError(fsErrorMessage('readlink', fsPath, err))
      }
      return { ...base, kind: 'symlink', target }
    }
    default:
      throw new InvalidArgumentError(`unrecognized file type for ${fsPath}: ${goModeString(st)}`)
  }
}

async function listDirectory (dir: string, hidden: boolean): Promise<AddEntry[]> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (err) {
    throw new InvalidArgumentError(fsErrorMessage('open', dir, err))
  }
  names.sort(compareNames)
  const out: AddEntry[] = []
  for (const name of names) {
    if (!hidden && name.startsWith('.')) continue
    const p = join(dir, name)
    let st: BigIntStats
    try {
      st = await lstat(p, { bigint: true })
    } catch (err) {
      throw new InvalidArgumentError(fsErrorMessage('lstat', p, err))
    }
    out.push(await entryFromStat(p, name, st, hidden))
  }
  return out
}

/**
 * The top-level entry for a local path (Go client `makeSerialFile`):
 * directories need `recursive`; symlinks are uploaded as symlinks.
 */
export async function entryFromPath (fsPath: string, opts: { recursive: boolean, hidden: boolean }): Promise<AddEntry> {
  let st: BigIntStats
  try {
    st = await lstat(fsPath, { bigint: true })
  } catch (err) {
    throw new InvalidArgumentError(fsErrorMessage('lstat', fsPath, err))
  }
  if (st.isDirectory() && !opts.recursive) {
    throw new InvalidArgumentError(`${fsPath} is a directory, but Recursive option is not set`)
  }
  return await entryFromStat(fsPath, uploadName(fsPath), st, opts.hidden)
}

/** Go `path.Base`. */
export function goPathBase (p: string): string {
  if (p === '') return '.'
  let s = p
  while (s.length > 0 && s.endsWith('/')) s = s.slice(0, -1)
  if (s === '') return '/'
  const i = s.lastIndexOf('/')
  return i >= 0 ? s.slice(i + 1) : s
}

/** True when the argument is a URL whose scheme starts with `http` (Go client rule). */
export function isWebArgument (arg: string): boolean {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(arg)
  return m != null && m[1].toLowerCase().startsWith('http')
}

/** The top-level entry for a URL: fetched with GET while uploading, named after the URL path. */
export function entryFromURL (arg: string, fetchImpl: typeof fetch = fetch): FileEntry {
  let url: URL
  try {
    url = new URL(arg)
  } catch (err) {
    throw new InvalidArgumentError(`error parsing path: ${(err as Error).message}`)
  }
  let decoded = url.pathname
  try {
    decoded = decodeURIComponent(url.pathname)
  } catch {}
  return {
    kind: 'file',
    name: goPathBase(decoded),
    abspath: url.toString(),
    open: async function * () {
      const res = await fetchImpl(url)
      if (res.status < 200 || res.status > 299) {
        throw new InvalidArgumentError(`got non-2XX status code ${res.status}: ${url.toString()}`)
      }
      if (res.body == null) return
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        yield chunk
      }
    }
  }
}

/** Total bytes of the regular files under the entries (-1 when unknown). */
export async function totalSize (entries: AddEntry[]): Promise<number> {
  let total = 0
  const walk = async (e: AddEntry): Promise<boolean> => {
    if (e.kind === 'file') {
      if (e.data != null) {
        total += typeof e.data === 'string' ? Buffer.byteLength(e.data) : e.data.length
        return true
      }
      if (e.size == null) return false
      total += e.size
      return true
    }
    if (e.kind === 'directory') {
      const children = typeof e.entries === 'function' ? await e.entries() : e.entries
      for (const c of children) {
        if (!await walk(c)) return false
      }
    }
    return true
  }
  for (const e of entries) {
    if (!await walk(e)) return -1
  }
  return total
}

const enc = new TextEncoder()

function contentDisposition (e: AddEntry, filename: string): string {
  const params: string[] = []
  if (e.mode != null && e.mode !== 0) {
    params.push(`mode=0${e.mode.toString(8)}`)
  }
  if (e.mtime != null) {
    params.push(`mtime=${e.mtime.secs.toString()}`)
    if (e.mtime.nsecs > 0) params.push(`mtime-nsecs=${e.mtime.nsecs}`)
  }
  const name = params.length > 0 ? `file?${params.join('&')}` : 'file'
  return `form-data; name="${name}"; filename="${queryEscape(filename)}"`
}

function contentType (e: AddEntry): string {
  switch (e.kind) {
    case 'file': return 'application/octet-stream'
    case 'directory': return 'application/x-directory'
    case 'symlink': return 'application/symlink'
  }
}

/**
 * Streams the multipart body for `entries`. `onBytes` is told about every
 * chunk of file content sent.
 */
export async function * multipartBody (entries: AddEntry[], boundary: string, onBytes?: (n: number) => void): AsyncGenerator<Uint8Array> {
  let first = true
  async function * emit (e: AddEntry, parent: string): AsyncGenerator<Uint8Array> {
    const filename = parent === '' ? posix.join(e.name) : posix.join(parent, e.name)
    const headers: Array<[string, string]> = []
    if (e.kind === 'file' && e.abspath != null) {
      headers.push(['Abspath-Encoded', queryEscape(e.abspath)])
    }
    headers.push(['Content-Disposition', contentDisposition(e, filename)])
    headers.push(['Content-Type', contentType(e)])
    let head = first ? `--${boundary}\r\n` : `\r\n--${boundary}\r\n`
    first = false
    for (const [k, v] of headers) head += `${k}: ${v}\r\n`
    head += '\r\n'
    yield enc.encode(head)
    switch (e.kind) {
      case 'file': {
        if (e.data != null) {
          const bytes = typeof e.data === 'string' ? enc.encode(e.data) : e.data
          if (bytes.length > 0) {
            yield bytes
            onBytes?.(bytes.length)
          }
        } else if (e.open != null) {
          for await (const chunk of e.open()) {
            const bytes = typeof chunk === 'string' ? enc.encode(chunk) : chunk
            if (bytes.length === 0) continue
            yield bytes
            onBytes?.(bytes.length)
          }
        }
        break
      }
      case 'symlink':
        if (e.target !== '') yield enc.encode(e.target)
        break
      case 'directory': {
        const children = typeof e.entries === 'function' ? await e.entries() : e.entries
        for (const c of children) {
          yield * emit(c, filename)
        }
        break
      }
    }
  }
  for (const e of entries) {
    yield * emit(e, '')
  }
  yield enc.encode(`\r\n--${boundary}--\r\n`)
}
