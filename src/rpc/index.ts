/**
 * @packageDocumentation
 *
 * Typed RPC between cluster peers. Calls to the local peer run the handler
 * directly (no serialisation, no policy check). Calls to other peers go
 * through an {@link RPCTransport} (libp2p streams on the cluster host, or an
 * in-memory hub in tests) after the values are converted to their wire form;
 * the receiving side enforces the access policy of `policy.ts`.
 *
 * ```ts
 * const rpc = createRPC({ peerId, isTrusted, logger })
 * rpc.register({ 'PinTracker.Status': async (cid) => tracker.status(cid) })
 * const info = await rpc.call(otherPeer, 'PinTracker.Status', cid, { signal })
 * ```
 */
import { RPCAuthorizationError, RPCError, errorFromWire, errorToWire } from '../errors.js'
import { policyOf } from './policy.js'
import { RPC_CODECS, RPC_KINDS } from './methods.js'
import type { AbortOptions, ComponentLogger, Logger } from '../interfaces.js'
import type { PeerIdString } from '../api/index.js'
import type { RPCMethod } from './policy.js'
import type { ArgOf, ResultOf, RPCMethods } from './methods.js'

export { RPC_POLICY } from './policy.js'
export type { RPCMethod, RPCPolicy } from './policy.js'
export type { RPCMethods, ArgOf, ResultOf } from './methods.js'

export interface RPCCallContext extends AbortOptions {
  /** The calling peer (self for local calls). */
  peer: PeerIdString
}

type UnaryHandler<M extends RPCMethod> = (arg: ArgOf<M>, ctx: RPCCallContext) => Promise<ResultOf<M>>
type StreamHandler<M extends RPCMethod> = (arg: ArgOf<M>, ctx: RPCCallContext) => AsyncIterable<ResultOf<M>>
type SinkHandler<M extends RPCMethod> = (args: AsyncIterable<ArgOf<M>>, ctx: RPCCallContext) => Promise<ResultOf<M>>

export type RPCHandler<M extends RPCMethod> =
  RPCMethods[M]['kind'] extends 'unary' ? UnaryHandler<M>
    : RPCMethods[M]['kind'] extends 'stream' ? StreamHandler<M>
      : SinkHandler<M>

export type RPCHandlers = { [M in RPCMethod]?: RPCHandler<M> }

type UnaryMethod = { [M in RPCMethod]: RPCMethods[M]['kind'] extends 'unary' ? M : never }[RPCMethod]
type StreamMethod = { [M in RPCMethod]: RPCMethods[M]['kind'] extends 'stream' ? M : never }[RPCMethod]
type SinkMethod = { [M in RPCMethod]: RPCMethods[M]['kind'] extends 'sink' ? M : never }[RPCMethod]

/**
 * The network side: moves wire values between peers. `handle` registers the
 * dispatcher that serves calls arriving from other peers.
 */
export interface RPCTransport {
  call(peer: PeerIdString, method: RPCMethod, arg: unknown, options?: AbortOptions): Promise<unknown>
  stream(peer: PeerIdString, method: RPCMethod, arg: unknown, options?: AbortOptions): AsyncGenerator<unknown>
  sink(peer: PeerIdString, method: RPCMethod, args: AsyncIterable<unknown>, options?: AbortOptions): Promise<unknown>
  handle(dispatcher: RPCDispatcher): void
}

/** Serves wire-level calls from remote peers (policy checked). */
export interface RPCDispatcher {
  call(from: PeerIdString, method: string, arg: unknown, options?: AbortOptions): Promise<unknown>
  stream(from: PeerIdString, method: string, arg: unknown, options?: AbortOptions): AsyncGenerator<unknown>
  sink(from: PeerIdString, method: string, args: AsyncIterable<unknown>, options?: AbortOptions): Promise<unknown>
}

export interface RPCComponents {
  peerId: PeerIdString
  /** Trust check for `trusted` methods (consensus.isTrustedPeer). */
  isTrusted: (peer: PeerIdString) => boolean
  logger: ComponentLogger
  transport?: RPCTransport
}

