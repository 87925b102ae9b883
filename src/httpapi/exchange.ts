/**
 * One request/response exchange: the request as the routes see it and the
 * response helpers of the common layer (HTTP spec §3.6–§3.8).
 */
import { toJSONText } from '../api/json.js'
import { AbortError, httpStatusForError, isAbortError, PayloadTooLargeError } from '../errors.js'
import type { Logger } from '../interfaces.js'
import type { IncomingMessage, ServerResponse } from 'node:http'

/** Bytes of NDJSON items gathered before a streaming response writes them. */
const STREAM_CHUNK = 64 * 1024
/** Longest time a streamed item waits for more to join its chunk. */
const STREAM_FLUSH_MS = 10

/** Builds the API's error body from a message and a status. */
export type ErrorBodyFn = (message: string, status: number) => unknown

export interface ExchangeInit {
  /** Custom headers of the `headers` config key. */
  headers: Record<string, string[]>
  errorBody: ErrorBodyFn
  logger: Logger
}

export interface StreamOptions {
  /**
   * Errors reported by the operation besides the one that ended the
   * iteration; each becomes an extra `X-Stream-Error` trailer value (or the
   * 500 body when nothing was streamed).
   */
  extraErrors?: () => unknown[]
  /**
   * Direct text form of an item, equal to `toJSONText(encode(item))` but
   * cheaper (long listings).
   */
  encodeText?: (item: never) => string
}

export function errorMessage (err: unknown): string {
  if (err instanceof Error) return err.message
  return String(err)
}

/** Appends values to a response header (Go `Header().Add`). */
export function appendHeader (res: ServerResponse, name: string, values: string | string[]): void {
  const add = Array.isArray(values) ? values : [values]
  const prev = res.getHeader(name)
  if (prev == null) {
    res.setHeader(name, add.length === 1 ? add[0] : add)
    return
  }
  res.setHeader(name, [...(Array.isArray(prev) ? prev : [String(prev)]), ...add])
}

export class Exchange {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly method: string
  /** Decoded path. */
  readonly path: string
  /** The raw query string (without `?`). */
  readonly rawQuery: string
  readonly query: URLSearchParams
  /** Decoded route parameters. */
  params: Record<string, string> = {}
  /** The authenticated user (Basic user or token issuer), if any. */
  user?: string
  /** Aborted when the client goes away or the server stops. */
  readonly signal: AbortSignal
  /** Response body bytes written (access log). */
  bytesWritten = 0
  private headersSet = false
  private readonly init: ExchangeInit

  constructor (req: IncomingMessage, res: ServerResponse, path: string, rawQuery: string, signal: AbortSignal, init: ExchangeInit) {
    this.req = req
    this.res = res
    this.method = req.method ?? 'GET'
    this.path = path
    this.rawQuery = rawQuery
    this.query = new URLSearchParams(rawQuery)
    this.signal = signal
    this.init = init
  }

  get logger (): Logger {
    return this.init.logger
  }

  /**
   * Custom headers, then `Content-Type: application/json` (Go
   * `SetHeaders`). Only the first call has an effect.
   */
  setHeaders (): void {
    if (this.headersSet) return
    this.headersSet = true
    for (const [name, values] of Object.entries(this.init.headers)) {
      if (values.length > 0) appendHeader(this.res, name, values)
    }
    this.res.setHeader('Content-Type', 'application/json')
  }

  write (chunk: string | Uint8Array): boolean {
    this.bytesWritten += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength
    return this.res.write(chunk)
  }

  end (chunk?: string | Uint8Array): void {
    if (chunk != null) {
      this.bytesWritten += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength
      this.res.end(chunk)
    } else {
      this.res.end()
    }
  }

  /** Resolves when the response can take more data (or the client left). */
  async drain (): Promise<void> {
    const res = this.res
    if (res.destroyed || res.writableEnded) return
    await new Promise<void>((resolve) => {
      const done = (): void => {
        res.off('drain', done)
        res.off('close', done)
        resolve()
      }
      res.on('drain', done)
      res.on('close', done)
    })
  }

  /** `status` + JSON body + `\n` (status 200 when omitted). */
  sendJSON (value: unknown, status = 200): void {
    this.setHeaders()
    this.res.writeHead(status)
    this.end(toJSONText(value) + '\n')
  }

  /** A body-less response (`204` when omitted) with the common headers. */
  sendEmpty (status = 204): void {
    this.setHeaders()
    this.res.writeHead(status)
    this.end()
  }

  /**
   * Error response: the given status if >= 400, else the status of the
   * error table (404 for `pin is not part of the pinset`, otherwise 500).
   */
  sendError (err: unknown, status?: number): void {
    const code = status != null && status >= 400 ? status : httpStatusForError(err)
    const message = errorMessage(err)
    // the client is told; a request that fails is not a fault of this peer,
    // so it is not logged at ERROR level (the access log has the status)
    if (code >= 500) {
      this.init.logger.warn('sending error response: %d: %s', code, message)
    } else {
      this.init.logger.debug('sending error response: %d: %s', code, message)
    }
    this.sendJSON(this.init.errorBody(message, code), code)
  }

