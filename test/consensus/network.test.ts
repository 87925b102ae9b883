import '../../src/polyfill.js'
import { describe, it, after } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { base58btc } from 'multiformats/bases/base58'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import * as raw from 'multiformats/codecs/raw'
import { createClusterHost } from '../../src/host/index.js'
import { createBitswapDAGSyncer } from '../../src/consensus/network/index.js'
import { createPubSubBroadcaster, crdtTopicName as crdtTopic } from '../../src/consensus/crdt/index.js'
import { silentLogger } from '../../src/logging/index.js'
import { testHostInit } from '../helpers/host.js'
import { waitFor } from '../helpers/wait-for.js'
import type { ClusterHost } from '../../src/host/index.js'
import type { LocalBlocks } from '../../src/consensus/network/index.js'

function memBlocks (): LocalBlocks & { map: Map<string, Uint8Array> } {
  const map = new Map<string, Uint8Array>()
  return {
    map,
    async get (cid) { return map.get(cid.toString()) },
    async put (cid, bytes) { map.set(cid.toString(), bytes) },
    async has (cid) { return map.has(cid.toString()) }
  }
}

async function makeHost (secret: Uint8Array): Promise<ClusterHost> {
  const host = createClusterHost({ privateKey: await generateKeyPair('Ed25519'), logger: silentLogger() }, testHostInit(secret))
  await host.start()
  return host
}

describe('crdt network side', () => {
  const stops: Array<() => Promise<void>> = []
  after(async () => { for (const s of stops.reverse()) await s() })

  it('derives the reference pubsub topic from the cluster name', () => {
    // base58btc(multihash(md5("ipfs-cluster"))): md5 multihash code 0xd5 = 0xd5 0x01, length 16
    const topic = crdtTopic('ipfs-cluster')
    const mh = base58btc.baseDecode(topic)
    assert.deepEqual([...mh.subarray(0, 3)], [0xd5, 0x01, 16])
    assert.equal(Buffer.from(mh.subarray(3)).toString('hex'), createHash('md5').update('ipfs-cluster').digest('hex'))
    assert.notEqual(topic, crdtTopic('other-cluster'))
    assert.equal(topic, crdtTopic('ipfs-cluster'))
  })

  it('fetches a missing block over bitswap and broadcasts heads over pubsub', async () => {
    const secret = randomBytes(32)
    const a = await makeHost(secret)
    const b = await makeHost(secret)
    stops.push(async () => { await a.stop() }, async () => { await b.stop() })
    const blocksA = memBlocks()
    const blocksB = memBlocks()
    const syncA = createBitswapDAGSyncer({ libp2p: a.libp2p, blocks: blocksA, logger: silentLogger().forComponent('crdt') })
    const syncB = createBitswapDAGSyncer({ libp2p: b.libp2p, blocks: blocksB, logger: silentLogger().forComponent('crdt') }, { timeout: 5000 })
    await syncA.start(); await syncB.start()
    stops.push(async () => { await syncA.stop() }, async () => { await syncB.stop() })

    const bytes = new TextEncoder().encode('a delta block')
    const cid = CID.createV1(raw.code, await sha256.digest(bytes))
    await syncA.put(cid, bytes)
    assert.equal(await syncB.has(cid), false)

    await b.connect(a.addresses()[0])
    await waitFor(() => a.connectedPeers().includes(b.peerId))
    const got = await syncB.get(cid)
    assert.ok(Buffer.from(got).equals(bytes))

    const topic = crdtTopic('test-cluster')
    const bcA = createPubSubBroadcaster(a.pubsub, topic, a.peerId)
    const bcB = createPubSubBroadcaster(b.pubsub, topic, b.peerId)
    const received: string[] = []
    bcB.onMessage((data, from) => { received.push(`${new TextDecoder().decode(data)}|${from}`) })
    await waitFor(() => a.libp2p.services.pubsub.getSubscribers(topic).length > 0)
    await bcA.broadcast(new TextEncoder().encode('heads'))
    await waitFor(() => received.length === 1)
    assert.equal(received[0], `heads|${a.peerId}`)
    bcA.close(); bcB.close()
  })
})
