import '../../src/polyfill.js'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { IPFSPinStatus } from '../../src/api/enums.js'
import { parsePeerId } from '../../src/api/encoding.js'
import { defaultPinOptions, newPin } from '../../src/api/json.js'
import { jsIpfsSkipReason, startJsIpfs } from '../helpers/jsipfs.js'
import { startConnector } from './ipfshttp-helpers.js'
import type { JsIpfsDaemon } from '../helpers/jsipfs.js'
import type { IPFSConnector } from '../../src/interfaces.js'

const skip = jsIpfsSkipReason()

describe('two js-ipfs daemons behind ipfshttp connectors', { skip }, () => {
  let a: JsIpfsDaemon
  let b: JsIpfsDaemon
  let ca: IPFSConnector
  let cb: IPFSConnector

  before(async () => {
    [a, b] = await Promise.all([startJsIpfs(), startJsIpfs()])
    ca = await startConnector(a.apiMultiaddr, { pinTimeout: 10000 })
    cb = await startConnector(b.apiMultiaddr, { pinTimeout: 10000 })
    await Promise.all([ca.ready(), cb.ready()])
  })

  after(async () => {
    await ca?.stop()
    await cb?.stop()
    await Promise.all([a?.stop(), b?.stop()])
  })

  it('each daemon listens on loopback only, with its own ports', () => {
    for (const d of [a, b]) {
      assert.match(d.apiMultiaddr, /^\/ip4\/127\.0\.0\.1\/tcp\/\d+$/)
      assert.equal(parsePeerId(d.peerId), d.peerId)
      assert.ok(d.swarmMultiaddrs.length > 0)
      for (const s of d.swarmMultiaddrs) assert.match(s, new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${d.peerId}$`))
    }
    assert.notEqual(a.apiMultiaddr, b.apiMultiaddr)
    assert.notEqual(a.peerId, b.peerId)
  })

  it('pins content that only the origin daemon has (swarm connect + bitswap)', async () => {
    const cid = await a.add(new Uint8Array(randomBytes(600 * 1024)))
    const pin = newPin(cid, { ...defaultPinOptions(), origins: a.swarmMultiaddrs })
    await cb.pin(pin)
    assert.equal(await cb.pinLsCid(pin), IPFSPinStatus.Recursive)
    assert.ok((await cb.swarmPeers()).includes(a.peerId))
    assert.equal(await ca.pinLsCid(pin), IPFSPinStatus.Unpinned)
  })

  it('stop() ends the daemon and removes its repo', async () => {
    const d = await startJsIpfs()
    assert.ok(existsSync(d.repoPath))
    await d.stop()
    assert.equal(existsSync(d.repoPath), false)
    const res = await d.rpc('id').then(() => 'answered', (err: NodeJS.ErrnoException) => err.code)
    assert.equal(res, 'ECONNREFUSED')
  })
})
