import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createKVStore } from '../../../src/datastore/index.js'
import { createCRDTConsensus, formatCRDTInfo, decodeNode, decodeDelta } from '../../../src/consensus/crdt/index.js'
import { silentLogger } from '../../../src/logging/index.js'
import { CRDTTestNetwork } from '../../fakes/crdt-network.js'
import { waitFor } from '../../helpers/wait-for.js'
import { testPeerId, testPin } from '../../helpers/pins.js'
import { crdtConfig, digest, fullState, headsOf, startReplica, stopAll } from './helpers.js'
import type { Replica } from './helpers.js'
import type { CID } from 'multiformats/cid'

describe('CRDT consensus: persistence, dirty bit and repair', () => {
  let dir: string
  let replicas: Replica[] = []
  let network: CRDTTestNetwork

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crdt-dur-'))
    network = new CRDTTestNetwork()
  })

  afterEach(async () => {
    await stopAll(replicas)
    replicas = []
    network.close()
    await rm(dir, { recursive: true, force: true })
  })

  async function replica (name: string, config = {}): Promise<Replica> {
    const r = await startReplica(network, name, { store: createKVStore({ path: join(dir, name) }), config })
    replicas.push(r)
    return r
  }

  /** `crash`: the store goes away first, nothing can be written on the way down. */
  async function restart (r: Replica, config = {}, crash = false): Promise<Replica> {
    if (crash) {
      await r.store.stop()
      await r.consensus.stop()
    } else {
      await r.consensus.stop()
      await r.store.stop()
    }
    replicas = replicas.filter((x) => x !== r)
    network.leave(r.id)
    return await replica(r.name, config)
  }

  it('keeps the state and the heads across a restart (LevelDB)', async () => {
    const a = await replica('a')
    for (let i = 0; i < 20; i++) await a.consensus.logPin(testPin(i))
    for (let i = 0; i < 5; i++) await a.consensus.logUnpin(testPin(i))
    const before = { info: a.consensus.info(), state: await fullState(a.consensus) }
    assert.equal(before.state.length, 15)
    const a2 = await restart(a)
    const after = a2.consensus.info()
    assert.deepEqual(after.heads.map(String), before.info.heads.map(String))
    assert.equal(after.maxHeight, 25n)
    assert.equal(after.dirty, false)
    assert.deepEqual(await fullState(a2.consensus), before.state)
    await a2.consensus.logPin(testPin('next'))
    const next = a2.consensus.info()
    assert.equal(next.maxHeight, 26n)
    assert.equal(next.heads.length, 1)
    const block = await a2.consensus.getBlock(next.heads[0]) as Uint8Array
    assert.deepEqual(decodeNode(block).links.map(String), before.info.heads.map(String))
  })

  it('marks the store dirty when a walk fails half-way, and repairs it', async () => {
    const a = await replica('a')
    const b = await replica('b')
    await a.consensus.logPin(testPin('base'))
    await waitFor(async () => (await digest(b)).length === 1)
    network.dropProbability = 1
    const cids: CID[] = []
    for (let i = 0; i < 6; i++) {
      await a.consensus.logPin(testPin(`d${i}`))
      cids.push(a.consensus.info().heads[0])
    }
    network.dropProbability = 0
    const broken = cids[2].toString()
    network.fetchFilter = (peer, cid) => !(peer === b.id && cid.toString() === broken)
    await a.consensus.logPin(testPin('last'))
    await waitFor(() => b.consensus.info().dirty, { message: 'b was not marked dirty' })
    await waitFor(async () => (await digest(b)).length === 5) // base + last + d5, d4, d3
    assert.equal(await b.consensus.state().has(testPin('d1').cid), false)

    // repair while the block is still missing fails and stays dirty
    assert.equal(await b.consensus.repair(), false)
    assert.equal(b.consensus.info().dirty, true)

    network.fetchFilter = undefined
    assert.equal(await b.consensus.repair(), true)
    assert.equal(b.consensus.info().dirty, false)
    assert.deepEqual(await digest(b), await digest(a))
    assert.deepEqual(headsOf(b), headsOf(a))
  })

  it('repairs by itself every repair_interval', async () => {
    const a = await replica('a')
    const b = await replica('b', { repairInterval: 100 })
    await a.consensus.logPin(testPin('base'))
    await waitFor(async () => (await digest(b)).length === 1)
    network.dropProbability = 1
    for (let i = 0; i < 4; i++) await a.consensus.logPin(testPin(`e${i}`))
    network.dropProbability = 0
    let failures = 0
    network.fetchFilter = (peer) => peer !== b.id || failures++ > 0
    await a.consensus.logPin(testPin('last'))
    await waitFor(async () => JSON.stringify(await digest(b)) === JSON.stringify(await digest(a)), { message: 'b did not repair' })
    await waitFor(() => !b.consensus.info().dirty)
    assert.ok(failures > 0)
  })

  it('resumes a branch walk interrupted by a crash (walk journal)', async () => {
    const a = await replica('a')
    let b = await replica('b')
    await a.consensus.logPin(testPin('base'))
    await waitFor(async () => (await digest(b)).length === 1)
    const baseHead = headsOf(b)
    network.dropProbability = 1
    const cids: CID[] = []
    for (let i = 0; i < 10; i++) {
      await a.consensus.logPin(testPin(`j${i}`))
      cids.push(a.consensus.info().heads[0])
    }
    network.dropProbability = 0
    const hang = cids[4].toString()
    let hanging = 0
    network.fetchHook = async (peer, cid, signal) => {
      if (peer !== b.id || cid.toString() !== hang) return
      hanging++
      await new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }))
    }
    await a.consensus.logPin(testPin('top'))
    // b merged top, j9..j5 and is stuck fetching j4
    await waitFor(async () => hanging === 1 && (await digest(b)).length === 7)
    // the walk root is not a head yet: b's only head is still the old one
    assert.deepEqual(headsOf(b), baseHead)
    network.fetchHook = undefined
    b = await restart(b, {}, true)
    await waitFor(async () => JSON.stringify(await digest(b)) === JSON.stringify(await digest(a)), { message: 'b did not resume the walk' })
    await waitFor(() => !b.consensus.info().dirty)
    assert.deepEqual(headsOf(b), headsOf(a))
    const journal: string[] = []
    for await (const { key } of b.store.query('/c/j/', { keysOnly: true })) journal.push(key)
    assert.deepEqual(journal, [])
  })

  it('lets a late joiner catch up through rebroadcasts (fresh replica adopts heads)', async () => {
    const a = await replica('a', { rebroadcastInterval: 100 })
    for (let i = 0; i < 3; i++) await a.consensus.logPin(testPin(`late${i}`))
    const b = await replica('b')
    await waitFor(async () => JSON.stringify(await digest(b)) === JSON.stringify(await digest(a)))
    assert.deepEqual(headsOf(b), headsOf(a))
    assert.equal(b.consensus.info().maxHeight, 3n)
  })

  it('offers info, dot, mark-dirty and mark-clean offline', async () => {
    const a = await replica('a')
    await a.consensus.logPin(testPin('x1'))
    await a.consensus.logPin(testPin('x2'))
    await a.consensus.logUnpin(testPin('x1'))
    const online = a.consensus.info()
    const blocks: Uint8Array[] = []
    for (const h of online.heads) blocks.push(await a.consensus.getBlock(h) as Uint8Array)
    await a.consensus.stop()
    await a.store.stop()
    replicas = []

    const store = createKVStore({ path: join(dir, 'a') })
    const offline = createCRDTConsensus({ store, peerId: testPeerId('a'), logger: silentLogger() }, crdtConfig({ offline: true }))
    await offline.start()
    try {
      const info = offline.info()
      assert.deepEqual(info.heads.map(String), online.heads.map(String))
      assert.equal(formatCRDTInfo(info), `Number of heads: 1. Current max-height: 3. Dirty: false\nHeads: [${online.heads[0].toString()}]`)

      let dot = ''
      await offline.dot((s) => { dot += s })
      const lines = dot.split('\n')
      const head = online.heads[0].toString()
      assert.deepEqual(lines.slice(0, 4), ['digraph CRDTDAG {', 'subgraph heads {', head, '}'])
      assert.equal(lines.at(-1), '')
      assert.equal(lines.at(-2), '}')
      const labels = lines.filter((l) => l.includes('[label='))
      assert.equal(labels.length, 3)
      assert.equal(labels[0], `${head} [label="3 | ${head.slice(-4)}: +0 -1"]`)
      const child = decodeNode(blocks[0]).links[0].toString()
      assert.ok(lines.includes(`${head} -> {${child} }`))
      assert.ok(lines.includes(`subgraph sg_${head} {`))
      assert.equal(decodeDelta(decodeNode(blocks[0]).data).tombstones.length, 1)

      await offline.markDirty()
      assert.equal(offline.info().dirty, true)
      await offline.stop()
      await offline.start()
      assert.equal(offline.info().dirty, true)
      await offline.markClean()
      assert.equal(offline.info().dirty, false)
      assert.deepEqual((await digest(offline)), [`${testPin('x2').cid.toString()} pin-x2`])
    } finally {
      await offline.stop()
      await store.stop()
    }
  })
})
