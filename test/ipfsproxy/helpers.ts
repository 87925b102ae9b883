/**
 * Helpers for the IPFS proxy tests: a proxy config on 127.0.0.1 port 0 and
 * a proxy in front of a fake Kubo and a fake cluster.
 */
import { silentLogger } from '../../src/logging/index.js'
import { createIPFSProxy, type IPFSProxyAPI, type IPFSProxyComponents } from '../../src/ipfsproxy/index.js'
import { targetOf, type Target } from '../helpers/http.js'
import type { IPFSProxyConfig } from '../../src/config/types.js'
import type { ClusterAPI } from '../../src/interfaces.js'

export function proxyConfig (nodeMultiaddress: string, overrides: Partial<IPFSProxyConfig> = {}): IPFSProxyConfig {
  return {
    listenMultiaddress: ['/ip4/127.0.0.1/tcp/0'],
    nodeMultiaddress,
    nodeHttps: false,
    logFile: '',
    readTimeout: 0,
    readHeaderTimeout: 5000,
    writeTimeout: 0,
    idleTimeout: 60000,
    maxHeaderBytes: 4096,
    extractHeadersExtra: [],
    extractHeadersPath: '/api/v0/version',
    extractHeadersTTL: 300000,
    ...overrides
  }
}

export interface RunningProxy {
  proxy: IPFSProxyAPI
  target: Target
  stop: () => Promise<void>
}

export async function startProxy (cluster: ClusterAPI, config: IPFSProxyConfig, extra: Partial<IPFSProxyComponents> = {}): Promise<RunningProxy> {
  const proxy = createIPFSProxy({ cluster, logger: silentLogger(), ...extra }, config)
  await proxy.start()
  return { proxy, target: targetOf(proxy.addresses()[0]), stop: async () => { await proxy.stop() } }
}

/** A free TCP address nobody listens on (a server bound then closed). */
export async function closedPort (): Promise<number> {
  const { createServer } = await import('node:net')
  const s = createServer()
  await new Promise<void>((resolve) => { s.listen(0, '127.0.0.1', resolve) })
  const port = (s.address() as { port: number }).port
  await new Promise<void>((resolve) => { s.close(() => { resolve() }) })
  return port
}
