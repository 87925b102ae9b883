/**
 * Shared set-up of the pin tracker tests: a tracker over a fake IPFS and an
 * in-memory state.
 */
import { trackerStatusToString } from '../../src/api/enums.js'
import { silentLogger } from '../../src/logging/index.js'
import { createStatelessPinTracker } from '../../src/pintracker/index.js'
import { FakeIPFSConnector } from '../fakes/fake-ipfs-connector.js'
import { MemoryState } from '../fakes/memory-state.js'
import { waitFor } from '../helpers/wait-for.js'
import type { FakeIPFSConnectorInit } from '../fakes/fake-ipfs-connector.js'
import type { PinInfo } from '../../src/api/types.js'
import type { PinTracker, RequestActivity } from '../../src/interfaces.js'
import type { StatelessPinTrackerInit } from '../../src/pintracker/index.js'
import type { CID } from 'multiformats/cid'

export const PEER = '12D3KooWRN8KRjpyg9rsW2w7StbBRGper65psTZm68cjud9KAkaW'
export const OTHER = '12D3KooWGHTKzeT4KaLGLrbKKyT8zKrBPXAUBRzCAN6ZMDMo4M6M'
export const PEER_NAME = 'peer0'
export const IPFS_ADDRS = ['/ip4/127.0.0.1/tcp/4001']

export interface Harness {
  tracker: PinTracker
  ipfs: FakeIPFSConnector
  state: MemoryState
  /** Status name of a CID (`pinned`, `pin_queued`, …). */
  statusName: (cid: CID) => Promise<string>
  /** Waits until the CID has that status; returns its PinInfo. */
  waitStatus: (cid: CID, status: number) => Promise<PinInfo>
  stop: () => Promise<void>
}

export async function startTracker (init: StatelessPinTrackerInit = {}, ipfsInit: FakeIPFSConnectorInit = {}, start = true, extra: { activity?: RequestActivity } = {}): Promise<Harness> {
  const ipfs = new FakeIPFSConnector(ipfsInit)
  const state = new MemoryState()
  const tracker = createStatelessPinTracker({
    ipfs,
    state: () => state,
    peerId: PEER,
    peerName: () => PEER_NAME,
    ipfsId: () => ({ id: ipfs.peerId, addresses: IPFS_ADDRS }),
    logger: silentLogger(),
    activity: extra.activity
  }, init)
  if (start) {
    await tracker.start()
  }
  const statusName = async (cid: CID): Promise<string> => trackerStatusToString((await tracker.status(cid)).status)
  return {
    tracker,
    ipfs,
    state,
    statusName,
    waitStatus: async (cid: CID, status: number): Promise<PinInfo> => {
      let last = ''
      return await waitFor(async () => {
        const info = await tracker.status(cid)
        last = trackerStatusToString(info.status)
        return info.status === status ? info : null
      }, { timeout: 5000, message: `${cid.toString()} to be ${trackerStatusToString(status)}; last ${last}` })
    },
    stop: async () => {
      await tracker.stop()
      await ipfs.stop()
    }
  }
}

export async function collect<T> (gen: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of gen) out.push(x)
  return out
}

/** CID string → status name, for statusAll/recoverAll results. */
export function statusMap (infos: PinInfo[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const info of infos) {
    out[info.cid.toString()] = trackerStatusToString(info.status)
  }
  return out
}
