/**
 * Streamed `state export` / `state import` helpers.
 *
 * Export writes one compact JSON Pin (REST shape, Go key order and escaping)
 * per line. Import reads a stream of JSON Pin objects separated by any
 * whitespace (one per line, several per line, pretty-printed...).
 *
 * Deliberate fix of the reference quirk (which wipes the state and then
 * fails half-way on a bad line): import first VALIDATES the whole input,
 * and only then calls `beforeWrite` (the state cleanup) and writes. A bad
 * object anywhere means nothing is touched. The input is read once: the
 * validation pass decodes every pin and spools its protobuf to a temporary
 * file, which the write pass reads back (so stdin needs no copy, and the
 * JSON is parsed once).
 *
 * Inputs with one object per line (what `state export` writes) are parsed
 * line by line with `JSON.parse`; anything else (pretty-printed objects,
 * several per line...) goes through a character scanner.
 */
import { once } from 'node:events'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pinFromJSON, pinToJSONText } from '../api/json.js'
import { InvalidArgumentError } from '../errors.js'
import { throwIfAborted } from '../utils/abort.js'
import { pinFromProto, pinToProto } from './pin-codec.js'
import type { Pin } from '../api/types.js'
import type { AbortOptions, ProgressEvent, ReadOnlyState, State } from '../interfaces.js'

export interface StateProgress {
  /** Pins handled so far. */
  count: number
}

export interface ProgressCallbackOptions {
  /** Fired every `progressEvery` pins and once at the end of each phase. */
  onProgress?: (evt: ProgressEvent<StateProgress>) => void
  /** Default 10000. */
  progressEvery?: number
}

/** Progress event names. */
export const EXPORT_PROGRESS = 'state:export:progress'
export const IMPORT_VALIDATE_PROGRESS = 'state:import:validate'
export const IMPORT_WRITE_PROGRESS = 'state:import:write'

const CHUNK_CHARS = 64 * 1024

/**
 * Streams the state as JSON lines, in chunks of whole lines (about 64 KiB).
 * An empty state yields nothing.
 */
export async function * exportState (state: ReadOnlyState, options: AbortOptions & ProgressCallbackOptions = {}): AsyncGenerator<string> {
  const every = options.progressEvery ?? 10000
  let count = 0
  let chunk = ''
  for await (const pin of state.list(options)) {
    chunk += pinToJSONText(pin) + '\n'
    count++
    if (count % every === 0) options.onProgress?.({ type: EXPORT_PROGRESS, detail: { count } })
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk
      chunk = ''
    }
  }
  if (chunk !== '') yield chunk
  options.onProgress?.({ type: EXPORT_PROGRESS, detail: { count } })
}

function isSpace (c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
}

function describeStart (ch: string): string {
  if (ch === '[') return 'json: cannot unmarshal array into Go value of type api.Pin'
  if (ch === '"') return 'json: cannot unmarshal string into Go value of type api.Pin'
  if (ch === '-' || (ch >= '0' && ch <= '9')) return 'json: cannot unmarshal number into Go value of type api.Pin'
  if (ch === 't' || ch === 'f') return 'json: cannot unmarshal bool into Go value of type api.Pin'
  if (ch === 'n') return 'json: cannot unmarshal null into Go value of type api.Pin'
  return `invalid character '${ch}' looking for beginning of value`
}

/**
 * Splits a character stream into top-level JSON objects (any whitespace in
 * between) and parses them. Errors name the object number and line.
 */
