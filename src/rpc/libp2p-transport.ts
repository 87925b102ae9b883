/**
 * RPC transport over libp2p streams on the cluster host.
 *
 * One stream per call. Frames are length-prefixed (unsigned varint)
 * dag-cbor maps:
 * - request: `{ m: <method>, k: 'unary'|'stream'|'sink', a?: <arg> }`;
 *   for `sink`, then one `{ a: <item> }` frame per item and `{ end: true }`.
 * - response: `{ r: <result> }` (unary, sink), or zero or more `{ r: <item> }`
 *   frames then `{ end: true }` (stream); an error at any point is
 *   `{ e: { name, message } }` and ends the call.
 *
 * Errors keep their `name` across the wire (so a remote
 * `PinNotFoundError` is still a 404 locally).
 *
 * Flow control: a reader that does not keep up (a consumer of a million
 * statuses that writes them to a slow HTTP client, or a merge waiting for
 * another peer) pauses the libp2p stream when more than {@link HIGH_WATER}
 * bytes are buffered, so the muxer stops granting send window and the
 * producer on the other peer waits, instead of the buffer overflowing and
 * the stream being reset. Writers wait for `drain`.
 */
import * as cbor from '@ipld/dag-cbor'
import { peerIdFromString } from '@libp2p/peer-id'
import { Uint8ArrayList } from 'uint8arraylist'
import { ClusterError, RPCError, errorFromWire, errorToWire } from '../errors.js'
import type { RPCDispatcher, RPCTransport } from './index.js'
import type { AbortOptions, Logger } from '../interfaces.js'
import type { RPCMethod } from './policy.js'
import type { Libp2p, Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'

export const RPC_PROTOCOL_ID = '/ipfs-cluster-ts/rpc/1.0.0'

const MAX_FRAME = 8 * 1024 * 1024
/** Buffered bytes above which a reader pauses its stream. */
export const HIGH_WATER = 1024 * 1024
/** Queued bytes above which a writer waits. */
const WRITE_LIMIT = 256 * 1024
/** Size of the chunks a stream response is sent in. */
const COALESCE_BYTES = 32 * 1024

interface Frame {
  m?: string
  k?: string
  a?: unknown
  r?: unknown
  e?: { name: string, message: string }
  end?: boolean
}

function encodeFrame (f: Frame): Uint8Array {
  return cbor.encode(stripUndefined(f))
}

/** dag-cbor refuses `undefined`: drop it (deeply) from wire values. */
function stripUndefined (v: unknown): any {
  if (v === undefined) return null
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return v
  if (Array.isArray(v)) return v.map(stripUndefined)
  const out: Record<string, unknown> = {}
  for (const [k, val] of Object.entries(v)) {
    if (val !== undefined) out[k] = stripUndefined(val)
  }
  return out
}

function varint (n: number): Uint8Array {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80)
    n = Math.floor(n / 0x80)
  }
  out.push(n)
  return Uint8Array.from(out)
}

/**
 * Reads length-prefixed frames from a stream, pausing the stream while more
 * than {@link HIGH_WATER} bytes wait to be read.
 */
class FrameReader {
  private readonly buf = new Uint8ArrayList()
  private wakeUp?: () => void
  private closed = false
  private closeError?: Error

  constructor (private readonly stream: Stream) {
    stream.addEventListener('message', (evt: StreamMessageEvent) => {
      this.buf.append(evt.data)
      if (this.buf.byteLength > HIGH_WATER && stream.readStatus === 'readable') stream.pause()
      this.wake()
    })
    stream.addEventListener('remoteCloseWrite', () => { this.wake() })
    stream.addEventListener('close', (evt: StreamCloseEvent) => {
      this.closed = true
      this.closeError = evt.error
      this.wake()
    })
  }

  private wake (): void {
    const w = this.wakeUp
    this.wakeUp = undefined
    w?.()
  }

