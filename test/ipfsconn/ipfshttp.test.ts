import '../../src/polyfill.js'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, it } from 'node:test'
import v8 from 'node:v8'
import vm from 'node:vm'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { IPFSPinStatus } from '../../src/api/enums.js'
import { parseCid } from '../../src/api/encoding.js'
import { defaultPinOptions, newPin } from '../../src/api/json.js'
import { createIPFSHTTPConnector } from '../../src/ipfsconn/ipfshttp/index.js'
import { silentLogger } from '../../src/logging/index.js'
import { FakeKubo, FIXTURES } from '../fakes/fake-kubo.js'
import { multipartBoundary, parseMultipart } from '../fakes/multipart-parser.js'
import { blocksOf, dagPbBlock, randomRawBlock } from '../helpers/dag.js'
import { cidStrings } from '../helpers/cid-strings.js'
import { waitFor } from '../helpers/wait-for.js'
import { captureLogger, connectorConfig } from './ipfshttp-helpers.js'
import type { FakeKuboOptions } from '../fakes/fake-kubo.js'
import type { BlockWithCid, Pin } from '../../src/api/types.js'
import type { IPFSHTTPConnectorComponents, IPFSHTTPConnectorInit } from '../../src/ipfsconn/ipfshttp/index.js'
import type { IPFSConnector, PinProgress, ProgressEvent } from '../../src/interfaces.js'
import type http from 'node:http'

const cleanups: Array<() => Promise<void>> = []

afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

async function startFake (opts: FakeKuboOptions = {}): Promise<FakeKubo> {
  const fake = new FakeKubo(opts)
  await fake.start()
  cleanups.push(async () => { await fake.stop() })
  return fake
}

async function startConnector (addr: string, overrides: Partial<IPFSHTTPConnectorInit> = {}, components: Partial<IPFSHTTPConnectorComponents> = {}): Promise<IPFSConnector> {
  const c = createIPFSHTTPConnector({ logger: silentLogger(), ...components }, connectorConfig(addr, overrides))
  await c.start()
  cleanups.push(async () => { await c.stop() })
  return c
}

async function readyConnector (fake: FakeKubo, overrides: Partial<IPFSHTTPConnectorInit> = {}, components: Partial<IPFSHTTPConnectorComponents> = {}): Promise<IPFSConnector> {
  const c = await startConnector(fake.apiMultiaddr, overrides, components)
  await c.ready()
  fake.resetCounters()
  return c
}

/** A loopback port nobody listens on (for a while). */
async function freePort (): Promise<number> {
  const srv = net.createServer()
  await new Promise<void>((resolve) => { srv.listen(0, '127.0.0.1', resolve) })
  const port = (srv.address() as net.AddressInfo).port
  await new Promise<void>((resolve) => { srv.close(() => { resolve() }) })
  return port
}

function pinOf (cid: string | CID, mode: 'recursive' | 'direct' = 'recursive'): Pin {
  return newPin(typeof cid === 'string' ? parseCid(cid) : cid, { ...defaultPinOptions(), mode })
}

function paths (fake: FakeKubo): string[] {
  return fake.requests.map((r) => r.path)
}

function sendJSON (res: http.ServerResponse, status: number, body: string): void {
  res.statusCode = status
  res.setHeader('Content-Type', 'application/json')
  res.end(body)
}

describe('ipfshttp: pin stall watchdog', () => {
  it('a pin that keeps progressing outlives pin_timeout', async () => {
    const fake = await startFake({ slowInterval: 60 })
    const c = await readyConnector(fake, { pinTimeout: 250 })
    const events: Array<ProgressEvent<PinProgress>> = []
    const started = Date.now()
    await c.pin(pinOf(FIXTURES.SlowCid1), { onProgress: (e) => { events.push(e) } })
    const elapsed = Date.now() - started
    assert.ok(elapsed >= 590, `took ${elapsed} ms, longer than pin_timeout several times`)
    assert.deepEqual(events.map((e) => [e.type, e.detail.blocks]), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => ['ipfs:pin:progress', n]))
    assert.equal(fake.pinMode(FIXTURES.SlowCid1), 'recursive')
  })

  it('a stalled pin fails with TimeoutError after pin_timeout', async () => {
    const fake = await startFake()
    const c = await readyConnector(fake, { pinTimeout: 300 })
    const started = Date.now()
    await assert.rejects(c.pin(pinOf(FIXTURES.NotFoundCid)), {
      name: 'TimeoutError',
      message: `pinning ${FIXTURES.NotFoundCid} made no progress for 300ms (pin_timeout): context deadline exceeded`
    })
    const elapsed = Date.now() - started
    assert.ok(elapsed >= 290 && elapsed < 3000, `failed after ${elapsed} ms`)
    assert.equal(fake.pinMode(FIXTURES.NotFoundCid), undefined)
  })

  it('only increasing progress resets the timer', async () => {
    const fake = await startFake()
    fake.override('pin/add', async (_req, res) => {
      res.setHeader('Content-Type', 'application/json')
      res.flushHeaders()
      res.write('{"Progress":1}')
      await new Promise((resolve) => setTimeout(resolve, 150))
      res.write('{"Progress":2}')
      // Repeating the same value is not progress.
      while (!res.destroyed) {
        await new Promise((resolve) => setTimeout(resolve, 40))
        if (!res.destroyed) res.write('{"Progress":2}')
      }
    })
    const c = await readyConnector(fake, { pinTimeout: 300 })
    const started = Date.now()
    await assert.rejects(c.pin(pinOf(FIXTURES.Cid1)), { name: 'TimeoutError' })
    const elapsed = Date.now() - started
    assert.ok(elapsed >= 440 && elapsed < 3000, `failed after ${elapsed} ms (progress at 0 and 150 ms, stall of 300 ms)`)
  })

  it('pin_timeout 0 disables the watchdog', async () => {
    const fake = await startFake()
    const c = await readyConnector(fake, { pinTimeout: 0 })
    const ctl = new AbortController()
    const timer = setTimeout(() => { ctl.abort() }, 400)
    await assert.rejects(c.pin(pinOf(FIXTURES.NotFoundCid), { signal: ctl.signal }), { name: 'AbortError', message: 'context canceled' })
    clearTimeout(timer)
  })
})

