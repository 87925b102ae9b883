/**
 * Canned REST wire objects for the fake REST API, modelled on the example
 * session of the CLI spec (§6.4.10: a single crdt peer named `node0`).
 */
export const PEER = '12D3KooWLhHy2o7Ebkm8b1RZr1JzMzS6Yc2zVw1k7n9G4h5s3xQb'
export const IPFS_PEER = '12D3KooWEFGjfAcU4xvTbqMNkeAHqLTpqZ3XqGgKJ6hXhw1QbX1a'
export const PEER2 = '12D3KooWGHTKzeT4KaLGLrbKKyT8zKrBPXAUBRzCAN6ZMDMo4M6M'
export const IPFS_PEER2 = '12D3KooWFBFCDQzAkQSwPZLV883pKdsmb6urQ3sMjfJHUxn5GCVv'
export const PEER3 = '12D3KooWRN8KRjpyg9rsW2w7StbBRGper65psTZm68cjud9KAkaW'
export const CID1 = 'QmYjtig7VJQ6XsnUjqqJvj7QaMcCAwtrgNdahSiFofrE7o'
export const CID2 = 'QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmmq'
export const CID_V1 = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'
export const CID3 = 'QmbrCtydGyPeHiLURSPMqrvE5mCgMCwFYq3UD4XLCeAYw6'

export function idNode0 (): Record<string, unknown> {
  return {
    id: PEER,
    // deliberately unsorted: ctl sorts addresses
    addresses: [`/ip4/172.17.0.2/tcp/9096/p2p/${PEER}`, `/ip4/127.0.0.1/tcp/9096/p2p/${PEER}`],
    cluster_peers: [PEER],
    cluster_peers_addresses: [],
    version: '1.1.6',
    commit: '',
    rpc_protocol_version: '/ipfscluster/1.0/rpc',
    error: '',
    ipfs: { id: IPFS_PEER, addresses: [`/ip4/127.0.0.1/tcp/4001/p2p/${IPFS_PEER}`], error: '' },
    peername: 'node0'
  }
}

/** Text of `ctl id` for {@link idNode0} (CLI spec §6.4.10). */
export const ID_NODE0_TEXT = `${PEER} | node0 | Sees 0 other peers
  > Addresses:
    - /ip4/127.0.0.1/tcp/9096/p2p/${PEER}
    - /ip4/172.17.0.2/tcp/9096/p2p/${PEER}
  > IPFS: ${IPFS_PEER}
    - /ip4/127.0.0.1/tcp/4001/p2p/${IPFS_PEER}
`

/** A pin as read back from the pinset (second precision). */
export function storedPin (cid = CID1, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    replication_factor_min: -1,
    replication_factor_max: -1,
    name: '',
    mode: 'recursive',
    shard_size: 0,
    user_allocations: null,
    expire_at: '0001-01-01T00:00:00Z',
    metadata: null,
    pin_update: null,
    origins: [],
    cid,
    type: 'pin',
    allocations: [],
    max_depth: -1,
    reference: null,
    timestamp: '2026-05-11T10:20:00Z',
    ...extra
  }
}

/** A pin as returned by `POST /pins/...` (in memory). */
export function submittedPin (cid = CID1, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return storedPin(cid, { metadata: {}, origins: null, timestamp: '2026-05-11T10:20:00.123456789Z', ...extra })
}

export function gpi (cid: string, status: string, extra: { name?: string, peers?: Array<[string, Record<string, unknown>]>, timestamp?: string } = {}): Record<string, unknown> {
  const peers = extra.peers ?? [[PEER, { peername: 'node0', status }]]
  const peerMap: Record<string, unknown> = {}
  for (const [id, v] of peers) {
    peerMap[id] = {
      peername: '',
      ipfs_peer_id: IPFS_PEER,
      status,
      timestamp: extra.timestamp ?? '2026-05-11T10:20:01.402917Z',
      error: '',
      attempt_count: 0,
      priority_pin: false,
      ...v
    }
  }
  return {
    cid,
    name: extra.name ?? '',
    allocations: [],
    origins: [],
    created: '2026-05-11T10:20:00Z',
    metadata: null,
    peer_map: peerMap
  }
}
