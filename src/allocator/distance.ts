/**
 * "Closest peer to a CID": the XOR distance between hashes of the CID and
 * of each peer ID decides which single peer acts on a CID (unpinning an
 * expired pin, re-pinning away from a lost peer). As in the reference
 * (`util.go` distanceChecker) keys are BLAKE2b-256 of the CID bytes and of
 * the peer ID's binary multihash.
 */
import { blake2b256 } from '@multiformats/blake2/blake2b'
import { base58btc } from 'multiformats/bases/base58'
import { tryParsePeerId } from '../api/encoding.js'
import type { PeerIdString } from '../api/types.js'
import type { CID } from 'multiformats/cid'

const utf8 = new TextEncoder()

function hash (bytes: Uint8Array): Uint8Array {
  const digest = blake2b256.encode(bytes)
  if (!(digest instanceof Uint8Array)) throw new Error('blake2b-256 is expected to be synchronous')
  return digest
}

/** The binary form of a peer ID (UTF-8 of the string if it does not parse). */
export function peerIdToBytes (peer: PeerIdString): Uint8Array {
  const canonical = tryParsePeerId(peer)
  if (canonical != null) {
    try {
      return base58btc.baseDecode(canonical)
    } catch {}
  }
  return utf8.encode(peer)
}

/** Distance key of a peer: BLAKE2b-256 of its binary peer ID. */
export function peerKey (peer: PeerIdString): Uint8Array {
  return hash(peerIdToBytes(peer))
}

/** Distance key of a CID: BLAKE2b-256 of its binary form. */
export function cidKey (cid: CID): Uint8Array {
  return hash(cid.bytes)
}

export function xorDistance (a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.max(a.length, b.length))
  for (let i = 0; i < out.length; i++) out[i] = (a[i] ?? 0) ^ (b[i] ?? 0)
  return out
}

/** Byte-wise comparison of two distances (big-endian numbers). */
export function compareDistance (a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] - b[i]
  }
  return a.length - b.length
}

export interface DistanceCheckerInit {
  /** This peer. */
  local: PeerIdString
  /** The peerset (this peer may be included). */
  peers: PeerIdString[]
  /** Only trusted peers count (`Consensus.isTrustedPeer`); all when unset. */
  isTrusted?: (peer: PeerIdString) => boolean
  /** A peer to leave out (e.g. the peer whose ping expired). */
  exclude?: PeerIdString
}

/** Decides whether this peer is the closest one to CIDs (keys cached). */
export class DistanceChecker {
  readonly local: PeerIdString
  readonly peers: PeerIdString[]
  private readonly cache = new Map<PeerIdString, Uint8Array>()

  constructor (init: DistanceCheckerInit) {
    this.local = init.local
    const isTrusted = init.isTrusted ?? (() => true)
    this.peers = [...new Set(init.peers)].filter((p) => p !== init.exclude && isTrusted(p))
  }

  private key (peer: PeerIdString): Uint8Array {
    let k = this.cache.get(peer)
    if (k == null) {
      k = peerKey(peer)
      this.cache.set(peer, k)
    }
    return k
  }

  /**
   * True when no peer of the set is strictly closer to `cid` than this peer
   * (this peer is assumed trusted by the others).
   */
  isClosest (cid: CID): boolean {
    const c = cidKey(cid)
    const mine = xorDistance(c, this.key(this.local))
    for (const p of this.peers) {
      if (compareDistance(mine, xorDistance(c, this.key(p))) > 0) return false
    }
    return true
  }

  /** The closest peer to `cid` among this peer and the set. */
  closest (cid: CID): PeerIdString {
    const c = cidKey(cid)
    let best = this.local
    let bestD = xorDistance(c, this.key(this.local))
    for (const p of this.peers) {
      const d = xorDistance(c, this.key(p))
      if (compareDistance(d, bestD) < 0) {
        best = p
        bestD = d
      }
    }
    return best
  }
}

export function createDistanceChecker (init: DistanceCheckerInit): DistanceChecker {
  return new DistanceChecker(init)
}

/** The peer of `peers` closest to `cid` (undefined for no peers). */
export function closestPeer (cid: CID, peers: PeerIdString[]): PeerIdString | undefined {
  if (peers.length === 0) return undefined
  return new DistanceChecker({ local: peers[0], peers }).closest(cid)
}