/** Methods closed to remote callers in this peer (ipfs-cluster-follow closes RepoGCLocal). */
export interface RPCInit {
  closed?: RPCMethod[]
}

export interface RPC {
  register(handlers: RPCHandlers): void
  setTransport(transport: RPCTransport): void
  call<M extends UnaryMethod>(peer: PeerIdString, method: M, arg: ArgOf<M>, options?: AbortOptions): Promise<ResultOf<M>>
  stream<M extends StreamMethod>(peer: PeerIdString, method: M, arg: ArgOf<M>, options?: AbortOptions): AsyncGenerator<ResultOf<M>>
  sink<M extends SinkMethod>(peer: PeerIdString, method: M, args: AsyncIterable<ArgOf<M>>, options?: AbortOptions): Promise<ResultOf<M>>
  /** The dispatcher a transport uses for incoming calls. */
  readonly dispatcher: RPCDispatcher
}

class RPCImpl implements RPC {
  private readonly handlers = new Map<string, unknown>()
  private transport?: RPCTransport
  private readonly log: Logger
  private readonly closed: Set<string>
  readonly dispatcher: RPCDispatcher

  constructor (private readonly components: RPCComponents, init: RPCInit = {}) {
    this.log = components.logger.forComponent('rpc')
    this.closed = new Set(init.closed ?? [])
    if (components.transport != null) this.setTransport(components.transport)
    this.dispatcher = {
      call: async (from, method, arg, options) => {
        const m = this.authorize(from, method, 'unary')
        const handler = this.handler(m) as UnaryHandler<typeof m>
        const codecs = RPC_CODECS[m] as { arg: { decode: (w: unknown) => unknown }, result: { encode: (v: unknown) => unknown } }
        const result = await handler(codecs.arg.decode(arg) as never, { peer: from, signal: options?.signal })
        return codecs.result.encode(result)
      },
      stream: (from, method, arg, options) => {
        const self = this
        return (async function * () {
          const m = self.authorize(from, method, 'stream')
          const handler = self.handler(m) as StreamHandler<typeof m>
          const codecs = RPC_CODECS[m] as { arg: { decode: (w: unknown) => unknown }, result: { encode: (v: unknown) => unknown } }
          for await (const item of handler(codecs.arg.decode(arg) as never, { peer: from, signal: options?.signal })) {
            yield codecs.result.encode(item)
          }
        })()
      },
      sink: async (from, method, args, options) => {
        const m = this.authorize(from, method, 'sink')
        const handler = this.handler(m) as SinkHandler<typeof m>
        const codecs = RPC_CODECS[m] as { arg: { decode: (w: unknown) => unknown }, result: { encode: (v: unknown) => unknown } }
        const decoded = (async function * () {
          for await (const a of args) yield codecs.arg.decode(a)
        })()
        const result = await handler(decoded as never, { peer: from, signal: options?.signal })
        return codecs.result.encode(result)
      }
    }
  }

  register (handlers: RPCHandlers): void {
    for (const [name, fn] of Object.entries(handlers)) {
      if (fn != null) this.handlers.set(name, fn)
    }
  }

  setTransport (transport: RPCTransport): void {
    this.transport = transport
    transport.handle(this.dispatcher)
  }

  private handler (method: RPCMethod): unknown {
    const h = this.handlers.get(method)
    if (h == null) {
      throw new RPCError(`rpc method ${method} is not available on this peer`)
    }
    return h
  }

  /** Policy check for a call arriving from another peer. */
  private authorize (from: PeerIdString, method: string, kind: string): RPCMethod {
    const policy = policyOf(method)
    if (policy == null || RPC_KINDS[method as RPCMethod] !== kind) {
      throw new RPCAuthorizationError(`unauthorized: unknown method ${method}`)
    }
    if (from === this.components.peerId) return method as RPCMethod
    if (policy === 'closed' || this.closed.has(method) || (policy === 'trusted' && !this.components.isTrusted(from))) {
      this.log.debug('rejected %s call from %s (policy %s)', method, from, policy)
      throw new RPCAuthorizationError(`unauthorized: ${method} is not allowed for peer ${from}`)
    }
    return method as RPCMethod
  }

