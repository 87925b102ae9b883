import '../../src/polyfill.js'
import { describe, it, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createClusterHost } from '../../src/host/index.js'
import { createRPC } from '../../src/rpc/index.js'
import { Libp2pRPCTransport } from '../../src/rpc/libp2p-transport.js'
import { silentLogger } from '../../src/logging/index.js'
import { syntheticPinInfo } from '../../src/cluster/pin-info.js'
import { TrackerStatus } from '../../src/api/index.js'
import { PinNotFoundError } from '../../src/errors.js'
import { testHostInit } from '../helpers/host.js'
import { testCid } from '../helpers/pins.js'
import type { ClusterHost } from '../../src/host/index.js'
import type { RPC } from '../../src/rpc/index.js'


describe('libp2p RPC streams: flow control', () => {
  const stops: Array<() => Promise<void>> = []
  after(async () => { for (const s of stops.reverse()) await s() })

  async function peer (secret: Uint8Array): Promise<{ host: ClusterHost, rpc: RPC }> {
    const logger = silentLogger()
    const host = createClusterHost({ privateKey: await generateKeyPair('Ed25519'), logger }, testHostInit(secret, 1000))
    await host.start()
    const rpc = createRPC({ peerId: host.peerId, isTrusted: () => true, logger })
    const t = new Libp2pRPCTransport({ libp2p: host.libp2p, logger: logger.forComponent('rpc') })
    await t.start()
    rpc.setTransport(t)
    stops.push(async () => { await t.stop(); await host.stop() })
    return { host, rpc }
  }

  it('a slow reader of a large stream slows the producer down instead of failing', async () => {
    const secret = randomBytes(32)
    const a = await peer(secret)
    const b = await peer(secret)
    const total = 30_000
    let produced = 0
    const who = { peername: 'b', ipfs: { id: '', addresses: [], error: '' } }
    b.rpc.register({
      'PinTracker.StatusAll': async function * () {
        for (let i = 0; i < total; i++) {
          produced++
          yield syntheticPinInfo(testCid(i), b.host.peerId, who, TrackerStatus.Pinned, null)
        }
      }
    })
    await a.host.connect(b.host.addresses()[0])
    let n = 0
    let producedAtPause = 0
    for await (const _ of a.rpc.stream(b.host.peerId, 'PinTracker.StatusAll', 0)) {
      n++
      if (n === 10) {
        // a consumer that stops reading for a while
        await new Promise((resolve) => setTimeout(resolve, 2000))
        producedAtPause = produced
      }
    }
    assert.equal(n, total)
    // the producer was held back while nobody read (far fewer than all items)
    // (a few MiB: the reader's buffer, the stream window, the writer's queue)
    assert.ok(producedAtPause < 20_000, `produced ${producedAtPause} items while the reader paused`)
  })

  it('delivers every item sent before an error, then the error', async () => {
    const secret = randomBytes(32)
    const a = await peer(secret)
    const b = await peer(secret)
    const who = { peername: 'b', ipfs: { id: '', addresses: [], error: '' } }
    b.rpc.register({
      'PinTracker.StatusAll': async function * () {
        for (let i = 0; i < 5; i++) yield syntheticPinInfo(testCid(i), b.host.peerId, who, TrackerStatus.Pinned, null)
        throw new PinNotFoundError()
      }
    })
    await a.host.connect(b.host.addresses()[0])
    const got: string[] = []
    await assert.rejects((async () => {
      for await (const info of a.rpc.stream(b.host.peerId, 'PinTracker.StatusAll', 0)) got.push(info.cid.toString())
    })(), { name: 'PinNotFoundError', message: 'pin is not part of the pinset' })
    assert.deepEqual(got, [0, 1, 2, 3, 4].map((i) => testCid(i).toString()))
  })
})
