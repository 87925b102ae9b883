import { setMaxListeners } from 'node:events'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { IPFSPinStatus, ipfsPinStatusFromString, ipfsPinStatusSatisfies } from '../../api/enums.js'
import { parseCid, parsePeerId, tryParseCid } from '../../api/encoding.js'
import { ConfigError, InvalidArgumentError, IPFSError, NotFoundError, NotStartedError, TimeoutError, UnsupportedOperationError } from '../../errors.js'
import { isLoopbackHost, multiaddrToSocket } from '../../utils/multiaddr.js'
import { codecName, hashName, sameBlock } from './codecs.js'
import { closingBoundary, newBoundary, partHeader, writeChunk } from './multipart.js'
import { abortReason, delay, KuboRPCClient } from './rpc-client.js'
import { formatDuration, operationSignal } from './signals.js'
import type { IPFSHTTPConnectorComponents, IPFSHTTPConnectorInit } from './index.js'
import type { BlockWithCid, IPFSID, IPFSPinInfo, IPFSRepoGC, IPFSRepoStat, Pin, PeerIdString } from '../../api/types.js'
import type { AbortOptions, IPFSConnector, Logger, PinProgress, ProgressOptions } from '../../interfaces.js'
import type { DetailedError } from './rpc-client.js'
import type http from 'node:http'

/** Origins we ask IPFS to connect to before a pin (§7.2). */
const MAX_ORIGINS = 10

/** Per-attempt deadline of the readiness poll (never longer than the request timeout). */
const READY_ATTEMPT_TIMEOUT = 10000

/** How long the end of a `block/put` answer waits for the body writer. */
const WRITER_GRACE = 5000

const UNPIN_DISABLED = 'ipfs unpinning is disallowed by configuration on this peer'

/**
 * IPFSConnector over the Kubo RPC API (HTTP spec §7). Also tolerates the
 * js-ipfs daemon (node20-stack notes §3).
 */
export class IPFSHTTPConnector implements IPFSConnector {
  private readonly log: Logger
  private readonly config: IPFSHTTPConnectorInit
  private readonly components: IPFSHTTPConnectorComponents
  private client: KuboRPCClient | undefined
  private shutdown = new AbortController()
  private started = false
  private isReady = false
  private readyPromise: Promise<void>
  private resolveReady!: () => void
  private readyLoop: Promise<void> | undefined
  private swarmTimer: ReturnType<typeof setTimeout> | undefined
  private swarmRun: Promise<void> | undefined
  private metricOps = 0
  /** Set after the daemon answered 404 to `pin/update` (js-ipfs). */
  private noPinUpdate = false
  /** `AgentVersion` of the daemon (from `id`). */
  private agentVersion = ''
  private readonly readyPollInterval: number
  private readonly warnInterval: number

  constructor (components: IPFSHTTPConnectorComponents, init: IPFSHTTPConnectorInit) {
    this.components = components
    this.config = init
    this.log = components.logger.forComponent('ipfshttp')
    this.readyPollInterval = init.readyPollInterval ?? 1000
    this.warnInterval = init.unreachableWarnInterval ?? 10000
    this.readyPromise = this.newReadyPromise()
    // Validates the address now: a bad address is a configuration error.
    try {
      multiaddrToSocket(init.nodeMultiaddress)
    } catch (err) {
      throw new ConfigError(`error parsing ipfs_node_multiaddress: ${(err as Error).message}`)
    }
  }