describe('ipfshttp: request forms', () => {
  it('pin, unpin and pin update use the exact Kubo request forms', async () => {
    const fake = await startFake()
    const c = await readyConnector(fake)
    await c.pin(pinOf(FIXTURES.Cid1, 'direct'))
    const shard = pinOf(FIXTURES.Cid2)
    shard.maxDepth = 2
    await c.pin(shard)
    await c.unpin(parseCid(FIXTURES.Cid1))
    const update = pinOf(FIXTURES.Cid3)
    update.pinUpdate = parseCid(FIXTURES.Cid2)
    await c.pin(update)
    assert.deepEqual(paths(fake), [
      `pin/ls?stream=true&arg=${FIXTURES.Cid1}&type=direct`,
      `pin/add?arg=${FIXTURES.Cid1}&recursive=false&progress=true`,
      `pin/ls?stream=true&arg=${FIXTURES.Cid2}&type=recursive`,
      `pin/add?arg=${FIXTURES.Cid2}&max-depth=2&recursive=true&progress=true`,
      `pin/rm?arg=${FIXTURES.Cid1}`,
      `pin/ls?stream=true&arg=${FIXTURES.Cid3}&type=recursive`,
      `pin/ls?stream=true&arg=${FIXTURES.Cid2}&type=recursive`,
      `pin/update?arg=${FIXTURES.Cid2}&arg=${FIXTURES.Cid3}&unpin=false`
    ])
    for (const r of fake.requests) {
      assert.equal(r.method, 'POST')
      assert.equal(r.headers['content-type'], '')
      assert.equal(r.headers['content-length'], '0')
    }
    assert.equal(fake.pinMode(FIXTURES.Cid3), 'recursive')
    assert.equal(fake.pinMode(FIXTURES.Cid2), 'recursive')
  })

  it('asks IPFS to connect to the first ten origins, escaped', async () => {
    const fake = await startFake()
    const c = await readyConnector(fake)
    const origins = Array.from({ length: 12 }, (_, i) => `/ip4/127.0.0.1/tcp/${4001 + i}/p2p/${FIXTURES.PeerID4}`)
    const pin = pinOf(FIXTURES.Cid1)
    pin.origins = origins
    await c.pin(pin)
    await waitFor(() => fake.swarmConnects.length === 10)
    assert.deepEqual([...fake.swarmConnects].sort(), origins.slice(0, 10).sort())
    assert.ok(paths(fake).includes(`swarm/connect?arg=${encodeURIComponent(origins[0])}`))
    assert.equal(encodeURIComponent(origins[0]), `%2Fip4%2F127.0.0.1%2Ftcp%2F4001%2Fp2p%2F${FIXTURES.PeerID4}`)
  })

  it('does not pin what is already pinned with the wanted mode', async () => {
    const fake = await startFake()
    fake.addPin(FIXTURES.Cid1, 'recursive')
    const c = await readyConnector(fake)
    await c.pin(pinOf(FIXTURES.Cid1))
    assert.equal(fake.count('pin/add'), 0)
    await c.pin(pinOf(FIXTURES.Cid1, 'direct'))
    assert.equal(fake.count('pin/add'), 1)
  })

  it('block/put: one streaming multipart request with the prefix of the first block', async () => {
    const fake = await startFake()
    const c = await readyConnector(fake)
    const blocks = await Promise.all([10, 20, 30].map(async (n) => await randomRawBlock(n)))
    await c.blockStream(blocksOf(blocks))
    assert.deepEqual(paths(fake), ['block/put?allow-big-block=true&cid-codec=raw&mhlen=32&mhtype=sha2-256&pin=false'])
    assert.match(String(fake.requests[0].headers['content-type']), /^multipart\/form-data; boundary=[0-9a-f]+$/)
    for (const b of blocks) assert.deepEqual(fake.getBlock(b.cid), b.bytes)

    const pb = await dagPbBlock({ Data: new Uint8Array([8, 1]), Links: [] }, 0)
    await c.blockStream(blocksOf([pb]))
    assert.equal(paths(fake)[1], 'block/put?allow-big-block=true&cid-codec=dag-pb&mhlen=32&mhtype=sha2-256&pin=false')
    assert.deepEqual(fake.getBlock(pb.cid), pb.bytes)
  })

  it('block/put sends each block as it arrives (no buffering of the stream)', async () => {
    const fake = await startFake()
    const c = await readyConnector(fake)
    const blocks = await Promise.all([1, 2, 3, 4].map(async () => await randomRawBlock(1000)))
    async function * slowly (): AsyncGenerator<BlockWithCid> {
      for (let i = 0; i < blocks.length; i++) {
        // A multipart part ends at the next boundary: block i-2 must have
        // reached the daemon before we produce block i.
        if (i > 1) await waitFor(() => fake.hasBlock(blocks[i - 2].cid), { timeout: 5000, message: `block ${i - 2} streamed` })
        yield blocks[i]
      }
    }
    await c.blockStream(slowly())
    assert.equal(fake.count('block/put'), 1)
    assert.equal(fake.blockCount, 4)
  })

  it('block/put to js-ipfs: legacy format parameter, one request per block', async () => {
    const fake = await startFake({ jsIpfs: true })
    const c = await readyConnector(fake)
    const blocks = await Promise.all([1, 2, 3].map(async () => await randomRawBlock(100)))
    await c.blockStream(blocksOf(blocks))
    assert.deepEqual(paths(fake), Array(3).fill('block/put?format=raw&mhtype=sha2-256&mhlen=32&version=1&pin=false'))
    for (const b of blocks) assert.deepEqual(fake.getBlock(b.cid), b.bytes)
  })

  it('connectSwarms sends swarm/connect for every address; the startup routine uses the peers hook', async () => {
    const fake = await startFake()
    const c = await readyConnector(fake)
    const addrs = [`/ip4/127.0.0.1/tcp/4001/p2p/${FIXTURES.PeerID4}`, `/ip4/127.0.0.1/tcp/4002/p2p/${FIXTURES.PeerID5}`]
    await c.connectSwarms(addrs)
    assert.deepEqual(fake.swarmConnects, addrs)
    assert.deepEqual(paths(fake), addrs.map((a) => `swarm/connect?arg=${encodeURIComponent(a)}`))

    const fake2 = await startFake()
    await startConnector(fake2.apiMultiaddr, { connectSwarmsDelay: 50 }, { peersIPFSAddresses: async () => addrs })
    await waitFor(() => fake2.swarmConnects.length === 2)
    assert.deepEqual(fake2.swarmConnects, addrs)
  })
})

