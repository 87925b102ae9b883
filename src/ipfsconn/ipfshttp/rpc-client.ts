/**
 * A minimal Kubo RPC client over node's `http` module (keep-alive agent;
 * `fetch` cannot read trailers). Every call is `POST /api/v0/<endpoint>`.
 * Non-200 answers and transport failures become the errors of HTTP spec
 * §7.4; transport failures also feed the rate limiter of §7.1.
 */
import http from 'node:http'
import { AbortError, ClusterError, IPFSError, IPFSUnreachableError, TimeoutError, withoutStack } from '../../errors.js'
import { multiaddrToSocket } from '../../utils/multiaddr.js'
import { parseJSONStream, parseJSONValue } from './json-stream.js'
import type { SocketAddress } from '../../utils/multiaddr.js'

/** Extra fields carried by the errors of an IPFS answer. */
export interface IPFSErrorDetail {
  /** HTTP status of the answer (absent for stream errors). */
  status?: number
  /** Kubo's `Message`, when the body had one. */
  ipfsMessage?: string
}

export type DetailedError = Error & IPFSErrorDetail

export interface RPCRequestOptions {
  signal?: AbortSignal
  /** Content type of the body (default: the empty value Kubo clients send). */
  contentType?: string
  /** Writes the request body (the request is ended by the caller of `body`). */
  body?: (req: http.ClientRequest) => Promise<void>
}

export interface OpenResponse {
  res: http.IncomingMessage
  /** Releases the abort listener; call once the body has been consumed. */
  release: () => void
}

/** Maximum size of an error body we read. */
const MAX_ERROR_BODY = 1024 * 1024

/** Failures after which requests are limited to one per second. */
const LIMITER_FREE_FAILURES = 10

function isClusterError (err: unknown): err is Error {
  return err instanceof ClusterError
}

/** The error to throw when `signal` aborted an operation. */
export function abortReason (signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason
  if (isClusterError(reason) && (reason.name === 'TimeoutError' || reason.name === 'AbortError')) {
    return reason
  }
  if (reason instanceof Error && reason.name === 'TimeoutError') {
    return new TimeoutError()
  }
  return new AbortError()
}

export class KuboRPCClient {
  /** `http://host:port/api/v0` (or `http+unix://ipfs/api/v0`), for messages. */
  readonly baseURL: string
  readonly socket: SocketAddress
  private readonly agent: http.Agent
  private failures = 0
  private nextTick = 0

  constructor (nodeMultiaddress: string) {
    this.socket = multiaddrToSocket(nodeMultiaddress)
    if (this.socket.kind === 'unix') {
      this.baseURL = 'http+unix://ipfs/api/v0'
    } else {
      const host = this.socket.family === 6 && !this.socket.dns ? `[${this.socket.host}]` : this.socket.host
      this.baseURL = `http://${host}:${this.socket.port}/api/v0`
    }
    this.agent = new http.Agent({ keepAlive: true, keepAliveMsecs: 15000, scheduling: 'lifo' })
  }

  /** Consecutive transport failures (0 after any answer). */
  get transportFailures (): number {
    return this.failures
  }

  close (): void {
    this.agent.destroy()
  }

  /**
   * Rate limiter (§7.1): free while failures ≤ 10, then one request per
   * second, until an answer resets the failure counter.
   */
  private async limit (signal?: AbortSignal): Promise<void> {
    if (this.failures <= LIMITER_FREE_FAILURES) return
    const now = Date.now()
    const at = Math.max(now, this.nextTick)
    this.nextTick = at + 1000
    if (at > now) {
      await delay(at - now, signal)
    }
  }

