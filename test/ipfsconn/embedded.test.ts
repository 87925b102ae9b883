import '../../src/polyfill.js'
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256, sha512 } from 'multiformats/hashes/sha2'
import { blake2b256 } from '@multiformats/blake2/blake2b'
import { IPFSPinStatus } from '../../src/api/enums.js'
import { createEmbeddedIPFS, PIN_PROGRESS_EVENT } from '../../src/ipfsconn/embedded/index.js'
import { silentLogger } from '../../src/logging/index.js'
import { waitFor } from '../helpers/wait-for.js'
import { collect, embeddedConfig, importBlocks, makePin, mhString, putBlocks, putContent, randomBytes, startNode, tempFolder } from './embedded-helpers.js'
import type { EmbeddedIPFS } from '../../src/ipfsconn/embedded/index.js'
import type { ProgressEvent, PinProgress } from '../../src/interfaces.js'

type Folder = Awaited<ReturnType<typeof tempFolder>>

/** Creates nodes in temp folders and cleans everything up. */
class Nodes {
  private readonly folders: Folder[] = []
  private readonly nodes = new Set<EmbeddedIPFS>()

  async folder (): Promise<string> {
    const f = await tempFolder()
    this.folders.push(f)
    return f.path
  }

  async start (folder?: string, overrides: Parameters<typeof startNode>[1] = {}): Promise<EmbeddedIPFS> {
    const node = await startNode(folder ?? await this.folder(), overrides)
    this.nodes.add(node)
    return node
  }

  async stop (node: EmbeddedIPFS): Promise<void> {
    await node.stop()
    this.nodes.delete(node)
  }

  async cleanup (): Promise<void> {
    for (const n of this.nodes) await n.stop()
    for (const f of this.folders) await f.remove()
  }
}

async function connect (from: EmbeddedIPFS, to: EmbeddedIPFS): Promise<void> {
  const target = await to.id()
  await from.connectSwarms(target.addresses ?? [])
  await waitFor(async () => (await from.swarmPeers()).includes(target.id), { message: 'swarm connection' })
}

async function rawBlock (bytes: Uint8Array, hasher: { digest: (b: Uint8Array) => Promise<any> | any } = sha256): Promise<{ cid: CID, bytes: Uint8Array }> {
  return { cid: CID.createV1(raw.code, await hasher.digest(bytes)), bytes }
}

async function gcRemoved (node: EmbeddedIPFS): Promise<Set<string>> {
  const out = new Set<string>()
  for await (const r of node.repoGC()) {
    assert.equal(r.error, '')
    assert.ok(r.key != null)
    out.add(mhString(r.key))
  }
  return out
}

