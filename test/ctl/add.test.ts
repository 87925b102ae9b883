/**
 * `ipfs-cluster-ctl add` against a fake REST API: output modes (CLI spec
 * §6.3.1, §6.4.4), query parameters, --wait, errors, progress bar.
 */
import { after, afterEach, before, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FakeRestServer, sendJSON, sendStream } from '../fakes/fake-rest-server.js'
import { CID1, CID2, CID3, CID_V1, gpi, PEER, PEER2, storedPin } from '../fakes/rest-fixtures.js'
import { boundaryOf, parseMultipart, partFilename } from '../helpers/multipart-parse.js'
import { ctl as runCtl, jsonDocuments } from '../helpers/run-ctl.js'
import type { CtlResult } from '../helpers/run-ctl.js'

const FOLDER_OUT = [
  { name: 'testFolder/abc.txt', cid: CID1, size: 12 },
  { name: 'testFolder/smallfile.bin', cid: CID2, size: 511 },
  { name: 'testFolder/subfolder/bigfile.bin', cid: CID_V1, size: 300 },
  { name: 'testFolder/subfolder', cid: CID3, size: 400 },
  { name: 'testFolder', cid: 'QmNPh7Jda3xnU1skhE6mqWRWzMiyWHLeo9jqhkH94eSUrk', size: 1000, allocations: [PEER] }
]
const ROOT = 'QmNPh7Jda3xnU1skhE6mqWRWzMiyWHLeo9jqhkH94eSUrk'
const FOLDER_TEXT = `added ${CID1} testFolder/abc.txt
added ${CID2} testFolder/smallfile.bin
added ${CID_V1} testFolder/subfolder/bigfile.bin
added ${CID3} testFolder/subfolder
added ${ROOT} testFolder
`

