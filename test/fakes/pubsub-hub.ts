/**
 * An in-memory pubsub network: every peer gets a {@link PubSub} from
 * `hub.forPeer(id)`. Messages are delivered asynchronously to the other
 * peers subscribed to the topic (not back to the publisher, like gossipsub
 * without emitSelf), with `from` set to the publisher. Peers can be taken
 * offline to simulate loss.
 */
import type { PeerIdString } from '../../src/api/types.js'
import type { AbortOptions, PubSub } from '../../src/interfaces.js'

interface Subscription {
  peer: PeerIdString
  handler: (data: Uint8Array, from: PeerIdString) => void
}

export interface PublishedMessage {
  topic: string
  from: PeerIdString
  data: Uint8Array
}

export class PubSubHub {
  private readonly subs = new Map<string, Set<Subscription>>()
  private readonly offline = new Set<PeerIdString>()
  /** Every message published, in order. */
  readonly published: PublishedMessage[] = []

  forPeer (peer: PeerIdString): PubSub {
    return {
      publish: async (topic: string, data: Uint8Array, options?: AbortOptions): Promise<void> => {
        options?.signal?.throwIfAborted()
        this.deliver(peer, topic, data)
      },
      subscribe: (topic, handler) => {
        const sub: Subscription = { peer, handler }
        let set = this.subs.get(topic)
        if (set == null) {
          set = new Set()
          this.subs.set(topic, set)
        }
        set.add(sub)
        return () => { set.delete(sub) }
      }
    }
  }

  /** Injects raw bytes as if `from` had published them. */
  inject (from: PeerIdString, topic: string, data: Uint8Array): void {
    this.deliver(from, topic, data)
  }

  setOnline (peer: PeerIdString, online: boolean): void {
    if (online) this.offline.delete(peer)
    else this.offline.add(peer)
  }

  subscriberCount (topic: string): number {
    return this.subs.get(topic)?.size ?? 0
  }

  private deliver (from: PeerIdString, topic: string, data: Uint8Array): void {
    if (this.offline.has(from)) return
    this.published.push({ topic, from, data: data.slice() })
    for (const sub of this.subs.get(topic) ?? []) {
      if (sub.peer === from || this.offline.has(sub.peer)) continue
      const copy = data.slice()
      setImmediate(() => { sub.handler(copy, from) })
    }
  }
}