export async function * decodeJSONObjects (source: AsyncIterable<Uint8Array | string>, options: AbortOptions = {}): AsyncGenerator<unknown> {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let depth = 0
  let inString = false
  let escape = false
  let parts: string[] = []
  let index = 0 // objects seen (1-based once one starts)
  let line = 1
  let startLine = 1

  const fail = (msg: string, at = line): never => {
    throw new InvalidArgumentError(`error decoding pin #${Math.max(index, 1)} (line ${at}): ${msg}`)
  }

  const parse = (text: string): unknown => {
    try {
      return JSON.parse(text)
    } catch (err) {
      return fail((err as Error).message, startLine)
    }
  }

  const handle = function * (text: string): Generator<unknown> {
    let objStart = depth > 0 ? 0 : -1
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (c === 0x0a) line++
      if (depth === 0) {
        if (isSpace(c)) continue
        if (c === 0x7b) { // {
          depth = 1
          objStart = i
          index++
          startLine = line
          continue
        }
        if (c === 0xfeff && index === 0) continue // BOM
        index++
        fail(describeStart(text[i]))
      }
      if (inString) {
        if (escape) {
          escape = false
        } else if (c === 0x5c) { // backslash
          escape = true
        } else if (c === 0x22) {
          inString = false
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
          parts.push(text.slice(objStart, i + 1))
          const full = parts.join('')
          parts = []
          objStart = -1
          yield parse(full)
        }
      }
    }
    if (depth > 0 && objStart >= 0) {
      parts.push(text.slice(objStart))
    }
  }

  // One object per line: JSON.parse each line. At the first line that is
  // not exactly one object, the scanner takes over for the rest (it gives
  // the errors their position).
  let fast = true
  let carry = ''
  const feed = function * (text: string, final: boolean): Generator<unknown> {
    if (!fast) {
      yield * handle(text)
      return
    }
    const s = carry === '' ? text : carry + text
    carry = ''
    let p = 0
    while (true) {
      const nl = s.indexOf('\n', p)
      if (nl < 0) {
        const rest = s.slice(p)
        if (final || rest.length > MAX_PENDING_LINE) {
          fast = false
          yield * handle(rest)
        } else {
          carry = rest
        }
        return
      }
      if (isBlankLine(s, p, nl)) {
        line++
        p = nl + 1
        continue
      }
      let value: unknown
      try {
        value = JSON.parse(s.slice(p, nl))
      } catch {
        value = undefined
      }
      if (value == null || typeof value !== 'object' || Array.isArray(value)) {
        fast = false
        yield * handle(s.slice(p))
        return
      }
      index++
      startLine = line
      line++
      p = nl + 1
      yield value
    }
  }

  for await (const chunk of source) {
    throwIfAborted(options.signal)
    let text: string
    if (typeof chunk === 'string') {
      text = chunk
    } else {
      try {
        text = decoder.decode(chunk, { stream: true })
      } catch (err) {
        fail('invalid UTF-8 in input')
        return
      }
    }
    yield * feed(text, false)
  }
  let tail = ''
  try {
    tail = decoder.decode()
  } catch {
    fail('invalid UTF-8 in input')
  }
  yield * feed(tail, true)
  if (depth > 0) fail('unexpected EOF', startLine)
}

/** Beyond this many characters without a newline, the scanner takes over. */
const MAX_PENDING_LINE = 1 << 20

/** Whether s[from, to) holds only JSON whitespace. */
function isBlankLine (s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    if (!isSpace(s.charCodeAt(i))) return false
  }
  return true
}

/** Decodes a stream of JSON pins (see {@link decodeJSONObjects}). */
export async function * decodePins (source: AsyncIterable<Uint8Array | string>, options: AbortOptions = {}): AsyncGenerator<Pin> {
  let n = 0
  for await (const value of decodeJSONObjects(source, options)) {
    n++
    try {
      yield pinFromJSON(value)
    } catch (err) {
      throw new InvalidArgumentError(`error decoding pin #${n}: ${(err as Error).message}`)
    }
  }
}

/** Checks that a whole input decodes; returns the number of pins. */
export async function validatePins (source: AsyncIterable<Uint8Array | string>, options: AbortOptions & ProgressCallbackOptions = {}): Promise<number> {
  const every = options.progressEvery ?? 10000
  let count = 0
  for await (const _pin of decodePins(source, options)) { // eslint-disable-line @typescript-eslint/no-unused-vars
    count++
    if (count % every === 0) options.onProgress?.({ type: IMPORT_VALIDATE_PROGRESS, detail: { count } })
  }
  options.onProgress?.({ type: IMPORT_VALIDATE_PROGRESS, detail: { count } })
  return count
}