  private newReadyPromise (): Promise<void> {
    return new Promise<void>((resolve) => { this.resolveReady = resolve })
  }

  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    this.shutdown = new AbortController()
    // Every operation in flight listens to it.
    setMaxListeners(Infinity, this.shutdown.signal)
    this.client = new KuboRPCClient(this.config.nodeMultiaddress)
    if (this.isReady) {
      this.isReady = false
      this.readyPromise = this.newReadyPromise()
    }
    this.readyLoop = this.waitForIPFS(this.shutdown.signal)
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    this.shutdown.abort()
    clearTimeout(this.swarmTimer)
    await this.readyLoop
    await this.swarmRun?.catch(() => {})
    this.client?.close()
    this.client = undefined
  }

  /** Resolves once the daemon answered; rejects on abort or when the connector stops. */
  async ready (options: AbortOptions = {}): Promise<void> {
    if (this.isReady) return
    const op = operationSignal(0, options.signal, this.started ? this.shutdown.signal : undefined)
    try {
      if (op.signal.aborted) throw abortReason(op.signal)
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => { reject(abortReason(op.signal)) }
        op.signal.addEventListener('abort', onAbort, { once: true })
        this.readyPromise.then(() => {
          op.signal.removeEventListener('abort', onAbort)
          resolve()
        }, reject)
      })
    } finally {
      op.clear()
    }
  }

  private rpc (): KuboRPCClient {
    if (this.client == null || !this.started) {
      throw new NotStartedError('the IPFS connector is not started')
    }
    return this.client
  }

  /** True when the daemon is js-ipfs (needs the legacy request forms). */
  private get isJsIpfs (): boolean {
    return this.agentVersion.startsWith('js-ipfs')
  }

  private metricRelevantOp (): void {
    const every = this.config.informerTriggerInterval
    if (every <= 0 || this.components.onMetricRelevantOp == null) return
    this.metricOps++
    if (this.metricOps % every === 0) {
      try {
        this.components.onMetricRelevantOp()
      } catch (err) {
        this.log.debug('informer trigger failed: %s', (err as Error).message)
      }
    }
  }

  // -------------------------------------------------------------------------
  // Readiness
  // -------------------------------------------------------------------------

  /** Polls `id` until the daemon answers; warns (not errors) while it does not. */
  private async waitForIPFS (signal: AbortSignal): Promise<void> {
    const client = this.client as KuboRPCClient
    let firstFailure: number | undefined
    let lastWarn: number | undefined
    while (!signal.aborted) {
      const attemptTimeout = this.config.ipfsRequestTimeout > 0
        ? Math.min(this.config.ipfsRequestTimeout, READY_ATTEMPT_TIMEOUT)
        : READY_ATTEMPT_TIMEOUT
      const op = operationSignal(attemptTimeout, signal)
      try {
        const id = await this.fetchId(client, op.signal)
        this.isReady = true
        if (firstFailure != null) {
          this.log.info('IPFS daemon at %s is reachable now (IPFS peer ID %s)', this.config.nodeMultiaddress, id.id)
        } else {
          this.log.debug('IPFS daemon at %s is ready (IPFS peer ID %s)', this.config.nodeMultiaddress, id.id)
        }
        this.resolveReady()
        this.scheduleSwarmConnect()
        return
      } catch (err) {
        if (signal.aborted) return
        const now = Date.now()
        firstFailure ??= now
        if (lastWarn == null || now - lastWarn >= this.warnInterval) {
          lastWarn = now
          this.log.warn(this.unreachableMessage(err as Error, now - firstFailure))
        } else if (this.log.debugEnabled) {
          this.log.debug('IPFS daemon at %s not ready: %s', this.config.nodeMultiaddress, (err as Error).message)
        }
      } finally {
        op.clear()
      }
      try {
        await delay(this.readyPollInterval, signal)
      } catch {
        return
      }
    }
  }

  /** The warning logged while the daemon cannot be reached. */
  private unreachableMessage (err: Error, elapsedMs: number): string {
    const addr = this.config.nodeMultiaddress
    const client = this.client as KuboRPCClient
    const socket = client.socket
    const poll = formatDuration(this.readyPollInterval)
    // Anything but a transport failure or a timeout means something answered.
    const answered = err.name !== 'IPFSUnreachableError' && err.name !== 'TimeoutError'
    let msg = answered
      ? `IPFS daemon at ${addr} (${client.baseURL}) answered with an error, it does not look like a working IPFS RPC API: ${err.message}.`
      : `cannot reach the IPFS daemon at ${addr} (${client.baseURL}): ${err.message}.`
    msg += ` Retrying every ${poll} until it answers`
    msg += elapsedMs >= 1000 ? ` (not ready for ${formatDuration(Math.round(elapsedMs / 1000) * 1000)}).` : '.'
    if (!answered) {
      if (socket.kind === 'tcp' && isLoopbackHost(socket.host)) {
        msg += ` Note: ${socket.host} is a loopback address. Inside a container it is the container itself, not the host:` +
          ' if the IPFS daemon runs on the host or in another container, set CLUSTER_IPFSHTTP_NODEMULTIADDRESS (or IPFS_API)' +
          ' to an address of the daemon that this peer can reach (for example /ip4/<host-ip>/tcp/5001 or /dns4/<ipfs-container-name>/tcp/5001)' +
          ' and make the daemon\'s API listen on it (Addresses.API in the IPFS config).'
      } else {
        msg += ' Check that the IPFS daemon is running and that its API (Addresses.API in the IPFS config) listens on this address,' +
          ' or set CLUSTER_IPFSHTTP_NODEMULTIADDRESS (or IPFS_API) to the right one.'
      }
    }
    return msg
  }

  private scheduleSwarmConnect (): void {
    const getAddrs = this.components.peersIPFSAddresses
    const wait = this.config.connectSwarmsDelay
    if (getAddrs == null || wait <= 0 || !this.started) return
    this.swarmTimer = setTimeout(() => {
      this.swarmRun = (async () => {
        const op = operationSignal(this.config.ipfsRequestTimeout, this.shutdown.signal)
        try {
          const addrs = await getAddrs({ signal: op.signal })
          await this.connectSwarms(addrs, { signal: op.signal })
        } catch (err) {
          this.log.debug('connecting IPFS to the other peers\' daemons: %s', (err as Error).message)
        } finally {
          op.clear()
        }
      })()
    }, wait)
    this.swarmTimer.unref?.()
  }

  // -------------------------------------------------------------------------
  // Identity
  // -------------------------------------------------------------------------

  private async fetchId (client: KuboRPCClient, signal: AbortSignal): Promise<IPFSID> {
    const res = await client.json('id', { signal })
    if (res == null || typeof res !== 'object') {
      throw new IPFSError('IPFS error (id): the answer is not a JSON object')
    }
    const o = res as { ID?: unknown, Addresses?: unknown, AgentVersion?: unknown }
    if (typeof o.AgentVersion === 'string') this.agentVersion = o.AgentVersion
    const id = parsePeerId(typeof o.ID === 'string' ? o.ID : '')
    const addresses: string[] = []
    if (Array.isArray(o.Addresses)) {
      for (const a of o.Addresses) {
        if (typeof a !== 'string') continue
        try {
          addresses.push(multiaddr(a).toString())
        } catch {
          if (a.startsWith('/unix/')) {
            // Go-style unix path (js-ipfs/Kubo API on a socket).
            addresses.push(a)
          } else {
            this.log.debug('ignoring unparseable IPFS address %s', a)
          }
        }
      }
    }
    return { id, addresses, error: '' }
  }

  async id (options: AbortOptions = {}): Promise<IPFSID> {
    let op
    try {
      const client = this.rpc()
      op = operationSignal(this.config.ipfsRequestTimeout, options.signal, this.shutdown.signal)
      return await this.fetchId(client, op.signal)
    } catch (err) {
      return { id: '', addresses: null, error: (err as Error).message }
    } finally {
      op?.clear()
    }
  }

  // -------------------------------------------------------------------------
  // Pins
  // -------------------------------------------------------------------------

  async pinLsCid (pin: Pin, options: AbortOptions = {}): Promise<number> {
    const client = this.rpc()
    const type = pin.maxDepth === 0 ? 'direct' : 'recursive'
    const path = `pin/ls?stream=true&arg=${pin.cid.toString()}&type=${type}`
    const op = operationSignal(this.config.ipfsRequestTimeout, options.signal, this.shutdown.signal)
    try {
      for await (const obj of client.stream(path, { signal: op.signal })) {
        const entry = pinEntry(obj, path)
        if (entry.length > 0) return entry[0].type
      }
      return IPFSPinStatus.Unpinned
    } catch (err) {
      const msg = (err as DetailedError).ipfsMessage
      if (msg != null && msg.endsWith('not pinned')) {
        return IPFSPinStatus.Unpinned
      }
      throw err
    } finally {
      op.clear()
    }
  }

  async pin (pin: Pin, options: AbortOptions & ProgressOptions<PinProgress> = {}): Promise<void> {
    this.rpc()
    const status = await this.pinLsCid(pin, options)
    if (ipfsPinStatusSatisfies(status, pin.maxDepth)) {
      this.log.debug('IPFS object is already pinned: %s', pin.cid.toString())
      return
    }
    this.metricRelevantOp()
    const lifetime = operationSignal(0, options.signal, this.shutdown.signal)
    try {
      this.connectOrigins(pin.origins, lifetime.signal)
      const from = pin.pinUpdate
      if (from != null && !this.noPinUpdate && from.toString() !== pin.cid.toString()) {
        const fromStatus = await this.pinLsCid({ ...pin, cid: from }, options)
        if (fromStatus === IPFSPinStatus.Recursive && await this.pinUpdate(from, pin.cid, options)) {
          this.log.info('IPFS Pin Update request succeeded. %s -> %s (unpin=false)', from.toString(), pin.cid.toString())
          return
        }
      }
      await this.pinAdd(pin, options)
      this.log.info('IPFS Pin request succeeded: %s', pin.cid.toString())
    } finally {
      lifetime.abort(new Error('pin finished'))
      this.metricRelevantOp()
    }
  }

  /** `pin/update`; false when the daemon has no such endpoint (404). */
  private async pinUpdate (from: CID, to: CID, options: AbortOptions): Promise<boolean> {
    const op = operationSignal(0, options.signal, this.shutdown.signal)
    try {
      await this.rpc().bytes(`pin/update?arg=${from.toString()}&arg=${to.toString()}&unpin=false`, { signal: op.signal })
      return true
    } catch (err) {
      if ((err as DetailedError).status === 404) {
        this.noPinUpdate = true
        this.log.info('the IPFS daemon has no pin/update endpoint: pinning %s with pin/add instead', to.toString())
        return false
      }
      throw err
    } finally {
      op.clear()
    }
  }

  /** `pin/add` with the stall watchdog of §7.3. */
  private async pinAdd (pin: Pin, options: AbortOptions & ProgressOptions<PinProgress>): Promise<void> {
    const client = this.rpc()
    const cid = pin.cid.toString()
    let depth: string
    if (pin.maxDepth < 0) depth = 'recursive=true'
    else if (pin.maxDepth === 0) depth = 'recursive=false'
    else depth = `max-depth=${pin.maxDepth}&recursive=true`
    const path = `pin/add?arg=${cid}&${depth}&progress=true`
    const stall = this.config.pinTimeout
    const op = operationSignal(0, options.signal, this.shutdown.signal)
    let timer: ReturnType<typeof setTimeout> | undefined
    const arm = (): void => {
      if (stall <= 0) return
      clearTimeout(timer)
      timer = setTimeout(() => {
        op.abort(new TimeoutError(`pinning ${cid} made no progress for ${formatDuration(stall)} (pin_timeout): context deadline exceeded`))
      }, stall)
    }
    let progress = 0
    arm()
    try {
      for await (const obj of client.stream(path, { signal: op.signal })) {
        const p = progressOf(obj)
        if (p != null && p > progress) {
          progress = p
          arm()
          options.onProgress?.({ type: 'ipfs:pin:progress', detail: { blocks: p } })
        }
      }
    } finally {
      clearTimeout(timer)
      op.clear()
    }
  }

  /** Fire-and-forget `swarm/connect` to up to 10 origins, for the pin's lifetime. */
  private connectOrigins (origins: string[] | null, signal: AbortSignal): void {
    if (origins == null || origins.length === 0) return
    const client = this.rpc()
    for (const addr of origins.slice(0, MAX_ORIGINS)) {
      client.bytes(`swarm/connect?arg=${encodeURIComponent(addr)}`, { signal }).then(() => {
        this.log.debug('IPFS connected to origin %s', addr)
      }, (err: Error) => {
        this.log.debug('IPFS could not connect to origin %s: %s', addr, err.message)
      })
    }
  }

  async unpin (cid: CID, options: AbortOptions = {}): Promise<void> {
    const client = this.rpc()
    if (this.config.unpinDisable) {
      throw new UnsupportedOperationError(UNPIN_DISABLED)
    }
    const op = operationSignal(this.config.unpinTimeout, options.signal, this.shutdown.signal)
    try {
      await client.bytes(`pin/rm?arg=${cid.toString()}`, { signal: op.signal })
      this.log.info('IPFS Unpin request succeeded: %s', cid.toString())
    } catch (err) {
      const msg = (err as DetailedError).ipfsMessage
      // Kubo: "not pinned or pinned indirectly"; js-ipfs: "… is not pinned".
      if (msg != null && (msg === 'not pinned or pinned indirectly' || msg.endsWith('not pinned'))) {
        this.log.debug('IPFS object %s was not pinned', cid.toString())
        return
      }
      throw err
    } finally {
      op.clear()
    }
  }

  async * pinLs (typeFilters: string[], options: AbortOptions = {}): AsyncGenerator<IPFSPinInfo> {
    const client = this.rpc()
    const idle = this.config.ipfsRequestTimeout
    for (const type of typeFilters) {
      const path = `pin/ls?stream=true&type=${encodeURIComponent(type)}`
      const op = operationSignal(0, options.signal, this.shutdown.signal)
      // The request timeout bounds the time spent waiting for the daemon
      // (not the consumer): listings of millions of pins take longer.
      let waiting = true
      let last = Date.now()
      let checker: ReturnType<typeof setInterval> | undefined
      if (idle > 0) {
        checker = setInterval(() => {
          if (waiting && Date.now() - last > idle) {
            op.abort(new TimeoutError(`listing IPFS pins: no answer for ${formatDuration(idle)}: context deadline exceeded`))
          }
        }, Math.min(Math.max(Math.floor(idle / 4), 10), 5000))
      }
      try {
        for await (const obj of client.stream(path, { signal: op.signal })) {
          waiting = false
          for (const entry of pinEntry(obj, path)) {
            yield entry
          }
          last = Date.now()
          waiting = true
        }
      } finally {
        clearInterval(checker)
        op.clear()
      }
    }
  }

  // -------------------------------------------------------------------------
  // Swarm, config, repo
  // -------------------------------------------------------------------------

  async connectSwarms (addrs: string[], options: AbortOptions = {}): Promise<void> {
    const client = this.rpc()
    const op = operationSignal(this.config.ipfsRequestTimeout, options.signal, this.shutdown.signal)
    try {
      for (const addr of addrs) {
        if (op.signal.aborted) throw abortReason(op.signal)
        try {
          await client.bytes(`swarm/connect?arg=${encodeURIComponent(addr)}`, { signal: op.signal })
          this.log.debug('IPFS connected to %s', addr)
        } catch (err) {
          if (op.signal.aborted) throw abortReason(op.signal)
          this.log.debug('IPFS could not connect to %s: %s', addr, (err as Error).message)
        }
      }
    } finally {
      op.clear()
    }
  }

  async swarmPeers (options: AbortOptions = {}): Promise<PeerIdString[]> {
    const client = this.rpc()
    const op = operationSignal(this.config.ipfsRequestTimeout, options.signal, this.shutdown.signal)
    try {
      const res = await client.json('swarm/peers', { signal: op.signal }) as { Peers?: unknown } | null
      const peers = res?.Peers
      if (peers == null) return []
      if (!Array.isArray(peers)) throw new IPFSError('IPFS error (swarm/peers): Peers is not a list')
      return peers.map((p: unknown) => {
        const id = (p as { Peer?: unknown } | null)?.Peer
        try {
          return parsePeerId(typeof id === 'string' ? id : '')
        } catch (err) {
          throw new IPFSError(`IPFS error (swarm/peers): ${(err as Error).message}`)
        }
      })
    } finally {
      op.clear()
    }
  }

  async configKey (key: string, options: AbortOptions = {}): Promise<unknown> {
    const client = this.rpc()
    const op = operationSignal(this.config.ipfsRequestTimeout, options.signal, this.shutdown.signal)
    let cfg: unknown
    try {
      cfg = await client.json('config/show', { signal: op.signal })
    } finally {
      op.clear()
    }
    const path = key.split('/')
    const first = path.shift() as string
    const rest = path.length > 0 ? [path.join('/')] : []
    let value: unknown = cfg
    for (const part of [first, ...rest]) {
      if (value == null || typeof value !== 'object' || Array.isArray(value)) {
        throw new InvalidArgumentError('invalid path')
      }
      if (!Object.hasOwn(value, part)) {
        throw new NotFoundError('key not found in configuration')
      }
      value = (value as Record<string, unknown>)[part]
    }
    return value
  }

  async repoStat (options: AbortOptions = {}): Promise<IPFSRepoStat> {
    const client = this.rpc()
    const op = operationSignal(this.config.ipfsRequestTimeout, options.signal, this.shutdown.signal)
    let text: string
    try {
      text = await client.text('repo/stat?size-only=true', { signal: op.signal })
    } finally {
      op.clear()
    }
    // Numbers may exceed 2^53 and js-ipfs sends them as strings: read the
    // digits from the text.
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (err) {
      throw new IPFSError(`IPFS error (repo/stat?size-only=true): cannot decode the answer: ${(err as Error).message}`)
    }
    if (parsed == null || typeof parsed !== 'object') {
      throw new IPFSError('IPFS error (repo/stat?size-only=true): the answer is not a JSON object')
    }
    return {
      repoSize: uintField(text, parsed as Record<string, unknown>, 'RepoSize'),
      storageMax: uintField(text, parsed as Record<string, unknown>, 'StorageMax')
    }
  }

  async * repoGC (options: AbortOptions = {}): AsyncGenerator<IPFSRepoGC> {
    const client = this.rpc()
    const path = 'repo/gc?stream-errors=true'
    const op = operationSignal(this.config.repogcTimeout, options.signal, this.shutdown.signal)
    try {
      for await (const obj of client.stream(path, { signal: op.signal })) {
        if (obj == null || typeof obj !== 'object') {
          throw new IPFSError(`IPFS error (${path}): unexpected answer ${JSON.stringify(obj)}`)
        }
        const o = obj as { Key?: unknown, Error?: unknown }
        yield { key: gcKey(o.Key, path), error: typeof o.Error === 'string' ? o.Error : '' }
      }
    } finally {
      op.clear()
      this.metricRelevantOp()
    }
  }

  async resolve (path: string, options: AbortOptions = {}): Promise<CID> {
    const client = this.rpc()
    const p = path.trim()
    const direct = /^\/ipfs\/([^/]+)\/?$/.exec(p)
    if (direct != null || !p.includes('/')) {
      const cid = tryParseCid(direct != null ? direct[1] : p)
      if (cid != null) return cid
      if (direct == null) {
        throw new InvalidArgumentError(`invalid path "${path}": not a CID nor an /ipfs/ or /ipns/ path`)
      }
    }
    const query = `resolve?arg=${encodeURIComponent(p)}`
    const op = operationSignal(this.config.ipfsRequestTimeout, options.signal, this.shutdown.signal)
    let res: unknown
    try {
      res = await client.json(query, { signal: op.signal })
    } finally {
      op.clear()
    }
    const resolved = (res as { Path?: unknown } | null)?.Path
    const m = typeof resolved === 'string' ? /^\/ipfs\/([^/]+)/.exec(resolved) : null
    if (m == null) {
      throw new IPFSError(`IPFS error (${query}): resolved path ${JSON.stringify(resolved)} is not an immutable /ipfs/ path`)
    }
    try {
      return parseCid(m[1])
    } catch (err) {
      throw new IPFSError(`IPFS error (${query}): ${(err as Error).message}`)
    }
  }

  // -------------------------------------------------------------------------
  // Blocks
  // -------------------------------------------------------------------------

  async blockGet (cid: CID, options: AbortOptions = {}): Promise<Uint8Array> {
    const client = this.rpc()
    const op = operationSignal(this.config.ipfsRequestTimeout, options.signal, this.shutdown.signal)
    try {
      return await client.bytes(`block/get?arg=${cid.toString()}`, { signal: op.signal })
    } finally {
      op.clear()
    }
  }

  async blockStream (blocks: AsyncIterable<BlockWithCid>, options: AbortOptions = {}): Promise<void> {
    const client = this.rpc()
    const it = blocks[Symbol.asyncIterator]()
    let next = await it.next()
    if (next.done === true) {
      throw new InvalidArgumentError('BlockStream: no blocks to peek in blocks channel')
    }
    const op = operationSignal(0, options.signal, this.shutdown.signal)
    try {
      // `block/put` takes one codec/hash for all its parts: blocks of
      // another CID prefix (raw leaves under dag-pb nodes) start a new request
      while (next.done !== true) {
        const prefix = next.value.cid
        const codec = codecName(prefix.code)
        const hash = hashName(prefix.multihash.code)
        if (codec == null) throw new InvalidArgumentError(`BlockStream: unknown codec 0x${prefix.code.toString(16)} of ${prefix.toString()}`)
        if (hash == null) throw new InvalidArgumentError(`BlockStream: unknown hash function 0x${prefix.multihash.code.toString(16)} of ${prefix.toString()}`)
        const mhlen = prefix.multihash.size
        if (this.isJsIpfs) {
          // js-ipfs reads only `format` (ignores cid-codec) and stores a single
          // part per request: one request per block.
          const path = `block/put?format=${codec}&mhtype=${hash}&mhlen=${mhlen}&version=${prefix.version}&pin=false`
          const block = next.value
          await this.putBlocks(client, path, prefix, (async function * () { yield block })(), op.signal)
          next = await it.next()
          continue
        }
        const path = `block/put?allow-big-block=true&cid-codec=${codec}&mhlen=${mhlen}&mhtype=${hash}&pin=false`
        const segment = async function * (): AsyncGenerator<BlockWithCid> {
          while (next.done !== true && samePrefix(prefix, next.value.cid)) {
            yield next.value
            next = await it.next()
          }
        }
        await this.putBlocks(client, path, prefix, segment(), op.signal)
      }
    } finally {
      op.clear()
      this.metricRelevantOp()
    }
  }

  /**
   * One streaming `block/put`: parts are written as blocks arrive, and
   * every answered Key is checked against the CID we computed.
   */
  private async putBlocks (client: KuboRPCClient, path: string, prefix: CID, blocks: AsyncIterable<BlockWithCid>, signal: AbortSignal): Promise<void> {
    const boundary = newBoundary()
    const sent: CID[] = []
    let writing = true
    let writeError: unknown
    let wakeReader: (() => void) | undefined
    let request: http.ClientRequest | undefined
    const body = async (req: http.ClientRequest): Promise<void> => {
      request = req
      try {
        let firstPart = true
        for await (const block of blocks) {
          if (signal.aborted) throw abortReason(signal)
          if (!samePrefix(prefix, block.cid)) {
            throw new InvalidArgumentError(`BlockStream: block ${block.cid.toString()} does not share the CID prefix of the first block ${prefix.toString()}`)
          }
          sent.push(block.cid)
          await writeChunk(req, partHeader(boundary, block.cid.toString(), firstPart))
          await writeChunk(req, block.bytes)
          firstPart = false
        }
        await writeChunk(req, closingBoundary(boundary, firstPart))
        req.end()
      } catch (err) {
        writeError = err
        throw err
      } finally {
        writing = false
        wakeReader?.()
      }
    }
    let opened
    try {
      opened = await client.open(path, { signal, contentType: `multipart/form-data; boundary=${boundary}`, body })
    } catch (err) {
      // An early error answer: stop sending.
      if (writing) request?.destroy()
      throw err
    }
    const { res, release } = opened
    let received = 0
    const mismatches: string[] = []
    try {
      for await (const obj of client.streamResponse(path, res, signal)) {
        const key = (obj as { Key?: unknown } | null)?.Key
        const got = typeof key === 'string' ? tryParseCid(key) : null
        if (got == null) {
          throw new IPFSError(`IPFS error (${path}): unexpected answer ${JSON.stringify(obj)}`)
        }
        const expected = sent[received]
        received++
        if (expected == null) {
          throw new IPFSError(`IPFS error (${path}): the daemon answered for more blocks than were sent`)
        }
        if (!sameBlock(expected, got)) {
          mismatches.push(`${expected.toString()} was stored as ${got.toString()}`)
        }
      }
      if (writing) {
        // The answer ended: the body must be complete by now (give the
        // writer a moment to notice), else the daemon did not read it all.
        let timer: ReturnType<typeof setTimeout> | undefined
        await new Promise<void>((resolve) => {
          wakeReader = resolve
          timer = setTimeout(resolve, WRITER_GRACE)
          if (!writing) resolve()
        })
        clearTimeout(timer)
        if (writing && writeError == null) {
          throw new IPFSError(`IPFS error (${path}): the daemon answered before reading every block`)
        }
      }
    } catch (err) {
      if (writeError != null) throw writeError
      throw err
    } finally {
      release()
      if (!res.complete) res.destroy()
      if (writing) request?.destroy()
    }
    if (writeError != null) throw writeError
    if (mismatches.length > 0) {
      throw new IPFSError(`IPFS error (${path}): the daemon stored ${mismatches.length} block(s) under another CID than requested: ${mismatches.slice(0, 5).join(', ')}${mismatches.length > 5 ? ', …' : ''}`)
    }
    if (received !== sent.length) {
      throw new IPFSError(`IPFS error (${path}): the daemon stored ${received} of ${sent.length} blocks`)
    }
  }
}

