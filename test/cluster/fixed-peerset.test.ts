/**
 * A fixed peerset: every peer knows the others before it starts
 * (`CLUSTER_PEERS` / `peer_addresses`, or the peerstore written by
 * `init --peers`), trusts them, and connects on start with no bootstrap.
 * Then `leave_on_shutdown` as in the reference.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cidToString } from '../../src/api/index.js'
import { generateIdentity, writePeerstore } from '../../src/config/index.js'
import { createKVStore } from '../../src/datastore/index.js'
import { cleanupPeers, errorLines, freePort, newSecret, startTestPeer } from '../helpers/cluster-peers.js'
import { rest } from '../helpers/cluster-rest.js'
import { testCid } from '../helpers/pins.js'
import { waitFor } from '../helpers/wait-for.js'
import type { Identity } from '../../src/config/types.js'
import type { TestPeer, TestPeerOptions } from '../helpers/cluster-peers.js'

async function peerIds (p: TestPeer): Promise<string[]> {
  return (await rest(p.restURL, 'GET', '/peers')).items.filter((i) => i.error === '').map((i) => i.id).sort()
}

async function crdtKeys (folder: string): Promise<number> {
  const store = createKVStore({ path: join(folder, 'leveldb') })
  await store.start()
  let n = 0
  try {
    for await (const _ of store.query('/c/')) n++
  } finally {
    await store.stop()
  }
  return n
}

describe('a fixed peerset', () => {
  const peers: TestPeer[] = []
  const secret = newSecret()
  let ids: Identity[]
  let addrs: string[]
  let folders: string[]
  let cid: string

  const opts = (i: number, extra: Partial<TestPeerOptions> = {}): TestPeerOptions => ({
    secret,
    name: `fixed${i}`,
    identity: ids[i],
    folder: folders[i],
    ...extra,
    configure: (cfg) => {
      cfg.cluster.listenMultiaddress = [addrs[i].replace(/\/p2p\/.*$/, '')]
      extra.configure?.(cfg)
    }
  })

  before(async () => {
    ids = await Promise.all([0, 1, 2].map(async () => await generateIdentity()))
    const ports = await Promise.all([0, 1, 2].map(async () => await freePort()))
    addrs = ids.map((id, i) => `/ip4/127.0.0.1/tcp/${ports[i]}/p2p/${id.id}`)
    folders = await Promise.all([0, 1, 2].map(async (i) => await mkdtemp(join(tmpdir(), `cluster-fixed${i}-`))))
    // fixed1 was initialised with `init --peers`: a peerstore file and trusted_peers
    await writePeerstore(join(folders[1], 'peerstore'), [addrs[0], addrs[2]])
    const started = await Promise.all([
      // CLUSTER_PEERS (peer_addresses + trusted_peers), with the legacy /ipfs/ form
      startTestPeer(opts(0, { clusterPeers: `${addrs[1]}, ${addrs[2].replace('/p2p/', '/ipfs/')}` })),
      startTestPeer(opts(1, {
        configure: (cfg) => {
          cfg.consensus.crdt!.trustedPeers = ids.map((i) => i.id)
          cfg.consensus.crdt!.trustAll = false
          cfg.cluster.leaveOnShutdown = true
        }
      })),
      // knows nobody: the others connect to it
      startTestPeer(opts(2, {
        configure: (cfg) => {
          cfg.consensus.crdt!.trustedPeers = ids.map((i) => i.id)
          cfg.consensus.crdt!.trustAll = false
        }
      }))
    ])
    peers.push(...started)
  })
  after(async () => { await cleanupPeers(peers) })

  it('connects every peer on start, with no bootstrap', async () => {
    const all = ids.map((i) => i.id).sort()
    for (const p of peers) {
      await waitFor(async () => (await peerIds(p)).join() === all.join(), { message: `peerset of ${p.name}` })
    }
    for (const p of peers) {
      const graph = (await rest(p.restURL, 'GET', '/health/graph')).body
      assert.deepEqual(Object.values(graph.cluster_trust_links), [true, true, true], `${p.name} trusts every peer`)
    }
  })

  it('replicates pins between the trusted peers', async () => {
    const label = 'fixed peerset content'
    cid = cidToString(testCid(label))
    await peers[2].peer.cluster.ipfsConnector().blockStream((async function * () {
      yield { cid: testCid(label), bytes: new TextEncoder().encode(label) }
    })())
    assert.equal((await rest(peers[2].restURL, 'POST', `/pins/${cid}`)).status, 200)
    await waitFor(async () => {
      const g = (await rest(peers[0].restURL, 'GET', `/pins/${cid}`)).body
      return Object.values(g.peer_map).filter((e: any) => e.status === 'pinned').length === 3
    }, { message: 'pinned on every peer', timeout: 20_000 })
  })

  it('leave_on_shutdown: the peer tries to leave (CRDT cannot remove peers) and wipes its consensus state', async () => {
    const p1 = peers[1]
    await p1.stop()
    assert.ok(p1.lines.some((l) => l.endsWith('\tWARN\tcluster\tattempting to leave the cluster. This may take some seconds')))
    assert.ok(p1.lines.some((l) => l.endsWith('\tERROR\tcluster\tleaving cluster: crdt consensus component cannot remove peers')))
    assert.equal(await crdtKeys(p1.folder), 0)
    // a restart resyncs from the others (the peerstore file still lists them)
    const again = await startTestPeer(opts(1, {
      configure: (cfg) => {
        cfg.consensus.crdt!.trustedPeers = ids.map((i) => i.id)
        cfg.consensus.crdt!.trustAll = false
      }
    }))
    peers.push(again)
    await waitFor(async () => {
      const res = await rest(again.restURL, 'GET', `/allocations/${cid}`)
      return res.status === 200
    }, { message: 'the pinset comes back', timeout: 20_000 })
  })

  it('logs no ERROR line but the failed leave', () => {
    assert.deepEqual(errorLines(peers, [/\tERROR\tcluster\tleaving cluster: crdt consensus component cannot remove peers$/, /sending error response: 404: pin is not part of the pinset/]), [])
  })
})
