/**
 * Multiaddr helpers for peer addresses: `/p2p/<id>` and the legacy
 * `/ipfs/<id>` forms are both accepted everywhere.
 */
import { ClusterError } from '../errors.js'

export class PeerNotInNetworkError extends ClusterError {
  static override name = 'PeerNotInNetworkError'
  constructor (message = 'multiaddress has no peer ID') {
    super(message)
    this.name = 'PeerNotInNetworkError'
  }
}

const PEER_PART = /\/(p2p|ipfs)\/([^/]+)$/

/** Rewrites a trailing `/ipfs/<id>` to `/p2p/<id>`. */
export function normalizePeerAddr (addr: string): string {
  return addr.trim().replace(/\/ipfs\/([^/]+)$/, '/p2p/$1')
}

/** The peer ID of a full multiaddr, or undefined. */
export function peerIdOfMultiaddr (addr: string): string | undefined {
  const m = PEER_PART.exec(addr.trim())
  return m?.[2]
}

/** The transport part of a multiaddr (without the trailing `/p2p/<id>`). */
export function stripPeerId (addr: string): string {
  return addr.trim().replace(PEER_PART, '')
}
