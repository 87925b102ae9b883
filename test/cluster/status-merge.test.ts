import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { cidToDsKey, cidToString, TrackerStatus } from '../../src/api/index.js'
import { mergeStatusStreams } from '../../src/cluster/status-merge.js'
import { clusterErrorInfo, syntheticPinInfo } from '../../src/cluster/pin-info.js'
import { RPCAuthorizationError, RPCError } from '../../src/errors.js'
import { testCid, testPeerId } from '../helpers/pins.js'
import type { GlobalPinInfo, PinInfo } from '../../src/api/types.js'
import type { PeerStatusStream } from '../../src/cluster/status-merge.js'
import type { CID } from 'multiformats/cid'

const P = [testPeerId('a'), testPeerId('b'), testPeerId('c')]
const who = { peername: 'x', ipfs: { id: '', addresses: [], error: '' } }

/** CIDs sorted by state key. */
function sortedCids (n: number, prefix = 'c'): CID[] {
  return Array.from({ length: n }, (_, i) => testCid(`${prefix}${i}`)).sort((x, y) => cidToDsKey(x) < cidToDsKey(y) ? -1 : 1)
}

function info (cid: CID, peer: string, status: number = TrackerStatus.Pinned): PinInfo {
  return syntheticPinInfo(cid, peer, who, status, null)
}

function stream (peer: string, items: PinInfo[], opts: { failAfter?: number, error?: Error, onClose?: () => void } = {}): PeerStatusStream {
  return {
    peer,
    open: () => (async function * () {
      try {
        let n = 0
        for (const i of items) {
          if (opts.failAfter === n) throw opts.error ?? new RPCError('boom')
          yield i
          n++
        }
        if (opts.failAfter === n) throw opts.error ?? new RPCError('boom')
      } finally {
        opts.onClose?.()
      }
    })()
  }
}

const errorInfo = (cid: CID, peer: string, err: Error): PinInfo => clusterErrorInfo(cid, peer, who, err)

async function collect (gen: AsyncGenerator<GlobalPinInfo>): Promise<GlobalPinInfo[]> {
  const out: GlobalPinInfo[] = []
  for await (const g of gen) out.push(g)
  return out
}

function summary (gs: GlobalPinInfo[]): Array<[string, Array<[string, number, string]>]> {
  return gs.map((g) => [cidToString(g.cid), [...g.peerMap.entries()].map(([p, s]) => [p, s.status, s.error] as [string, number, string]).sort((a, b) => a[0] < b[0] ? -1 : 1)])
}

