/**
 * Pinning Service API routes (HTTP spec §5.4).
 */
import { cidToString, parseCid } from '../api/encoding.js'
import { defaultPinOptions } from '../api/json.js'
import { InvalidArgumentError, NotFoundError } from '../errors.js'
import { errorMessage, type Exchange } from '../httpapi/exchange.js'
import { inCompletionOrder } from '../httpapi/parallel.js'
import { HTTPAPIServer, type Route } from '../httpapi/server.js'
import { globalPinInfoToSvcPinStatus, listOptionsFromQuery, matchesMeta, matchesName, pinToSvcPinStatus, svcPinFromJSON, svcPinStatusToJSON, svcStatusToTrackerFilter, SvcStatus, type SvcPinStatus, type SvcPinStatusJSON } from './types.js'
import type { Pin, PinOptions } from '../api/types.js'
import type { HTTPAPIConfig } from '../config/types.js'
import type { ClusterAPI, Logger, Startable } from '../interfaces.js'
import type { PinningServiceAPIComponents } from './index.js'
import type { CID } from 'multiformats/cid'

/** Pinning service error body: `{"error":{"reason":"<text>"}}`. */
export function pinsvcErrorBody (message: string): { error: { reason: string } } {
  return { error: { reason: message } }
}

const CIDS_CONCURRENCY = 64

function requestIdParam (ex: Exchange): CID {
  try {
    return parseCid(ex.params.requestID)
  } catch (err) {
    throw new InvalidArgumentError(`error decoding requestID: ${errorMessage(err)}`)
  }
}

export class PinningServiceAPIServer implements Startable {
  private readonly cluster: ClusterAPI
  private readonly server: HTTPAPIServer
  private readonly log: Logger

