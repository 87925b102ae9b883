import '../../src/polyfill.js'
import { describe, it, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createClusterHost } from '../../src/host/index.js'
import { createRPC } from '../../src/rpc/index.js'
import { Libp2pRPCTransport } from '../../src/rpc/libp2p-transport.js'
import { createLogger } from '../../src/logging/index.js'
import { parseCid } from '../../src/api/index.js'
import { PinNotFoundError } from '../../src/errors.js'
import { testHostInit } from '../helpers/host.js'
import { waitFor } from '../helpers/wait-for.js'
import type { ClusterHost } from '../../src/host/index.js'

const CID1 = parseCid('QmP63DkAFEnDYNjDYBpyNDfttu1fvUw99x1brscPzpqmmq')


async function makeHost (secret: Uint8Array, lines: string[]): Promise<ClusterHost> {
  const logger = createLogger({ sink: (l) => lines.push(l) })
  const host = createClusterHost({ privateKey: await generateKeyPair('Ed25519'), logger }, testHostInit(secret))
  await host.start()
  return host
}

describe('cluster host and libp2p RPC', () => {
  const hosts: ClusterHost[] = []
  after(async () => { await Promise.all(hosts.map(async (h) => { await h.stop() })) })

  it('peers with the same secret talk RPC and pubsub; another secret is refused with one clear line', async () => {
    const secret = randomBytes(32)
    const linesA: string[] = []
    const a = await makeHost(secret, linesA)
    const b = await makeHost(secret, [])
    const c = await makeHost(randomBytes(32), [])
    hosts.push(a, b, c)

    const silent = createLogger({ sink: () => {} })
    const rpcA = createRPC({ peerId: a.peerId, isTrusted: () => true, logger: silent })
    const rpcB = createRPC({ peerId: b.peerId, isTrusted: (p) => p === a.peerId, logger: silent })
    const tA = new Libp2pRPCTransport({ libp2p: a.libp2p, logger: silent.forComponent('rpc') })
    const tB = new Libp2pRPCTransport({ libp2p: b.libp2p, logger: silent.forComponent('rpc') })
    await tA.start(); await tB.start()
    rpcA.setTransport(tA); rpcB.setTransport(tB)
    rpcB.register({
      'Cluster.Version': async () => ({ version: '1.1.6' }),
      'PinTracker.Status': async () => { throw new PinNotFoundError() },
      'PinTracker.StatusAll': async function * () { yield * [] },
      'Consensus.Peers': async () => ['x']
    })

    await b.connect(a.addresses()[0])
    await waitFor(() => a.connectedPeers().includes(b.peerId))
    assert.deepEqual(await rpcA.call(b.peerId, 'Cluster.Version', null), { version: '1.1.6' })
    await assert.rejects(rpcA.call(b.peerId, 'PinTracker.Status', CID1), { name: 'PinNotFoundError', message: 'pin is not part of the pinset' })
    // closed method: refused by policy on B
    await assert.rejects(rpcA.call(b.peerId, 'Consensus.Peers', null), { name: 'RPCAuthorizationError' })

    // pubsub
    const got: string[] = []
    b.pubsub.subscribe('t', (data, from) => { got.push(`${new TextDecoder().decode(data)} from ${from}`) })
    a.pubsub.subscribe('t', () => {})
    await waitFor(() => a.libp2p.services.pubsub.getSubscribers('t').length > 0)
    await a.pubsub.publish('t', new TextEncoder().encode('hello'))
    await waitFor(() => got.length === 1)
    assert.equal(got[0], `hello from ${a.peerId}`)

    // wrong secret
    await assert.rejects(c.connect(a.addresses()[0]))
    const rejected = await waitFor(() => linesA.find((l) => l.includes('rejected connection')))
    assert.match(rejected, /WARN\tp2p\trejected connection from \/ip4\/127\.0\.0\.1\/tcp\/\d+: secure handshake failed \(the remote peer probably uses a different cluster secret\)$/)
    assert.equal(linesA.filter((l) => l.includes('rejected connection')).length, 1)
    // a retry comes from another source port: still one line per remote host and minute
    await assert.rejects(c.connect(a.addresses()[0]))
    assert.equal(linesA.filter((l) => l.includes('rejected connection')).length, 1)
    assert.ok(!linesA.some((l) => l.includes('\tERROR\t')))
  })

  it('never dials its own listen address for another peer (a shared loopback address leads back to itself)', async () => {
    const secret = randomBytes(32)
    const linesA: string[] = []
    const a = await makeHost(secret, linesA)
    const b = await makeHost(secret, [])
    hosts.push(a, b)
    // B's ID at A's own address: what a peer learns when B announces 127.0.0.1 and runs elsewhere
    const own = a.addresses()[0].replace(/\/p2p\/[^/]+$/, '')
    await assert.rejects(a.connect(`${own}/p2p/${b.peerId}`))
    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.deepEqual(linesA.filter((l) => l.includes('rejected connection')), [])
    assert.equal(a.connectedPeers().includes(b.peerId), false)
    // B itself is still reachable at its real address
    await a.connect(b.addresses()[0])
    assert.ok(a.connectedPeers().includes(b.peerId))
  })
})