/** Same CID version, codec, hash function and digest length. */
function samePrefix (a: CID, b: CID): boolean {
  return a.version === b.version && a.code === b.code && a.multihash.code === b.multihash.code && a.multihash.size === b.multihash.size
}

/** Parses a `pin/ls` answer object (stream form or `Keys` map). */
function pinEntry (obj: unknown, path: string): IPFSPinInfo[] {
  if (obj == null || typeof obj !== 'object') {
    throw new IPFSError(`IPFS error (${path}): unexpected answer ${JSON.stringify(obj)}`)
  }
  const o = obj as { Cid?: unknown, Type?: unknown, Keys?: unknown }
  if (typeof o.Cid === 'string') {
    return [{ cid: pinCid(o.Cid, path), type: ipfsPinStatusFromString(typeof o.Type === 'string' ? o.Type : '') }]
  }
  if (o.Keys != null && typeof o.Keys === 'object') {
    return Object.entries(o.Keys as Record<string, { Type?: unknown } | null>).map(([k, v]) => ({
      cid: pinCid(k, path),
      type: ipfsPinStatusFromString(typeof v?.Type === 'string' ? v.Type : '')
    }))
  }
  throw new IPFSError(`IPFS error (${path}): unexpected answer ${JSON.stringify(obj)}`)
}