describe('streaming status merge', () => {
  it('merges sorted streams per CID in state key order', async () => {
    const cids = sortedCids(6)
    const a = cids.filter((_, i) => i !== 1).map((c) => info(c, P[0]))
    const b = cids.filter((_, i) => i % 2 === 0).map((c) => info(c, P[1], TrackerStatus.Remote))
    const c = [info(cids[1], P[2], TrackerStatus.Pinning), info(cids[5], P[2])]
    const out = await collect(mergeStatusStreams([stream(P[0], a), stream(P[1], b), stream(P[2], c)], { errorInfo }))
    const sorted = (xs: Array<[string, number, string]>): Array<[string, number, string]> => xs.sort((x, y) => x[0] < y[0] ? -1 : 1)
    assert.deepEqual(summary(out), [
      [cidToString(cids[0]), sorted([[P[0], TrackerStatus.Pinned, ''], [P[1], TrackerStatus.Remote, '']])],
      [cidToString(cids[1]), sorted([[P[2], TrackerStatus.Pinning, '']])],
      [cidToString(cids[2]), sorted([[P[0], TrackerStatus.Pinned, ''], [P[1], TrackerStatus.Remote, '']])],
      [cidToString(cids[3]), sorted([[P[0], TrackerStatus.Pinned, '']])],
      [cidToString(cids[4]), sorted([[P[0], TrackerStatus.Pinned, ''], [P[1], TrackerStatus.Remote, '']])],
      [cidToString(cids[5]), sorted([[P[0], TrackerStatus.Pinned, ''], [P[2], TrackerStatus.Pinned, '']])]
    ])
  })

  it('reports a peer that cannot be reached in every item, and skips authorization failures', async () => {
    const cids = sortedCids(3)
    const out = await collect(mergeStatusStreams([
      stream(P[0], cids.map((c) => info(c, P[0]))),
      stream(P[1], [], { failAfter: 0, error: new RPCError('cannot reach peer') }),
      stream(P[2], [], { failAfter: 0, error: new RPCAuthorizationError('unauthorized') })
    ], { errorInfo, ignoreError: (e) => e.name === 'RPCAuthorizationError' }))
    assert.equal(out.length, 3)
    for (const g of out) {
      assert.deepEqual([...g.peerMap.keys()].sort(), [P[0], P[1]].sort())
      const e = g.peerMap.get(P[1])
      assert.equal(e?.status, TrackerStatus.ClusterError)
      assert.equal(e?.error, 'cannot reach peer')
      // top-level fields come from the good entry
      assert.ok(g.created != null)
    }
  })

  it('adds the error of a peer that fails mid-stream to the items after the failure', async () => {
    const cids = sortedCids(4)
    const out = await collect(mergeStatusStreams([
      stream(P[0], cids.map((c) => info(c, P[0]))),
      stream(P[1], cids.map((c) => info(c, P[1])), { failAfter: 2, error: new RPCError('stream reset') })
    ], { errorInfo }))
    assert.deepEqual(out.map((g) => g.peerMap.get(P[1])?.status), [TrackerStatus.Pinned, TrackerStatus.Pinned, TrackerStatus.ClusterError, TrackerStatus.ClusterError])
    assert.equal(out[3].peerMap.get(P[1])?.error, 'stream reset')
  })

  it('emits out-of-order tail items at the end, merged by CID', async () => {
    const cids = sortedCids(4)
    let i = 0
    while (!(cidToDsKey(testCid(`tail${i}`)) < cidToDsKey(cids[3]))) i++
    const tail = testCid(`tail${i}`)
    const out = await collect(mergeStatusStreams([
      stream(P[0], [...cids.map((c) => info(c, P[0])), info(tail, P[0], TrackerStatus.Unpinning), info(cids[0], P[0], TrackerStatus.Unpinning)]),
      stream(P[1], [...cids.map((c) => info(c, P[1])), info(tail, P[1], TrackerStatus.UnpinQueued)])
    ], { errorInfo }))
    // the sorted part first, in key order, then the late items
    assert.deepEqual(out.slice(0, 4).map((g) => cidToString(g.cid)), cids.map(cidToString))
    const late = out.slice(4)
    assert.deepEqual(late.map((g) => cidToString(g.cid)).sort(), [cidToString(tail), cidToString(cids[0])].sort())
    // tail was reported by both peers out of order: merged into one item
    const t = late.find((g) => g.cid.equals(tail)) as GlobalPinInfo
    assert.deepEqual([...t.peerMap.entries()].map(([p, s]) => [p, s.status]).sort(), [[P[0], TrackerStatus.Unpinning], [P[1], TrackerStatus.UnpinQueued]].sort())
    // an item reported again after it was emitted comes again, with the new status
    const again = late.find((g) => g.cid.equals(cids[0])) as GlobalPinInfo
    assert.deepEqual([...again.peerMap.entries()].map(([p, s]) => [p, s.status]), [[P[0], TrackerStatus.Unpinning]])
  })

  it('holds one item per peer, not the pinset', async () => {
    const n = 5000
    const produced = [0, 0, 0]
    const streams: PeerStatusStream[] = P.map((peer, i) => ({
      peer,
      open: () => (async function * () {
        for (let k = 0; k < n; k++) {
          produced[i]++
          // keys of testCid are not sorted: build items in key order lazily
          yield info(keyOrder[k], peer)
        }
      })()
    }))
    const keyOrder = sortedCids(n, 'm')
    let consumed = 0
    let maxAhead = 0
    for await (const g of mergeStatusStreams(streams, { errorInfo })) {
      consumed++
      assert.equal(g.peerMap.size, 3)
      for (const p of produced) maxAhead = Math.max(maxAhead, p - consumed)
    }
    assert.equal(consumed, n)
    assert.ok(maxAhead <= 2, `a stream ran ${maxAhead} items ahead of the consumer`)
  })

  it('closes every stream when the consumer stops early', async () => {
    const cids = sortedCids(10)
    const closed: string[] = []
    const gen = mergeStatusStreams(P.map((p) => stream(p, cids.map((c) => info(c, p)), { onClose: () => { closed.push(p) } })), { errorInfo })
    let n = 0
    for await (const _ of gen) {
      if (++n === 2) break
    }
    const { waitFor } = await import('../helpers/wait-for.js')
    await waitFor(() => closed.length === 3)
    assert.deepEqual(closed.sort(), [...P].sort())
  })
})