describe('ipfshttp: block verification', () => {
  it('a daemon that stores blocks under other CIDs is an error', async () => {
    // js-ipfs behaviour (ignores cid-codec) behind an id that does not say js-ipfs.
    const fake = await startFake({ jsIpfs: true })
    fake.override('id', (_req, res) => { sendJSON(res, 200, JSON.stringify({ ID: FIXTURES.PeerID1, Addresses: [] })) })
    const c = await readyConnector(fake)
    const block = await randomRawBlock(100)
    await assert.rejects(c.blockStream(blocksOf([block])), (err: Error) => {
      assert.equal(err.name, 'IPFSError')
      const v0 = CID.createV0(block.cid.multihash as never).toString()
      assert.equal(err.message, `IPFS error (block/put?allow-big-block=true&cid-codec=raw&mhlen=32&mhtype=sha2-256&pin=false): the daemon stored 1 block(s) under another CID than requested: ${block.cid.toString()} was stored as ${v0}`)
      return true
    })
  })

  it('a daemon that stores fewer blocks than sent is an error', async () => {
    const fake = await startFake()
    fake.override('block/put', async (req, res) => {
      const keys: string[] = []
      for await (const part of parseMultipart(req, multipartBoundary(req.headers['content-type']) as string)) {
        keys.push(part.headers['content-disposition'])
      }
      // Answers for the first block only.
      const name = /filename="([^"]+)"/.exec(keys[0])?.[1] as string
      sendJSON(res, 200, JSON.stringify({ Key: name }))
    })
    const c = await readyConnector(fake)
    const blocks = await Promise.all([1, 2, 3].map(async () => await randomRawBlock(100)))
    await assert.rejects(c.blockStream(blocksOf(blocks)), {
      name: 'IPFSError',
      message: 'IPFS error (block/put?allow-big-block=true&cid-codec=raw&mhlen=32&mhtype=sha2-256&pin=false): the daemon stored 1 of 3 blocks'
    })
  })

  it('a failing block source fails the stream with its own error', async () => {
    const fake = await startFake()
    const c = await readyConnector(fake)
    const first = await randomRawBlock(10)
    async function * failing (): AsyncGenerator<BlockWithCid> {
      yield first
      yield await randomRawBlock(10)
      throw new Error('the adder failed')
    }
    await assert.rejects(c.blockStream(failing()), { message: 'the adder failed' })
    // The connector is still usable.
    await c.blockStream(blocksOf([first]))
    assert.deepEqual(fake.getBlock(first.cid), first.bytes)
  })

  it('an early error answer stops the upload', async () => {
    const fake = await startFake()
    fake.override('block/put', (_req, res) => { sendJSON(res, 500, '{"Message":"no space left","Code":0,"Type":"error"}') })
    const c = await readyConnector(fake)
    const blocks = await Promise.all([1, 2, 3, 4].map(async () => await randomRawBlock(2 * 1024 * 1024)))
    await assert.rejects(c.blockStream(blocksOf(blocks)), {
      name: 'IPFSError',
      message: 'IPFS error (block/put?allow-big-block=true&cid-codec=raw&mhlen=32&mhtype=sha2-256&pin=false). Code: 500. Message: no space left'
    })
  })

  it('rejects an empty stream; blocks of another prefix go in their own block/put', async () => {
    const fake = await startFake()
    const c = await readyConnector(fake)
    await assert.rejects(c.blockStream(blocksOf([])), { name: 'InvalidArgumentError', message: 'BlockStream: no blocks to peek in blocks channel' })
    assert.equal(fake.count('block/put'), 0)
    const raw = await randomRawBlock(10)
    const raw2 = await randomRawBlock(11)
    const pb = await dagPbBlock({ Data: new Uint8Array([8, 2]), Links: [] })
    // raw leaves under a dag-pb node, as an add with raw leaves sends them
    await c.blockStream(blocksOf([raw, raw2, pb]))
    assert.equal(fake.count('block/put'), 2)
    for (const b of [raw, raw2, pb]) {
      assert.deepEqual(Buffer.from(await c.blockGet(b.cid)), Buffer.from(b.bytes))
    }
  })
})

