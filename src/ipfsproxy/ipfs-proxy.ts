/**
 * The IPFS proxy server (HTTP spec §6): listeners, access log, path
 * cleaning, the hijacked routes, and everything else reverse-proxied to the
 * IPFS daemon, or answered by the proxy itself when the peer runs the
 * embedded IPFS node.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { AbortError, ConfigError } from '../errors.js'
import { AccessLog } from '../httpapi/access-log.js'
import { Exchange, errorMessage } from '../httpapi/exchange.js'
import { cleanPath, compilePattern, type RoutePattern } from '../httpapi/router.js'
import { answerAsterisk, closeHttpServers, encodePath, httpServerOptions, listenServer, parseListenAddress, parseRequestTarget, superviseRequest } from '../httpapi/server.js'
import { hasEmbeddedContent } from '../ipfsconn/embedded/index.js'
import { EmbeddedRPC, type EmbeddedNode } from './embedded-rpc.js'
import { HijackHeaders } from './headers.js'
import { Hijacker } from './hijack.js'
import { kuboErrorBody } from './kubo-output.js'
import { Upstream } from './upstream.js'
import type { IPFSProxyComponents, IPFSProxyInit } from './index.js'
import type { ClusterAPI, Logger, Startable } from '../interfaces.js'
import type { SocketAddress } from '../utils/multiaddr.js'

/** Methods the hijacked routes accept (others are proxied: OPTIONS, HEAD…). */
const HIJACK_METHODS = new Set(['POST', 'GET', 'PUT'])

type HijackName = 'pin/add' | 'pin/rm' | 'pin/ls' | 'pin/update' | 'add' | 'repo/stat' | 'repo/gc' | 'block/put' | 'dag/put'

interface HijackRoute {
  name: HijackName
  pattern: RoutePattern
  /** `/{arg}` variant: the segment becomes the `arg` query parameter. */
  slash: boolean
}

const HIJACKED: HijackRoute[] = [
  ...(['pin/add', 'pin/rm', 'pin/ls'] as const).flatMap((name) => [
    { name, pattern: compilePattern(`/api/v0/${name}/{arg}`), slash: true },
    { name, pattern: compilePattern(`/api/v0/${name}`), slash: false }
  ]),
  ...(['pin/update', 'add', 'repo/stat', 'repo/gc', 'block/put', 'dag/put'] as const).map((name) => (
    { name, pattern: compilePattern(`/api/v0/${name}`), slash: false }
  ))
]

export class IPFSProxy implements Startable {
  private readonly cluster: ClusterAPI
  private readonly config: IPFSProxyInit
  private readonly log: Logger
  private readonly accessLog: AccessLog
  private readonly components: IPFSProxyComponents
  private upstream?: Upstream
  private headers?: HijackHeaders
  private readonly hijacker: Hijacker
  private readonly embeddedRPC: EmbeddedRPC
  private servers: Server[] = []
  private bound: string[] = []
  private shutdown = new AbortController()
  private started = false

  constructor (components: IPFSProxyComponents, init: IPFSProxyInit) {
    this.components = components
    this.cluster = components.cluster
    this.config = init
    this.log = components.logger.forComponent('ipfsproxy')
    this.accessLog = new AccessLog(init.logFile, components.logger.forComponent('ipfsproxylog'))
    const server = `ipfs-cluster/ipfsproxy/${this.cluster.version().version}`
    this.hijacker = new Hijacker({ cluster: this.cluster, logger: this.log, lifetime: () => this.shutdown.signal })
    this.embeddedRPC = new EmbeddedRPC({ logger: this.log, version: this.cluster.version().version, server })
  }

  addresses (): string[] {
    return [...this.bound]
  }

  async start (): Promise<void> {
    if (this.started) return
    this.shutdown = new AbortController()
    const cfg = this.config
    try {
      this.upstream = new Upstream({ nodeMultiaddress: cfg.nodeMultiaddress, https: cfg.nodeHttps, ca: this.components.nodeCA, logger: this.log })
    } catch (err) {
      throw new ConfigError(`error parsing ipfs node_multiaddress: ${errorMessage(err)}`)
    }
    this.headers = new HijackHeaders({
      upstream: this.upstream,
      extractExtra: cfg.extractHeadersExtra,
      extractPath: cfg.extractHeadersPath,
      ttl: cfg.extractHeadersTTL,
      server: `ipfs-cluster/ipfsproxy/${this.cluster.version().version}`,
      logger: this.log,
      now: this.components.now
    })
    this.accessLog.open()
    try {
      for (const addr of cfg.listenMultiaddress) {
        let sock: SocketAddress
        try {
          sock = parseListenAddress(addr)
        } catch (err) {
          throw new ConfigError(`error parsing proxy listen_multiaddress: ${errorMessage(err)}`)
        }
        const server = createServer(httpServerOptions(cfg), (req, res) => { this.handle(req, res) })
        this.servers.push(server)
        this.bound.push(await listenServer(server, sock))
      }
    } catch (err) {
      await this.closeServers()
      await this.accessLog.close()
      this.upstream.close()
      throw err
    }
    this.started = true
    for (const a of this.bound) {
      const target = this.embeddedNode() != null ? 'the embedded IPFS node' : cfg.nodeMultiaddress
      this.log.info('IPFS Proxy: %s -> %s', a, target)
    }
  }

