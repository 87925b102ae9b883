/**
 * @packageDocumentation
 *
 * The `ipfshttp` IPFS connector: the cluster peer as a client of a Kubo
 * RPC API (HTTP spec §7). Pins with a stall watchdog, streams pin listings
 * and block uploads, rate-limits requests while the daemon is unreachable
 * and warns, with the address it tried, until it answers. It also works
 * against the js-ipfs daemon (numbers as strings, base58 CIDv1, no
 * `pin/update`, legacy `block/put`).
 */
import { IPFSHTTPConnector } from './ipfs-http-connector.js'
import type { IPFSHTTPConfig } from '../../config/types.js'
import type { AbortOptions, ComponentLogger, IPFSConnector } from '../../interfaces.js'

export interface IPFSHTTPConnectorComponents {
  logger: ComponentLogger
  /**
   * Called every `informer_trigger_interval`-th metric-relevant operation
   * (start and end of each real pin, end of each block stream, end of repo
   * GC): the cluster re-broadcasts its informer metrics.
   */
  onMetricRelevantOp?: () => void
  /**
   * The IPFS swarm addresses of the other cluster peers' daemons. When
   * given, IPFS is asked to connect to them `connect_swarms_delay` after
   * the daemon became ready.
   */
  peersIPFSAddresses?: (options?: AbortOptions) => Promise<string[]>
}

export interface IPFSHTTPConnectorInit extends IPFSHTTPConfig {
  /** Interval of the readiness poll of `id` (ms, default 1000). */
  readyPollInterval?: number
  /** Interval between repeated "IPFS unreachable" warnings (ms, default 10000). */
  unreachableWarnInterval?: number
}

export function createIPFSHTTPConnector (components: IPFSHTTPConnectorComponents, init: IPFSHTTPConnectorInit): IPFSConnector {
  return new IPFSHTTPConnector(components, init)
}

export { IPFSHTTPConnector }
