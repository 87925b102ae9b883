/**
 * Which consensus settings and datastore folder a peer runs with.
 *
 * This implementation has one consensus: the Merkle-CRDT. A peer
 * initialised with `--consensus raft` (or a legacy raft-only service.json)
 * still starts: it runs the CRDT with its defaults, trusting every peer as
 * raft does, and keeps its state in the raft data folder.
 */
import { join } from 'node:path'
import type { CRDTConfig, PeerConfig } from '../config/types.js'

export interface ConsensusSettings {
  kind: 'crdt' | 'raft'
  crdt: CRDTConfig
  /** Datastore folder of the pinset. */
  folder: string
  backend: string
}

export function crdtSettings (config: PeerConfig): ConsensusSettings {
  // exactly one consensus section, as the reference (both is as bad as none)
  if (config.consensus.crdt != null && config.consensus.raft != null) {
    throw Object.assign(new Error('could not determine the consensus component'), { doing: 'creating state manager' })
  }
  if (config.consensus.crdt != null) {
    if (config.datastore == null) {
      throw Object.assign(new Error('unknown datastore'), { doing: 'creating datastore' })
    }
    return { kind: 'crdt', crdt: config.consensus.crdt, folder: config.datastore.folder, backend: config.datastore.backend }
  }
  if (config.consensus.raft != null) {
    const folder = config.consensus.raft.dataFolder !== '' ? config.consensus.raft.dataFolder : join(config.cluster.baseDir, 'raft')
    return {
      kind: 'raft',
      crdt: {
        clusterName: 'ipfs-cluster',
        trustedPeers: ['*'],
        trustAll: true,
        batching: { maxBatchSize: 0, maxBatchAge: 0, maxQueueSize: 50000 },
        repairInterval: 3_600_000,
        rebroadcastInterval: 60_000,
        peersetMetric: 'ping',
        datastoreNamespace: '/c'
      },
      folder,
      backend: 'leveldb'
    }
  }
  throw Object.assign(new Error('could not determine the consensus component'), { doing: 'creating state manager' })
}