  /** The error body of this API for `message` (used by custom responses). */
  errorBody (message: string, status: number): unknown {
    return this.init.errorBody(message, status)
  }

  /**
   * Reads the whole request body (JSON bodies), failing with
   * PayloadTooLargeError beyond `limit` bytes.
   */
  async readBody (limit = 1 << 20): Promise<Buffer> {
    const chunks: Buffer[] = []
    let size = 0
    try {
      // Do not destroy the request when stopping early: the error response
      // still has to go out on the same socket.
      for await (const chunk of this.req.iterator({ destroyOnReturn: false })) {
        const b = chunk as Buffer
        size += b.length
        if (size > limit) {
          throw new PayloadTooLargeError()
        }
        chunks.push(b)
      }
    } catch (err) {
      if ((err as Error).name === 'PayloadTooLargeError') {
        this.req.resume()
        throw err
      }
      throw new AbortError(`error reading request body: ${errorMessage(err)}`)
    }
    return Buffer.concat(chunks)
  }

  /**
   * Streams `source` as NDJSON (HTTP spec §3.8): waits for the first item;
   * a failure there is a 500 error body; no item at all is a 204 (or a 500
   * when the operation reported errors); otherwise 200, one JSON document
   * per line written as produced (in chunks of up to 64 KiB, each item
   * written at most 10 ms after it was produced; waiting for the client
   * when the socket buffer is full), then the `X-Stream-Error` trailer, empty when the
   * iteration ended without error. When the client goes away, the producer
   * is stopped (its signal is {@link signal}) and nothing more is written.
   */
  async stream<T> (source: AsyncIterable<T>, encode: (item: T) => unknown, opts: StreamOptions = {}): Promise<void> {
    const it = source[Symbol.asyncIterator]()
    let cur: IteratorResult<T>
    try {
      cur = await it.next()
    } catch (err) {
      if (this.signal.aborted) return
      this.sendError(err, 500)
      return
    }
    if (cur.done === true) {
      const extra = opts.extraErrors?.() ?? []
      if (extra.length > 0) {
        this.sendError(extra[0], 500)
      } else {
        this.sendEmpty(204)
      }
      return
    }

    this.setHeaders()
    this.res.setHeader('Trailer', 'X-Stream-Error')
    this.res.writeHead(200)
    let iterErr: unknown
    let failed = false
    // Items are written in chunks of about STREAM_CHUNK bytes (one socket
    // write per chunk instead of one per item); an item is never held back
    // more than STREAM_FLUSH_MS when the source is slow.
    const encodeText = opts.encodeText as ((item: T) => string) | undefined
    let buf = ''
    let timer: ReturnType<typeof setTimeout> | undefined
    const flush = (): void => {
      clearTimeout(timer)
      timer = undefined
      if (buf === '' || this.res.destroyed) return
      const chunk = buf
      buf = ''
      this.write(chunk)
    }
    try {
      while (cur.done !== true) {
        if (this.signal.aborted) break
        buf += (encodeText != null ? encodeText(cur.value) : toJSONText(encode(cur.value))) + '\n'
        if (buf.length >= STREAM_CHUNK) {
          flush()
          if (this.res.writableNeedDrain) await this.drain()
        } else if (timer === undefined) {
          timer = setTimeout(flush, STREAM_FLUSH_MS)
        }
        if (this.signal.aborted) break
        cur = await it.next()
      }
    } catch (err) {
      failed = true
      iterErr = err
    }
    clearTimeout(timer)
    timer = undefined
    if (!this.signal.aborted) flush()
    if (this.signal.aborted) {
      // The client is gone: stop the producer and write nothing more.
      try { await it.return?.() } catch {}
      return
    }
    if (failed && !isAbortError(iterErr)) {
      this.init.logger.error('error streaming response: %s', errorMessage(iterErr))
    }
    const trailers: Array<[string, string]> = [['X-Stream-Error', failed ? trailerValue(errorMessage(iterErr)) : '']]
    for (const e of opts.extraErrors?.() ?? []) {
      trailers.push(['X-Stream-Error', trailerValue(errorMessage(e))])
    }
    this.res.addTrailers(trailers)
    this.end()
  }
}

/**
 * A header (trailer) value: no line breaks or other control characters, and
 * UTF-8 bytes carried as latin1 characters so that any message can be sent
 * (node writes header strings as latin1; clients read the UTF-8 bytes).
 */
export function trailerValue (s: string): string {
  const clean = s.replace(/[\r\n]+/g, ' ').replace(/[\x00-\x08\x0a-\x1f\x7f]/g, '')
  return Buffer.from(clean, 'utf8').toString('latin1')
}