  private remote (peer: PeerIdString): RPCTransport {
    if (this.transport == null) {
      throw new RPCError(`cannot reach peer ${peer}: no network transport`)
    }
    return this.transport
  }

  async call<M extends UnaryMethod>(peer: PeerIdString, method: M, arg: ArgOf<M>, options?: AbortOptions): Promise<ResultOf<M>> {
    if (peer === '' || peer === this.components.peerId) {
      const handler = this.handler(method) as UnaryHandler<M>
      return await handler(arg, { peer: this.components.peerId, signal: options?.signal })
    }
    const codecs = RPC_CODECS[method] as unknown as { arg: { encode: (v: unknown) => unknown }, result: { decode: (w: unknown) => ResultOf<M> } }
    try {
      const wire = await this.remote(peer).call(peer, method, codecs.arg.encode(arg), options)
      return codecs.result.decode(wire)
    } catch (err) {
      throw rebuild(err)
    }
  }

  async * stream<M extends StreamMethod>(peer: PeerIdString, method: M, arg: ArgOf<M>, options?: AbortOptions): AsyncGenerator<ResultOf<M>> {
    if (peer === '' || peer === this.components.peerId) {
      const handler = this.handler(method) as StreamHandler<M>
      yield * handler(arg, { peer: this.components.peerId, signal: options?.signal })
      return
    }
    const codecs = RPC_CODECS[method] as unknown as { arg: { encode: (v: unknown) => unknown }, result: { decode: (w: unknown) => ResultOf<M> } }
    try {
      for await (const w of this.remote(peer).stream(peer, method, codecs.arg.encode(arg), options)) {
        yield codecs.result.decode(w)
      }
    } catch (err) {
      throw rebuild(err)
    }
  }

  async sink<M extends SinkMethod>(peer: PeerIdString, method: M, args: AsyncIterable<ArgOf<M>>, options?: AbortOptions): Promise<ResultOf<M>> {
    if (peer === '' || peer === this.components.peerId) {
      const handler = this.handler(method) as SinkHandler<M>
      return await handler(args, { peer: this.components.peerId, signal: options?.signal })
    }
    const codecs = RPC_CODECS[method] as unknown as { arg: { encode: (v: unknown) => unknown }, result: { decode: (w: unknown) => ResultOf<M> } }
    const encoded = (async function * () {
      for await (const a of args) yield codecs.arg.encode(a)
    })()
    try {
      return codecs.result.decode(await this.remote(peer).sink(peer, method, encoded, options))
    } catch (err) {
      throw rebuild(err)
    }
  }
}

/** Errors keep their `name` across the wire; unknown shapes become RPCError. */
function rebuild (err: unknown): Error {
  if (err instanceof Error) return err
  if (err != null && typeof err === 'object' && 'message' in err) {
    return errorFromWire(err as { name?: string, message?: string })
  }
  return new RPCError(String(err))
}

export { errorToWire }

export function createRPC (components: RPCComponents, init?: RPCInit): RPC {
  return new RPCImpl(components, init)
}

export interface PeerResult<T> {
  peer: PeerIdString
  result?: T
  error?: Error
}

/**
 * Calls `method` on every peer in parallel; each call gets its own timeout
 * (0 = none). Never throws: failures are reported per peer.
 */
export async function multiCall<M extends UnaryMethod> (rpc: RPC, peers: PeerIdString[], method: M, arg: ArgOf<M>, opts: AbortOptions & { timeout?: number } = {}): Promise<Array<PeerResult<ResultOf<M>>>> {
  return await Promise.all(peers.map(async (peer) => {
    const signals = [opts.signal, (opts.timeout ?? 0) > 0 ? AbortSignal.timeout(opts.timeout as number) : undefined].filter((s): s is AbortSignal => s != null)
    const signal = signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals)
    try {
      const result = await rpc.call(peer, method, arg, { signal })
      return { peer, result }
    } catch (err) {
      return { peer, error: err as Error }
    }
  }))
}

export function isAuthorizationError (err: unknown): boolean {
  return (err as Error | null)?.name === 'RPCAuthorizationError'
}
