/**
 * @packageDocumentation
 *
 * The IPFS proxy of a cluster peer (HTTP spec §6; default
 * `http://127.0.0.1:9095` → Kubo at `/ip4/127.0.0.1/tcp/5001`): a Kubo RPC
 * endpoint where `pin/add`, `pin/rm`, `pin/ls`, `pin/update`, `add`,
 * `repo/stat`, `repo/gc` and pinned `block/put`/`dag/put` become cluster
 * operations, and every other call is reverse-proxied to the IPFS daemon
 * (`node_multiaddress`, TCP or unix socket, https with `node_https`).
 *
 * Hijacked answers carry the daemon's CORS headers for the request (asked
 * with an `OPTIONS`), the extracted headers (`extract_headers_*`) and
 * `Server: ipfs-cluster/ipfsproxy/<version>`.
 *
 * When the peer runs the embedded IPFS node there is no daemon: the proxy
 * answers the common read calls itself (`id`, `version`, `cat`, `get`,
 * `ls`, `block/get|stat|put`, `dag/get|put`, `refs`, `refs/local`,
 * `resolve`, `swarm/peers`) with Kubo's shapes, and other calls with a 404
 * Kubo error.
 *
 * ```ts
 * const proxy = createIPFSProxy({ cluster, logger }, config.api.ipfsproxy)
 * await proxy.start()
 * proxy.addresses() // ['/ip4/127.0.0.1/tcp/9095']
 * ```
 */
import { IPFSProxy } from './ipfs-proxy.js'
import type { IPFSProxyConfig } from '../config/types.js'
import type { ClusterAPI, ComponentLogger, RequestActivity, Startable } from '../interfaces.js'

export interface IPFSProxyComponents {
  cluster: ClusterAPI
  logger: ComponentLogger
  /** Requests in flight are counted here (the pin tracker gives way to them). */
  activity?: RequestActivity
  /** Extra CA certificates trusted for `node_https` (default: the system's). */
  nodeCA?: string | Buffer | Array<string | Buffer>
  /** Clock of the extracted-headers TTL (ms; default Date.now). */
  now?: () => number
}

/** The `api.ipfsproxy` section. */
export type IPFSProxyInit = IPFSProxyConfig

export interface IPFSProxyAPI extends Startable {
  /** Bound listen addresses (multiaddrs; port 0 resolved), after `start()`. */
  addresses(): string[]
}

export function createIPFSProxy (components: IPFSProxyComponents, init: IPFSProxyInit): IPFSProxyAPI {
  return new IPFSProxy(components, init)
}

export { kuboAddEvent } from './hijack.js'
export { tarHeader, tarStream, tarEnd } from './tar.js'
export type { TarEntry } from './tar.js'
