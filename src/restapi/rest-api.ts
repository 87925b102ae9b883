/**
 * The REST API routes (HTTP spec §4.1–§4.6).
 */
import { getCI, parseCid, parsePeerId } from '../api/encoding.js'
import { parseTrackerStatusFilter, pinTypeFromString, PinType } from '../api/enums.js'
import { toJSONText, addedOutputToJSON, alertToJSON, bandwidthToJSON, connectGraphToJSON, globalPinInfoToJSON, globalRepoGCToJSON, idToJSON, metricToJSON, pinInfoToGlobal, pinToJSON, pinToJSONText } from '../api/json.js'
import { InvalidArgumentError, isAbortError } from '../errors.js'
import { serveAdd } from '../httpapi/add.js'
import { errorMessage, trailerValue, type Exchange } from '../httpapi/exchange.js'
import { multipartBoundary, multipartEntries } from '../httpapi/multipart.js'
import { inCompletionOrder } from '../httpapi/parallel.js'
import { parseAddParams, parsePinOptionsQuery } from '../httpapi/params.js'
import { HTTPAPIServer, type Route } from '../httpapi/server.js'
import type { GlobalPinInfo, PinOptions } from '../api/types.js'
import type { HTTPAPIConfig } from '../config/types.js'
import type { AddParams, ClusterAPI, Startable } from '../interfaces.js'
import type { RESTAPIComponents } from './index.js'
import type { CID } from 'multiformats/cid'

/** REST error body: `{"code":<status>,"message":"<text>"}`. */
export function restErrorBody (message: string, code: number): { code: number, message: string } {
  return { code, message }
}

/** Concurrency of `GET /pins?cids=` status calls. */
const CIDS_CONCURRENCY = 64

function cidParam (ex: Exchange, name = 'hash'): CID {
  try {
    return parseCid(ex.params[name])
  } catch (err) {
    throw new InvalidArgumentError(`error decoding Cid: ${errorMessage(err)}`)
  }
}

/** The query as PinOptions; a parse error is a 400 (quirk #2 fixed: one response). */
function pinOptions (ex: Exchange): PinOptions {
  return parsePinOptionsQuery(ex.query)
}

function isLocal (ex: Exchange): boolean {
  return ex.query.get('local') === 'true'
}

/**
 * `/pins/{keyType}/{path}` → `/<keyType>/<path>` validated as an IPFS path
 * (`/ipfs/<cid>…`, `/ipld/<cid>…`, `/ipns/<name>…`).
 */
export function ipfsPathParam (keyType: string, path: string): string {
  let p = `/${keyType}/${path}`
  if (p.endsWith('/')) p = p.slice(0, -1)
  const segs = p.split('/')
  const root = segs[2] ?? ''
  try {
    if (root === '') {
      throw new InvalidArgumentError(`invalid path ${JSON.stringify(p)}: path does not have enough components`)
    }
    if (keyType === 'ipfs' || keyType === 'ipld') {
      try {
        parseCid(root)
      } catch (err) {
        throw new InvalidArgumentError(`invalid path ${JSON.stringify(p)}: ${errorMessage(err)}`)
      }
    }
  } catch (err) {
    throw new InvalidArgumentError(`error parsing path: ${errorMessage(err)}`)
  }
  return p
}

export class RESTAPIServer implements Startable {
  private readonly cluster: ClusterAPI
  private readonly server: HTTPAPIServer

  constructor (components: RESTAPIComponents, init: HTTPAPIConfig) {
    this.cluster = components.cluster
    this.server = new HTTPAPIServer({
      name: 'restapi',
      config: init,
      logger: components.logger,
      errorBody: restErrorBody,
      routes: this.routes(),
      activity: components.activity
    })
  }

  async start (): Promise<void> {
    await this.server.start()
  }

  async stop (): Promise<void> {
    await this.server.stop()
  }

  addresses (): string[] {
    return this.server.addresses()
  }

