import type { ClusterHostInit } from '../../src/host/index.js'

/**
 * A cluster host for tests: listens on 127.0.0.1 (port 0), no mDNS, the
 * given secret; `heartbeatInterval` is the gossipsub heartbeat (short in
 * tests that wait for pubsub meshes).
 */
export function testHostInit (secret: Uint8Array, heartbeatInterval = 100): ClusterHostInit {
  return {
    listenMultiaddress: ['/ip4/127.0.0.1/tcp/0'],
    announceMultiaddress: [],
    noAnnounceMultiaddress: [],
    secret,
    connectionManager: { highWater: 400, lowWater: 100, gracePeriod: 120000 },
    pubsub: { seenMessagesTTL: 60000, heartbeatInterval, dFactor: 1, historyGossip: 2, historyLength: 6, floodPublish: false },
    mdnsInterval: 0,
    dialPeerTimeout: 3000
  }
}
