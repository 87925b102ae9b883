/**
 * Peerstore priorities of the peer manager (CLI/config spec §9.1):
 * `peer_addresses` first, then explicitly trusted peers (crdt), then the
 * peerstore file order — for dialling at start and for the saved file.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { PeerManager } from '../../src/cluster/peer-manager.js'
import { silentLogger } from '../../src/logging/index.js'
import { testPeerId } from '../helpers/pins.js'
import type { ClusterHost } from '../../src/host/index.js'
import type { RPC } from '../../src/rpc/index.js'

const [SELF, P1, P2, P3, P4] = ['self', 1, 2, 3, 4].map(testPeerId)

/** The part of a cluster host the peer manager uses, recording what it is asked. */
class RecordingHost {
  readonly peerId = SELF
  readonly permanent = new Map<string, boolean>()
  readonly addrs = new Map<string, string[]>()
  readonly dialled: string[] = []

  async addAddress (addr: string, opts: { permanent: boolean }): Promise<string> {
    const m = /^(.*)\/p2p\/([^/]+)$/.exec(addr)
    if (m == null) throw new Error(`no peer ID in ${addr}`)
    this.permanent.set(m[2], opts.permanent)
    this.addrs.set(m[2], [...(this.addrs.get(m[2]) ?? []), m[1]])
    return m[2]
  }

  onPeerConnect (): void {}
  connectedPeers (): string[] { return [] }
  async storedAddresses (peer: string): Promise<string[]> { return this.addrs.get(peer) ?? [] }

  async connect (peer: string): Promise<void> {
    this.dialled.push(peer)
    throw new Error('no network in this test')
  }
}

/** A started peer manager over a recording host; `written()` is the last saved peerstore. */
async function startManager (peerstoreFile: string[], init: { peerAddresses: string[], trustedPeers?: string[] }): Promise<{ host: RecordingHost, pm: PeerManager, written: () => string[] }> {
  const host = new RecordingHost()
  let written: string[] = []
  const pm = new PeerManager({
    host: host as unknown as ClusterHost,
    rpc: {} as unknown as RPC,
    logger: silentLogger(),
    readPeerstore: async () => peerstoreFile,
    writePeerstore: async (lines) => { written = lines }
  }, { ...init, lowWater: 100, watchInterval: 3_600_000 })
  await pm.start()
  return { host, pm, written: () => written }
}

describe('peer manager: peerstore priorities', () => {
  it('orders peer_addresses, then trusted peers, then the peerstore file; trusted addresses are permanent', async () => {
    const { host, pm, written } = await startManager(
      [`/ip4/10.0.0.2/tcp/9096/p2p/${P2}`, `/ip4/10.0.0.3/tcp/9096/p2p/${P3}`, `/ip4/10.0.0.4/tcp/9096/p2p/${P4}`],
      { peerAddresses: [`/ip4/10.0.0.1/tcp/9096/p2p/${P1}`], trustedPeers: [P4] })
    try {
      assert.deepEqual(Object.fromEntries(host.permanent), { [P1]: true, [P2]: false, [P3]: false, [P4]: true })
      // the three first peers in priority order are dialled at start
      assert.deepEqual([...host.dialled].sort(), [P1, P4, P2].sort())
      await pm.savePeerstore()
      assert.deepEqual(written(), [
        `/ip4/10.0.0.1/tcp/9096/p2p/${P1}`,
        `/ip4/10.0.0.4/tcp/9096/p2p/${P4}`,
        `/ip4/10.0.0.2/tcp/9096/p2p/${P2}`,
        `/ip4/10.0.0.3/tcp/9096/p2p/${P3}`
      ])
    } finally {
      await pm.stop()
    }
  })

  it('keeps the peerstore file order when no peer is trusted explicitly', async () => {
    const { host, pm, written } = await startManager(
      [`/ip4/10.0.0.3/tcp/9096/p2p/${P3}`, `/ip4/10.0.0.2/tcp/9096/p2p/${P2}`],
      { peerAddresses: [] })
    try {
      await pm.savePeerstore()
      assert.deepEqual(written(), [`/ip4/10.0.0.3/tcp/9096/p2p/${P3}`, `/ip4/10.0.0.2/tcp/9096/p2p/${P2}`])
      assert.deepEqual(Object.fromEntries(host.permanent), { [P3]: false, [P2]: false })
    } finally {
      await pm.stop()
    }
  })
})
