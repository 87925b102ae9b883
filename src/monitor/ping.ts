/**
 * The `ping` metric: its value is a JSON document
 * `{"peer_name":…,"ipfs_id":…,"ipfs_addresses":[…]}` (empty keys omitted)
 * that is the source of peer names and IPFS identities of other peers.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net'
import { multiaddr } from '@multiformats/multiaddr'
import { getCI, goJSON } from '../api/encoding.js'
import { newMetric } from './metric.js'
import type { Metric, MultiaddrString, PeerIdString, PingValue } from '../api/types.js'

/** Name of the metric every peer publishes every `monitor_ping_interval`. */
export const PING_METRIC_NAME = 'ping'

/** Go's `json.Marshal(pingValue)`: omitempty fields in declaration order. */
export function encodePingValue (pv: PingValue): string {
  const out: Record<string, unknown> = {}
  if (pv.peerName != null && pv.peerName !== '') out.peer_name = pv.peerName
  if (pv.ipfsId != null && pv.ipfsId !== '') out.ipfs_id = pv.ipfsId
  if (pv.ipfsAddresses != null && pv.ipfsAddresses.length > 0) out.ipfs_addresses = pv.ipfsAddresses
  return goJSON(out)
}

/**
 * Parses a ping metric value, leniently (as the reference does): anything
 * unparseable gives an empty value; fields of the wrong type are skipped.
 */
export function decodePingValue (value: string): PingValue {
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    return {}
  }
  if (parsed == null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return {}
  }
  const o = parsed as Record<string, unknown>
  const out: PingValue = {}
  const name = getCI(o, 'peer_name')
  if (typeof name === 'string' && name !== '') out.peerName = name
  const id = getCI(o, 'ipfs_id')
  if (typeof id === 'string' && id !== '') out.ipfsId = id
  const addrs = getCI(o, 'ipfs_addresses')
  if (Array.isArray(addrs)) {
    const strs = addrs.filter((a): a is string => typeof a === 'string')
    if (strs.length > 0) out.ipfsAddresses = strs
  }
  return out
}

/** The ping value of a metric (empty for metrics that are not pings). */
export function pingValueFromMetric (m: Metric | undefined): PingValue {
  if (m == null || m.name !== PING_METRIC_NAME) return {}
  return decodePingValue(m.value)
}

/** A ping value is valid when it carries an IPFS peer ID. */
export function pingValueValid (pv: PingValue): boolean {
  return pv.ipfsId != null && pv.ipfsId !== ''
}

/**
 * A ping metric for `peer` with the given TTL. Used to publish our own ping
 * and to make a peer we just connected to appear immediately.
 */
export function newPingMetric (peer: PeerIdString, ttl: number, value: PingValue = {}): Metric {
  return newMetric({ name: PING_METRIC_NAME, peer, value: encodePingValue(value), valid: true, ttl })
}

// Addresses that are not "global unicast" in Go's net package terms.
const nonGlobal = new BlockList()
nonGlobal.addAddress('0.0.0.0', 'ipv4')
nonGlobal.addAddress('255.255.255.255', 'ipv4')
nonGlobal.addSubnet('127.0.0.0', 8, 'ipv4')
nonGlobal.addSubnet('169.254.0.0', 16, 'ipv4')
nonGlobal.addSubnet('224.0.0.0', 4, 'ipv4')
nonGlobal.addAddress('::', 'ipv6')
nonGlobal.addAddress('::1', 'ipv6')
nonGlobal.addSubnet('fe80::', 10, 'ipv6')
nonGlobal.addSubnet('ff00::', 8, 'ipv6')

const DNS_PROTOCOLS = new Set(['dns', 'dns4', 'dns6', 'dnsaddr'])

function isGlobalUnicast (ip: string): boolean {
  if (isIPv4(ip)) return !nonGlobal.check(ip, 'ipv4')
  if (isIPv6(ip)) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
    if (mapped != null) return !nonGlobal.check(mapped[1], 'ipv4')
    return !nonGlobal.check(ip, 'ipv6')
  }
  return false
}

/**
 * The IPFS addresses worth announcing in a ping: DNS multiaddrs, and IP
 * multiaddrs whose IP is global unicast (loopback, link-local, multicast and
 * unspecified addresses are dropped; private ranges are kept, as in the
 * reference). Unparseable addresses are dropped.
 */
export function publicIPFSAddresses (addrs: MultiaddrString[] | null | undefined): MultiaddrString[] {
  const out: MultiaddrString[] = []
  for (const a of addrs ?? []) {
    let components
    try {
      components = multiaddr(a).getComponents()
    } catch {
      continue
    }
    if (components.some((c) => DNS_PROTOCOLS.has(c.name))) {
      out.push(a)
      continue
    }
    const ip = components.find((c) => c.name === 'ip4') ?? components.find((c) => c.name === 'ip6')
    if (ip?.value == null) continue
    if (isGlobalUnicast(ip.value)) out.push(a)
  }
  return out
}
