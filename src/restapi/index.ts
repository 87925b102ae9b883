/**
 * @packageDocumentation
 *
 * The REST API of a cluster peer (HTTP spec §4; default
 * `http://127.0.0.1:9094`): every route of the Go `api/rest` on the common
 * server layer of `../httpapi`. The peer does the work through
 * {@link ClusterAPI}; this component parses requests and writes responses.
 *
 * ```ts
 * const api = createRESTAPI({ cluster, logger }, config.api.restapi)
 * await api.start()
 * api.addresses() // ['/ip4/127.0.0.1/tcp/9094']
 * ```
 */
import { RESTAPIServer } from './rest-api.js'
import type { HTTPAPIConfig } from '../config/types.js'
import type { ClusterAPI, ComponentLogger, RequestActivity, Startable } from '../interfaces.js'

export interface RESTAPIComponents {
  cluster: ClusterAPI
  logger: ComponentLogger
  /** Requests in flight are counted here (the pin tracker gives way to them). */
  activity?: RequestActivity
}

/** The `api.restapi` section. */
export type RESTAPIInit = HTTPAPIConfig

export interface RESTAPI extends Startable {
  /** Bound listen addresses (multiaddrs; port 0 resolved), after `start()`. */
  addresses(): string[]
}

export function createRESTAPI (components: RESTAPIComponents, init: RESTAPIInit): RESTAPI {
  return new RESTAPIServer(components, init)
}

export { restErrorBody } from './rest-api.js'
