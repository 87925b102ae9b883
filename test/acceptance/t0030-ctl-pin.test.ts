/**
 * sharness t0030-ctl-pin.sh (CLI spec §11.2), all but the two ipns tests
 * (known breakage in the reference): pin add/rm/ls/update with CIDs and
 * paths, --wait, user allocations, metadata and direct mode, on a crdt
 * peer whose IPFS daemon (a fake Kubo that stores blocks) holds the
 * content, as `ipfs add` left it.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { jsonDocuments } from '../helpers/run-ctl.js'
import { waitFor } from '../helpers/wait-for.js'
import { kuboAdd, kuboAddText, Sandbox } from './helpers.js'
import type { FakeKubo } from '../fakes/fake-kubo.js'
import type { RunResult } from './helpers.js'

/** The status line of the (single) peer in a GlobalPinInfo text. */
function peerStatus (text: string): string | undefined {
  return /^ {4}> .{20} : ([A-Z_]+)/m.exec(text)?.[1]
}

describe('t0030: ipfs-cluster-ctl pin', () => {
  let sb: Sandbox
  let kubo: FakeKubo
  let ctl: (args: string[]) => Promise<RunResult>

  const statusOf = async (cid: string): Promise<string | undefined> => {
    const r = await ctl(['status', cid])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.ok(r.stdout.startsWith(`${cid}:\n`) || r.stdout.startsWith(`${cid} | `), r.stdout)
    return peerStatus(r.stdout)
  }
  const waitStatus = async (cid: string, want: string): Promise<void> => {
    await waitFor(async () => (await statusOf(cid)) === want, { timeout: 15_000, interval: 200, message: `${cid} ${want}` })
  }

  before(async () => {
    sb = await Sandbox.create('t0030')
    kubo = await sb.kubo({ mode: 'store' })
    const folder = sb.path('test-config')
    await sb.init(folder, { args: ['--ipfs-api', kubo.apiMultiaddr] })
    const daemon = await sb.daemon(folder)
    const host = await daemon.host()
    ctl = async (args) => await sb.ctl(['--host', host, ...args])
  })
  after(async () => { await sb?.cleanup() })

  it('pin data to cluster with ctl', async () => {
    const cid = await kuboAddText(kubo, 'test')
    assert.equal(cid, 'QmeomffUNfmQy76CQGy9NdmqEnnHU9soCexBnGU3ezPHVH') // `echo test | ipfs add -q`
    const add = await ctl(['pin', 'add', cid])
    assert.equal(add.code, 0, add.stdout + add.stderr)
    assert.ok(add.stdout.startsWith(`${cid}:\n`), add.stdout)
    const ls = await ctl(['pin', 'ls', cid])
    assert.equal(ls.code, 0)
    assert.ok(ls.stdout.startsWith(`${cid} |  | PIN | Repl. Factor: -1 | Allocations: [everywhere] | Recursive | Metadata: no | Exp: ∞ | Added: `), ls.stdout)
    await waitStatus(cid, 'PINNED')
    assert.equal(kubo.pinMode(cid), 'recursive')
  })

  it('unpin data from cluster with ctl', async () => {
    const pins = jsonDocuments((await ctl(['--enc=json', 'pin', 'ls'])).stdout) as Array<{ cid: unknown }>
    const cid = pins[0].cid
    assert.equal(typeof cid, 'string')
    const rm = await ctl(['pin', 'rm', cid as string])
    assert.equal(rm.code, 0, rm.stdout + rm.stderr)
    const ls = await ctl(['pin', 'ls', cid as string])
    assert.equal(ls.code, 2)
    assert.ok(!ls.stdout.includes(cid as string), ls.stdout)
    assert.equal(ls.stdout, 'An error occurred:\n  Code: 404\n  Message: pin is not part of the pinset\n')
    await waitStatus(cid as string, 'UNPINNED')
    assert.equal(kubo.pinMode(cid as string), undefined)
  })

  let bigCid: string
  it('wait for data to pin to cluster with ctl', async () => {
    const entries = await kuboAdd(kubo, [{ path: 'bigfile', content: new Uint8Array(randomBytes(2 * 1024 * 1024)) }])
    bigCid = entries[0].cid.toString()
    const add = await ctl(['pin', 'add', '--wait', bigCid])
    assert.equal(add.code, 0, add.stdout + add.stderr)
    assert.equal(peerStatus(add.stdout), 'PINNED')
    assert.ok((await ctl(['pin', 'ls', bigCid])).stdout.includes(bigCid))
    assert.equal(await statusOf(bigCid), 'PINNED')
  })

  it('wait for data to unpin from cluster with ctl', async () => {
    const rm = await ctl(['pin', 'rm', '--wait', bigCid])
    assert.equal(rm.code, 0, rm.stdout + rm.stderr)
    assert.equal(peerStatus(rm.stdout), 'UNPINNED')
    assert.ok(!(await ctl(['pin', 'ls', bigCid])).stdout.includes(bigCid))
    assert.equal(await statusOf(bigCid), 'UNPINNED')
  })

  it('wait for data to pin and unpin with a timeout', async () => {
    const cid = (await kuboAdd(kubo, [{ path: 'f', content: new Uint8Array(randomBytes(2 * 1024 * 1024)) }]))[0].cid.toString()
    const add = await ctl(['pin', 'add', '--wait', '--wait-timeout', '2s', cid])
    assert.equal(add.code, 0, add.stdout + add.stderr)
    assert.equal(peerStatus(add.stdout), 'PINNED')
    assert.ok((await ctl(['pin', 'ls', cid])).stdout.includes(cid))
    const rm = await ctl(['pin', 'rm', '--wait', '--wait-timeout', '2s', cid])
    assert.equal(rm.code, 0, rm.stdout + rm.stderr)
    assert.equal(peerStatus(rm.stdout), 'UNPINNED')
    assert.ok(!(await ctl(['pin', 'ls', cid])).stdout.includes(cid))
  })

  let tree: string[]
  it('pin data to cluster with ctl using ipfs paths', async () => {
    // ipfs add -qr /tmp/test1 (test1/test2/test3.txt, empty)
    const entries = await kuboAdd(kubo, [{ path: 'test1/test2/test3.txt', content: new Uint8Array(0) }])
    tree = entries.map((e) => e.cid.toString())
    assert.deepEqual(entries.map((e) => e.path), ['test1/test2/test3.txt', 'test1/test2', 'test1'])
    assert.equal(tree[0], 'QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH') // the empty file
    const add = await ctl(['pin', 'add', `/ipfs/${tree[2]}/test2/test3.txt`])
    assert.equal(add.code, 0, add.stdout + add.stderr)
    assert.ok(add.stdout.startsWith(`${tree[0]}:\n`), add.stdout)
    assert.ok((await ctl(['pin', 'ls', tree[0]])).stdout.startsWith(`${tree[0]} | `))
    await waitStatus(tree[0], 'PINNED')
  })

  it('unpin data to cluster with ctl using ipfs paths', async () => {
    const rm = await ctl(['pin', 'rm', `/ipfs/${tree[2]}/test2/test3.txt`])
    assert.equal(rm.code, 0, rm.stdout + rm.stderr)
    assert.equal(rm.stdout.split(/\s+/)[0], `${tree[0]}:`)
    assert.ok(!(await ctl(['pin', 'ls', tree[0]])).stdout.includes(tree[0]))
    await waitStatus(tree[0], 'UNPINNED')
  })

  it('pin data to cluster with user allocations', async () => {
    const pid = JSON.parse((await ctl(['--enc=json', 'id'])).stdout).id as string
    const add = await ctl(['pin', 'add', '--allocations', pid, '-r', '1', tree[0]])
    assert.equal(add.code, 0, add.stdout + add.stderr)
    const pins = jsonDocuments((await ctl(['--enc=json', 'pin', 'ls'])).stdout) as Array<{ cid: string, allocations: string[], replication_factor_min: number, replication_factor_max: number }>
    assert.deepEqual(pins.flatMap((p) => p.allocations), [pid])
    const pin = pins.find((p) => p.cid === tree[0])
    assert.deepEqual(pin && { a: pin.allocations, min: pin.replication_factor_min, max: pin.replication_factor_max }, { a: [pid], min: 1, max: 1 })
  })

  it('pin update a pin', async () => {
    const cid1 = await kuboAddText(kubo, 'test')
    const cid2 = await kuboAddText(kubo, 'test2')
    assert.equal((await ctl(['pin', 'add', cid1])).code, 0)
    const up = await ctl(['pin', 'update', cid1, cid2])
    assert.equal(up.code, 0, up.stdout + up.stderr)
    assert.ok(up.stdout.startsWith(`${cid2}:\n`), up.stdout)
    const ls = await ctl(['pin', 'ls', cid2])
    assert.equal(ls.code, 0, ls.stdout)
    await waitStatus(cid2, 'PINNED')
    // the old pin stays (pin update does not unpin the origin)
    assert.equal((await ctl(['pin', 'ls', cid1])).code, 0)
  })

  it('pin with metadata', async () => {
    const cid3 = await kuboAddText(kubo, 'test3')
    const cid4 = await kuboAddText(kubo, 'test4')
    assert.equal((await ctl(['pin', 'add', '--metadata', 'kind=text', cid3])).code, 0)
    assert.equal((await ctl(['pin', 'add', cid4])).code, 0)
    assert.match((await ctl(['pin', 'ls', cid3])).stdout, / \| Metadata: yes \| /)
    const json = await ctl(['--enc=json', 'pin', 'ls', cid3])
    assert.deepEqual(JSON.parse(json.stdout).metadata, { kind: 'text' })
    assert.match(json.stdout, /"kind": "text"/)
    assert.match((await ctl(['pin', 'ls', cid4])).stdout, / \| Metadata: no \| /)
  })

  it('pin in direct mode', async () => {
    const cid = await kuboAddText(kubo, 'test-pin-direct')
    const add = await ctl(['pin', 'add', '--mode', 'direct', cid])
    assert.equal(add.code, 0, add.stdout + add.stderr)
    // when pin add returns (it waits 1 s and prints the status) Kubo holds a direct pin
    assert.equal(kubo.pinMode(cid), 'direct')
    assert.match((await ctl(['pin', 'ls', cid])).stdout, new RegExp(`^${cid} \\|  \\| PIN-DIRECT \\| .* \\| Direct \\| `))
    assert.equal(JSON.parse((await ctl(['--enc=json', 'pin', 'ls', cid])).stdout).mode, 'direct')
  })
})
