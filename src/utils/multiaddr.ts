/**
 * Helpers to turn multiaddrs into socket addresses (HTTP listeners and
 * clients) without pulling the whole libp2p stack.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { InvalidArgumentError } from '../errors.js'

export type SocketAddress =
  | { kind: 'tcp', host: string, port: number, family: 4 | 6, dns: boolean }
  | { kind: 'unix', path: string }

/**
 * Parses `/ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>` or `/unix/<path>`.
 * Throws InvalidArgumentError for anything else.
 */
export function multiaddrToSocket (addr: string): SocketAddress {
  // Go writes unix paths as is (`/unix/run/ipfs.sock`); multiaddr 13 wants
  // them URL-encoded (`/unix/%2Frun%2Fipfs.sock`). Accept both.
  if (addr.startsWith('/unix/')) {
    const rest = addr.slice('/unix'.length)
    const path = rest.startsWith('/%2F') || rest.startsWith('/%2f') ? decodeURIComponent(rest.slice(1)) : rest
    if (path === '/' || path === '') {
      throw new InvalidArgumentError(`empty unix socket path: ${addr}`)
    }
    return { kind: 'unix', path }
  }
  let components
  try {
    components = multiaddr(addr).getComponents()
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message)
  }
  const first = components[0]
  if (first == null) {
    throw new InvalidArgumentError(`empty multiaddress: ${addr}`)
  }
  if (first.name === 'unix') {
    return { kind: 'unix', path: first.value ?? '' }
  }
  const second = components[1]
  if (second == null || second.name !== 'tcp') {
    throw new InvalidArgumentError(`${addr} is not a TCP or unix socket multiaddress`)
  }
  const port = Number(second.value)
  switch (first.name) {
    case 'ip4': return { kind: 'tcp', host: first.value ?? '', port, family: 4, dns: false }
    case 'ip6': return { kind: 'tcp', host: first.value ?? '', port, family: 6, dns: false }
    case 'dns':
    case 'dns4': return { kind: 'tcp', host: first.value ?? '', port, family: 4, dns: true }
    case 'dns6': return { kind: 'tcp', host: first.value ?? '', port, family: 6, dns: true }
    default:
      throw new InvalidArgumentError(`${addr}: unsupported protocol ${first.name}`)
  }
}

/** `http://host:port` for a TCP multiaddr (IPv6 hosts bracketed). */
export function multiaddrToHttpBase (addr: string, https = false): string {
  const s = multiaddrToSocket(addr)
  if (s.kind === 'unix') {
    throw new InvalidArgumentError(`${addr}: unix sockets have no URL`)
  }
  const host = s.family === 6 && !s.dns ? `[${s.host}]` : s.host
  return `${https ? 'https' : 'http'}://${host}:${s.port}`
}

/** True for 127.0.0.0/8, ::1 and `localhost`. */
export function isLoopbackHost (host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.')
}