  async stop (): Promise<void> {
    if (this.started) this.log.info('stopping IPFS Proxy')
    this.shutdown.abort(new AbortError('IPFS proxy stopping'))
    await this.closeServers()
    await this.accessLog.close()
    this.upstream?.close()
    this.started = false
  }

  private async closeServers (): Promise<void> {
    const servers = this.servers
    this.servers = []
    this.bound = []
    await closeHttpServers(servers)
  }

  /** The embedded node when the peer runs one (no daemon to forward to). */
  private embeddedNode (): EmbeddedNode | undefined {
    let connector
    try {
      connector = this.cluster.ipfsConnector()
    } catch {
      return undefined
    }
    return connector != null && hasEmbeddedContent(connector) ? connector : undefined
  }

  private handle (req: IncomingMessage, res: ServerResponse): void {
    let ex: Exchange | undefined
    let extraBytes = 0
    const signal = superviseRequest(req, res, {
      writeTimeout: this.config.writeTimeout,
      shutdown: this.shutdown.signal,
      accessLog: this.accessLog,
      bytesWritten: () => (ex?.bytesWritten ?? 0) + extraBytes,
      activity: this.components.activity
    })
    res.on('error', (err) => { this.log.debug('response to %s %s: %s', req.method, req.url, err.message) })

    const target = parseRequestTarget(req.url)
    if (target === undefined) {
      answerAsterisk(req, res)
      return
    }
    const { rawPath, rawQuery, path, badPath } = target
    if (badPath !== undefined) {
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' })
      res.end(`400 Bad Request: ${errorMessage(badPath)}`)
      return
    }
    const exchange = new Exchange(req, res, path, rawQuery, signal, {
      headers: {},
      errorBody: (message) => kuboErrorBody(message),
      logger: this.log
    })
    ex = exchange
    void this.dispatch(exchange, rawPath, target.origin, (n) => { extraBytes += n }).catch((err) => {
      this.log.error('error handling %s %s: %s', req.method, req.url, errorMessage(err))
      if (!res.headersSent) {
        res.setHeader('Content-Type', 'application/json')
        res.writeHead(500)
        exchange.end(JSON.stringify(kuboErrorBody(errorMessage(err))))
      } else {
        res.destroy()
      }
    })
  }

  private async dispatch (ex: Exchange, rawPath: string, target: string, countBytes: (n: number) => void): Promise<void> {
    const { req, res } = ex
    // gorilla/mux path cleaning (no trailing-slash redirect)
    const clean = cleanPath(ex.path)
    if (clean !== ex.path) {
      res.setHeader('Location', encodePath(clean) + (ex.rawQuery !== '' ? `?${ex.rawQuery}` : ''))
      res.writeHead(301)
      ex.end()
      req.resume()
      return
    }

    const embedded = this.embeddedNode()
    const route = HIJACK_METHODS.has(ex.method) ? this.hijackRoute(ex) : undefined
    if (route != null) {
      await this.hijack(ex, route, rawPath, embedded)
      return
    }
    if (embedded != null) {
      await this.embeddedRPC.handle(ex, embedded)
      return
    }
    countBytes(await (this.upstream as Upstream).forward(req, res, target, ex.signal))
  }

  private hijackRoute (ex: Exchange): HijackRoute | undefined {
    for (const r of HIJACKED) {
      const m = r.pattern.regex.exec(ex.path)
      if (m == null) continue
      if ((r.name === 'block/put' || r.name === 'dag/put') && ex.query.get('pin') !== 'true') return undefined
      if (r.slash) {
        this.log.warn('You are using an undocumented form of the IPFS API. Consider passing your command arguments with the \'?arg=\' query parameter')
        ex.query.set('arg', m[1])
      }
      return r
    }
    return undefined
  }

  private async hijack (ex: Exchange, route: HijackRoute, rawPath: string, embedded: EmbeddedNode | undefined): Promise<void> {
    const headers = this.headers as HijackHeaders
    if (embedded != null) {
      headers.own(ex.res)
    } else {
      await headers.apply(ex.req, ex.res, rawPath, ex.signal)
    }
    if (ex.signal.aborted) return
    const h = this.hijacker
    switch (route.name) {
      case 'pin/add': return await h.pinOp(ex, 'pin')
      case 'pin/rm': return await h.pinOp(ex, 'unpin')
      case 'pin/ls': return await h.pinLs(ex)
      case 'pin/update': return await h.pinUpdate(ex)
      case 'repo/stat': return await h.repoStat(ex)
      case 'repo/gc': return await h.repoGC(ex)
      case 'add': return await h.add(ex)
      case 'block/put':
      case 'dag/put': {
        const kind = route.name === 'block/put' ? 'block' : 'dag'
        if (embedded != null) {
          await h.putAndPin(ex, kind, undefined, (e, k) => this.embeddedRPC.put(e, embedded, k))
        } else {
          await h.putAndPin(ex, kind, this.upstream, undefined)
        }
      }
    }
  }
}
