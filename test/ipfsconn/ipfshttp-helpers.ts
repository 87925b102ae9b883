/**
 * Shared setup of the ipfshttp connector tests.
 */
import { createLogger, silentLogger } from '../../src/logging/index.js'
import { createIPFSHTTPConnector } from '../../src/ipfsconn/ipfshttp/index.js'
import type { IPFSHTTPConnectorComponents, IPFSHTTPConnectorInit } from '../../src/ipfsconn/ipfshttp/index.js'
import type { ComponentLogger, IPFSConnector } from '../../src/interfaces.js'

/** The defaults of the `ipfshttp` config section, with short test timeouts. */
export function connectorConfig (nodeMultiaddress: string, overrides: Partial<IPFSHTTPConnectorInit> = {}): IPFSHTTPConnectorInit {
  return {
    nodeMultiaddress,
    connectSwarmsDelay: 0,
    ipfsRequestTimeout: 10000,
    pinTimeout: 2000,
    unpinTimeout: 10000,
    repogcTimeout: 30000,
    informerTriggerInterval: 0,
    unpinDisable: false,
    ...overrides
  }
}

export interface CapturedLog {
  logger: ComponentLogger
  lines: string[]
  /** Lines of one level (`WARN`…), message part only. */
  messages: (level: string) => string[]
}

/** A logger that keeps every line (debug included). */
export function captureLogger (): CapturedLog {
  const lines: string[] = []
  const logger = createLogger({ sink: (l) => { lines.push(l) }, levels: { default: 'debug', facilities: new Map() } })
  return {
    logger,
    lines,
    messages: (level) => lines
      .map((l) => l.split('\t'))
      .filter((p) => p[1] === level)
      .map((p) => p.slice(3).join('\t'))
  }
}

export async function startConnector (nodeMultiaddress: string, overrides: Partial<IPFSHTTPConnectorInit> = {}, components: Partial<IPFSHTTPConnectorComponents> = {}): Promise<IPFSConnector> {
  const c = createIPFSHTTPConnector({ logger: silentLogger(), ...components }, connectorConfig(nodeMultiaddress, overrides))
  await c.start()
  return c
}