describe('ipfshttp: errors', () => {
  it('a non-200 answer without a JSON body', async () => {
    const fake = await startFake()
    const c = await readyConnector(fake)
    await assert.rejects(c.pin(pinOf(FIXTURES.ErrorCid)), {
      name: 'IPFSError',
      message: `IPFS request failed (is it running?) (pin/add?arg=${FIXTURES.ErrorCid}&recursive=true&progress=true). Code 500: `
    })
    const missing = (await randomRawBlock(5)).cid
    await assert.rejects(c.blockGet(missing), {
      name: 'IPFSError',
      message: `IPFS request failed (is it running?) (block/get?arg=${missing.toString()}). Code 500: `
    })
  })

  it('a Kubo error body', async () => {
    const fake = await startFake()
    const c = await readyConnector(fake)
    await assert.rejects(async () => { for await (const p of c.pinLs(['bogus'])) void p }, {
      name: 'IPFSError',
      message: "IPFS error (pin/ls?stream=true&type=bogus). Code: 500. Message: invalid type 'bogus', must be one of {direct, indirect, recursive, all}"
    })
    fake.override('repo/stat', (_req, res) => { sendJSON(res, 403, '{"Message":"forbidden","Code":0,"Type":"error"}') })
    await assert.rejects(c.repoStat(), { name: 'IPFSError', message: 'IPFS error (repo/stat?size-only=true). Code: 403. Message: forbidden' })
  })

  it('an X-Stream-Error trailer after streamed objects', async () => {
    const fake = await startFake()
    fake.override('pin/ls', (_req, res) => {
      res.setHeader('Trailer', 'X-Stream-Error')
      res.write(`{"Cid":"${FIXTURES.Cid1}","Type":"recursive"}\n{"Cid":"${FIXTURES.Cid2}","Type":"recursive"}\n`)
      res.addTrailers({ 'X-Stream-Error': 'something broke' })
      res.end()
    })
    const c = await readyConnector(fake)
    const got: string[] = []
    await assert.rejects(async () => { for await (const p of c.pinLs(['recursive'])) got.push(p.cid.toString()) }, {
      name: 'IPFSError',
      message: 'IPFS error (pin/ls?stream=true&type=recursive). Stream error: something broke'
    })
    assert.deepEqual(got, [FIXTURES.Cid1, FIXTURES.Cid2])
  })

  it('a daemon that cannot be reached', async () => {
    const port = await freePort()
    const c = await startConnector(`/ip4/127.0.0.1/tcp/${port}`, { readyPollInterval: 60000 })
    const url = `http://127.0.0.1:${port}/api/v0`
    assert.deepEqual(await c.id(), {
      id: '',
      addresses: null,
      error: `Post "${url}/id": dial tcp 127.0.0.1:${port}: connect: connection refused`
    })
    await assert.rejects(c.pin(pinOf(FIXTURES.Cid1)), {
      name: 'IPFSUnreachableError',
      message: `Post "${url}/pin/ls?stream=true&arg=${FIXTURES.Cid1}&type=recursive": dial tcp 127.0.0.1:${port}: connect: connection refused`
    })
  })

  it('bad answers are errors, not crashes', async () => {
    const fake = await startFake()
    const c = await readyConnector(fake)
    fake.override('swarm/peers', (_req, res) => { sendJSON(res, 200, '{"Peers":[{"Peer":"notapeer"}]}') })
    await assert.rejects(c.swarmPeers(), { name: 'IPFSError' })
    fake.override('swarm/peers', (_req, res) => { sendJSON(res, 200, '{"Peers":null}') })
    assert.deepEqual(await c.swarmPeers(), [])
    fake.override('id', (_req, res) => { sendJSON(res, 200, '{"ID":"nope"}') })
    const id = await c.id()
    assert.equal(id.id, '')
    assert.match(id.error, /^failed to parse peer ID/)
    fake.override('repo/gc', (_req, res) => { sendJSON(res, 200, '{"Key":{"/":"bafynotacid"}}') })
    await assert.rejects(async () => { for await (const r of c.repoGC()) void r }, { name: 'IPFSError' })
    fake.override('pin/ls', (_req, res) => { sendJSON(res, 200, '{"Cid":"x') })
    await assert.rejects(async () => { for await (const r of c.pinLs(['recursive'])) void r }, {
      name: 'IPFSError',
      message: 'IPFS error (pin/ls?stream=true&type=recursive): cannot decode the answer: unexpected EOF'
    })
  })

  it('retries once when the daemon closed a kept-alive connection', async () => {
    const fake = await startFake()
    const c = await readyConnector(fake)
    let calls = 0
    fake.override('repo/stat', (req, res) => {
      calls++
      if (calls === 1) {
        req.socket.destroy()
        return
      }
      sendJSON(res, 200, '{"RepoSize":1,"StorageMax":2}')
    })
    assert.deepEqual(await c.repoStat(), { repoSize: 1n, storageMax: 2n })
    assert.equal(calls, 2)
  })

  it('unpin_disable refuses without calling IPFS', async () => {
    const fake = await startFake()
    const c = await readyConnector(fake, { unpinDisable: true })
    await assert.rejects(c.unpin(parseCid(FIXTURES.Cid1)), { name: 'UnsupportedOperationError', message: 'ipfs unpinning is disallowed by configuration on this peer' })
    assert.equal(fake.count('pin/rm'), 0)
  })

  it('the request timeout is a TimeoutError', async () => {
    const fake = await startFake()
    fake.override('repo/stat', () => {})
    const c = await readyConnector(fake, { ipfsRequestTimeout: 200 })
    const started = Date.now()
    await assert.rejects(c.repoStat(), { name: 'TimeoutError', message: 'context deadline exceeded' })
    assert.ok(Date.now() - started < 3000)
  })

  it('"not pinned" answers mean unpinned', async () => {
    const fake = await startFake({ mode: 'store' })
    const c = await readyConnector(fake)
    assert.equal(await c.pinLsCid(pinOf(FIXTURES.Cid1)), IPFSPinStatus.Unpinned)
    await c.unpin(parseCid(FIXTURES.Cid1))
    fake.override('pin/rm', (_req, res) => { sendJSON(res, 500, '{"Message":"Failed to remove pin: x is not pinned","Code":0,"Type":"error"}') })
    await c.unpin(parseCid(FIXTURES.Cid1))
    fake.override('pin/rm', (_req, res) => { sendJSON(res, 500, '{"Message":"pinned recursively under something","Code":0,"Type":"error"}') })
    await assert.rejects(c.unpin(parseCid(FIXTURES.Cid1)), { name: 'IPFSError', message: `IPFS error (pin/rm?arg=${FIXTURES.Cid1}). Code: 500. Message: pinned recursively under something` })
  })
})

