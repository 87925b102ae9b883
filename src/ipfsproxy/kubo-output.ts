/**
 * Kubo RPC response conventions (go-ipfs-cmds): error bodies, single JSON
 * values, NDJSON channels and byte streams, each with the headers Kubo
 * sends, and the `X-Stream-Error` trailer for failures after the first
 * byte.
 */
import { toJSONText } from '../api/json.js'
import { isAbortError } from '../errors.js'
import { errorMessage, trailerValue, type Exchange } from '../httpapi/exchange.js'

/** go-ipfs-cmds error codes. */
export const ErrNormal = 0
export const ErrClient = 1
export const ErrImplementation = 2
export const ErrNotFound = 3

/** Kubo command error: `{"Message":…,"Code":…,"Type":"error"}`. */
export function kuboErrorBody (message: string, code = ErrNormal): { Message: string, Code: number, Type: 'error' } {
  return { Message: message, Code: code, Type: 'error' }
}

/** The Kubo error code and HTTP status of an error thrown by a command. */
export function kuboErrorCode (err: unknown): { code: number, status: number } {
  switch ((err as { name?: string } | null)?.name) {
    case 'InvalidArgumentError':
      return { code: ErrClient, status: 400 }
    default:
      return { code: ErrNormal, status: 500 }
  }
}

const EXPOSED = 'X-Stream-Output, X-Chunked-Output, X-Content-Length'

/** Headers of every Kubo command response. */
function commonHeaders (ex: Exchange): void {
  const res = ex.res
  res.setHeader('Access-Control-Allow-Headers', EXPOSED)
  res.setHeader('Access-Control-Expose-Headers', EXPOSED)
  res.setHeader('Vary', 'Origin')
  res.setHeader('Trailer', 'X-Stream-Error')
}

/** A Kubo error response (status from the error, or the given one). */
export function sendKuboError (ex: Exchange, err: unknown, status?: number, code?: number): void {
  const res = ex.res
  if (res.headersSent) {
    res.destroy()
    return
  }
  const c = kuboErrorCode(err)
  const message = errorMessage(err)
  if (!isAbortError(err)) ex.logger.debug('kubo rpc error %s: %s', ex.path, message)
  commonHeaders(ex)
  res.setHeader('Content-Type', 'application/json')
  res.writeHead(status ?? c.status)
  ex.end(toJSONText(kuboErrorBody(message, code ?? c.code)) + '\n')
}

/** One JSON value (`cmds.EmitOnce`). */
export function sendKuboValue (ex: Exchange, value: unknown): void {
  commonHeaders(ex)
  ex.res.setHeader('Content-Type', 'application/json')
  ex.res.writeHead(200)
  ex.end(toJSONText(value) + '\n')
}

/**
 * Writes a stream of chunks after the first one arrived: a failure before
 * it is an error response, a later one ends the body with the
 * `X-Stream-Error` trailer. Stops (and stops the source) when the client
 * goes away.
 */
async function streamOut<T> (ex: Exchange, source: AsyncIterable<T>, encode: (item: T) => string | Uint8Array, start: () => void): Promise<void> {
  const res = ex.res
  const it = source[Symbol.asyncIterator]()
  let cur: IteratorResult<T>
  try {
    cur = await it.next()
  } catch (err) {
    if (ex.signal.aborted) return
    sendKuboError(ex, err)
    return
  }
  start()
  res.writeHead(200)
  let failure: unknown
  try {
    while (cur.done !== true) {
      if (ex.signal.aborted || res.destroyed) break
      if (!ex.write(encode(cur.value))) await ex.drain()
      cur = await it.next()
    }
  } catch (err) {
    failure = err ?? new Error('stream failed')
  }
  if (ex.signal.aborted || res.destroyed) {
    try { await it.return?.(undefined) } catch {}
    return
  }
  if (failure != null) {
    if (!isAbortError(failure)) ex.logger.warn('%s: %s', ex.path, errorMessage(failure))
    res.addTrailers([['X-Stream-Error', trailerValue(errorMessage(failure))]])
  }
  ex.end()
}

/** A channel of JSON values (NDJSON, `X-Chunked-Output: 1`). */
export async function sendKuboChannel<T> (ex: Exchange, source: AsyncIterable<T>, encode: (item: T) => unknown = (v) => v): Promise<void> {
  await streamOut(ex, source, (item) => toJSONText(encode(item)) + '\n', () => {
    commonHeaders(ex)
    ex.res.setHeader('X-Chunked-Output', '1')
    ex.res.setHeader('Content-Type', 'application/json')
  })
}

/** Bytes (`X-Stream-Output: 1`, `text/plain`), with `X-Content-Length` when known. */
export async function sendKuboBytes (ex: Exchange, source: AsyncIterable<Uint8Array>, length?: bigint | number, contentType = 'text/plain'): Promise<void> {
  await streamOut(ex, source, (chunk) => chunk, () => {
    commonHeaders(ex)
    ex.res.setHeader('X-Stream-Output', '1')
    ex.res.setHeader('Content-Type', contentType)
    if (length != null) ex.res.setHeader('X-Content-Length', String(length))
  })
}