  constructor (components: PinningServiceAPIComponents, init: HTTPAPIConfig) {
    this.cluster = components.cluster
    this.log = components.logger.forComponent('pinsvcapi')
    this.server = new HTTPAPIServer({
      name: 'pinsvcapi',
      config: init,
      logger: components.logger,
      errorBody: pinsvcErrorBody,
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
    return [
      { method: 'GET', path: '/pins', handler: async (ex) => { await this.listPins(ex) } },
      { method: 'POST', path: '/pins', handler: async (ex) => { await this.addPin(ex) } },
      { method: 'GET', path: '/pins/{requestID}', handler: async (ex) => { await this.getPin(ex) } },
      { method: 'POST', path: '/pins/{requestID}', handler: async (ex) => { await this.replacePin(ex) } },
      {
        method: 'DELETE',
        path: '/pins/{requestID}',
        handler: async (ex) => {
          const cid = requestIdParam(ex)
          await this.cluster.unpin(cid, { signal: ex.signal })
          ex.sendEmpty(202)
        }
      }
    ]
  }

  /** The request body Pin; a body without `cid` is refused (quirk #7 fixed). */
  private async bodyPin (ex: Exchange): Promise<{ cid: CID, options: PinOptions }> {
    const raw = await ex.readBody()
    let pin
    try {
      pin = svcPinFromJSON(JSON.parse(raw.toString('utf8')))
    } catch (err) {
      throw new InvalidArgumentError(`error decoding request body: ${errorMessage(err)}`)
    }
    if (pin.cid == null) {
      throw new InvalidArgumentError('error decoding request body: the pin has no cid')
    }
    const options: PinOptions = {
      ...defaultPinOptions(),
      name: pin.name,
      origins: pin.origins.length > 0 ? pin.origins : null,
      metadata: pin.meta,
      mode: 'recursive'
    }
    return { cid: pin.cid, options }
  }

  /**
   * Delegates of a new pin: IPFS addresses (from the cached ping metrics)
   * of the allocated peers, or of every cluster peer for pin-everywhere.
   */
  private async delegates (pin: Pin, signal: AbortSignal): Promise<string[]> {
    let peers: string[] = pin.allocations
    if (pin.replicationFactorMin === -1 && pin.replicationFactorMax === -1) {
      try {
        peers = (await this.cluster.id({ signal })).clusterPeers ?? []
      } catch (err) {
        this.log.error('error listing cluster peers: %s', errorMessage(err))
        peers = []
      }
    }
    const out: string[] = []
    for (const p of peers) {
      try {
        out.push(...(this.cluster.ipfsID(p).addresses ?? []))
      } catch (err) {
        this.log.error('error getting IPFS ID of %s: %s', p, errorMessage(err))
      }
    }
    return out
  }

  private async pinStatusOf (pin: Pin, signal: AbortSignal): Promise<SvcPinStatusJSON> {
    return svcPinStatusToJSON(pinToSvcPinStatus(cidToString(pin.cid), pin, await this.delegates(pin, signal)))
  }

  private async addPin (ex: Exchange): Promise<void> {
    const { cid, options } = await this.bodyPin(ex)
    const pin = await this.cluster.pin(cid, options, { signal: ex.signal })
    ex.sendJSON(await this.pinStatusOf(pin, ex.signal))
  }

  private async getPin (ex: Exchange): Promise<void> {
    const cid = requestIdParam(ex)
    let st: SvcPinStatus
    try {
      st = globalPinInfoToSvcPinStatus(cidToString(cid), await this.cluster.status(cid, { signal: ex.signal }))
    } catch (err) {
      // Any error is reported as not found (quirk #10, kept).
      this.log.debug('status of %s: %s', cidToString(cid), errorMessage(err))
      throw new NotFoundError('pin not found')
    }
    if (st.status === SvcStatus.Undefined) {
      throw new NotFoundError('pin not found')
    }
    ex.sendJSON(svcPinStatusToJSON(st))
  }

  /**
   * Replace: pins the body CID as an update of the request ID, then unpins
   * the request ID. A body CID equal to the request ID just re-pins it with
   * the new options (quirk #9 fixed: it is not unpinned).
   */
  private async replacePin (ex: Exchange): Promise<void> {
    const existing = requestIdParam(ex)
    const { cid, options } = await this.bodyPin(ex)
    const same = cid.equals(existing)
    if (!same) options.pinUpdate = existing
    const pin = await this.cluster.pin(cid, options, { signal: ex.signal })
    if (!same) {
      await this.cluster.unpin(existing, { signal: ex.signal })
    }
    ex.sendJSON(await this.pinStatusOf(pin, ex.signal))
  }

  private async listPins (ex: Exchange): Promise<void> {
    const opts = listOptionsFromQuery(ex.query)
    const signal = ex.signal
    const results: SvcPinStatusJSON[] = []
    let count = 0n
    const keep = (st: SvcPinStatus): void => {
      if (BigInt(results.length) < opts.limit) results.push(svcPinStatusToJSON(st))
      count++
    }
    if (opts.cids.length > 0) {
      for await (const r of inCompletionOrder(opts.cids, CIDS_CONCURRENCY, async (cid) => await this.cluster.status(cid, { signal }))) {
        if (!r.ok) throw r.error
        const st = globalPinInfoToSvcPinStatus(cidToString(r.value.cid), r.value)
        if (st.status === SvcStatus.Undefined) continue
        keep(st)
      }
    } else {
      for await (const gpi of this.cluster.statusAll(svcStatusToTrackerFilter(opts.status), { signal })) {
        const st = globalPinInfoToSvcPinStatus(cidToString(gpi.cid), gpi)
        if (st.status === SvcStatus.Undefined) continue
        const created = st.created?.getTime() ?? -Infinity
        if (opts.after != null && created < opts.after.getTime()) continue
        if (opts.before != null && created > opts.before.getTime()) continue
        if (!matchesName(st.pin.name, opts.name, opts.match)) continue
        if (!matchesMeta(st.pin.meta, opts.meta)) continue
        keep(st)
      }
    }
    ex.sendJSON({ count, results })
  }
}
