/**
 * Builders for the synthetic status entries the cluster reports for peers
 * it did not (or could not) ask.
 */
import { TrackerStatus } from '../api/index.js'
import type { IPFSID, PeerIdString, Pin, PinInfo } from '../api/index.js'
import type { CID } from 'multiformats/cid'

export interface PeerIdentity {
  peername: string
  ipfs: IPFSID
}

export function syntheticPinInfo (cid: CID, peer: PeerIdString, who: PeerIdentity, status: number, pin: Pin | null, error = ''): PinInfo {
  return {
    cid,
    name: pin?.name ?? '',
    peer,
    allocations: pin?.allocations ?? [],
    origins: pin?.origins ?? [],
    created: pin?.timestamp ?? new Date(),
    metadata: pin?.metadata ?? null,
    peername: who.peername,
    ipfsPeerId: who.ipfs.id,
    ipfsPeerAddresses: who.ipfs.addresses ?? [],
    status,
    timestamp: new Date(),
    error,
    attemptCount: 0,
    priorityPin: false
  }
}

export function clusterErrorInfo (cid: CID, peer: PeerIdString, who: PeerIdentity, err: Error): PinInfo {
  const info = syntheticPinInfo(cid, peer, who, TrackerStatus.ClusterError, null, err.message)
  info.created = null
  info.allocations = null
  info.origins = null
  return info
}
