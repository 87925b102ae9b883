/**
 * API endpoint addresses of the client: multiaddrs parsed into socket
 * targets, DNS expansion, and detection of libp2p (`/p2p/`) endpoints.
 */
import { lookup } from 'node:dns/promises'
import { multiaddr } from '@multiformats/multiaddr'
import { InvalidArgumentError } from '../errors.js'

export type ApiAddress =
  | { kind: 'tcp', host: string, port: number, family: 0 | 4 | 6, dns: boolean, multiaddr: string }
  | { kind: 'unix', path: string, multiaddr: string }
  | { kind: 'libp2p', multiaddr: string }

/**
 * Parses an API multiaddr. Errors read like Go's:
 * `failed to parse multiaddr "<addr>": <reason>`.
 */
export function parseApiAddress (addr: string): ApiAddress {
  if (addr === '') {
    throw new InvalidArgumentError('failed to parse multiaddr "": empty multiaddr')
  }
  if (!addr.startsWith('/')) {
    throw new InvalidArgumentError(`failed to parse multiaddr ${JSON.stringify(addr)}: must begin with /`)
  }
  if (addr.startsWith('/unix/')) {
    // Go multiaddr: unix is a path protocol taking the rest of the address
    const path = addr.slice('/unix'.length)
    if (path === '/' || path === '') {
      throw new InvalidArgumentError(`failed to parse multiaddr ${JSON.stringify(addr)}: unexpected end of multiaddr`)
    }
    return { kind: 'unix', path, multiaddr: addr }
  }
  let components
  try {
    components = multiaddr(addr).getComponents()
  } catch (err) {
    throw new InvalidArgumentError(`failed to parse multiaddr ${JSON.stringify(addr)}: ${(err as Error).message}`)
  }
  if (components.some((c) => c.name === 'p2p' || c.name === 'ipfs') || components[0]?.name === 'dnsaddr') {
    return { kind: 'libp2p', multiaddr: addr }
  }
  const [first, second, ...rest] = components
  if (first?.name === 'unix') {
    return { kind: 'unix', path: first.value ?? '', multiaddr: addr }
  }
  if (first == null || second == null || second.name !== 'tcp' || rest.length > 0) {
    throw new InvalidArgumentError(`${addr} is not a valid API endpoint: expected /ip4|ip6|dns|dns4|dns6/<host>/tcp/<port> or /unix/<path>`)
  }
  const port = Number(second.value)
  const host = first.value ?? ''
  switch (first.name) {
    case 'ip4': return { kind: 'tcp', host, port, family: 4, dns: false, multiaddr: addr }
    case 'ip6': return { kind: 'tcp', host, port, family: 6, dns: false, multiaddr: addr }
    case 'dns': return { kind: 'tcp', host, port, family: 0, dns: true, multiaddr: addr }
    case 'dns4': return { kind: 'tcp', host, port, family: 4, dns: true, multiaddr: addr }
    case 'dns6': return { kind: 'tcp', host, port, family: 6, dns: true, multiaddr: addr }
    default:
      throw new InvalidArgumentError(`${addr} is not a valid API endpoint: unsupported protocol ${first.name}`)
  }
}

/** True for libp2p endpoints (`/p2p/<id>` or `/dnsaddr/…`). */
export function isLibp2pAddress (addr: string): boolean {
  try {
    return parseApiAddress(addr).kind === 'libp2p'
  } catch {
    return false
  }
}

/**
 * Expands a DNS endpoint into one endpoint per resolved IP (fail-over
 * order = resolver order), as the Go ctl does when not using HTTPS.
 * Other addresses are returned as they are. 30 s timeout.
 */
export async function resolveApiAddress (a: ApiAddress, options: { timeout?: number } = {}): Promise<ApiAddress[]> {
  if (a.kind !== 'tcp' || !a.dns) return [a]
  const timeout = options.timeout ?? 30000
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    const res = await Promise.race([
      lookup(a.host, { all: true, family: a.family }),
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => { reject(new InvalidArgumentError(`lookup ${a.host}: i/o timeout`)) }, timeout)
      })
    ])
    if (res.length === 0) {
      throw new InvalidArgumentError(`lookup ${a.host}: no such host`)
    }
    return res.map((r) => {
      const family = r.family === 6 ? 6 : 4
      const proto = family === 6 ? 'ip6' : 'ip4'
      return { kind: 'tcp', host: r.address, port: a.port, family, dns: false, multiaddr: `/${proto}/${r.address}/tcp/${a.port}` }
    })
  } catch (err) {
    if ((err as Error).name === 'InvalidArgumentError') throw err
    const code = (err as NodeJS.ErrnoException).code
    throw new InvalidArgumentError(code === 'ENOTFOUND' || code === 'ENODATA' ? `lookup ${a.host}: no such host` : `lookup ${a.host}: ${(err as Error).message}`)
  } finally {
    clearTimeout(timer)
  }
}