describe('ipfshttp: rate limiter', () => {
  it('limits requests to one per second after ten transport failures, until an answer', async () => {
    const port = await freePort()
    const c = await startConnector(`/ip4/127.0.0.1/tcp/${port}`, { readyPollInterval: 60000 })
    let started = Date.now()
    // The readiness loop made one attempt too: 12 failures, the 12th request is the first limited one.
    await waitFor(() => c.ready({ signal: AbortSignal.timeout(1) }).then(() => false, () => true))
    for (let i = 0; i < 11; i++) {
      assert.notEqual((await c.id()).error, '')
    }
    assert.ok(Date.now() - started < 1000, 'the first failures are not limited')
    started = Date.now()
    for (let i = 0; i < 2; i++) {
      assert.notEqual((await c.id()).error, '')
    }
    const limited = Date.now() - started
    assert.ok(limited >= 1900, `2 requests after 12 failures took ${limited} ms`)

    const fake = await startFake({ port })
    assert.equal((await c.id()).error, '')
    started = Date.now()
    for (let i = 0; i < 5; i++) assert.equal((await c.id()).error, '')
    assert.ok(Date.now() - started < 900, 'an answer resets the limiter')
    void fake
  })

  it('HTTP error statuses do not feed the limiter', async () => {
    const fake = await startFake()
    const c = await readyConnector(fake)
    const started = Date.now()
    for (let i = 0; i < 15; i++) {
      await assert.rejects(c.pin(pinOf(FIXTURES.ErrorCid)), { name: 'IPFSError' })
    }
    assert.ok(Date.now() - started < 1500)
  })
})