  /** The next frame, or null at the end of the stream. */
  async read (options?: AbortOptions): Promise<Frame | null> {
    const signal = options?.signal
    while (true) {
      const bytes = this.next()
      if (bytes != null) {
        if (this.stream.readStatus === 'paused' && this.buf.byteLength <= HIGH_WATER / 2) this.stream.resume()
        return cbor.decode(bytes) as Frame
      }
      // more bytes needed
      if (this.stream.readStatus === 'paused') this.stream.resume()
      if (this.closeError != null) throw this.closeError
      if ((this.closed || this.stream.remoteWriteStatus !== 'writable') && this.stream.readBufferLength === 0) {
        if (this.buf.byteLength > 0) throw new RPCError('rpc stream ended in the middle of a frame')
        return null
      }
      signal?.throwIfAborted()
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          this.wakeUp = undefined
          reject(signal?.reason)
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        this.wakeUp = () => {
          signal?.removeEventListener('abort', onAbort)
          resolve()
        }
      })
    }
  }

  /** Takes one complete frame out of the buffer, if there is one. */
  private next (): Uint8Array | undefined {
    const buf = this.buf
    let len = 0
    let mul = 1
    let i = 0
    while (true) {
      if (i >= buf.byteLength) return undefined
      const b = buf.get(i++)
      len += (b & 0x7f) * mul
      if (b < 0x80) break
      mul *= 0x80
      if (i > 5) throw new RPCError('invalid rpc frame length')
    }
    if (len > MAX_FRAME) throw new RPCError(`rpc frame of ${len} bytes is larger than ${MAX_FRAME}`)
    if (buf.byteLength < i + len) return undefined
    const out = buf.subarray(i, i + len)
    buf.consume(i + len)
    return out
  }
}

/**
 * Writes one frame. The stream queues what the muxer cannot send yet (no
 * send window while the reader is paused); the writer waits while more
 * than {@link WRITE_LIMIT} bytes are queued. (`drain` alone is not enough:
 * the muxer also signals it when the connection drains, while this
 * stream's window may still be exhausted. `onDrain()` is not used: it
 * keeps answering with its first, resolved promise.)
 */
async function writeFrame (stream: Stream, f: Frame, options?: AbortOptions): Promise<void> {
  const body = encodeFrame(f)
  stream.send(new Uint8ArrayList(varint(body.byteLength), body))
  await waitForQueue(stream, options)
}

/**
 * Coalesces the frames of a stream response: frames are sent in chunks of
 * about {@link COALESCE_BYTES} (one muxer frame, one encryption, one socket
 * write per chunk instead of per item), and at the latest on the next turn
 * of the event loop, so a slow producer's items are not held back.
 */
class FrameWriter {
  private pending = new Uint8ArrayList()
  private scheduled?: ReturnType<typeof setImmediate>

  constructor (private readonly stream: Stream) {}

  async write (f: Frame, options?: AbortOptions): Promise<void> {
    const body = encodeFrame(f)
    this.pending.append(varint(body.byteLength), body)
    if (this.pending.byteLength >= COALESCE_BYTES) {
      await this.flush(options)
    } else if (this.scheduled == null) {
      this.scheduled = setImmediate(() => {
        this.scheduled = undefined
        this.sendPending()
      })
    }
  }

  private sendPending (): void {
    if (this.pending.byteLength === 0 || this.stream.status !== 'open') return
    const chunk = this.pending
    this.pending = new Uint8ArrayList()
    this.stream.send(chunk)
  }

  /** Sends what is pending and waits while the stream's queue is full. */
  async flush (options?: AbortOptions): Promise<void> {
    if (this.scheduled != null) {
      clearImmediate(this.scheduled)
      this.scheduled = undefined
    }
    this.sendPending()
    await waitForQueue(this.stream, options)
  }
}

/** Waits while more than {@link WRITE_LIMIT} bytes are queued on the stream. */
async function waitForQueue (stream: Stream, options?: AbortOptions): Promise<void> {
  while (stream.writeBufferLength > WRITE_LIMIT && stream.status === 'open') {
    options?.signal?.throwIfAborted()
    if (stream.writableNeedsDrain) {
      await nextEvent(stream, ['drain', 'close'], options?.signal)
    } else {
      // let the stream's send queue run
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
}

/** Resolves at the next of `events` on the stream (rejects when `signal` aborts). */
async function nextEvent (stream: Stream, events: Array<'drain' | 'close'>, signal?: AbortSignal): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      for (const e of events) stream.removeEventListener(e, done)
      signal?.removeEventListener('abort', onAbort)
    }
    const done = (): void => {
      cleanup()
      resolve()
    }
    const onAbort = (): void => {
      cleanup()
      reject(signal?.reason)
    }
    for (const e of events) stream.addEventListener(e, done)
    signal?.addEventListener('abort', onAbort)
  })
}

export interface Libp2pTransportComponents {
  libp2p: Libp2p
  logger: Logger
}

export class Libp2pRPCTransport implements RPCTransport {
  private dispatcher?: RPCDispatcher

  constructor (private readonly components: Libp2pTransportComponents) {}

  async start (): Promise<void> {
    await this.components.libp2p.handle(RPC_PROTOCOL_ID, (stream, connection) => {
      this.serve(stream, connection.remotePeer.toString()).catch((err) => {
        this.components.logger.debug('rpc stream from %s failed: %s', connection.remotePeer.toString(), (err as Error).message)
      })
    }, { maxInboundStreams: 1024, maxOutboundStreams: 1024 })
  }

