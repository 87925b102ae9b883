/**
 * sharness t0010-ctl-basic-commands.sh: ipfs-cluster-ctl without a daemon
 * (CLI spec §11.2): version, help, 120-column help text, `commands`.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox } from './helpers.js'
import type { RunResult } from './helpers.js'

function longestLine (text: string): number {
  return Math.max(0, ...text.split('\n').map((l) => [...l].length))
}

describe('t0010: ipfs-cluster-ctl basic commands', () => {
  let sb: Sandbox

  before(async () => { sb = await Sandbox.create('t0010') })
  after(async () => { await sb?.cleanup() })

  it('cluster-ctl --version succeeds', async () => {
    const r = await sb.ctl(['--version'])
    assert.deepEqual({ code: r.code, stdout: r.stdout, stderr: r.stderr }, { code: 0, stdout: 'ipfs-cluster-ctl version 1.1.6\n', stderr: '' })
  })

  it('cluster-ctl help commands succeed (--help, -h, h, help print the same help)', async () => {
    const runs = await Promise.all([['--help'], ['-h'], ['h'], ['help']].map(async (a) => await sb.ctl(a)))
    for (const r of runs) {
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stderr, '')
      assert.equal(r.stdout, runs[0].stdout)
    }
    assert.match(runs[0].stdout, /^NAME:\n {3}ipfs-cluster-ctl - CLI for IPFS Cluster\n/)
  })

  it('cluster-ctl help has 120 char limits and looks good', async () => {
    const r = await sb.ctl(['--help'])
    assert.equal(r.code, 0)
    assert.ok(longestLine(r.stdout) <= 120, `longest line ${longestLine(r.stdout)}`)
    assert.match(r.stdout, /^(usage|commands|global options)/im)
    // the headings of the v1 template, each at a line start
    for (const h of ['USAGE:', 'VERSION:', 'COMMANDS:', 'GLOBAL OPTIONS:']) {
      assert.ok(r.stdout.split('\n').includes(h), `heading ${h}`)
    }
  })

  it('cluster-ctl commands output looks good', async () => {
    const r = await sb.ctl(['commands'])
    assert.equal(r.code, 0, r.stderr)
    for (const c of ['id', 'peers', 'pin', 'status', 'recover', 'version', 'commands']) {
      assert.match(r.stdout, new RegExp(`^ipfs-cluster-ctl ${c}$`, 'm'), c)
    }
  })

  it('all cluster-ctl command docs are 120 columns or less', async () => {
    const r = await sb.ctl(['commands'])
    const lines = r.stdout.split('\n').filter((l) => l.trim() !== '')
    assert.ok(lines.length >= 20, `only ${lines.length} commands`)
    // four at a time: each is a node process
    const results: Array<[string, RunResult]> = []
    for (let i = 0; i < lines.length; i += 4) {
      const batch = lines.slice(i, i + 4)
      results.push(...await Promise.all(batch.map(async (l): Promise<[string, RunResult]> => {
        const args = l.split(' ').slice(1)
        return [l, await sb.ctl([...args, '--help'])]
      })))
    }
    for (const [l, h] of results) {
      assert.equal(h.code, 0, `${l} --help: ${h.stderr}`)
      assert.notEqual(h.stdout, '', `${l} --help printed nothing`)
      assert.ok(longestLine(h.stdout) <= 120, `${l} --help: longest line ${longestLine(h.stdout)}`)
    }
  })
})
