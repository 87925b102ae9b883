/**
 * @packageDocumentation
 *
 * The embedded IPFS node: on a machine without an IPFS daemon, the cluster
 * peer runs Helia (bitswap only) on its own libp2p host and uses it through
 * the same {@link IPFSConnector} contract as the Kubo connector.
 *
 * - Network: TCP + noise + yamux + identify on `listenMultiaddress`
 *   (announcing `announceMultiaddress` when set). No private network, no
 *   mDNS, DHT, bootstrap list, relays or HTTP gateways: it is an ordinary
 *   IPFS node that exchanges blocks with the peers it is connected to
 *   (`connectSwarms`, pin origins, inbound connections).
 * - Identity: an Ed25519 key generated on first start and kept in
 *   `<folder>/node.key` (not the cluster identity).
 * - Storage: blocks in `<folder>/blocks` (blockstore-fs), pins and metadata
 *   in `<folder>/datastore` (LevelDB). The total block size is kept as a
 *   counter (saved at stop, recounted once after a crash).
 * - Pins: our own pin index (see `pin-store.ts`), not Helia's: it streams
 *   `pin ls` from LevelDB, answers `pin ls <cid>` with one get, supports any
 *   max depth, stays correct under concurrent pins that share blocks, and
 *   survives crashes. `pin` fetches missing blocks over bitswap and fails with
 *   TimeoutError when no new block arrived for `pinTimeout`.
 * - GC: removes every block that no pin protects (the pin index keeps the
 *   marks, so GC is one streaming pass over the block folder, in batches
 *   under a lock that pins take to protect blocks before fetching them).
 * - Helia is used for bitswap and its networked block storage only, loaded
 *   without its default libp2p stack (see `helia-light.ts`). Blocks stored
 *   locally are announced to bitswap after they are written, so peers that
 *   asked for them earlier get them.
 * - Reads for the IPFS proxy: {@link EmbeddedContent} (`cat`, `ls`, `refs`,
 *   `blockStat`, `stat`, `dagGet`), implemented by the connector object.
 *
 * Differences from Kubo seen through the ipfshttp connector:
 * - `pinLsCid` reports a pin's actual type whatever the mode asked for, and
 *   `indirect` for a block protected by another pin (one key lookup).
 * - `pinLs(['indirect'])` lists nothing (indirect pins are not enumerated).
 * - `resolve` of `/ipns/…` fails with UnsupportedOperationError.
 */
import { EmbeddedIPFS } from './embedded-ipfs.js'
import type { EmbeddedIPFSComponents, EmbeddedIPFSInit } from './embedded-ipfs.js'
import type { EmbeddedContent } from './content.js'
import type { IPFSConnector } from '../../interfaces.js'

export { EmbeddedIPFS, PIN_PROGRESS_EVENT } from './embedded-ipfs.js'
export type { EmbeddedIPFSComponents, EmbeddedIPFSInit } from './embedded-ipfs.js'
export { parseIpfsPath } from './content.js'
export type { EmbeddedContent, ContentLink, ContentStat, ContentType, RefEdge, RefsOptions } from './content.js'

/** Creates the embedded node (call `start()`; `ready()` resolves once started). */
export function createEmbeddedIPFS (components: EmbeddedIPFSComponents, init: EmbeddedIPFSInit): EmbeddedIPFS {
  return new EmbeddedIPFS(components, init)
}

/** True when the connector also offers the embedded read API. */
export function hasEmbeddedContent (connector: IPFSConnector): connector is IPFSConnector & EmbeddedContent {
  const c = connector as Partial<EmbeddedContent>
  return typeof c.cat === 'function' && typeof c.ls === 'function' && typeof c.refs === 'function' &&
    typeof c.blockStat === 'function' && typeof c.stat === 'function'
}
