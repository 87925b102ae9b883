/**
 * sharness t0031-ctl-add.sh (CLI spec §11.2): `ipfs-cluster-ctl add` prints
 * what `ipfs add` prints (same CIDs, names and order) for each tested
 * option, imports CAR files, and pins what it added (with metadata).
 *
 * Without a Kubo here, the expected `ipfs add` output comes from an oracle:
 * ipfs-unixfs-importer with Kubo's defaults (checked against well-known
 * Kubo CIDs), and for `--hash sha3-512` (the importer only hashes with
 * sha2-256) a small builder checked against the importer.
 *
 * Each test is a TODO while the peer answers `/add` with "adding content
 * is not available on this peer" (the adder is not merged yet).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { CarWriter } from '@ipld/car'
import * as dagPb from '@ipld/dag-pb'
import { sha3512 } from '@multiformats/sha3'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { Sandbox, unixfsAdd } from './helpers.js'
import type { AddedEntry, AddOptions, Daemon, RunResult } from './helpers.js'
import type { MultihashHasher } from 'multiformats/hashes/interface'
import type { TestContext } from 'node:test'

const CHUNK = 262144
const RAW = 0x55
const NOT_AVAILABLE = 'adding content is not available on this peer'

type Files = Array<{ path: string, content: Uint8Array }>

/**
 * `ipfs add --cid-version 1` (raw leaves, balanced layout) with any hash:
 * files of at most 174 chunks, directories without sharding.
 */
async function unixfsAddV1 (files: Files, hasher: MultihashHasher): Promise<AddedEntry[]> {
  const out: AddedEntry[] = []
  interface Node { cid: CID, tsize: number }
  const dirs = new Map<string, Map<string, Node>>()
  const dirOf = (path: string): Map<string, Node> => {
    let d = dirs.get(path)
    if (d == null) {
      d = new Map()
      dirs.set(path, d)
      if (path.includes('/')) dirOf(path.slice(0, path.lastIndexOf('/')))
    }
    return d
  }
  for (const f of files) {
    const leaves: Node[] = []
    for (let off = 0; off < f.content.length; off += CHUNK) {
      const bytes = f.content.subarray(off, off + CHUNK)
      leaves.push({ cid: CID.createV1(RAW, await hasher.digest(bytes)), tsize: bytes.length })
    }
    assert.ok(leaves.length >= 1 && leaves.length <= 174)
    let node = leaves[0]
    if (leaves.length > 1) {
      const u = new UnixFS({ type: 'file' })
      for (const l of leaves) u.addBlockSize(BigInt(l.tsize))
      const bytes = dagPb.encode(dagPb.prepare({ Data: u.marshal(), Links: leaves.map((l) => ({ Hash: l.cid, Name: '', Tsize: l.tsize })) }))
      node = { cid: CID.createV1(dagPb.code, await hasher.digest(bytes)), tsize: bytes.length + leaves.reduce((n, l) => n + l.tsize, 0) }
    }
    out.push({ path: f.path, cid: node.cid })
    if (f.path.includes('/')) dirOf(dirname(f.path)).set(f.path.slice(f.path.lastIndexOf('/') + 1), node)
  }
  // directories after their contents (deepest first, then by name), as `ipfs add` prints them
  const done = new Map<string, Node>()
  const flush = async (path: string): Promise<Node> => {
    const entries = dirs.get(path) as Map<string, Node>
    for (const sub of [...dirs.keys()].filter((p) => dirname(p) === path && p !== path).sort()) {
      entries.set(sub.slice(sub.lastIndexOf('/') + 1), await flush(sub))
    }
    const links = [...entries].map(([name, n]) => ({ Hash: n.cid, Name: name, Tsize: n.tsize }))
    const bytes = dagPb.encode(dagPb.prepare({ Data: new UnixFS({ type: 'directory' }).marshal(), Links: links }))
    const node = { cid: CID.createV1(dagPb.code, await hasher.digest(bytes)), tsize: bytes.length + links.reduce((n, l) => n + l.Tsize, 0) }
    out.push({ path, cid: node.cid })
    done.set(path, node)
    return node
  }
  for (const root of [...dirs.keys()].filter((p) => !p.includes('/')).sort()) await flush(root)
  return out
}

/** `ipfs add` text output. */
function addedLines (entries: AddedEntry[]): string {
  return entries.map((e) => `added ${e.cid.toString()} ${e.path}\n`).join('')
}

