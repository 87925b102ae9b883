/**
 * RPC transport over libp2p streams on the cluster host.
 *
 * One stream per call. Frames are length-prefixed dag-cbor maps:
 * - request: `{ m: <method>, k: 'unary'|'stream'|'sink', a?: <arg> }`;
 *   for `sink`, then one `{ a: <item> }` frame per item and `{ end: true }`.
 * - response: `{ r: <result> }` (unary, sink), or zero or more `{ r: <item> }`
 *   frames then `{ end: true }` (stream); an error at any point is
 *   `{ e: { name, message } }` and ends the call.
 *
 * Errors keep their `name` across the wire (so a remote
 * `PinNotFoundError` is still a 404 locally).
 */
import * as cbor from '@ipld/dag-cbor'
import { lpStream } from '@libp2p/utils'
import { peerIdFromString } from '@libp2p/peer-id'
import { ClusterError, RPCError, errorFromWire, errorToWire } from '../errors.js'
import type { RPCDispatcher, RPCTransport } from './index.js'
import type { AbortOptions, Logger } from '../interfaces.js'
import type { RPCMethod } from './policy.js'
import type { Libp2p, Stream } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'

export const RPC_PROTOCOL_ID = '/ipfs-cluster-ts/rpc/1.0.0'

const MAX_FRAME = 8 * 1024 * 1024

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

async function readFrame (lp: LengthPrefixedStream<Stream>, options?: AbortOptions): Promise<Frame> {
  const buf = await lp.read(options)
  return cbor.decode(buf.subarray()) as Frame
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
    const lp = lpStream(stream, { maxDataLength: MAX_FRAME })
    const controller = new AbortController()
    stream.addEventListener('close', () => { controller.abort() }, { once: true })
    const signal = controller.signal
    try {
      const req = await readFrame(lp)
      if (this.dispatcher == null) throw new RPCError('rpc not ready')
      const method = String(req.m)
      switch (req.k) {
        case 'unary': {
          const r = await this.dispatcher.call(from, method, req.a ?? null, { signal })
          await lp.write(encodeFrame({ r }))
          break
        }
        case 'stream': {
          for await (const r of this.dispatcher.stream(from, method, req.a ?? null, { signal })) {
            await lp.write(encodeFrame({ r }))
          }
          await lp.write(encodeFrame({ end: true }))
          break
        }
        case 'sink': {
          const items = (async function * () {
            while (true) {
              const f = await readFrame(lp, { signal })
              if (f.end === true) return
              yield f.a
            }
          })()
          const r = await this.dispatcher.sink(from, method, items, { signal })
          await lp.write(encodeFrame({ r }))
          break
        }
        default:
          throw new RPCError(`bad rpc request kind ${String(req.k)}`)
      }
    } catch (err) {
      try {
        await lp.write(encodeFrame({ e: errorToWire(err) }))
      } catch {}
    } finally {
      await stream.close().catch(() => { stream.abort(new Error('close failed')) })
    }
  }

  private async open (peer: string, options?: AbortOptions): Promise<{ stream: Stream, lp: LengthPrefixedStream<Stream> }> {
    try {
      const stream = await this.components.libp2p.dialProtocol(peerIdFromString(peer), RPC_PROTOCOL_ID, options)
      return { stream, lp: lpStream(stream, { maxDataLength: MAX_FRAME }) }
    } catch (err) {
      throw new RPCError(`cannot reach peer ${peer}: ${(err as Error).message}`)
    }
  }

  async call (peer: string, method: RPCMethod, arg: unknown, options?: AbortOptions): Promise<unknown> {
    const { stream, lp } = await this.open(peer, options)
    try {
      await lp.write(encodeFrame({ m: method, k: 'unary', a: arg }), options)
      const f = await readFrame(lp, options)
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
    const { stream, lp } = await this.open(peer, options)
    let done = false
    try {
      await lp.write(encodeFrame({ m: method, k: 'stream', a: arg }), options)
      while (true) {
        const f = await readFrame(lp, options)
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
    const { stream, lp } = await this.open(peer, options)
    try {
      await lp.write(encodeFrame({ m: method, k: 'sink' }), options)
      for await (const a of args) {
        await lp.write(encodeFrame({ a }), options)
      }
      await lp.write(encodeFrame({ end: true }), options)
      const f = await readFrame(lp, options)
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
