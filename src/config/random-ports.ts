/**
 * `init --randomports`: replaces every TCP/UDP port of a multiaddress with
 * a currently free ephemeral port, found by binding port 0 on that IP.
 */
import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'
import { componentsToString, parseMultiaddr } from './multiaddr.js'

async function freeTcpPort (host: string): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen({ host, port: 0, exclusive: true }, () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr != null ? addr.port : 0
      srv.close(() => { resolve(port) })
    })
  })
}

async function freeUdpPort (host: string, family: 4 | 6): Promise<number> {
  return await new Promise((resolve, reject) => {
    const sock = createSocket(family === 6 ? 'udp6' : 'udp4')
    sock.once('error', reject)
    sock.bind(0, host, () => {
      const port = sock.address().port
      sock.close(() => { resolve(port) })
    })
  })
}

/** Returns the address with every tcp/udp port replaced by a free one. */
export async function randomizePorts (addr: string): Promise<string> {
  const comps = parseMultiaddr(addr)
  let host = '0.0.0.0'
  let family: 4 | 6 = 4
  for (const c of comps) {
    if (c.name === 'ip4') { host = c.value ?? host; family = 4 }
    if (c.name === 'ip6') { host = c.value ?? host; family = 6 }
    if (c.name === 'tcp') c.value = String(await freeTcpPort(host))
    if (c.name === 'udp') c.value = String(await freeUdpPort(host, family))
  }
  return componentsToString(comps)
}