export interface ImportStateOptions extends AbortOptions, ProgressCallbackOptions {
  /** Applied to each decoded pin before writing (e.g. `--rmin/--rmax/--allocations`). */
  transform?: (pin: Pin) => Pin
  /** Runs after validation and before the first write (e.g. the state cleanup). */
  beforeWrite?: () => Promise<void>
  /**
   * For states with `commit()`: commit every this many pins (0 = only at
   * the end; a CRDT state commits ~1 MiB deltas by itself). Default 0.
   */
  commitEvery?: number
}

export interface ImportResult {
  count: number
}

/** Bytes of spooled records gathered before a write to the spool file. */
const SPOOL_CHUNK = 256 * 1024

/**
 * Validates the whole input, then (after `beforeWrite`) writes every pin
 * into `state`, committing when it is a batching state. The source is
 * opened once; decoded pins wait in a temporary file (length-prefixed Pin
 * protobufs, about 100 bytes per pin) between the two passes.
 */
export async function importState (state: State & { commit?: (options?: AbortOptions) => Promise<void> }, openSource: () => AsyncIterable<Uint8Array | string>, options: ImportStateOptions = {}): Promise<ImportResult> {
  const every = options.progressEvery ?? 10000
  const commitEvery = options.commitEvery ?? 0
  const dir = await mkdtemp(join(tmpdir(), 'cluster-import-'))
  const spool = join(dir, 'pins.bin')
  try {
    // pass 1: decode, transform and encode every pin (nothing is written to the state)
    let total = 0
    const out = createWriteStream(spool)
    const closed = once(out, 'close')
    try {
      let parts: Uint8Array[] = []
      let size = 0
      const flush = async (): Promise<void> => {
        if (parts.length === 0) return
        const chunk = Buffer.concat(parts, size)
        parts = []
        size = 0
        if (!out.write(chunk)) await once(out, 'drain')
      }
      for await (let pin of decodePins(openSource(), options)) {
        if (options.transform != null) pin = options.transform(pin)
        let proto: Uint8Array
        try {
          proto = pinToProto(pin)
        } catch (err) {
          throw new InvalidArgumentError(`error decoding pin #${total + 1}: ${(err as Error).message}`)
        }
        const len = Buffer.allocUnsafe(4)
        len.writeUInt32BE(proto.length)
        parts.push(len, proto)
        size += 4 + proto.length
        if (size >= SPOOL_CHUNK) await flush()
        total++
        if (total % every === 0) options.onProgress?.({ type: IMPORT_VALIDATE_PROGRESS, detail: { count: total } })
      }
      await flush()
    } finally {
      out.end()
      await closed
    }
    options.onProgress?.({ type: IMPORT_VALIDATE_PROGRESS, detail: { count: total } })

    await options.beforeWrite?.()

    // pass 2: write
    let count = 0
    for await (const proto of readSpool(spool)) {
      throwIfAborted(options.signal)
      await state.add(pinFromProto(proto), options)
      count++
      if (state.commit != null && commitEvery > 0 && count % commitEvery === 0) {
        await state.commit(options)
      }
      if (count % every === 0) options.onProgress?.({ type: IMPORT_WRITE_PROGRESS, detail: { count } })
    }
    await state.commit?.(options)
    options.onProgress?.({ type: IMPORT_WRITE_PROGRESS, detail: { count } })
    return { count }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** The records of a spool file (4-byte big-endian length, then the bytes). */
async function * readSpool (path: string): AsyncGenerator<Uint8Array> {
  let pending: Buffer = Buffer.alloc(0)
  for await (const chunk of createReadStream(path, { highWaterMark: SPOOL_CHUNK })) {
    const data: Buffer = pending.length === 0 ? chunk as Buffer : Buffer.concat([pending, chunk as Buffer])
    let p = 0
    while (p + 4 <= data.length) {
      const len = data.readUInt32BE(p)
      if (p + 4 + len > data.length) break
      yield data.subarray(p + 4, p + 4 + len)
      p += 4 + len
    }
    pending = data.subarray(p)
  }
  if (pending.length > 0) throw new Error('truncated import spool file')
}