  /**
   * Sends the request and resolves with its 200 response. Any other status
   * is read and thrown as an IPFSError (§7.4).
   */
  async open (path: string, options: RPCRequestOptions = {}): Promise<OpenResponse> {
    const signal = options.signal
    if (isAborted(signal)) throw abortReason(signal)
    await this.limit(signal)
    if (isAborted(signal)) throw abortReason(signal)

    const reqOpts: http.RequestOptions = {
      agent: this.agent,
      method: 'POST',
      path: '/api/v0/' + path,
      headers: { 'Content-Type': options.contentType ?? '' }
    }
    if (this.socket.kind === 'unix') {
      reqOpts.socketPath = this.socket.path
      reqOpts.host = 'ipfs'
    } else {
      reqOpts.host = this.socket.host
      reqOpts.port = this.socket.port
      if (!this.socket.dns) reqOpts.family = this.socket.family
    }

    let res: http.IncomingMessage | undefined
    let req: http.ClientRequest | undefined
    const onAbort = (): void => {
      const err = abortReason(signal)
      req?.destroy(err)
      res?.destroy(err)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    const release = (): void => { signal?.removeEventListener('abort', onAbort) }

    for (let attempt = 0; ; attempt++) {
      let bodyFailure: unknown
      const r = http.request(reqOpts)
      req = r
      // Errors after the response arrived surface on `res`; never crash on them.
      r.on('error', () => {})
      try {
        res = await new Promise<http.IncomingMessage>((resolve, reject) => {
          r.once('response', resolve)
          r.once('error', reject)
          if (options.body == null) {
            r.end()
          } else {
            options.body(r).catch((err: unknown) => {
              bodyFailure = err ?? new Error('request body failed')
              r.destroy(err as Error)
            })
          }
        })
        break
      } catch (err) {
        if (isAborted(signal)) {
          release()
          throw abortReason(signal)
        }
        if (bodyFailure !== undefined) {
          release()
          throw bodyFailure
        }
        // A kept-alive connection the daemon closed meanwhile: retry once
        // on a new one (requests without a body only).
        if (attempt === 0 && options.body == null && r.reusedSocket && (err as NodeJS.ErrnoException).code === 'ECONNRESET') {
          continue
        }
        release()
        if (isClusterError(err)) throw err
        this.failures++
        throw this.transportError(path, err)
      }
    }
    this.failures = 0

    if (res.statusCode !== 200) {
      try {
        const body = await readAll(res, MAX_ERROR_BODY)
        throw this.statusError(path, res.statusCode ?? 0, body)
      } catch (err) {
        if (isAborted(signal)) throw abortReason(signal)
        throw err
      } finally {
        release()
      }
    }
    return { res, release }
  }

  /** A JSON answer. */
  async json (path: string, options: RPCRequestOptions = {}): Promise<unknown> {
    const text = new TextDecoder().decode(await this.bytes(path, options))
    try {
      return parseJSONValue(text)
    } catch (err) {
      throw new IPFSError(`IPFS error (${path}): cannot decode the answer: ${(err as Error).message}`)
    }
  }

  /** A JSON answer as text (for callers that need exact numbers). */
  async text (path: string, options: RPCRequestOptions = {}): Promise<string> {
    return new TextDecoder().decode(await this.bytes(path, options))
  }

  /** The whole answer body. */
  async bytes (path: string, options: RPCRequestOptions = {}): Promise<Uint8Array> {
    const { res, release } = await this.open(path, options)
    try {
      const body = await readAll(res, Infinity)
      this.checkTrailer(path, res)
      return body
    } catch (err) {
      throw this.bodyError(path, err, options.signal)
    } finally {
      release()
    }
  }

  /**
   * Streams the JSON values of an answer, then turns a `X-Stream-Error`
   * trailer into an error.
   */
  async * stream (path: string, options: RPCRequestOptions = {}): AsyncGenerator<unknown> {
    const { res, release } = await this.open(path, options)
    try {
      yield * this.streamResponse(path, res, options.signal)
    } finally {
      release()
      if (!res.complete) res.destroy()
    }
  }

  /** Streams the JSON values of an open response (see {@link stream}). */
  async * streamResponse (path: string, res: http.IncomingMessage, signal?: AbortSignal): AsyncGenerator<unknown> {
    const it = parseJSONStream(res)[Symbol.asyncIterator]()
    while (true) {
      let next: IteratorResult<unknown>
      try {
        next = await it.next()
      } catch (err) {
        throw this.bodyError(path, err, signal)
      }
      if (next.done === true) break
      const value = next.value
      if (isErrorObject(value)) {
        const err: DetailedError = new IPFSError(`IPFS error (${path}). Message: ${value.Message}`)
        err.ipfsMessage = value.Message
        throw err
      }
      yield value
    }
    this.checkTrailer(path, res)
  }

  private checkTrailer (path: string, res: http.IncomingMessage): void {
    const trailer = res.trailers['x-stream-error']
    if (trailer == null || trailer === '') return
    let msg = trailer
    try {
      const parsed = JSON.parse(trailer) as unknown
      if (parsed != null && typeof parsed === 'object' && typeof (parsed as { Message?: unknown }).Message === 'string') {
        msg = (parsed as { Message: string }).Message
      }
    } catch {}
    const err: DetailedError = new IPFSError(`IPFS error (${path}). Stream error: ${msg}`)
    err.ipfsMessage = msg
    throw err
  }

  private bodyError (path: string, err: unknown, signal?: AbortSignal): Error {
    if (isAborted(signal)) return abortReason(signal)
    if (isClusterError(err)) return err
    const e = err as NodeJS.ErrnoException
    if (e?.name === 'JSONStreamSyntaxError') {
      return new IPFSError(`IPFS error (${path}): cannot decode the answer: ${e.message}`)
    }
    return new IPFSError(`IPFS error (${path}): reading the answer failed: ${e?.message ?? String(err)}`)
  }

  private statusError (path: string, status: number, body: Uint8Array): DetailedError {
    const text = new TextDecoder().decode(body)
    let message: string | undefined
    try {
      const parsed = JSON.parse(text) as unknown
      if (parsed != null && typeof parsed === 'object' && typeof (parsed as { Message?: unknown }).Message === 'string') {
        message = (parsed as { Message: string }).Message
      }
    } catch {}
    // an answer of the daemon: a stack trace would only show this function
    let err: DetailedError
    if (message != null) {
      err = withoutStack(() => new IPFSError(`IPFS error (${path}). Code: ${status}. Message: ${message}`))
      err.ipfsMessage = message
    } else {
      err = withoutStack(() => new IPFSError(`IPFS request failed (is it running?) (${path}). Code ${status}: ${text}`))
    }
    err.status = status
    return err
  }

  /** Go-style text for a failed round trip: `Post "<url>": dial tcp <addr>: connect: connection refused`. */
  private transportError (path: string, err: unknown): Error {
    const e = err as NodeJS.ErrnoException
    const url = `${this.baseURL}/${path}`
    const s = this.socket
    const target = s.kind === 'unix' ? `dial unix ${s.path}` : `dial tcp ${s.family === 6 ? `[${s.host}]` : s.host}:${s.port}`
    let detail: string
    switch (e?.code) {
      case 'ECONNREFUSED': detail = `${target}: connect: connection refused`; break
      case 'ENOENT': detail = `${target}: connect: no such file or directory`; break
      case 'EACCES': detail = `${target}: connect: permission denied`; break
      case 'EHOSTUNREACH': detail = `${target}: connect: no route to host`; break
      case 'ENETUNREACH': detail = `${target}: connect: network is unreachable`; break
      case 'ETIMEDOUT': detail = `${target}: connect: connection timed out`; break
      case 'ENOTFOUND':
      case 'EAI_AGAIN': detail = `dial tcp: lookup ${s.kind === 'tcp' ? s.host : ''}: no such host`; break
      case 'ECONNRESET': detail = 'read: connection reset by peer'; break
      default: detail = e?.message ?? String(err)
    }
    return new IPFSUnreachableError(`Post "${url}": ${detail}`, { cause: err })
  }
}

function isAborted (signal?: AbortSignal): boolean {
  return signal?.aborted === true
}

function isErrorObject (v: unknown): v is { Message: string } {
  if (v == null || typeof v !== 'object') return false
  const o = v as { Type?: unknown, Message?: unknown }
  return o.Type === 'error' && typeof o.Message === 'string'
}

/** Reads a whole body (up to `max` bytes; the rest is dropped). */
export async function readAll (res: AsyncIterable<Uint8Array>, max: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of res) {
    if (size >= max) continue
    chunks.push(chunk)
    size += chunk.length
  }
  const out = Buffer.concat(chunks, Math.min(size, max))
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
}

/** Waits `ms` (abortable). */
export async function delay (ms: number, signal?: AbortSignal): Promise<void> {
  if (isAborted(signal)) throw abortReason(signal)
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(abortReason(signal))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