describe('ipfshttp: readiness', () => {
  it('warns (never errors) while a loopback daemon is unreachable, then gets ready when it appears', async () => {
    const port = await freePort()
    const log = captureLogger()
    const addr = `/ip4/127.0.0.1/tcp/${port}`
    const c = createIPFSHTTPConnector({ logger: log.logger }, connectorConfig(addr, { readyPollInterval: 25, unreachableWarnInterval: 300 }))
    await c.start()
    cleanups.push(async () => { await c.stop() })
    const started = Date.now()
    await waitFor(() => log.messages('WARN').length >= 2, { timeout: 5000 })
    const warns = log.messages('WARN')
    const url = `http://127.0.0.1:${port}/api/v0`
    assert.equal(warns[0], `cannot reach the IPFS daemon at ${addr} (${url}): Post "${url}/id": dial tcp 127.0.0.1:${port}: connect: connection refused.` +
      ' Retrying every 25ms until it answers. Note: 127.0.0.1 is a loopback address. Inside a container it is the container itself, not the host:' +
      ' if the IPFS daemon runs on the host or in another container, set CLUSTER_IPFSHTTP_NODEMULTIADDRESS (or IPFS_API) to an address of the daemon' +
      ' that this peer can reach (for example /ip4/<host-ip>/tcp/5001 or /dns4/<ipfs-container-name>/tcp/5001) and make the daemon\'s API listen on it' +
      ' (Addresses.API in the IPFS config).')
    const attempts = log.lines.filter((l) => l.includes('not ready:')).length + warns.length
    const elapsed = Date.now() - started
    assert.ok(attempts > warns.length * 3, `${attempts} attempts, ${warns.length} warnings`)
    assert.ok(warns.length <= Math.ceil(elapsed / 300) + 1, `${warns.length} warnings in ${elapsed} ms`)
    assert.deepEqual(log.messages('ERROR'), [])

    let ready = false
    const readyP = c.ready().then(() => { ready = true })
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.equal(ready, false)
    await startFake({ port })
    await readyP
    assert.ok(log.messages('INFO').includes(`IPFS daemon at ${addr} is reachable now (IPFS peer ID ${FIXTURES.PeerID1})`))
    assert.deepEqual(log.messages('ERROR'), [])
  })

  it('the warning mentions the elapsed time and has no container hint for unix sockets; works over unix sockets', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ipfshttp-'))
    cleanups.push(async () => { await rm(dir, { recursive: true, force: true }) })
    const socketPath = join(dir, 'api.sock')
    const log = captureLogger()
    const addr = `/unix${socketPath}`
    const c = createIPFSHTTPConnector({ logger: log.logger }, connectorConfig(addr, { readyPollInterval: 25, unreachableWarnInterval: 1100 }))
    await c.start()
    cleanups.push(async () => { await c.stop() })
    await waitFor(() => log.messages('WARN').length >= 2, { timeout: 5000 })
    const warns = log.messages('WARN')
    const tail = ' Check that the IPFS daemon is running and that its API (Addresses.API in the IPFS config) listens on this address,' +
      ' or set CLUSTER_IPFSHTTP_NODEMULTIADDRESS (or IPFS_API) to the right one.'
    assert.equal(warns[0], `cannot reach the IPFS daemon at ${addr} (http+unix://ipfs/api/v0): Post "http+unix://ipfs/api/v0/id": dial unix ${socketPath}: connect: no such file or directory.` +
      ' Retrying every 25ms until it answers.' + tail)
    assert.match(warns[1], /^cannot reach the IPFS daemon at .* Retrying every 25ms until it answers \(not ready for 1s\)\. Check that/)

    await startFake({ socketPath })
    await c.ready()
    assert.equal((await c.id()).id, FIXTURES.PeerID1)
  })

  it('ready() honours its signal; stop() ends the retry loop', async () => {
    const port = await freePort()
    const c = createIPFSHTTPConnector({ logger: silentLogger() }, connectorConfig(`/ip4/127.0.0.1/tcp/${port}`, { readyPollInterval: 20 }))
    await c.start()
    await assert.rejects(c.ready({ signal: AbortSignal.timeout(100) }), { name: 'TimeoutError' })
    const ctl = new AbortController()
    const p = c.ready({ signal: ctl.signal })
    ctl.abort()
    await assert.rejects(p, { name: 'AbortError' })
    await c.stop()
    await c.stop()
    await assert.rejects(c.repoStat(), { name: 'NotStartedError' })
    assert.equal((await c.id()).error, 'the IPFS connector is not started')
  })

  it('says so when something answers that is not a working IPFS API', async () => {
    const fake = await startFake()
    fake.override('id', (_req, res) => { res.statusCode = 404; res.end('404 page not found') })
    const log = captureLogger()
    const c = createIPFSHTTPConnector({ logger: log.logger }, connectorConfig(fake.apiMultiaddr, { readyPollInterval: 25 }))
    await c.start()
    cleanups.push(async () => { await c.stop() })
    await waitFor(() => log.messages('WARN').length >= 1)
    const url = `http://127.0.0.1:${fake.port}/api/v0`
    assert.equal(log.messages('WARN')[0], `IPFS daemon at ${fake.apiMultiaddr} (${url}) answered with an error, it does not look like a working IPFS RPC API:` +
      ' IPFS request failed (is it running?) (id). Code 404: 404 page not found. Retrying every 25ms until it answers.')
    fake.override('id', undefined)
    await c.ready()
  })

  it('stop() rejects pending ready() calls', async () => {
    const port = await freePort()
    const c = createIPFSHTTPConnector({ logger: silentLogger() }, connectorConfig(`/ip4/127.0.0.1/tcp/${port}`, { readyPollInterval: 20 }))
    await c.start()
    const p = c.ready()
    await c.stop()
    await assert.rejects(p, { name: 'AbortError' })
  })

  it('a bad node_multiaddress is a configuration error', () => {
    assert.throws(() => createIPFSHTTPConnector({ logger: silentLogger() }, connectorConfig('/ip4/127.0.0.1/udp/5001')), {
      name: 'ConfigError',
      message: 'error parsing ipfs_node_multiaddress: /ip4/127.0.0.1/udp/5001 is not a TCP or unix socket multiaddress'
    })
  })
})