  async stop (): Promise<void> {
    await this.components.libp2p.unhandle(RPC_PROTOCOL_ID).catch(() => {})
  }

  handle (dispatcher: RPCDispatcher): void {
    this.dispatcher = dispatcher
  }

  private async serve (stream: Stream, from: string): Promise<void> {
    const reader = new FrameReader(stream)
    const out = new FrameWriter(stream)
    const controller = new AbortController()
    stream.addEventListener('close', () => { controller.abort() }, { once: true })
    const signal = controller.signal
    try {
      const req = await reader.read()
      if (req == null) throw new RPCError('empty rpc request')
      if (this.dispatcher == null) throw new RPCError('rpc not ready')
      const method = String(req.m)
      switch (req.k) {
        case 'unary': {
          const r = await this.dispatcher.call(from, method, req.a ?? null, { signal })
          await writeFrame(stream, { r }, { signal })
          break
        }
        case 'stream': {
          for await (const r of this.dispatcher.stream(from, method, req.a ?? null, { signal })) {
            await out.write({ r }, { signal })
          }
          await out.write({ end: true }, { signal })
          await out.flush({ signal })
          break
        }
        case 'sink': {
          const items = (async function * () {
            while (true) {
              const f = await reader.read({ signal })
              if (f == null) throw new RPCError('rpc stream ended before the end of the items')
              if (f.end === true) return
              yield f.a
            }
          })()
          const r = await this.dispatcher.sink(from, method, items, { signal })
          await writeFrame(stream, { r }, { signal })
          break
        }
        default:
          throw new RPCError(`bad rpc request kind ${String(req.k)}`)
      }
    } catch (err) {
      try {
        // after any item still pending
        await out.write({ e: errorToWire(err) })
        await out.flush({ signal: AbortSignal.timeout(5000) })
      } catch {}
    } finally {
      await stream.close().catch(() => { stream.abort(new Error('close failed')) })
    }
  }

  private async open (peer: string, options?: AbortOptions): Promise<{ stream: Stream, reader: FrameReader }> {
    try {
      const stream = await this.components.libp2p.dialProtocol(peerIdFromString(peer), RPC_PROTOCOL_ID, options)
      return { stream, reader: new FrameReader(stream) }
    } catch (err) {
      throw new RPCError(`cannot reach peer ${peer}: ${(err as Error).message}`)
    }
  }

  async call (peer: string, method: RPCMethod, arg: unknown, options?: AbortOptions): Promise<unknown> {
    const { stream, reader } = await this.open(peer, options)
    try {
      await writeFrame(stream, { m: method, k: 'unary', a: arg }, options)
      const f = await reader.read(options)
      if (f == null) throw new RPCError('rpc stream ended without an answer')
      if (f.e != null) throw errorFromWire(f.e)
      return f.r ?? null
    } catch (err) {
      stream.abort(err as Error)
      throw wrapTransportError(peer, err)
    } finally {
      await stream.close().catch(() => {})
    }
  }

  async * stream (peer: string, method: RPCMethod, arg: unknown, options?: AbortOptions): AsyncGenerator<unknown> {
    const { stream, reader } = await this.open(peer, options)
    let done = false
    try {
      await writeFrame(stream, { m: method, k: 'stream', a: arg }, options)
      while (true) {
        const f = await reader.read(options)
        if (f == null) throw new RPCError('rpc stream ended before its end marker')
        if (f.e != null) throw errorFromWire(f.e)
        if (f.end === true) break
        yield f.r
      }
      done = true
    } catch (err) {
      throw wrapTransportError(peer, err)
    } finally {
      if (!done) stream.abort(new Error('stream abandoned'))
      await stream.close().catch(() => {})
    }
  }

  async sink (peer: string, method: RPCMethod, args: AsyncIterable<unknown>, options?: AbortOptions): Promise<unknown> {
    const { stream, reader } = await this.open(peer, options)
    try {
      await writeFrame(stream, { m: method, k: 'sink' }, options)
      for await (const a of args) {
        await writeFrame(stream, { a }, options)
      }
      await writeFrame(stream, { end: true }, options)
      const f = await reader.read(options)
      if (f == null) throw new RPCError('rpc stream ended without an answer')
      if (f.e != null) throw errorFromWire(f.e)
      return f.r ?? null
    } catch (err) {
      stream.abort(err as Error)
      throw wrapTransportError(peer, err)
    } finally {
      await stream.close().catch(() => {})
    }
  }
}

/** Remote errors (rebuilt from the wire) pass through; transport failures become RPCError. */
function wrapTransportError (peer: string, err: unknown): Error {
  if (err instanceof ClusterError) return err
  const e = err as Error
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return e
  return new RPCError(`rpc to ${peer} failed: ${e?.message ?? String(err)}`)
}