/** A CID of a pin listing (parseCid has the fast path for the usual base32 CIDv1). */
function pinCid (s: string, path: string): CID {
  try {
    return parseCid(s)
  } catch (err) {
    throw new IPFSError(`IPFS error (${path}): bad CID ${JSON.stringify(s)}: ${(err as Error).message}`)
  }
}

function progressOf (obj: unknown): number | undefined {
  const p = (obj as { Progress?: unknown } | null)?.Progress
  if (typeof p === 'number') return p
  if (typeof p === 'string' && /^\d+$/.test(p)) return Number(p)
  return undefined
}

function gcKey (key: unknown, path: string): CID | null {
  if (key == null) return null
  let s: unknown = key
  if (typeof key === 'object') s = (key as { '/'?: unknown })['/']
  if (typeof s !== 'string' || s === '') {
    throw new IPFSError(`IPFS error (${path}): bad Key ${JSON.stringify(key)}`)
  }
  return pinCid(s, path)
}

/** An unsigned integer field, as a JSON number or string, read from the raw text to keep precision. */
function uintField (text: string, parsed: Record<string, unknown>, key: string): bigint {
  const v = parsed[key]
  if (v == null) return 0n
  if (typeof v !== 'number' && typeof v !== 'string') {
    throw new IPFSError(`IPFS error (repo/stat?size-only=true): ${key} is not a number`)
  }
  const m = new RegExp(`"${key}"\\s*:\\s*"?(\\d+)"?`).exec(text)
  if (m == null) {
    throw new IPFSError(`IPFS error (repo/stat?size-only=true): ${key} is not an unsigned integer: ${JSON.stringify(v)}`)
  }
  return BigInt(m[1])
}