describe('ctl: add', () => {
  let server: FakeRestServer
  let dir: string
  let folder: string
  let file: string

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ctl-add-cmd-'))
    folder = join(dir, 'testFolder')
    await mkdir(join(folder, 'subfolder'), { recursive: true })
    await writeFile(join(folder, 'abc.txt'), 'abc\n')
    await writeFile(join(folder, 'smallfile.bin'), Buffer.alloc(500, 1))
    await writeFile(join(folder, 'subfolder', 'bigfile.bin'), Buffer.alloc(600000, 2))
    file = join(dir, 'file.txt')
    await writeFile(file, 'hello\n')
  })

  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  beforeEach(async () => {
    server = await FakeRestServer.start()
    server.stream('POST', '/add', FOLDER_OUT)
  })

  afterEach(async () => {
    await server.stop()
  })

  const ctl = async (...argv: string[]): Promise<CtlResult> => await runCtl(['--host', server.multiaddr, ...argv])

  it('prints every AddedOutput (example session add -r)', async () => {
    const r = await ctl('add', '-r', folder)
    assert.deepEqual(r, { code: 0, stdout: FOLDER_TEXT, stderr: '' })
    const req = server.requests[0]
    assert.equal(req.rawQuery, 'chunker=size-262144&cid-version=0&format=unixfs&hash=sha2-256&hidden=false&layout=&local=false&mode=recursive&name=&no-pin=false&nocopy=false&progress=false&raw-leaves=false&recursive=true&replication-max=0&replication-min=0&shard=false&shard-size=104857600&stream-channels=true&user-allocations=&wrap-with-directory=false')
    const names = parseMultipart(req.body, boundaryOf(req.headers['content-type'])).map(partFilename)
    assert.deepEqual(names, ['testFolder', 'testFolder/abc.txt', 'testFolder/smallfile.bin', 'testFolder/subfolder', 'testFolder/subfolder/bigfile.bin'])
  })

  it('-q prints CIDs only, -Q only the last one; --no-stream buffers', async () => {
    assert.deepEqual(await ctl('add', '-q', '-r', folder), { code: 0, stdout: FOLDER_OUT.map((o) => o.cid + '\n').join(''), stderr: '' })
    assert.deepEqual(await ctl('add', '-Q', '-r', folder), { code: 0, stdout: `${ROOT}\n`, stderr: '' })
    assert.deepEqual(await ctl('add', '--quieter', '-r', folder, '--no-stream'), { code: 0, stdout: `${ROOT}\n`, stderr: '' })
    assert.deepEqual(await ctl('add', '--no-stream', '-r', folder), { code: 0, stdout: FOLDER_TEXT, stderr: '' })
  })

  it('prints a trailing space for the empty name of a wrapping directory (add -w)', async () => {
    server.stream('POST', '/add', [{ name: 'file.txt', cid: CID1, size: 14 }, { name: '', cid: CID2, size: 66 }])
    const r = await ctl('add', '-w', file)
    assert.deepEqual(r, { code: 0, stdout: `added ${CID1} file.txt\nadded ${CID2} \n`, stderr: '' })
    assert.match(server.requests[0].rawQuery, /&wrap-with-directory=true$/)
    // several paths force wrapping
    await ctl('add', file, join(folder, 'abc.txt'))
    assert.match(server.requests[1].rawQuery, /&wrap-with-directory=true$/)
  })

  it('JSON: one document per item, an array with --no-stream, the original objects with -q/-Q', async () => {
    let r = await ctl('--enc', 'json', 'add', '-r', folder)
    let docs = jsonDocuments(r.stdout)
    assert.equal(docs.length, 5)
    assert.deepEqual(docs[4], { name: 'testFolder', cid: ROOT, size: 1000, allocations: [PEER] })
    assert.equal(r.stdout.slice(0, 2), '{\n')
    assert.ok(r.stdout.includes('\n    "name": "testFolder/abc.txt",\n    "cid": "' + CID1 + '",\n    "size": 12\n}\n'))
    r = await ctl('--enc', 'json', 'add', '--no-stream', '-r', folder)
    docs = jsonDocuments(r.stdout)
    assert.equal(docs.length, 1)
    assert.equal((docs[0] as unknown[]).length, 5)
    r = await ctl('--enc', 'json', 'add', '-Q', '-r', folder)
    assert.deepEqual(jsonDocuments(r.stdout), [{ name: 'testFolder', cid: ROOT, size: 1000, allocations: [PEER] }])
    r = await ctl('--enc', 'json', 'add', '-q', '-r', folder)
    assert.equal(jsonDocuments(r.stdout).length, 5)
    r = await ctl('--enc', 'json', 'add', '-Q', '--no-stream', '-r', folder)
    assert.deepEqual(jsonDocuments(r.stdout), [[{ name: 'testFolder', cid: ROOT, size: 1000, allocations: [PEER] }]])
  })

  it('maps every add flag to the query', async () => {
    const t0 = Date.now()
    await ctl('add', '--local', '--name', 'n', '--rmin', '1', '--rmax', '2', '--metadata', 'a=b', '--metadata', 'c=d=e',
      '--allocations', `${PEER},bad,${PEER2}`, '--no-pin', '--layout', 'trickle', '-s', 'rabin-1-2-3', '--cid-version', '1',
      '-H', '-r', '--expire-in', '1m', folder)
    const q = server.requests[0].query
    const expected: Record<string, string> = {
      local: 'true', name: 'n', 'replication-min': '1', 'replication-max': '2', 'meta-a': 'b', 'meta-c': 'd=e',
      'user-allocations': `${PEER},${PEER2}`, 'no-pin': 'true', layout: 'trickle', chunker: 'rabin-1-2-3',
      'cid-version': '1', 'raw-leaves': 'true', hidden: 'true', recursive: 'true', hash: 'sha2-256'
    }
    for (const [k, v] of Object.entries(expected)) assert.equal(q.get(k), v, k)
    const exp = Date.parse(q.get('expire-at') ?? '')
    assert.ok(exp >= t0 + 60000 - 1000 && exp <= Date.now() + 60000 + 1000)

    await ctl('add', '--hash', 'sha3-512', file)
    const q2 = server.requests[1].query
    assert.equal(q2.get('hash'), 'sha3-512')
    assert.equal(q2.get('cid-version'), '1')
    assert.equal(q2.get('raw-leaves'), 'true')

    await ctl('add', '--format', 'car', '--raw-leaves', file)
    const q3 = server.requests[2].query
    assert.equal(q3.get('format'), 'car')
    assert.equal(q3.get('raw-leaves'), 'true')
    assert.equal(q3.get('cid-version'), '0')
  })

  it('--wait reads the allocation replication factor and polls until pinned', async () => {
    server.json('GET', `/allocations/${ROOT}`, storedPin(ROOT, { replication_factor_min: 1, replication_factor_max: 2 }))
    let polls = 0
    server.on('GET', `/pins/${ROOT}`, (_req, res) => {
      polls++
      sendJSON(res, 200, gpi(ROOT, 'pinned', { peers: [[PEER, { status: polls < 2 ? 'pinning' : 'pinned' }], [PEER2, { status: 'pinning' }]] }))
    })
    const r = await ctl('add', '-Q', '--wait', '-r', folder)
    assert.deepEqual(r, { code: 0, stdout: `${ROOT}\n`, stderr: '' })
    assert.equal(polls, 2)
    assert.deepEqual(server.requests.slice(1, 3).map((q) => q.url), [`/allocations/${ROOT}`, `/pins/${ROOT}?local=false`])
  })

  it('prints outputs then the stream error (exit 2)', async () => {
    server.on('POST', '/add', async (_req, res) => {
      await sendStream(res, FOLDER_OUT.slice(0, 2), ['failed to put block on all destinations'])
    })
    const r = await ctl('add', '-r', folder)
    assert.deepEqual(r, {
      code: 2,
      stdout: FOLDER_TEXT.split('\n').slice(0, 2).join('\n') + '\nAn error occurred:\n  Code: 500\n  Message: failed to put block on all destinations\n',
      stderr: ''
    })
  })

  it('reports local path problems on stderr (exit 1)', async () => {
    assert.deepEqual(await ctl('add', folder), { code: 1, stdout: '', stderr: `error : ${folder} is a directory, but Recursive option is not set\n` })
    assert.deepEqual(await ctl('add', join(dir, 'missing')), { code: 1, stdout: '', stderr: `error : lstat ${join(dir, 'missing')}: no such file or directory\n` })
    assert.deepEqual(await ctl('add', '--nocopy', file), { code: 1, stdout: '', stderr: 'error : nocopy option is only valid for URLs\n' })
    assert.equal(server.requests.length, 0)
  })

  it('draws a progress bar on stderr only when it is a terminal', async () => {
    const quiet = await ctl('add', '-r', folder)
    assert.equal(quiet.stderr, '')
    const tty = await runCtl(['--host', server.multiaddr, 'add', '-r', folder], { stderrTTY: true })
    assert.equal(tty.stdout, FOLDER_TEXT)
    assert.ok(tty.stderr.includes('\r\x1b[K'), JSON.stringify(tty.stderr))
    assert.ok(tty.stderr.includes('600 kB / 600 kB [==============================] 100.00%'), JSON.stringify(tty.stderr))
    // the bar is cleared at the end
    assert.ok(tty.stderr.endsWith('\r\x1b[K'))
    // no bar with -q
    assert.equal((await runCtl(['--host', server.multiaddr, 'add', '-q', '-r', folder], { stderrTTY: true })).stderr, '')
  })
})
