/**
 * Without a secret (upstream behaviour): a warning, an unprotected network
 * that peers without a secret can join, and that a peer with a secret
 * cannot join.
 */
import { describe, it, after } from 'node:test'
import assert from 'node:assert/strict'
import { EMPTY_SECRET_WARNING } from '../../src/config/index.js'
import { cleanupPeers, errorLines, newSecret, startTestPeer } from '../helpers/cluster-peers.js'
import { rest } from '../helpers/cluster-rest.js'
import { waitFor } from '../helpers/wait-for.js'
import type { TestPeer } from '../helpers/cluster-peers.js'

describe('a cluster without a secret', () => {
  const peers: TestPeer[] = []
  after(async () => { await cleanupPeers(peers) })

  it('warns, lets peers without a secret join and keeps a peer with a secret out', async () => {
    const a = await startTestPeer({ secret: '', name: 'open-a' })
    const b = await startTestPeer({ secret: '', name: 'open-b' })
    const s = await startTestPeer({ secret: newSecret(), name: 'secret-s' })
    peers.push(a, b, s)
    await Promise.all(peers.map(async (p) => { await p.peer.ready() }))
    for (const p of [a, b]) {
      assert.equal(p.lines.filter((l) => l.endsWith(`\tWARN\tp2p\t${EMPTY_SECRET_WARNING}`)).length, 1)
    }
    assert.ok(!s.lines.some((l) => l.includes(EMPTY_SECRET_WARNING)))

    await b.peer.bootstrap([a.address])
    await waitFor(async () => (await rest(a.restURL, 'GET', '/peers')).items.length === 2, { message: 'a and b form a cluster' })

    await s.peer.bootstrap([a.address])
    const failed = await waitFor(() => s.lines.find((l) => l.includes('bootstrap to')))
    assert.match(failed, /\tWARN\tcluster\tbootstrap to \/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/\w+ failed: could not connect to .*check that both peers use the same cluster secret\)$/)
    assert.deepEqual((await rest(a.restURL, 'GET', '/peers')).items.map((i) => i.id).sort(), [a.peer.peerId, b.peer.peerId].sort())
    assert.deepEqual(errorLines(peers), [])
  })
})