  private routes (): Route[] {
    const c = this.cluster
    return [
      { method: 'GET', path: '/id', handler: async (ex) => { ex.sendJSON(idToJSON(await c.id({ signal: ex.signal }))) } },
      { method: 'GET', path: '/version', handler: (ex) => { ex.sendJSON({ version: c.version().version }) } },
      { method: 'GET', path: '/peers', handler: async (ex) => { await ex.stream(c.peers({ signal: ex.signal }), idToJSON) } },
      { method: 'POST', path: '/peers', handler: async (ex) => { await this.peerAdd(ex) } },
      {
        method: 'DELETE',
        path: '/peers/{peer}',
        handler: async (ex) => {
          let peer: string
          try {
            peer = parsePeerId(ex.params.peer)
          } catch (err) {
            throw new InvalidArgumentError(`error decoding Peer ID: ${errorMessage(err)}`)
          }
          await c.peerRemove(peer, { signal: ex.signal })
          ex.sendEmpty(204)
        }
      },
      { method: 'POST', path: '/add', handler: async (ex) => { await this.add(ex) } },
      { method: 'GET', path: '/allocations', handler: async (ex) => { await this.allocations(ex) } },
      {
        method: 'GET',
        path: '/allocations/{hash}',
        handler: async (ex) => {
          const cid = cidParam(ex)
          pinOptions(ex)
          ex.sendJSON(pinToJSON(await c.pinGet(cid, { signal: ex.signal })))
        }
      },
      { method: 'GET', path: '/pins', handler: async (ex) => { await this.statusAll(ex) } },
      {
        method: 'POST',
        path: '/pins/{hash}/recover',
        handler: async (ex) => {
          const cid = cidParam(ex)
          pinOptions(ex)
          const gpi = isLocal(ex) ? pinInfoToGlobal(await c.recoverLocal(cid, { signal: ex.signal })) : await c.recover(cid, { signal: ex.signal })
          ex.sendJSON(globalPinInfoToJSON(gpi))
        }
      },
      {
        method: 'POST',
        path: '/pins/recover',
        handler: async (ex) => {
          const signal = ex.signal
          if (isLocal(ex)) {
            await ex.stream(c.recoverAllLocal({ signal }), (p) => globalPinInfoToJSON(pinInfoToGlobal(p)))
          } else {
            await ex.stream(c.recoverAll({ signal }), globalPinInfoToJSON)
          }
        }
      },
      {
        method: 'GET',
        path: '/pins/{hash}',
        handler: async (ex) => {
          const cid = cidParam(ex)
          pinOptions(ex)
          ex.sendJSON(globalPinInfoToJSON(await this.status(cid, isLocal(ex), ex.signal)))
        }
      },
      {
        method: 'POST',
        path: '/pins/{hash}',
        handler: async (ex) => {
          const cid = cidParam(ex)
          const opts = pinOptions(ex)
          ex.sendJSON(pinToJSON(await c.pin(cid, opts, { signal: ex.signal })))
        }
      },
      {
        method: 'POST',
        path: '/pins/{keyType:ipfs|ipns|ipld}/{path:.*}',
        handler: async (ex) => {
          const path = ipfsPathParam(ex.params.keyType, ex.params.path)
          const opts = pinOptions(ex)
          ex.sendJSON(pinToJSON(await c.pinPath(path, opts, { signal: ex.signal })))
        }
      },
      {
        method: 'DELETE',
        path: '/pins/{hash}',
        handler: async (ex) => {
          const cid = cidParam(ex)
          pinOptions(ex)
          ex.sendJSON(pinToJSON(await c.unpin(cid, { signal: ex.signal })))
        }
      },
      {
        method: 'DELETE',
        path: '/pins/{keyType:ipfs|ipns|ipld}/{path:.*}',
        handler: async (ex) => {
          const path = ipfsPathParam(ex.params.keyType, ex.params.path)
          pinOptions(ex)
          ex.sendJSON(pinToJSON(await c.unpinPath(path, { signal: ex.signal })))
        }
      },
      {
        method: 'POST',
        path: '/ipfs/gc',
        handler: async (ex) => {
          if (isLocal(ex)) {
            const r = await c.repoGCLocal({ signal: ex.signal })
            ex.sendJSON(globalRepoGCToJSON({ peerMap: new Map([[r.peer, r]]) }))
          } else {
            ex.sendJSON(globalRepoGCToJSON(await c.repoGC({ signal: ex.signal })))
          }
        }
      },
      { method: 'GET', path: '/health/graph', handler: async (ex) => { ex.sendJSON(connectGraphToJSON(await c.connectGraph({ signal: ex.signal }))) } },
      { method: 'GET', path: '/health/alerts', handler: (ex) => { ex.sendJSON(c.alerts().map(alertToJSON)) } },
      { method: 'GET', path: '/health/bandwidth', handler: (ex) => { ex.sendJSON(bandwidthToJSON(c.bandwidthByProtocol())) } },
      {
        method: 'GET',
        path: '/monitor/metrics/{name}',
        handler: async (ex) => { ex.sendJSON((await c.latestMetrics(ex.params.name, { signal: ex.signal })).map(metricToJSON)) }
      },
      { method: 'GET', path: '/monitor/metrics', handler: (ex) => { ex.sendJSON([...c.metricNames()]) } }
    ]
  }

