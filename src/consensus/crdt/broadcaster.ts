import { createHash } from 'node:crypto'
import { base58btc } from 'multiformats/bases/base58'
import type { AbortOptions, CRDTBroadcaster, PubSub } from '../../interfaces.js'
import type { PeerIdString } from '../../api/types.js'

/** multihash code of MD5 */
const MD5_CODE = 0xd5

/**
 * The pubsub topic of the CRDT: base58 of the MD5 multihash of
 * `crdt.cluster_name` (as IPFS Cluster, to avoid collisions with other
 * applications using simple topic names).
 */
export function crdtTopicName (clusterName: string): string {
  const digest = createHash('md5').update(clusterName, 'utf8').digest()
  // multihash: varint(code) varint(length) digest; 0xd5 takes two varint bytes
  const mh = new Uint8Array(3 + digest.length)
  mh[0] = (MD5_CODE & 0x7f) | 0x80
  mh[1] = MD5_CODE >> 7
  mh[2] = digest.length
  mh.set(digest, 3)
  return base58btc.baseEncode(mh)
}

/**
 * A {@link CRDTBroadcaster} over a {@link PubSub} topic. Messages published
 * by `self` are not delivered back.
 */
export function createPubSubBroadcaster (pubsub: PubSub, topic: string, self: PeerIdString): CRDTBroadcaster & { close: () => void } {
  const handlers: Array<(data: Uint8Array, from: PeerIdString) => void> = []
  let unsubscribe: (() => void) | undefined
  return {
    async broadcast (data: Uint8Array, options?: AbortOptions): Promise<void> {
      await pubsub.publish(topic, data, options)
    },
    onMessage (handler) {
      handlers.push(handler)
      unsubscribe ??= pubsub.subscribe(topic, (data, from) => {
        if (from === self) return
        for (const h of handlers) h(data, from)
      })
    },
    close () {
      unsubscribe?.()
      unsubscribe = undefined
      handlers.length = 0
    }
  }
}
