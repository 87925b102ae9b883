/**
 * The `/add` response of the HTTP APIs (HTTP spec §4.6), shared by the REST
 * API (`POST /add`) and the IPFS proxy (`/api/v0/add`, §6.8): runs
 * `ClusterAPI.add` over the multipart body and streams its outputs as NDJSON
 * with the `X-Stream-Error` trailer, or buffers them into one JSON array
 * with `stream-channels=false`. Each API supplies the encoding of an output
 * item and its error answers.
 */
import { toJSONText } from '../api/json.js'
import { isAbortError } from '../errors.js'
import { errorMessage, trailerValue, type Exchange } from './exchange.js'
import { multipartEntries } from './multipart.js'
import type { AddedOutput } from '../api/types.js'
import type { AddParams, ClusterAPI, ProgressEvent } from '../interfaces.js'

export interface ServeAddOptions {
  /** The multipart boundary of the request (already checked). */
  boundary: string
  /** Encodes one output item (REST: `addedOutputToJSON`). */
  encode: (out: AddedOutput) => unknown
  /**
   * Signal of the add itself (default: the exchange's, which aborts when
   * the client goes away). The proxy passes its own lifetime signal: the
   * add then runs to its end even when the client has left.
   */
  signal?: AbortSignal
  /**
   * Answers a failure that happened before any output (the common headers
   * are set). `streaming` tells whether `stream-channels` was on. Default:
   * `ex.sendError(err)`.
   */
  sendError?: (ex: Exchange, err: unknown, streaming: boolean) => void
}

/**
 * Interleaves progress events (`onProgress`) with the items of an add, in
 * the order they happen.
 */
export async function * withProgress (run: (onProgress: (evt: ProgressEvent<AddedOutput>) => void) => AsyncIterable<AddedOutput>, enabled: boolean): AsyncGenerator<AddedOutput> {
  const queue: AddedOutput[] = []
  let wake: (() => void) | undefined
  const onProgress = (evt: ProgressEvent<AddedOutput>): void => {
    if (!enabled || evt?.detail == null) return
    queue.push(evt.detail)
    wake?.()
  }
  const it = run(onProgress)[Symbol.asyncIterator]()
  const WOKEN = Symbol('woken')
  let pending: Promise<IteratorResult<AddedOutput>> | undefined
  let finished = false
  try {
    while (true) {
      while (queue.length > 0) yield queue.shift() as AddedOutput
      if (pending == null) {
        pending = it.next()
        pending.catch(() => {})
      }
      const woken = new Promise<typeof WOKEN>((resolve) => { wake = () => { resolve(WOKEN) } })
      const r = await Promise.race([pending, woken])
      wake = undefined
      if (r === WOKEN) continue
      pending = undefined
      if (r.done === true) {
        finished = true
        while (queue.length > 0) yield queue.shift() as AddedOutput
        return
      }
      yield r.value
    }
  } finally {
    // Stopped early by the consumer: stop the add too.
    if (!finished && pending == null) {
      try { await it.return?.(undefined) } catch {}
    }
  }
}

/**
 * Serves an add (HTTP spec §4.6). The response starts with the first output
 * item, so a body that turns out broken (or a path escaping the upload
 * root) before anything was produced is answered with a plain error; later
 * failures end the stream with an `X-Stream-Error` trailer.
 */
export async function serveAdd (ex: Exchange, cluster: ClusterAPI, params: AddParams, opts: ServeAddOptions): Promise<void> {
  const { req, res } = ex
  const signal = opts.signal ?? ex.signal
  const sendError = opts.sendError ?? ((e: Exchange, err: unknown) => { e.sendError(err) })
  const source = req.iterator({ destroyOnReturn: false })
  const entries = multipartEntries(source, { boundary: opts.boundary })
  const outputs = withProgress((onProgress) => cluster.add(entries, params, { signal, onProgress }), params.progress)
  const clientGone = (): boolean => ex.signal.aborted || res.destroyed

  const releaseBody = (): void => {
    // Stop reading the upload and discard whatever the client still sends
    // (once the iterator has let go of the stream).
    const discard = (): void => { if (!req.readableEnded && !req.destroyed) req.resume() }
    const r = source.return?.()
    if (r == null) discard()
    else r.then(discard, discard)
  }

  const addHeaders = (streaming: boolean, close: boolean): void => {
    ex.setHeaders()
    res.setHeader('Cache-Control', 'no-cache')
    if (close) res.setHeader('Connection', 'close')
    if (streaming) {
      res.setHeader('X-Chunked-Output', '1')
      res.setHeader('Trailer', 'X-Stream-Error')
    }
  }

  const fail = (err: unknown): void => {
    releaseBody()
    if (clientGone()) return
    addHeaders(false, false)
    sendError(ex, err, params.streamChannels)
  }

  if (!params.streamChannels) {
    const all: unknown[] = []
    try {
      for await (const out of outputs) all.push(opts.encode(out))
    } catch (err) {
      fail(err)
      return
    }
    releaseBody()
    if (clientGone()) return
    addHeaders(false, true)
    ex.sendJSON(all.length > 0 ? all : null)
    return
  }

  const it = outputs[Symbol.asyncIterator]()
  let cur: IteratorResult<AddedOutput>
  try {
    cur = await it.next()
  } catch (err) {
    fail(err)
    return
  }
  if (!clientGone()) {
    addHeaders(true, true)
    res.writeHead(200)
  }
  let failure: unknown
  let failed = false
  try {
    while (cur.done !== true) {
      if (!clientGone()) {
        if (!ex.write(toJSONText(opts.encode(cur.value)) + '\n')) await ex.drain()
      }
      if (signal.aborted) break
      cur = await it.next()
    }
  } catch (err) {
    failed = true
    failure = err
  }
  releaseBody()
  if (signal.aborted || clientGone()) {
    try { await it.return?.(undefined) } catch {}
    if (failed && !isAbortError(failure)) ex.logger.error('add failed: %s', errorMessage(failure))
    return
  }
  if (failed) {
    if (!isAbortError(failure)) ex.logger.error('add failed: %s', errorMessage(failure))
    res.addTrailers([['X-Stream-Error', trailerValue(errorMessage(failure))]])
  }
  ex.end()
}
