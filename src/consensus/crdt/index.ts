/**
 * @packageDocumentation
 *
 * IPFS Cluster's CRDT consensus: the shared pinset as a Merkle-CRDT
 * (go-ds-crdt v0.6.8 semantics and wire formats), stored in the peer's
 * {@link KVStore} under `crdt.datastore_namespace` (`/c`).
 *
 * Network side (pluggable): payloads go through a {@link CRDTBroadcaster}
 * (or a {@link PubSub} on the topic derived from `cluster_name`, see
 * {@link crdtTopicName}); missing DAG blocks are fetched through a
 * {@link DAGSyncer}. The DAG blocks live in the same store (under
 * `<ns>/blocks/`); serve them to other peers with `getBlock(cid)`. Without
 * any of these (offline tools) everything works on local data.
 *
 * Wiring notes for the network side: new heads are broadcast with their
 * block inline when it is at most `maxInlineBlockSize` (2 MiB by default),
 * so the pubsub message size limit must allow it (or lower the option); the
 * topic validator can drop untrusted authors early with `isTrustedPeer`
 * (received payloads are filtered again here); the DAG syncer should look
 * for blocks on other peers (bitswap) and must honour the abort signal.
 *
 * Hooks (`onPin`/`onUnpin`) run in order, inside the engine's merge lock:
 * keep them quick (queue work) and never call back into `logPin` from them.
 *
 * Guarantees beyond the reference:
 * - with batching, an acknowledged `logPin`/`logUnpin` survives a crash
 *   (write-ahead log, see batcher.ts) and is visible locally at once;
 * - a crash in the middle of a DAG walk is detected (walk journal) and
 *   repaired at the next start (see merkle-crdt.ts);
 * - broadcasts of new heads carry the block inline (field 15, see codec.ts).
 *
 * @example
 * ```ts
 * const consensus = createCRDTConsensus({ store, peerId, logger, pubsub, dagSyncer,
 *   peersetProvider: async () => (await monitor.latestMetrics('ping')).map(m => m.peer),
 *   onPin: (pin) => tracker.track(pin), onUnpin: (cid) => tracker.untrack(cid) }, config.consensus.crdt)
 * await consensus.start()
 * await consensus.logPin(pin)
 * ```
 */
import { CRDTConsensus } from './crdt-consensus.js'
import type { CRDTConsensusComponents, CRDTConsensusInit } from './crdt-consensus.js'

export type { CRDTConsensusComponents, CRDTConsensusInit }
export { CRDTConsensus, DEFAULT_MAX_DELTA_SIZE } from './crdt-consensus.js'
export { crdtTopicName, createPubSubBroadcaster } from './broadcaster.js'
export { MAX_QUEUE_SIZE_MESSAGE } from './batcher.js'
export { MerkleCRDT } from './merkle-crdt.js'
export type { MerkleCRDTComponents, MerkleCRDTInit } from './merkle-crdt.js'
export { DeltaBuilder } from './delta-builder.js'
export { CRDTKeys } from './keys.js'
export { encodeDelta, decodeDelta, encodeNode, decodeNode, nodeCid, encodeBroadcast, decodeBroadcast, mhKey, cidFromMhKey, verifyBlock } from './codec.js'
export type { Delta, DeltaElement, DagNode, Broadcast, InlineBlock } from './codec.js'

/** Creates the CRDT consensus component (not started). */
export function createCRDTConsensus (components: CRDTConsensusComponents, init: CRDTConsensusInit): CRDTConsensus {
  return new CRDTConsensus(components, init)
}

/**
 * The `state crdt info` text: `Number of heads: <n>. Current max-height: <h>.
 * Dirty: <bool>\nHeads: [<cid> ...]` (no trailing newline).
 */
export function formatCRDTInfo (info: { heads: Array<{ toString: () => string }>, maxHeight: bigint, dirty: boolean }): string {
  return `Number of heads: ${info.heads.length}. Current max-height: ${info.maxHeight}. Dirty: ${info.dirty}\nHeads: [${info.heads.map((h) => h.toString()).join(' ')}]`
}
