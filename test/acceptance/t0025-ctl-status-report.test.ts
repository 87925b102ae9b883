/**
 * sharness t0025-ctl-status-report-commands.sh (CLI spec §11.2): id, peers,
 * status, recover and pin ls on a fresh single crdt peer.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { jsonDocuments } from '../helpers/run-ctl.js'
import { readJson, Sandbox } from './helpers.js'
import type { RunResult } from './helpers.js'

describe('t0025: ipfs-cluster-ctl status and report commands', () => {
  let sb: Sandbox
  let folder: string
  let host: string
  let ctl: (args: string[]) => Promise<RunResult>

  before(async () => {
    sb = await Sandbox.create('t0025')
    const kubo = await sb.kubo()
    folder = sb.path('test-config')
    await sb.init(folder, { args: ['--ipfs-api', kubo.apiMultiaddr] })
    const daemon = await sb.daemon(folder)
    host = await daemon.host()
    ctl = async (args) => await sb.ctl(['--host', host, ...args])
  })
  after(async () => { await sb?.cleanup() })

  it('cluster-ctl can read id', async () => {
    const id = (await readJson(`${folder}/identity.json`)).id as string
    const r = await ctl(['id'])
    assert.equal(r.code, 0)
    assert.ok(r.stdout.startsWith(`${id} | `), r.stdout)
    assert.match(r.stdout.split('\n')[0], / \| Sees 0 other peers$/)
  })

  it('cluster-ctl list 1 peer', async () => {
    const r = await ctl(['--enc=json', 'peers', 'ls'])
    assert.equal(r.code, 0)
    assert.equal(jsonDocuments(r.stdout).length, 1)
  })

  it('cluster-ctl peers add does not exist (with or without an ID): exit 3', async () => {
    for (const args of [['peers', 'add'], ['peers', 'add', 'XXXinvalid-peerXXX']]) {
      const r = await ctl(args)
      assert.deepEqual({ code: r.code, stderr: r.stderr }, { code: 3, stderr: "No help topic for 'add'\n" })
    }
  })

  it('cluster-ctl peers rm needs a valid peer id: exit 1', async () => {
    const none = await ctl(['peers', 'rm'])
    assert.equal(none.code, 1)
    assert.match(none.stderr, /^error parsing peer ID: /)
    const bad = await ctl(['peers', 'rm', 'XXXinvalid-peerXXX'])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /^error parsing peer ID: /)
  })

  it('empty cluster-ctl status succeeds and prints nothing', async () => {
    const r = await ctl(['status'])
    assert.deepEqual({ code: r.code, stdout: r.stdout, stderr: r.stderr }, { code: 0, stdout: '', stderr: '' })
  })

  it('invalid CID status fails', async () => {
    const r = await ctl(['status', 'XXXinvalid-CIDXXX'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^error parsing cid: /)
  })

  it('empty cluster-ctl recover does not fail', async () => {
    const r = await ctl(['recover'])
    assert.deepEqual({ code: r.code, stdout: r.stdout }, { code: 0, stdout: '' })
  })

  it('pin ls succeeds; pin ls on an invalid CID fails', async () => {
    const ok = await ctl(['pin', 'ls'])
    assert.deepEqual({ code: ok.code, stdout: ok.stdout }, { code: 0, stdout: '' })
    const bad = await ctl(['pin', 'ls', 'XXXinvalid-CIDXXX'])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /^error parsing cid: /)
  })
})