describe('t0031: ipfs-cluster-ctl add', () => {
  let sb: Sandbox
  let daemon: Daemon
  let host: string
  let available: boolean | undefined
  const small = new Uint8Array(randomBytes(500))
  const big = new Uint8Array(randomBytes(2 * CHUNK * 4 + 1)) // 9 chunks
  const abc = new TextEncoder().encode('abc\n')
  const testFolder: Files = [
    { path: 'testFolder/abc.txt', content: abc },
    { path: 'testFolder/smallfile.bin', content: small },
    { path: 'testFolder/subfolder/bigfile.bin', content: big }
  ]

  const ctl = async (args: string[]): Promise<RunResult> => await sb.ctl(['--host', host, ...args], { cwd: sb.dir })

  /** False (and the test marked TODO) while the peer cannot add content. */
  const adder = async (t: TestContext): Promise<boolean> => {
    if (available == null) {
      const r = await ctl(['add', '--quieter', 'probe.txt'])
      available = !r.stdout.includes(NOT_AVAILABLE)
    }
    if (!available) t.todo(`adder not merged yet: /add answers "${NOT_AVAILABLE}"`)
    return available
  }

  before(async () => {
    sb = await Sandbox.create('t0031')
    const kubo = await sb.kubo({ mode: 'store' })
    const folder = sb.path('test-config')
    await sb.init(folder, { args: ['--ipfs-api', kubo.apiMultiaddr] })
    daemon = await sb.daemon(folder)
    host = await daemon.host()
    const files: Files = [
      { path: 'probe.txt', content: new TextEncoder().encode('probe\n') },
      { path: 'smallfile.bin', content: small },
      { path: 'bigfile.bin', content: big },
      ...testFolder,
      { path: 'testFolder2/abc.txt', content: abc },
      { path: 'testFolder3/a.txt', content: new TextEncoder().encode('a\n') },
      { path: 'testFolder3/b/c.txt', content: new TextEncoder().encode('c\n') },
      { path: 'test1.txt', content: new TextEncoder().encode('test1\n') },
      { path: 'test2.txt', content: new TextEncoder().encode('test2\n') }
    ]
    for (const f of files) {
      await mkdir(dirname(sb.path(f.path)), { recursive: true })
      await writeFile(sb.path(f.path), f.content)
    }
  })
  after(async () => { await sb?.cleanup() })

  it('the ipfs add oracle gives the CIDs of Kubo and of the importer', async () => {
    // `echo test | ipfs add -q`, the empty file, `ipfs add --cid-version 1` of "abc\n"
    const one = async (text: string, opts: AddOptions = {}): Promise<string> =>
      (await unixfsAdd([{ path: 'f', content: new TextEncoder().encode(text) }], opts))[0].cid.toString()
    assert.equal(await one('test\n'), 'QmeomffUNfmQy76CQGy9NdmqEnnHU9soCexBnGU3ezPHVH')
    assert.equal(await one(''), 'QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH')
    assert.equal(await one('test_53\n'), 'QmbrCtydGyPeHiLURSPMqrvE5mCgMCwFYq3UD4XLCeAYw6')
    // the sha3 builder is the importer's DAG when hashing with sha2-256
    const viaImporter = await unixfsAdd(testFolder, { cidVersion: 1 })
    const viaBuilder = await unixfsAddV1(testFolder, sha256)
    assert.equal(addedLines(viaBuilder), addedLines(viaImporter))
    assert.deepEqual(viaImporter.map((e) => e.path), [...testFolder.map((f) => f.path), 'testFolder/subfolder', 'testFolder'])
  })

  it('add files locally and compare with ipfs', async (t) => {
    if (!await adder(t)) return
    const cases: Array<[string[], () => Promise<AddedEntry[]>]> = [
      [['smallfile.bin'], async () => await unixfsAdd([{ path: 'smallfile.bin', content: small }])],
      [['-w', 'smallfile.bin'], async () => await unixfsAdd([{ path: 'smallfile.bin', content: small }], { wrapWithDirectory: true })],
      [['--raw-leaves', '-w', 'smallfile.bin'], async () => await unixfsAdd([{ path: 'smallfile.bin', content: small }], { rawLeaves: true, wrapWithDirectory: true })],
      [['--raw-leaves', 'smallfile.bin'], async () => await unixfsAdd([{ path: 'smallfile.bin', content: small }], { rawLeaves: true })],
      [['bigfile.bin'], async () => await unixfsAdd([{ path: 'bigfile.bin', content: big }])],
      [['--layout', 'trickle', 'bigfile.bin'], async () => await unixfsAdd([{ path: 'bigfile.bin', content: big }], { trickle: true })],
      [['-w', 'bigfile.bin'], async () => await unixfsAdd([{ path: 'bigfile.bin', content: big }], { wrapWithDirectory: true })],
      [['--raw-leaves', '-w', 'bigfile.bin'], async () => await unixfsAdd([{ path: 'bigfile.bin', content: big }], { rawLeaves: true, wrapWithDirectory: true })],
      [['--raw-leaves', 'bigfile.bin'], async () => await unixfsAdd([{ path: 'bigfile.bin', content: big }], { rawLeaves: true })],
      [['-r', 'testFolder'], async () => await unixfsAdd(testFolder)],
      [['-r', '-w', 'testFolder'], async () => await unixfsAdd(testFolder, { wrapWithDirectory: true })],
      [['--cid-version', '1', '-r', 'testFolder'], async () => await unixfsAdd(testFolder, { cidVersion: 1 })],
      [['--hash', 'sha3-512', '-r', 'testFolder'], async () => await unixfsAddV1(testFolder, sha3512)]
    ]
    for (const [args, expected] of cases) {
      const r = await ctl(['add', ...args])
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stdout}${r.stderr}`)
      assert.equal(r.stdout, addedLines(await expected()), args.join(' '))
    }
  })

  it('add CAR file', async (t) => {
    if (!await adder(t)) return
    // ipfs add -Q -w -r /tmp/testFolderCar; ipfs dag export <root> > test.car
    const blocks: Array<{ cid: CID, bytes: Uint8Array }> = []
    const entries = await unixfsAdd([
      { path: 'testFolderCar/a.txt', content: new TextEncoder().encode('car\n') },
      { path: 'testFolderCar/sub/b.txt', content: new Uint8Array(randomBytes(3000)) }
    ], { wrapWithDirectory: true }, (cid, bytes) => { blocks.push({ cid, bytes }) })
    const root = entries[entries.length - 1].cid
    const { writer, out } = CarWriter.create([root])
    const chunks: Uint8Array[] = []
    const collect = (async () => { for await (const c of out) chunks.push(c) })()
    for (const b of blocks) await writer.put(b)
    await writer.close()
    await collect
    await writeFile(sb.path('test.car'), Buffer.concat(chunks))
    const r = await ctl(['add', '--format', 'car', '-Q', 'test.car'])
    assert.deepEqual({ code: r.code, stdout: r.stdout }, { code: 0, stdout: `${root.toString()}\n` })
  })

  it('check add folders', async (t) => {
    if (!await adder(t)) return
    const w = await ctl(['add', '--quieter', '-w', 'testFolder2/abc.txt'])
    const r = await ctl(['add', '--quieter', '-r', 'testFolder2'])
    assert.equal(w.code, 0, w.stdout + w.stderr)
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(w.stdout, r.stdout)
    const expected = await unixfsAdd([{ path: 'testFolder2/abc.txt', content: abc }])
    assert.equal(r.stdout, `${expected[expected.length - 1].cid.toString()}\n`)
  })

  it('check pin after locally added', async (t) => {
    if (!await adder(t)) return
    const r = await ctl(['add', '-r', '--quieter', 'testFolder3'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const cid = r.stdout.trim()
    assert.ok((await ctl(['pin', 'ls'])).stdout.toLowerCase().includes(cid.toLowerCase()))
    assert.match((await ctl(['pin', 'ls', cid])).stdout, new RegExp(`^${cid} \\| `))
  })

  it('add with metadata', async (t) => {
    if (!await adder(t)) return
    const cid1 = (await ctl(['add', '--quieter', '--metadata', 'kind=text', 'test1.txt'])).stdout.trim()
    const cid2 = (await ctl(['add', '--quieter', 'test2.txt'])).stdout.trim()
    assert.match((await ctl(['pin', 'ls', cid1])).stdout, / \| Metadata: yes \| /)
    assert.deepEqual(JSON.parse((await ctl(['--enc=json', 'pin', 'ls', cid1])).stdout).metadata, { kind: 'text' })
    assert.match((await ctl(['pin', 'ls', cid2])).stdout, / \| Metadata: no \| /)
  })
})