describe('ipfshttp: streaming pin/ls', () => {
  it('streams 100k pins with bounded memory and backpressure', async () => {
    v8.setFlagsFromString('--expose-gc')
    const gc = vm.runInNewContext('gc') as () => void
    const fake = await startFake({ streamSeparator: '\n' })
    const total = 100000
    // sha2-512 CIDs: 90k entries of ~150 bytes are more than socket buffers hold.
    fake.loadPins(cidStrings(total / 10, { hash: 0x13, digestLength: 64 }), 'direct')
    fake.loadPins(cidStrings(total * 9 / 10, { hash: 0x13, digestLength: 64 }), 'recursive')
    assert.equal(fake.pinCount, total)
    const c = await readyConnector(fake)

    // Backpressure: a consumer that stops reading stops the daemon's writes.
    const gen = c.pinLs(['recursive'])
    assert.equal((await gen.next()).done, false)
    let last = -1
    await waitFor(async () => {
      const now = fake.pinLsWritten
      const stable = now === last
      last = now
      await new Promise((resolve) => setTimeout(resolve, 50))
      return stable
    }, { timeout: 10000 })
    assert.ok(fake.pinLsWritten < total * 9 / 10, `the daemon wrote ${fake.pinLsWritten} entries while the consumer waited`)
    await gen.return(undefined)

    gc()
    const baseline = process.memoryUsage().heapUsed
    let maxGrowth = 0
    let count = 0
    let direct = 0
    for await (const p of c.pinLs(['recursive', 'direct'])) {
      count++
      if (p.type === IPFSPinStatus.Direct) direct++
      if (count % 25000 === 0) {
        gc()
        maxGrowth = Math.max(maxGrowth, process.memoryUsage().heapUsed - baseline)
      }
    }
    assert.equal(count, total)
    assert.equal(direct, total / 10)
    assert.ok(maxGrowth < 8 * 1024 * 1024, `heap grew by ${maxGrowth} bytes while listing`)
  })
})

