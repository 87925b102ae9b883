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
 * object anywhere means nothing is touched. Hence the source is a factory,
 * opened twice: it must give the same bytes both times (callers spool stdin
 * to a temporary file).
 */
import { pinFromJSON, pinToJSONText } from '../api/json.js'
import { InvalidArgumentError } from '../errors.js'
import { throwIfAborted } from '../utils/abort.js'
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
    yield * handle(text)
  }
  let tail = ''
  try {
    tail = decoder.decode()
  } catch {
    fail('invalid UTF-8 in input')
  }
  if (tail !== '') yield * handle(tail)
  if (depth > 0) fail('unexpected EOF', startLine)
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

/**
 * Validates the whole input, then (after `beforeWrite`) writes every pin
 * into `state`, committing when it is a batching state.
 */
export async function importState (state: State & { commit?: (options?: AbortOptions) => Promise<void> }, openSource: () => AsyncIterable<Uint8Array | string>, options: ImportStateOptions = {}): Promise<ImportResult> {
  await validatePins(openSource(), options)
  await options.beforeWrite?.()
  const every = options.progressEvery ?? 10000
  const commitEvery = options.commitEvery ?? 0
  let count = 0
  for await (let pin of decodePins(openSource(), options)) {
    if (options.transform != null) pin = options.transform(pin)
    await state.add(pin, options)
    count++
    if (state.commit != null && commitEvery > 0 && count % commitEvery === 0) {
      await state.commit(options)
    }
    if (count % every === 0) options.onProgress?.({ type: IMPORT_WRITE_PROGRESS, detail: { count } })
  }
  await state.commit?.(options)
  options.onProgress?.({ type: IMPORT_WRITE_PROGRESS, detail: { count } })
  return { count }
}
