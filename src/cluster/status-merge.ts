/**
 * Streaming merge of the per-peer status streams of a global `status` or
 * `recover` (k-way merge-join).
 *
 * Every peer's tracker lists the shared state in state key order
 * (`cidToDsKey`, the order of the datastore), then possibly a short
 * unordered tail (operations on items no longer in the state, pins still
 * waiting in a batch). The merge keeps one head item per peer stream and
 * repeatedly emits the smallest key with the entries of every peer whose
 * head has that key. So memory holds one item per peer, not the pinset.
 *
 * Items that arrive out of order (a key not greater than the last emitted
 * one) are kept aside, merged by key, and emitted at the end. Memory for
 * them is bounded by the unordered tails (or everything, for a peer whose
 * stream is not sorted at all: results stay correct, only memory grows). A
 * key already emitted may then be emitted a second time with the late
 * entries (an item that changed while being listed).
 *
 * A peer whose stream fails gets a `cluster_error` entry (with the error)
 * in every item emitted after the failure was noticed; the merge waits for
 * the first item (or the failure) of every peer before emitting anything,
 * so a peer that cannot be reached at all appears in every item, as in
 * the reference. Authorization failures are left out (reference).
 */
import { cidToDsKey } from '../api/encoding.js'
import { mergePinInfo } from '../api/json.js'
import type { GlobalPinInfo, PeerIdString, PinInfo } from '../api/types.js'
import type { CID } from 'multiformats/cid'

export interface PeerStatusStream {
  peer: PeerIdString
  /** Opens the peer's stream; `signal` is aborted when the merge ends early. */
  open: (signal: AbortSignal) => AsyncIterable<PinInfo>
}

export interface MergeStatusOptions {
  signal?: AbortSignal
  /** The `cluster_error` entry of a failed peer for one CID. */
  errorInfo: (cid: CID, peer: PeerIdString, err: Error) => PinInfo
  /** Failures left out of the results (authorization errors). */
  ignoreError?: (err: Error) => boolean
}

interface Head {
  key: string
  info: PinInfo
}

interface StreamState {
  peer: PeerIdString
  it: AsyncIterator<PinInfo>
  head?: Head
  pending?: Promise<IteratorResult<PinInfo>>
  done: boolean
}

/** Merges the status streams of several peers into GlobalPinInfos, in key order. */
export async function * mergeStatusStreams (streams: PeerStatusStream[], opts: MergeStatusOptions): AsyncGenerator<GlobalPinInfo> {
  const controller = new AbortController()
  const signal = opts.signal != null ? AbortSignal.any([opts.signal, controller.signal]) : controller.signal
  const failed: Array<{ peer: PeerIdString, err: Error }> = []
  const late = new Map<string, GlobalPinInfo>()
  let lastKey: string | undefined

  const states: StreamState[] = streams.map((s) => {
    let it: AsyncIterator<PinInfo>
    try {
      it = s.open(signal)[Symbol.asyncIterator]()
    } catch (err) {
      it = failingIterator(err as Error)
    }
    return { peer: s.peer, it, done: false }
  })

  const fail = (st: StreamState, err: Error): void => {
    st.done = true
    st.head = undefined
    if (opts.ignoreError?.(err) === true) return
    failed.push({ peer: st.peer, err })
  }

  const addFailures = (g: GlobalPinInfo): GlobalPinInfo => {
    for (const { peer, err } of failed) {
      if (!g.peerMap.has(peer)) mergePinInfo(g, opts.errorInfo(g.cid, peer, err))
    }
    return g
  }

  /** Pulls until the stream has an in-order head, or ends. */
  const fill = async (st: StreamState): Promise<void> => {
    while (!st.done && st.head == null) {
      let res: IteratorResult<PinInfo>
      try {
        res = await (st.pending ?? st.it.next())
      } catch (err) {
        st.pending = undefined
        fail(st, err as Error)
        return
      } finally {
        st.pending = undefined
      }
      if (res.done === true) {
        st.done = true
        return
      }
      const info = res.value
      const key = cidToDsKey(info.cid)
      if (lastKey !== undefined && key <= lastKey) {
        late.set(key, mergePinInfo(late.get(key), info))
        continue
      }
      st.head = { key, info }
    }
  }

  try {
    while (true) {
      signal.throwIfAborted()
      await Promise.all(states.map(fill))
      let min: string | undefined
      for (const st of states) {
        if (st.head != null && (min === undefined || st.head.key < min)) min = st.head.key
      }
      if (min === undefined) break
      let g: GlobalPinInfo | undefined
      for (const st of states) {
        if (st.head?.key !== min) continue
        g = mergePinInfo(g, st.head.info)
        st.head = undefined
        // prefetch while the consumer handles this item
        if (!st.done) {
          st.pending = st.it.next()
          st.pending.catch(() => {})
        }
      }
      lastKey = min
      yield addFailures(g as GlobalPinInfo)
    }
    for (const g of late.values()) {
      yield addFailures(g)
    }
  } finally {
    controller.abort()
    for (const st of states) {
      if (!st.done) void Promise.resolve(st.it.return?.()).catch(() => {})
    }
  }
}

function failingIterator (err: Error): AsyncIterator<PinInfo> {
  return {
    next: async () => { throw err }
  }
}