describe('ipfshttp: CIDs and numbers from other daemons', () => {
  it('normalises base58btc CIDv1 answers', async () => {
    const fake = await startFake({ base58: true })
    const v1 = CID.createV1(0x71, Digest.create(0x12, randomBytes(32)))
    fake.addPin(FIXTURES.Cid4)
    fake.addPin(v1, 'direct')
    fake.addPin(FIXTURES.Cid1)
    const c = await readyConnector(fake)
    const listed: string[] = []
    for await (const p of c.pinLs(['recursive', 'direct'])) listed.push(p.cid.toString())
    assert.deepEqual(listed.sort(), [FIXTURES.Cid4, v1.toString(), FIXTURES.Cid1].sort())
    assert.equal(await c.pinLsCid(pinOf(FIXTURES.Cid4)), IPFSPinStatus.Recursive)
    const resolved = await c.resolve(`/ipfs/${FIXTURES.Cid1}/a/b`)
    assert.equal(resolved.toString(), parseCid(FIXTURES.CidResolved).toString())
    assert.match(resolved.toString(), /^bafk/)
    const gc: string[] = []
    for await (const r of c.repoGC()) gc.push(r.key == null ? `null:${r.error}` : r.key.toString())
    assert.deepEqual(gc, [FIXTURES.Cid1, FIXTURES.Cid2, FIXTURES.Cid3, FIXTURES.Cid4, 'null:no link by that name'])
  })

  it('reads repo/stat numbers sent as strings or beyond 2^53', async () => {
    const fake = await startFake({ jsIpfs: true })
    fake.addPin(FIXTURES.Cid1)
    const c = await readyConnector(fake)
    assert.deepEqual(await c.repoStat(), { repoSize: 1000n, storageMax: 9007199254740991n })
    fake.override('repo/stat', (_req, res) => { sendJSON(res, 200, '{"RepoSize":18446744073709551615,"NumObjects":1,"StorageMax":"18446744073709551614"}') })
    assert.deepEqual(await c.repoStat(), { repoSize: 18446744073709551615n, storageMax: 18446744073709551614n })
    fake.override('repo/stat', (_req, res) => { sendJSON(res, 200, '{"RepoSize":-5,"StorageMax":1}') })
    await assert.rejects(c.repoStat(), { name: 'IPFSError' })
  })

  it('falls back to pin/add when the daemon has no pin/update, and remembers it', async () => {
    const fake = await startFake({ jsIpfs: true })
    fake.addPin(FIXTURES.Cid1)
    const c = await readyConnector(fake)
    const p2 = pinOf(FIXTURES.Cid2)
    p2.pinUpdate = parseCid(FIXTURES.Cid1)
    await c.pin(p2)
    const p3 = pinOf(FIXTURES.Cid3)
    p3.pinUpdate = parseCid(FIXTURES.Cid1)
    await c.pin(p3)
    assert.deepEqual(paths(fake), [
      `pin/ls?stream=true&arg=${FIXTURES.Cid2}&type=recursive`,
      `pin/ls?stream=true&arg=${FIXTURES.Cid1}&type=recursive`,
      `pin/update?arg=${FIXTURES.Cid1}&arg=${FIXTURES.Cid2}&unpin=false`,
      `pin/add?arg=${FIXTURES.Cid2}&recursive=true&progress=true`,
      `pin/ls?stream=true&arg=${FIXTURES.Cid3}&type=recursive`,
      `pin/add?arg=${FIXTURES.Cid3}&recursive=true&progress=true`
    ])
    assert.equal(fake.pinMode(FIXTURES.Cid1), 'recursive')
    assert.equal(fake.pinMode(FIXTURES.Cid3), 'recursive')
  })

  it('looks up config keys', async () => {
    const fake = await startFake()
    const c = await readyConnector(fake)
    assert.equal(await c.configKey('Datastore/StorageMax'), '10G')
    assert.deepEqual(await c.configKey('Datastore'), { StorageMax: '10G' })
    await assert.rejects(c.configKey('Nope'), { name: 'NotFoundError', message: 'key not found in configuration' })
    await assert.rejects(c.configKey('Datastore/StorageMax/x'), { name: 'NotFoundError' })
    await assert.rejects(c.configKey('Datastore/StorageMax/x/y'), { name: 'NotFoundError' })
  })
})

describe('ipfshttp: informer trigger', () => {
  it('calls onMetricRelevantOp every informer_trigger_interval-th operation', async () => {
    const fake = await startFake()
    let calls = 0
    const c = await readyConnector(fake, { informerTriggerInterval: 2 }, { onMetricRelevantOp: () => { calls++ } })
    await c.pin(pinOf(FIXTURES.Cid1)) // start + end
    assert.equal(calls, 1)
    await c.pin(pinOf(FIXTURES.Cid1)) // already pinned: nothing
    await c.blockStream(blocksOf([await randomRawBlock(10)])) // 1
    assert.equal(calls, 1)
    for await (const r of c.repoGC()) void r // 1
    assert.equal(calls, 2)

    let none = 0
    const c2 = await readyConnector(fake, { informerTriggerInterval: 0 }, { onMetricRelevantOp: () => { none++ } })
    await c2.pin(pinOf(FIXTURES.Cid2))
    assert.equal(none, 0)
  })
})