  private async status (cid: CID, local: boolean, signal: AbortSignal): Promise<GlobalPinInfo> {
    if (local) {
      return pinInfoToGlobal(await this.cluster.statusLocal(cid, { signal }))
    }
    return await this.cluster.status(cid, { signal })
  }

  private async peerAdd (ex: Exchange): Promise<void> {
    const body = await ex.readBody()
    let peerIdRaw: unknown
    try {
      const v: unknown = JSON.parse(body.toString('utf8'))
      if (v != null && (typeof v !== 'object' || Array.isArray(v))) throw new Error('not an object')
      peerIdRaw = v == null ? undefined : getCI(v as Record<string, unknown>, 'peer_id')
      if (peerIdRaw != null && typeof peerIdRaw !== 'string') throw new Error('peer_id is not a string')
    } catch {
      throw new InvalidArgumentError('error decoding request body')
    }
    let peer: string
    try {
      peer = parsePeerId((peerIdRaw as string | undefined) ?? '')
    } catch {
      throw new InvalidArgumentError('error decoding peer_id')
    }
    ex.sendJSON(idToJSON(await this.cluster.peerAdd(peer, { signal: ex.signal })))
  }

  private async allocations (ex: Exchange): Promise<void> {
    let filter = 0
    for (const f of (ex.query.get('filter') ?? '').split(',')) {
      filter |= pinTypeFromString(f)
    }
    if (filter === PinType.Bad) {
      throw new InvalidArgumentError('invalid filter value')
    }
    await ex.stream(this.cluster.pins(filter, { signal: ex.signal }), pinToJSON, { encodeText: pinToJSONText })
  }

  private async statusAll (ex: Exchange): Promise<void> {
    const signal = ex.signal
    const local = isLocal(ex)
    const cidsStr = ex.query.get('cids') ?? ''
    if (cidsStr !== '') {
      const cids = cidsStr.split(',').map((s) => {
        try {
          return parseCid(s)
        } catch (err) {
          throw new InvalidArgumentError(`error decoding Cid: ${errorMessage(err)}`)
        }
      })
      const errors: unknown[] = []
      const cluster = this
      const results = async function * (): AsyncGenerator<GlobalPinInfo> {
        for await (const r of inCompletionOrder(cids, CIDS_CONCURRENCY, async (cid) => await cluster.status(cid, local, signal))) {
          if (r.ok) yield r.value
          else errors.push(r.error)
        }
      }
      await ex.stream(results(), globalPinInfoToJSON, { extraErrors: () => errors })
      return
    }
    const filterStr = ex.query.get('filter') ?? ''
    const filter = parseTrackerStatusFilter(filterStr)
    if (filter === 0 && filterStr !== '') {
      throw new InvalidArgumentError('invalid filter value')
    }
    if (local) {
      await ex.stream(this.cluster.statusAllLocal(filter, { signal }), (p) => globalPinInfoToJSON(pinInfoToGlobal(p)))
    } else {
      await ex.stream(this.cluster.statusAll(filter, { signal }), globalPinInfoToJSON)
    }
  }

  /**
   * `POST /add` (HTTP spec §4.6). Content type and query are checked first
   * (400); see {@link serveAdd} for the response.
   */
  private async add (ex: Exchange): Promise<void> {
    const boundary = multipartBoundary(ex.req.headers['content-type'])
    const params: AddParams = parseAddParams(ex.query)
    await serveAdd(ex, this.cluster, params, { boundary, encode: addedOutputToJSON })
  }
}
