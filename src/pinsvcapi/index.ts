/**
 * @packageDocumentation
 *
 * The Pinning Service API of a cluster peer (HTTP spec §5; default
 * `http://127.0.0.1:9097`): the IPFS Pinning Services API subset that IPFS
 * Cluster serves on top of its pinset, on the common server layer of
 * `../httpapi` (same auth, CORS, TLS), with the `{"error":{"reason":…}}`
 * error body. Request IDs are CIDs.
 *
 * ```ts
 * const api = createPinningServiceAPI({ cluster, logger }, config.api.pinsvcapi)
 * await api.start()
 * ```
 */
import { PinningServiceAPIServer } from './pinning-service-api.js'
import type { HTTPAPIConfig } from '../config/types.js'
import type { ClusterAPI, ComponentLogger, RequestActivity, Startable } from '../interfaces.js'

export interface PinningServiceAPIComponents {
  cluster: ClusterAPI
  logger: ComponentLogger
  /** Requests in flight are counted here (the pin tracker gives way to them). */
  activity?: RequestActivity
}

/** The `api.pinsvcapi` section. */
export type PinningServiceAPIInit = HTTPAPIConfig

export interface PinningServiceAPI extends Startable {
  /** Bound listen addresses (multiaddrs; port 0 resolved), after `start()`. */
  addresses(): string[]
}

export function createPinningServiceAPI (components: PinningServiceAPIComponents, init: PinningServiceAPIInit): PinningServiceAPI {
  return new PinningServiceAPIServer(components, init)
}

export { pinsvcErrorBody } from './pinning-service-api.js'
export * from './types.js'