describe('embedded IPFS node', () => {
  const nodes = new Nodes()
  let a: EmbeddedIPFS
  let b: EmbeddedIPFS

  before(async () => {
    a = await nodes.start()
    b = await nodes.start()
    await connect(b, a)
  })

  after(async () => {
    await nodes.cleanup()
  })

  it('reports its own peer ID with /p2p/ addresses on loopback', async () => {
    const ida = await a.id()
    const idb = await b.id()
    assert.equal(ida.error, '')
    assert.match(ida.id, /^12D3KooW/)
    assert.notEqual(ida.id, idb.id)
    assert.ok(ida.addresses != null && ida.addresses.length > 0)
    for (const addr of ida.addresses) {
      assert.match(addr, new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/[1-9][0-9]*/p2p/${ida.id}$`))
    }
  })

  it('connectSwarms connects both ways and does not throw on bad addresses', async () => {
    const ida = await a.id()
    const idb = await b.id()
    await b.connectSwarms([
      'not a multiaddr',
      '/ip4/127.0.0.1/tcp/1/p2p/12D3KooWRN8KRjpyg9rsW2w7StbBRGper65psTZm68cjud9KAkaW',
      ...(idb.addresses ?? []) // itself: skipped
    ])
    assert.deepEqual(await b.swarmPeers(), [ida.id])
    await waitFor(async () => (await a.swarmPeers()).includes(idb.id))
  })

  it('pins content only another node has, over bitswap, reporting progress', async () => {
    const content = await putContent(a, randomBytes(700_000, 11), { chunkSize: 65536 })
    assert.equal(content.blocks.length, 12) // 11 raw leaves + the root
    const before = (await b.repoStat()).repoSize
    const events: Array<ProgressEvent<PinProgress>> = []
    await b.pin(makePin(content.root), { onProgress: (e) => events.push(e) })

    assert.deepEqual(events.map((e) => e.type), new Array(12).fill(PIN_PROGRESS_EVENT))
    assert.deepEqual(events.map((e) => e.detail.blocks), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    assert.equal(await b.pinLsCid(makePin(content.root)), IPFSPinStatus.Recursive)
    assert.equal(await b.pinLsCid(makePin(content.blocks[0].cid)), IPFSPinStatus.Indirect)
    assert.equal(await a.pinLsCid(makePin(content.root)), IPFSPinStatus.Unpinned)
    assert.equal((await b.repoStat()).repoSize - before, BigInt(content.bytes))
    for (const block of content.blocks) {
      assert.deepEqual(await b.blockGet(block.cid), block.bytes)
    }

    // the same pin again is a no-op
    const again: unknown[] = []
    await b.pin(makePin(content.root), { onProgress: (e) => again.push(e) })
    assert.deepEqual(again, [])
    assert.equal((await b.repoStat()).repoSize - before, BigInt(content.bytes))
  })

  it('repoStat grows by the bytes of new blocks only', async () => {
    const before = await a.repoStat()
    assert.equal(before.storageMax, 10_000_000_000n)
    const content = await importBlocks({ content: randomBytes(300_000, 12) }, { chunkSize: 100_000 })
    await putBlocks(a, content.blocks)
    const afterFirst = await a.repoStat()
    assert.equal(afterFirst.repoSize - before.repoSize, BigInt(content.bytes))
    await putBlocks(a, content.blocks)
    assert.equal((await a.repoStat()).repoSize, afterFirst.repoSize)
  })

  it('lists pins by type from the pin store', async () => {
    const node = await nodes.start()
    const r1 = await putContent(node, randomBytes(1000, 21))
    const r2 = await putContent(node, randomBytes(1000, 22))
    const d1 = await putContent(node, randomBytes(1000, 23))
    await node.pin(makePin(r1.root))
    await node.pin(makePin(r2.root))
    await node.pin(makePin(d1.root, 0))
    const sorted = (cids: CID[]): string[] => cids.map((c) => c.toString()).sort()
    const rec = await collect(node.pinLs(['recursive']))
    assert.deepEqual(sorted(rec.map((p) => p.cid)), sorted([r1.root, r2.root]))
    assert.ok(rec.every((p) => p.type === IPFSPinStatus.Recursive))
    assert.deepEqual(await collect(node.pinLs(['direct'])), [{ cid: d1.root, type: IPFSPinStatus.Direct }])
    assert.deepEqual(sorted((await collect(node.pinLs(['recursive', 'direct']))).map((p) => p.cid)), sorted([r1.root, r2.root, d1.root]))
    assert.deepEqual(sorted((await collect(node.pinLs([]))).map((p) => p.cid)), sorted([r1.root, r2.root, d1.root]))
    await assert.rejects(collect(node.pinLs(['bogus'])), { name: 'InvalidArgumentError' })
  })

  it('direct pins protect only the root; the mode of a pin can change both ways', async () => {
    const node = await nodes.start()
    const content = await putContent(node, randomBytes(400_000, 31), { chunkSize: 100_000 })
    const leaves = content.blocks.filter((blk) => !blk.cid.equals(content.root))
    assert.equal(leaves.length, 4)

    await node.pin(makePin(content.root, 0))
    assert.equal(await node.pinLsCid(makePin(content.root, 0)), IPFSPinStatus.Direct)
    assert.equal(await node.pinLsCid(makePin(leaves[0].cid)), IPFSPinStatus.Unpinned)
    let removed = await gcRemoved(node)
    assert.deepEqual(removed, new Set(leaves.map((l) => mhString(l.cid))))
    assert.equal((await node.repoStat()).repoSize, BigInt(content.bytes - leaves.reduce((n, l) => n + l.bytes.byteLength, 0)))

    // direct -> recursive needs the leaves again: fetched from B (which has them after this)
    await putBlocks(b, leaves)
    await connect(node, b)
    await node.pin(makePin(content.root, -1))
    assert.equal(await node.pinLsCid(makePin(content.root)), IPFSPinStatus.Recursive)
    assert.equal(await node.pinLsCid(makePin(leaves[2].cid)), IPFSPinStatus.Indirect)
    assert.deepEqual(await gcRemoved(node), new Set())

    // recursive -> direct releases the leaves
    await node.pin(makePin(content.root, 0))
    assert.equal(await node.pinLsCid(makePin(content.root, 0)), IPFSPinStatus.Direct)
    removed = await gcRemoved(node)
    assert.deepEqual(removed, new Set(leaves.map((l) => mhString(l.cid))))
    assert.deepEqual(await collect(node.pinLs(['recursive'])), [])
  })

  it('pins to a limited depth', async () => {
    const node = await nodes.start()
    // a directory holding a chunked file: depth 1 = directory + file root
    const dir = await importBlocks([{ path: 'f.bin', content: randomBytes(300_000, 41) }], { chunkSize: 100_000, wrapWithDirectory: true })
    await putBlocks(node, dir.blocks)
    await node.pin(makePin(dir.root, 1))
    assert.equal(await node.pinLsCid(makePin(dir.root, 1)), IPFSPinStatus.Recursive)
    const removed = await gcRemoved(node)
    assert.equal(removed.size, 3) // the three leaves
    assert.equal(dir.blocks.length, 5)
    assert.ok(!removed.has(mhString(dir.root)))
  })

  it('unpinning something not pinned succeeds; unpinned blocks are garbage collected', async () => {
    const node = await nodes.start()
    await node.unpin((await rawBlock(randomBytes(10, 51))).cid)
    const content = await putContent(node, randomBytes(250_000, 52), { chunkSize: 100_000 })
    await node.pin(makePin(content.root))
    assert.deepEqual(await gcRemoved(node), new Set())
    await node.unpin(content.root)
    assert.equal(await node.pinLsCid(makePin(content.root)), IPFSPinStatus.Unpinned)
    assert.equal(await node.pinLsCid(makePin(content.blocks[0].cid)), IPFSPinStatus.Unpinned)
    const removed = await gcRemoved(node)
    assert.deepEqual(removed, new Set(content.blocks.map((x) => mhString(x.cid))))
    assert.equal((await node.repoStat()).repoSize, 0n)
    await node.unpin(content.root)
  })

  it('keeps blocks shared with another pin after one of them is unpinned', async () => {
    const node = await nodes.start()
    const shared = randomBytes(100_000, 61)
    const file1 = await importBlocks({ content: concatBytes(shared, randomBytes(100_000, 62)) }, { chunkSize: 100_000 })
    const file2 = await importBlocks({ content: concatBytes(shared, randomBytes(100_000, 63)) }, { chunkSize: 100_000 })
    const sharedLeaf = file1.blocks[0].cid
    assert.ok(file2.blocks.some((x) => x.cid.equals(sharedLeaf)))
    await putBlocks(node, [...file1.blocks, ...file2.blocks])
    await Promise.all([node.pin(makePin(file1.root)), node.pin(makePin(file2.root))])
    await node.unpin(file1.root)
    const removed = await gcRemoved(node)
    assert.deepEqual(removed, new Set([mhString(file1.root), mhString(file1.blocks[1].cid)]))
    assert.equal(await node.pinLsCid(makePin(sharedLeaf)), IPFSPinStatus.Indirect)
    for (const blk of file2.blocks) {
      assert.deepEqual(await node.blockGet(blk.cid), blk.bytes)
    }
  })

  it('connects to the pin origins before fetching', async () => {
    const node = await nodes.start(undefined, { pinTimeout: 5000 })
    const content = await putContent(a, randomBytes(150_000, 161), { chunkSize: 100_000 })
    assert.deepEqual(await node.swarmPeers(), [])
    await node.pin(makePin(content.root, -1, { origins: (await a.id()).addresses }))
    assert.equal(await node.pinLsCid(makePin(content.root)), IPFSPinStatus.Recursive)
    assert.ok((await node.swarmPeers()).includes((await a.id()).id))
  })

  it('treats a CIDv0 and its CIDv1 as the same pin and lists the CID as pinned', async () => {
    const node = await nodes.start()
    const content = await importBlocks({ content: randomBytes(150_000, 171) }, { chunkSize: 100_000 })
    await putBlocks(node, content.blocks)
    const v0 = content.root.toV0()
    await node.pin(makePin(v0))
    assert.equal(await node.pinLsCid(makePin(content.root)), IPFSPinStatus.Recursive)
    assert.equal(await node.pinLsCid(makePin(v0)), IPFSPinStatus.Recursive)
    assert.deepEqual(await collect(node.pinLs(['recursive'])), [{ cid: v0, type: IPFSPinStatus.Recursive }])
    await node.pin(makePin(content.root)) // no-op
    assert.equal((await collect(node.pinLs(['all']))).length, 1)
    await node.unpin(content.root)
    assert.equal(await node.pinLsCid(makePin(v0)), IPFSPinStatus.Unpinned)
  })

  it('pins stay complete when garbage collection runs during the pins', async () => {
    const folder = await nodes.folder()
    const node = await nodes.start(folder)
    const source = await nodes.start()
    await connect(node, source)
    const files = []
    for (let i = 0; i < 6; i++) {
      const f = await importBlocks({ content: randomBytes(400_000, 180 + i) }, { chunkSize: 50_000 })
      await putBlocks(source, f.blocks)
      // half the blocks are also on the node, unpinned (GC candidates)
      await putBlocks(node, f.blocks.filter((_blk, j) => j % 2 === 0))
      files.push(f)
    }
    let gcRuns = 0
    let pinsDone = false
    const gcLoop = (async () => {
      while (!pinsDone) {
        await collect(node.repoGC())
        gcRuns++
      }
    })()
    await Promise.all(files.map(async (f) => { await node.pin(makePin(f.root)) }))
    pinsDone = true
    await gcLoop
    assert.ok(gcRuns > 0)
    assert.deepEqual(await gcRemoved(node), new Set())
    await nodes.stop(node)
    // restarted, without connections: every block must be local
    const restarted = await nodes.start(folder, { ipfsRequestTimeout: 300 })
    for (const f of files) {
      for (const blk of f.blocks) {
        assert.deepEqual(await restarted.blockGet(blk.cid), blk.bytes)
      }
    }
  })

  it('fails a pin with TimeoutError when nothing arrives for pinTimeout', async () => {
    const node = await nodes.start(undefined, { pinTimeout: 400 })
    await connect(node, a)
    const missing = (await rawBlock(randomBytes(64, 71))).cid
    const started = Date.now()
    await assert.rejects(node.pin(makePin(missing)), { name: 'TimeoutError' })
    const elapsed = Date.now() - started
    assert.ok(elapsed >= 390 && elapsed < 5000, `elapsed ${elapsed}`)
    assert.equal(await node.pinLsCid(makePin(missing)), IPFSPinStatus.Unpinned)
    assert.deepEqual(await collect(node.pinLs(['all'])), [])
  })

  it('progress resets the stall timeout', async () => {
    const node = await nodes.start(undefined, { pinTimeout: 1000 })
    const source = await nodes.start()
    await connect(node, source)
    const content = await importBlocks({ content: randomBytes(300_000, 81) }, { chunkSize: 100_000 })
    const root = content.blocks.find((x) => x.cid.equals(content.root))
    const leaves = content.blocks.filter((x) => !x.cid.equals(content.root))
    assert.ok(root != null)
    assert.equal(leaves.length, 3)
    await putBlocks(source, [root])

    let progress = 0
    const started = Date.now()
    const pinning = node.pin(makePin(content.root), { onProgress: (e) => { progress = e.detail.blocks } })
    for (let i = 0; i < leaves.length; i++) {
      await waitFor(() => progress === i + 1, { timeout: 900 })
      // feed the next block after 60% of the stall timeout
      await new Promise((resolve) => setTimeout(resolve, 600))
      await putBlocks(source, [leaves[i]])
    }
    await pinning
    assert.ok(Date.now() - started > 1800)
    assert.equal(progress, 4)
    assert.equal(await node.pinLsCid(makePin(content.root)), IPFSPinStatus.Recursive)
  })

  it('a pin aborted by its caller fails with AbortError and leaves nothing pinned', async () => {
    const node = await nodes.start()
    const content = await importBlocks({ content: randomBytes(200_000, 91) }, { chunkSize: 100_000 })
    const root = content.blocks.find((x) => x.cid.equals(content.root))
    assert.ok(root != null)
    await putBlocks(node, [root]) // the leaves are nowhere
    const controller = new AbortController()
    const pinning = node.pin(makePin(content.root), { signal: controller.signal, onProgress: () => { controller.abort() } })
    await assert.rejects(pinning, { name: 'AbortError' })
    assert.equal(await node.pinLsCid(makePin(content.root)), IPFSPinStatus.Unpinned)
    assert.deepEqual(await gcRemoved(node), new Set([mhString(content.root)]))
  })

  it('blockStream verifies each block against its CID', async () => {
    const node = await nodes.start()
    const good = await rawBlock(randomBytes(1000, 101))
    const other = randomBytes(1000, 102)
    const before = (await node.repoStat()).repoSize
    await assert.rejects(putBlocks(node, [{ cid: good.cid, bytes: other }]), { name: 'InvalidArgumentError' })
    assert.equal((await node.repoStat()).repoSize, before)

    const b512 = await rawBlock(randomBytes(500, 103), sha512)
    const blake = await rawBlock(randomBytes(500, 104), blake2b256)
    await putBlocks(node, [good, b512, blake])
    assert.deepEqual(await node.blockGet(good.cid), good.bytes)
    assert.deepEqual(await node.blockGet(b512.cid), b512.bytes)
    assert.deepEqual(await node.blockGet(blake.cid), blake.bytes)
    assert.equal((await node.repoStat()).repoSize - before, 2000n)

    const badBlake = { cid: blake.cid, bytes: b512.bytes }
    await assert.rejects(putBlocks(node, [badBlake]), { name: 'InvalidArgumentError' })
    await assert.rejects(putBlocks(node, []), { name: 'IPFSError', message: 'BlockStream: no blocks to peek in blocks channel' })
  })

  it('blockGet of a block nobody has fails with TimeoutError after ipfsRequestTimeout', async () => {
    const node = await nodes.start(undefined, { ipfsRequestTimeout: 300 })
    await connect(node, a)
    const missing = (await rawBlock(randomBytes(64, 111))).cid
    const started = Date.now()
    await assert.rejects(node.blockGet(missing), { name: 'TimeoutError' })
    assert.ok(Date.now() - started < 5000)
  })

  it('resolves paths', async () => {
    const node = await nodes.start(undefined, { ipfsRequestTimeout: 300 })
    const unknown = (await rawBlock(randomBytes(64, 121))).cid
    // no I/O for a bare root: an unknown CID resolves at once
    const started = Date.now()
    assert.ok((await node.resolve(`/ipfs/${unknown.toString()}`)).equals(unknown))
    assert.ok((await node.resolve(unknown.toString())).equals(unknown))
    assert.ok(Date.now() - started < 250)

    const dir = await importBlocks([
      { path: 'a/hello.txt', content: new TextEncoder().encode('hello') },
      { path: 'a/b/deep.txt', content: new TextEncoder().encode('deep') }
    ], { wrapWithDirectory: true })
    await putBlocks(node, dir.blocks)
    const hello = await importBlocks({ content: new TextEncoder().encode('hello') })
    const deep = await importBlocks({ content: new TextEncoder().encode('deep') })
    assert.ok((await node.resolve(`/ipfs/${dir.root.toString()}/a/hello.txt`)).equals(hello.root))
    assert.ok((await node.resolve(`${dir.root.toString()}/a/b/deep.txt`)).equals(deep.root))
    await assert.rejects(node.resolve(`/ipfs/${dir.root.toString()}/a/missing.txt`), { name: 'NotFoundError' })
    await assert.rejects(node.resolve('/ipns/k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8'), { name: 'UnsupportedOperationError', message: /IPNS is not supported by the embedded IPFS node/ })
    await assert.rejects(node.resolve('/ipfs/notacid'), { name: 'InvalidArgumentError' })
    await assert.rejects(node.resolve('/foo/bar'), { name: 'InvalidArgumentError' })
  })

  it('answers configKey from a small Kubo-like config', async () => {
    assert.equal(await a.configKey('Datastore/StorageMax'), '10GB')
    assert.equal(await a.configKey('Datastore.StorageMax'), '10GB')
    assert.equal(await a.configKey('Identity/PeerID'), (await a.id()).id)
    await assert.rejects(a.configKey('Nope/Key'), { name: 'NotFoundError' })
  })

  it('keeps pins, blocks, repo size and peer ID across a restart; the datastore lock is exclusive', async () => {
    const folder = await nodes.folder()
    const first = await nodes.start(folder)
    const id = (await first.id()).id
    const content = await putContent(first, randomBytes(300_000, 131), { chunkSize: 100_000 })
    await first.pin(makePin(content.root))
    const direct = await putContent(first, randomBytes(5000, 132))
    await first.pin(makePin(direct.root, 0))
    const stat = await first.repoStat()

    // a second node on the same folder cannot open the datastore
    const clash = createEmbeddedIPFS({ logger: silentLogger() }, embeddedConfig(folder))
    await assert.rejects(clash.start(), { name: 'DatastoreError' })
    await nodes.stop(first)

    const second = await nodes.start(folder, { ipfsRequestTimeout: 300 })
    assert.equal((await second.id()).id, id)
    assert.deepEqual(await second.repoStat(), stat)
    assert.equal(await second.pinLsCid(makePin(content.root)), IPFSPinStatus.Recursive)
    assert.equal(await second.pinLsCid(makePin(direct.root, 0)), IPFSPinStatus.Direct)
    assert.deepEqual(await second.swarmPeers(), [])
    for (const blk of content.blocks) {
      assert.deepEqual(await second.blockGet(blk.cid), blk.bytes)
    }
    assert.deepEqual(await gcRemoved(second), new Set())
  })

  it('rolls back a pin interrupted by stop at the next start', async () => {
    const folder = await nodes.folder()
    const node = await nodes.start(folder)
    const source = await nodes.start()
    await connect(node, source)
    const content = await importBlocks({ content: randomBytes(200_000, 141) }, { chunkSize: 100_000 })
    const root = content.blocks.find((x) => x.cid.equals(content.root))
    assert.ok(root != null)
    await putBlocks(source, [root]) // the leaves are nowhere

    let progress = 0
    const pinning = node.pin(makePin(content.root), { onProgress: (e) => { progress = e.detail.blocks } })
    const outcome = pinning.then(() => undefined, (err: Error) => err)
    await waitFor(() => progress === 1)
    await nodes.stop(node)
    assert.equal((await outcome)?.name, 'AbortError')

    const restarted = await nodes.start(folder)
    assert.equal(await restarted.pinLsCid(makePin(content.root)), IPFSPinStatus.Unpinned)
    assert.deepEqual(await gcRemoved(restarted), new Set([mhString(content.root)]))
  })

  it('stop is idempotent and the node reports when it is not started', async () => {
    const folder = await nodes.folder()
    const node = await nodes.start(folder)
    await node.stop()
    await node.stop()
    const id = await node.id()
    assert.equal(id.id, '')
    assert.notEqual(id.error, '')
    await assert.rejects(node.repoStat(), { name: 'NotStartedError' })
    await assert.rejects(node.pin(makePin((await rawBlock(randomBytes(8, 151))).cid)), { name: 'NotStartedError' })
    // the same object starts again
    await node.start()
    await node.ready()
    assert.notEqual((await node.id()).id, '')
    await node.stop()
  })
})

function concatBytes (x: Uint8Array, y: Uint8Array): Uint8Array {
  const out = new Uint8Array(x.byteLength + y.byteLength)
  out.set(x, 0)
  out.set(y, x.byteLength)
  return out
}

describe('embedded IPFS node after a crash', () => {
  it('recounts the repo size, keeps complete pins and rolls back the pin in progress', async () => {
    const folder = await tempFolder()
    const child = fileURLToPath(new URL('./embedded-crash-child.js', import.meta.url))
    const out = execFileSync(process.execPath, [child, folder.path], { encoding: 'utf8', timeout: 60_000 })
    const report = JSON.parse(out) as { id: string, repoSize: string, pinned: string, pinnedBlocks: string[], loose: string, partial: string }
    const node = await startNode(folder.path, { ipfsRequestTimeout: 300 })
    try {
      assert.equal((await node.id()).id, report.id)
      assert.equal((await node.repoStat()).repoSize, BigInt(report.repoSize))
      assert.equal(await node.pinLsCid(makePin(CID.parse(report.pinned))), IPFSPinStatus.Recursive)
      assert.equal(await node.pinLsCid(makePin(CID.parse(report.partial))), IPFSPinStatus.Unpinned)
      const removed = await gcRemoved(node)
      assert.deepEqual(removed, new Set([mhString(CID.parse(report.loose)), mhString(CID.parse(report.partial))]))
      for (const c of report.pinnedBlocks) {
        assert.ok((await node.blockGet(CID.parse(c))).byteLength > 0)
      }
    } finally {
      await node.stop()
      await folder.remove()
    }
  })
})
