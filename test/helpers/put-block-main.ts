/**
 * `node put-block-main.js <cluster peer multiaddr> <hex secret> <text>...`
 *
 * Puts raw blocks holding each `<text>` into the IPFS daemon of a cluster
 * peer the way an adder does: a libp2p host with the cluster secret calls
 * `IPFSConnector.BlockStream` (a trusted RPC method) on that peer. Prints
 * one CID per text. Used by the network-namespace tests to put content on
 * one host only.
 */
import '../../src/polyfill.js'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { cidToString } from '../../src/api/index.js'
import { createClusterHost, peerIdOfMultiaddr } from '../../src/host/index.js'
import { silentLogger } from '../../src/logging/index.js'
import { createRPC } from '../../src/rpc/index.js'
import { Libp2pRPCTransport } from '../../src/rpc/libp2p-transport.js'

const [target, secretHex, ...texts] = process.argv.slice(2)
const logger = silentLogger()
const host = createClusterHost({ privateKey: await generateKeyPair('Ed25519'), logger }, {
  listenMultiaddress: [],
  announceMultiaddress: [],
  noAnnounceMultiaddress: [],
  secret: Buffer.from(secretHex, 'hex'),
  connectionManager: { highWater: 10, lowWater: 1, gracePeriod: 1000 },
  pubsub: { seenMessagesTTL: 60000, heartbeatInterval: 1000, dFactor: 1, historyGossip: 2, historyLength: 6, floodPublish: false },
  mdnsInterval: 0,
  dialPeerTimeout: 5000
})
await host.start()
const rpc = createRPC({ peerId: host.peerId, isTrusted: () => false, logger })
const transport = new Libp2pRPCTransport({ libp2p: host.libp2p, logger: logger.forComponent('rpc') })
await transport.start()
rpc.setTransport(transport)
try {
  await host.connect(target)
  const peer = peerIdOfMultiaddr(target) as string
  const blocks = await Promise.all(texts.map(async (t) => {
    const bytes = new TextEncoder().encode(t)
    return { cid: CID.createV1(0x55, await sha256.digest(bytes)), bytes }
  }))
  await rpc.sink(peer, 'IPFSConnector.BlockStream', (async function * () { yield * blocks })(), { signal: AbortSignal.timeout(20_000) })
  for (const b of blocks) process.stdout.write(cidToString(b.cid) + '\n')
} finally {
  await transport.stop()
  await host.stop()
}
process.exit(0)
