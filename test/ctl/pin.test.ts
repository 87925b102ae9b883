/**
 * ipfs-cluster-ctl against a fake REST API: the example session of CLI
 * spec §6.4.10, pin/unpin/update with status and --wait (sharness t0025,
 * t0030), status/recover, streams and API errors.
 */
import { afterEach, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FakeRestServer, sendError, sendJSON, sendStream } from '../fakes/fake-rest-server.js'
import { CID1, CID2, CID3, gpi, ID_NODE0_TEXT, idNode0, IPFS_PEER, PEER, PEER2, PEER3, storedPin, submittedPin } from '../fakes/rest-fixtures.js'
import { ctl as runCtl, jsonDocuments } from '../helpers/run-ctl.js'
import type { CtlResult } from '../helpers/run-ctl.js'
import type { RecordedRequest } from '../fakes/fake-rest-server.js'

describe('ctl: pins and status', () => {
  let server: FakeRestServer

  beforeEach(async () => {
    server = await FakeRestServer.start()
  })

  afterEach(async () => {
    await server.stop()
  })

  const ctl = async (...argv: string[]): Promise<CtlResult> => await runCtl(['--host', server.multiaddr, ...argv])

  it('id and peers ls print the ID block (example session)', async () => {
    server.json('GET', '/id', idNode0())
    server.stream('GET', '/peers', [idNode0()])
    assert.deepEqual(await ctl('id'), { code: 0, stdout: ID_NODE0_TEXT, stderr: '' })
    assert.deepEqual(await ctl('peers', 'ls'), { code: 0, stdout: ID_NODE0_TEXT, stderr: '' })
    const json = await ctl('--enc=json', 'peers', 'ls')
    assert.equal(jsonDocuments(json.stdout).length, 1)
  })

  it('prints the ID as 4-space JSON in the Go key order', async () => {
    server.json('GET', '/id', idNode0())
    const r = await ctl('--enc', 'json', 'id')
    assert.deepEqual(r, {
      code: 0,
      stderr: '',
      stdout: `{
    "id": "${PEER}",
    "addresses": [
        "/ip4/172.17.0.2/tcp/9096/p2p/${PEER}",
        "/ip4/127.0.0.1/tcp/9096/p2p/${PEER}"
    ],
    "cluster_peers": [
        "${PEER}"
    ],
    "cluster_peers_addresses": [],
    "version": "1.1.6",
    "commit": "",
    "rpc_protocol_version": "/ipfscluster/1.0/rpc",
    "error": "",
    "ipfs": {
        "id": "${IPFS_PEER}",
        "addresses": [
            "/ip4/127.0.0.1/tcp/4001/p2p/${IPFS_PEER}"
        ],
        "error": ""
    },
    "peername": "node0"
}
`
    })
  })

  it('prints peer errors and IPFS errors in the ID block', async () => {
    server.stream('GET', '/peers', [
      { id: PEER2, error: 'context deadline exceeded', ipfs: { addresses: null, error: '' } },
      { ...idNode0(), cluster_peers: [PEER, PEER2, PEER3], ipfs: { addresses: null, error: 'dial tcp 127.0.0.1:5001: connect: connection refused' } }
    ])
    const r = await ctl('peers', 'ls')
    assert.equal(r.stdout, `${PEER2} | ERROR: context deadline exceeded
${PEER} | node0 | Sees 2 other peers
  > Addresses:
    - /ip4/127.0.0.1/tcp/9096/p2p/${PEER}
    - /ip4/172.17.0.2/tcp/9096/p2p/${PEER}
  > IPFS ERROR: dial tcp 127.0.0.1:5001: connect: connection refused
`)
  })

  it('pin add, pin ls, pin rm (example session) and t0030 checks', async () => {
    server.on('POST', `/pins/ipfs/${CID1}`, (_req, res) => { sendJSON(res, 200, submittedPin(CID1)) })
    server.json('GET', `/pins/${CID1}`, gpi(CID1, 'pinned'))
    server.stream('GET', '/allocations', [storedPin(CID1)])
    let r = await ctl('pin', 'add', CID1)
    assert.deepEqual(r, { code: 0, stdout: `${CID1}:\n    > node0                : PINNED | 2026-05-11T10:20:01.402917Z | Attempts: 0 | Priority: false\n`, stderr: '' })
    assert.deepEqual(server.requests.map((q) => `${q.method} ${q.url}`), [
      `POST /pins/ipfs/${CID1}?mode=recursive&name=&replication-max=0&replication-min=0&shard-size=0&user-allocations=`,
      `GET /pins/${CID1}?local=false`
    ])
    r = await ctl('pin', 'ls')
    assert.deepEqual(r, { code: 0, stdout: `${CID1} |  | PIN | Repl. Factor: -1 | Allocations: [everywhere] | Recursive | Metadata: no | Exp: ∞ | Added: 2026-05-11 10:20:00\n`, stderr: '' })
    assert.equal(server.requests.at(-1)?.url, '/allocations?filter=all')

    server.on('DELETE', `/pins/ipfs/${CID1}`, (_req, res) => { sendJSON(res, 200, storedPin(CID1)) })
    server.json('GET', `/pins/${CID1}`, gpi(CID1, 'unpinned', { timestamp: '2026-05-11T10:22:13.004Z' }))
    server.on('GET', `/allocations/${CID1}`, (_req, res) => { sendError(res, 404, 'pin is not part of the pinset') })
    r = await ctl('pin', 'rm', CID1)
    assert.deepEqual(r, { code: 0, stdout: `${CID1}:\n    > node0                : UNPINNED | 2026-05-11T10:22:13.004Z | Attempts: 0 | Priority: false\n`, stderr: '' })
    r = await ctl('pin', 'ls', CID1)
    assert.deepEqual(r, { code: 2, stdout: 'An error occurred:\n  Code: 404\n  Message: pin is not part of the pinset\n', stderr: '' })
    assert.ok(!r.stdout.includes(CID1))
    r = await ctl('status', CID1)
    assert.match(r.stdout, /unpinned/i)
  })

  it('pin add with options builds the query and pin ls shows them (example session)', async () => {
    const pin = storedPin(CID2, { name: 'docs', mode: 'direct', max_depth: 0, replication_factor_min: 1, replication_factor_max: 2, allocations: [PEER], metadata: { kind: 'text' }, timestamp: '2026-05-11T10:21:07Z' })
    server.on('POST', `/pins/ipfs/${CID2}`, (_req, res) => { sendJSON(res, 200, pin) })
    server.json('GET', `/pins/${CID2}`, gpi(CID2, 'pinned', { name: 'docs' }))
    server.json('GET', `/allocations/${CID2}`, pin)
    let r = await ctl('pin', 'add', '--name', 'docs', '--rmin', '1', '--rmax', '2', '--metadata', 'kind=text', '--mode', 'direct', CID2)
    assert.equal(r.code, 0)
    assert.equal(r.stdout, `${CID2} | docs:\n    > node0                : PINNED | 2026-05-11T10:20:01.402917Z | Attempts: 0 | Priority: false\n`)
    assert.equal(server.requests[0].rawQuery, 'meta-kind=text&mode=direct&name=docs&replication-max=2&replication-min=1&shard-size=0&user-allocations=')
    r = await ctl('pin', 'ls', CID2)
    assert.equal(r.stdout, `${CID2} | docs | PIN-DIRECT | Repl. Factor: 1--2 | Allocations: [${PEER}] | Direct | Metadata: yes | Exp: ∞ | Added: 2026-05-11 10:21:07\n`)
    r = await ctl('--enc=json', 'pin', 'ls', CID2)
    const doc = jsonDocuments(r.stdout)[0] as Record<string, unknown>
    assert.deepEqual(doc.metadata, { kind: 'text' })
    assert.equal(doc.mode, 'direct')
    assert.equal(doc.cid, CID2)
  })

  it('passes replication, allocations and expiry options', async () => {
    server.on('POST', /^\/pins\/ipfs\//, (_req, res) => { sendJSON(res, 200, submittedPin(CID1, { replication_factor_min: 1, replication_factor_max: 1 })) })
    const t0 = Date.now()
    const r = await ctl('pin', 'add', '-r', '1', '--rmin', '3', '--allocations', ` ${PEER} , ${PEER2}`, '--expire-in', '1h', '--no-status', CID1)
    assert.equal(r.code, 0)
    const q = server.requests[0].query
    assert.equal(q.get('replication-min'), '1')
    assert.equal(q.get('replication-max'), '1')
    assert.equal(q.get('user-allocations'), `${PEER},${PEER2}`)
    const exp = Date.parse(q.get('expire-at') ?? '')
    assert.ok(exp >= t0 + 3600_000 - 1000 && exp <= Date.now() + 3600_000 + 1000, `expire-at ${q.get('expire-at') ?? ''}`)
    // --no-status prints the returned pin and fetches nothing else
    assert.equal(server.requests.length, 1)
    assert.equal(r.stdout, `${CID1} |  | PIN | Repl. Factor: 1--1 | Allocations: [] | Recursive | Metadata: no | Exp: ∞ | Added: 2026-05-11 10:20:00\n`)
  })

  it('pin rm --no-status prints the removed pin (text and JSON)', async () => {
    server.on('DELETE', `/pins/ipfs/${CID1}`, (_req, res) => { sendJSON(res, 200, storedPin(CID1)) })
    let r = await ctl('pin', 'rm', '--ns', CID1)
    assert.deepEqual(r, { code: 0, stdout: `${CID1} |  | PIN | Repl. Factor: -1 | Allocations: [everywhere] | Recursive | Metadata: no | Exp: ∞ | Added: 2026-05-11 10:20:00\n`, stderr: '' })
    r = await ctl('--enc=json', 'pin', 'rm', '--no-status', CID1)
    assert.equal(r.stdout, `{
    "replication_factor_min": -1,
    "replication_factor_max": -1,
    "name": "",
    "mode": "recursive",
    "shard_size": 0,
    "user_allocations": null,
    "expire_at": "0001-01-01T00:00:00Z",
    "metadata": null,
    "pin_update": null,
    "origins": [],
    "cid": "${CID1}",
    "type": "pin",
    "allocations": [],
    "max_depth": -1,
    "reference": null,
    "timestamp": "2026-05-11T10:20:00Z"
}
`)
    assert.equal(server.requests.length, 2)
  })

  it('pins IPFS paths and shows the resolved CID (t0030 paths)', async () => {
    const path = `/ipfs/${CID3}/test2/test3.txt`
    server.on('POST', `/pins${path}`, (_req, res) => { sendJSON(res, 200, submittedPin(CID1)) })
    server.on('DELETE', `/pins${path}`, (_req, res) => { sendJSON(res, 200, storedPin(CID1)) })
    server.json('GET', `/pins/${CID1}`, gpi(CID1, 'unpinned'))
    let r = await ctl('pin', 'add', path)
    assert.equal(r.code, 0)
    r = await ctl('pin', 'rm', path)
    assert.equal(r.stdout.split(/\s/)[0], `${CID1}:`)
    assert.equal(server.requests.filter((q) => q.path === `/pins${path}`).length, 2)
  })

  it('pin update sends pin-update and the new path', async () => {
    server.on('POST', `/pins/ipfs/${CID2}`, (_req, res) => { sendJSON(res, 200, submittedPin(CID2, { pin_update: CID1 })) })
    server.json('GET', `/pins/${CID2}`, gpi(CID2, 'pinned'))
    const r = await ctl('pin', 'update', '--name', 'new', CID1, CID2)
    assert.equal(r.code, 0)
    assert.equal(server.requests[0].rawQuery, `mode=recursive&name=new&pin-update=${CID1}&replication-max=0&replication-min=0&shard-size=0&user-allocations=`)
    assert.match(r.stdout, /: PINNED \|/)
  })

  it('--wait polls the status until pinned (t0030 wait)', async () => {
    server.on('POST', `/pins/ipfs/${CID1}`, (_req, res) => { sendJSON(res, 200, submittedPin(CID1)) })
    let polls = 0
    server.on('GET', `/pins/${CID1}`, (_req, res) => {
      polls++
      sendJSON(res, 200, gpi(CID1, polls < 3 ? 'pinning' : 'pinned'))
    })
    const r = await ctl('pin', 'add', '--wait', '--wait-timeout', '2s', CID1)
    assert.equal(r.code, 0)
    assert.equal(polls, 3)
    assert.match(r.stdout, /PINNED/)
    assert.ok(!r.stdout.includes('PINNING'))
  })

  it('--wait for unpin reaches unpinned; remote peers count as pinned', async () => {
    server.on('DELETE', `/pins/ipfs/${CID1}`, (_req, res) => { sendJSON(res, 200, storedPin(CID1)) })
    let polls = 0
    server.on('GET', `/pins/${CID1}`, (_req, res) => {
      polls++
      sendJSON(res, 200, gpi(CID1, polls < 2 ? 'unpinning' : 'unpinned'))
    })
    let r = await ctl('pin', 'rm', '--wait', CID1)
    assert.equal(r.code, 0)
    assert.match(r.stdout, /UNPINNED/)

    server.on('POST', `/pins/ipfs/${CID2}`, (_req, res) => { sendJSON(res, 200, submittedPin(CID2)) })
    server.json('GET', `/pins/${CID2}`, gpi(CID2, 'pinned', { peers: [[PEER, { peername: 'node0' }], [PEER2, { peername: 'node1', status: 'remote' }]] }))
    r = await ctl('pin', 'add', '-w', CID2)
    assert.equal(r.code, 0)
    // sorted by peer ID: PEER2 (12D3KooWG…) before PEER (12D3KooWL…)
    assert.equal(r.stdout, `${CID2}:
    > node1                : REMOTE | 2026-05-11T10:20:01.402917Z | Attempts: 0 | Priority: false
    > node0                : PINNED | 2026-05-11T10:20:01.402917Z | Attempts: 0 | Priority: false
`)
  })

  it('--wait-limit / replication_factor_min limit how many peers must reach the status', async () => {
    const twoPeers = (a: string, b: string): Record<string, unknown> => gpi(CID1, a, { peers: [[PEER, { peername: 'a', status: a }], [PEER2, { peername: 'b', status: b }]] })
    server.on('POST', `/pins/ipfs/${CID1}`, (_req, res) => { sendJSON(res, 200, submittedPin(CID1, { replication_factor_min: 1, replication_factor_max: 2 })) })
    server.json('GET', `/pins/${CID1}`, twoPeers('pinned', 'pinning'))
    // rmin 1 from the pin: one pinned peer is enough
    let r = await ctl('pin', 'add', '-w', CID1)
    assert.equal(r.code, 0)
    // an explicit --wait-limit 2 is not satisfied before the timeout: exit 62
    const t0 = Date.now()
    r = await ctl('pin', 'add', '-w', '--wl', '2', '--wt', '1100ms', CID1)
    assert.deepEqual(r, { code: 62, stdout: '', stderr: 'error waiting for pin status: context deadline exceeded\n' })
    assert.ok(Date.now() - t0 >= 1000)
    // --wait-limit without --wait does nothing
    r = await ctl('pin', 'add', '--wl', '2', CID1)
    assert.equal(r.code, 0)
  })

  it('--wait reports failing status requests as a local error', async () => {
    server.on('POST', `/pins/ipfs/${CID1}`, (_req, res) => { sendJSON(res, 200, submittedPin(CID1)) })
    server.on('GET', `/pins/${CID1}`, (_req, res) => { sendError(res, 500, 'boom') })
    assert.deepEqual(await ctl('pin', 'add', '--wait', CID1), { code: 1, stdout: '', stderr: 'error waiting for pin status: boom\n' })
  })

  it('--wait fails at once when a peer reports an error status', async () => {
    server.on('POST', `/pins/ipfs/${CID1}`, (_req, res) => { sendJSON(res, 200, submittedPin(CID1)) })
    server.json('GET', `/pins/${CID1}`, gpi(CID1, 'pin_error', { peers: [[PEER, { peername: 'node0', error: 'context deadline exceeded' }]] }))
    const r = await ctl('pin', 'add', '--wait', CID1)
    assert.deepEqual(r, { code: 1, stdout: '', stderr: 'error waiting for pin status: error has occurred while attempting to reach status: pinned\n' })
  })

  it('status: one CID, several CIDs, all (with filter and --local), errors in entries', async () => {
    server.json('GET', `/pins/${CID1}`, gpi(CID1, 'pin_error', {
      name: 'myname',
      peers: [
        [PEER2, { peername: 'peer-a' }],
        [PEER, { peername: '', status: 'pin_error', error: 'context deadline exceeded', timestamp: '2026-05-11T08:18:00Z', attempt_count: 3, priority_pin: true }]
      ]
    }))
    let r = await ctl('status', CID1)
    assert.equal(r.stdout, `${CID1} | myname:
    > peer-a               : PIN_ERROR | 2026-05-11T10:20:01.402917Z | Attempts: 0 | Priority: false
    > ${PEER} : PIN_ERROR: context deadline exceeded | 2026-05-11T08:18:00Z | Attempts: 3 | Priority: true
`)
    server.stream('GET', '/pins', [gpi(CID1, 'pinned'), gpi(CID2, 'pinned')])
    r = await ctl('status', CID1, CID2, '--local')
    assert.equal(r.code, 0)
    assert.equal(server.requests.at(-1)?.url, `/pins?local=true&filter=&cids=${CID1},${CID2}`)
    r = await ctl('status', '--filter', 'pinned,bogus')
    assert.equal(server.requests.at(-1)?.url, '/pins?local=false&filter=pinned&cids=')
    assert.equal(r.stdout.split('\n').filter((l) => l.endsWith(':')).length, 2)
    r = await ctl('status', '--filter', 'queued')
    assert.equal(server.requests.at(-1)?.url, '/pins?local=false&filter=queued&cids=')
  })

  it('empty status and recover succeed and print nothing (t0025)', async () => {
    server.stream('GET', '/pins', [])
    server.stream('POST', '/pins/recover', [])
    server.stream('GET', '/allocations', [])
    for (const argv of [['status'], ['recover'], ['pin', 'ls'], ['--enc=json', 'status']]) {
      assert.deepEqual(await ctl(...argv), { code: 0, stdout: '', stderr: '' }, argv.join(' '))
    }
    assert.deepEqual(server.requests.map((q) => `${q.method} ${q.url}`), [
      'GET /pins?local=false&filter=&cids=',
      'POST /pins/recover?local=false',
      'GET /allocations?filter=all',
      'GET /pins?local=false&filter=&cids='
    ])
  })

  it('recover one CID and all', async () => {
    server.json('POST', `/pins/${CID1}/recover`, gpi(CID1, 'pinning'))
    server.stream('POST', '/pins/recover', [gpi(CID1, 'pinning'), gpi(CID2, 'pinning')])
    let r = await ctl('recover', '--local', CID1)
    assert.equal(r.stdout, `${CID1}:\n    > node0                : PINNING | 2026-05-11T10:20:01.402917Z | Attempts: 0 | Priority: false\n`)
    assert.equal(server.requests.at(-1)?.url, `/pins/${CID1}/recover?local=true`)
    r = await ctl('--enc', 'json', 'recover')
    assert.equal(jsonDocuments(r.stdout).length, 2)
  })

  it('pin ls --filter builds the type filter', async () => {
    server.stream('GET', '/allocations', [])
    await ctl('pin', 'ls', '--filter', 'pin,meta-pin')
    await ctl('pin', 'ls', '--filter', 'shard-pin')
    await ctl('pin', 'ls', '--filter', 'bogus')
    assert.deepEqual(server.requests.map((q: RecordedRequest) => q.url), [
      '/allocations?filter=pin%2Cmeta-pin',
      '/allocations?filter=shard-pin',
      '/allocations?filter='
    ])
  })

  it('prints stream items then the trailer error (exit 2)', async () => {
    server.stream('GET', '/allocations', [storedPin(CID1), storedPin(CID2)], ['error reading the state'])
    let r = await ctl('pin', 'ls')
    assert.equal(r.code, 2)
    assert.equal(r.stdout, `${CID1} |  | PIN | Repl. Factor: -1 | Allocations: [everywhere] | Recursive | Metadata: no | Exp: ∞ | Added: 2026-05-11 10:20:00
${CID2} |  | PIN | Repl. Factor: -1 | Allocations: [everywhere] | Recursive | Metadata: no | Exp: ∞ | Added: 2026-05-11 10:20:00
An error occurred:
  Code: 500
  Message: error reading the state
`)
    r = await ctl('--enc=json', 'pin', 'ls')
    assert.equal(r.code, 2)
    const docs = jsonDocuments(r.stdout)
    assert.equal(docs.length, 3)
    assert.deepEqual(docs[2], { code: 500, message: 'error reading the state' })
  })

  it('peers rm: no output on success; API errors exit 2', async () => {
    server.on('DELETE', `/peers/${PEER2}`, (_req, res) => { res.writeHead(204); res.end() })
    server.on('DELETE', `/peers/${PEER3}`, (_req, res) => { sendError(res, 500, 'crdt consensus component cannot remove peers') })
    assert.deepEqual(await ctl('peers', 'rm', PEER2), { code: 0, stdout: '', stderr: '' })
    assert.deepEqual(await ctl('peers', 'rm', PEER3), { code: 2, stdout: 'An error occurred:\n  Code: 500\n  Message: crdt consensus component cannot remove peers\n', stderr: '' })
  })

  it('version prints the server version', async () => {
    server.json('GET', '/version', { version: '1.1.6+git2182e887ef378f906455784396f1011df968822c' })
    assert.deepEqual(await ctl('version'), { code: 0, stdout: '1.1.6+git2182e887ef378f906455784396f1011df968822c\n', stderr: '' })
    assert.deepEqual(await ctl('--enc', 'json', 'version'), { code: 0, stdout: '{\n    "version": "1.1.6+git2182e887ef378f906455784396f1011df968822c"\n}\n', stderr: '' })
  })

  it('--debug logs requests and response bodies on stderr', async () => {
    server.json('GET', '/version', { version: '1.1.6' })
    const r = await ctl('--debug', 'version')
    assert.equal(r.stdout, '1.1.6\n')
    assert.match(r.stderr, /\tDEBUG\tapiclient\tRequest: GET http:\/\/127\.0\.0\.1:\d+\/version\n/)
    assert.match(r.stderr, /\tDEBUG\tapiclient\tResponse body: \{"version":"1\.1\.6"\}\n/)
    assert.equal((await ctl('version')).stderr, '')
  })

  it('--timeout bounds each request', async () => {
    server.on('GET', '/version', async () => { await new Promise((resolve) => setTimeout(resolve, 3000)) })
    const t0 = Date.now()
    const r = await ctl('--timeout', '1', 'version')
    assert.equal(r.code, 1)
    assert.match(r.stdout, /Code: 0\n {2}Message: Get ".*\/version": context deadline exceeded \(Client\.Timeout exceeded while awaiting headers\)\n$/)
    assert.ok(Date.now() - t0 < 2500)
  })

  it('fails over to the next --host on transport errors', async () => {
    server.json('GET', '/id', idNode0())
    const r = await runCtl(['--host', `/ip4/127.0.0.1/tcp/1,${server.multiaddr}`, 'id'])
    assert.deepEqual(r, { code: 0, stdout: ID_NODE0_TEXT, stderr: '' })
  })

  it('accepts DNS and unix-socket endpoints', async () => {
    server.json('GET', '/id', idNode0())
    assert.deepEqual(await runCtl(['--host', `/dns4/localhost/tcp/${server.port}`, 'id']), { code: 0, stdout: ID_NODE0_TEXT, stderr: '' })
    const dir = await mkdtemp(join(tmpdir(), 'ctl-sock-'))
    const unix = await FakeRestServer.start({ socketPath: join(dir, 'api.sock') })
    try {
      unix.json('GET', '/id', idNode0())
      assert.deepEqual(await runCtl(['--host', unix.multiaddr, 'id']), { code: 0, stdout: ID_NODE0_TEXT, stderr: '' })
    } finally {
      await unix.stop()
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('uses ipfs_peer_id-less entries and sorts peers by ID', async () => {
    server.json('GET', `/pins/${CID1}`, {
      cid: CID1,
      name: '',
      allocations: [],
      origins: [],
      created: '2026-05-11T10:20:00Z',
      metadata: null,
      peer_map: {
        [PEER3]: { peername: 'zzz', status: 'remote', timestamp: '2026-05-11T10:20:00+02:00', error: '', attempt_count: 0, priority_pin: false },
        [PEER2]: { peername: 'aaa', ipfs_peer_id: IPFS_PEER, status: 'pinned', timestamp: '2026-05-11T10:20:00.100000Z', error: '', attempt_count: 1, priority_pin: false }
      }
    })
    const r = await ctl('status', CID1)
    assert.equal(r.stdout, `${CID1}:
    > aaa                  : PINNED | 2026-05-11T10:20:00.1Z | Attempts: 1 | Priority: false
    > zzz                  : REMOTE | 2026-05-11T10:20:00+02:00 | Attempts: 0 | Priority: false
`)
  })

  it('prints JSON with 4 spaces in the Go key order, one document per streamed item', async () => {
    server.json('GET', `/pins/${CID1}`, gpi(CID1, 'pinned'))
    server.stream('GET', '/allocations', [storedPin(CID1), storedPin(CID2)])
    let r = await ctl('--enc', 'json', 'status', CID1)
    assert.equal(r.stdout, `{
    "cid": "${CID1}",
    "name": "",
    "allocations": [],
    "origins": [],
    "created": "2026-05-11T10:20:00Z",
    "metadata": null,
    "peer_map": {
        "${PEER}": {
            "peername": "node0",
            "ipfs_peer_id": "${IPFS_PEER}",
            "status": "pinned",
            "timestamp": "2026-05-11T10:20:01.402917Z",
            "error": "",
            "attempt_count": 0,
            "priority_pin": false
        }
    }
}
`)
    r = await ctl('--enc', 'json', 'pin', 'ls')
    const docs = jsonDocuments(r.stdout)
    assert.equal(docs.length, 2)
    assert.equal(r.stdout.split('\n')[0], '{')
    assert.equal(r.stdout.split('\n')[1], '    "replication_factor_min": -1,')
    assert.deepEqual(Object.keys(docs[0] as object), ['replication_factor_min', 'replication_factor_max', 'name', 'mode', 'shard_size', 'user_allocations', 'expire_at', 'metadata', 'pin_update', 'origins', 'cid', 'type', 'allocations', 'max_depth', 'reference', 'timestamp'])
    // pin ls JSON cid is a plain string (t0030)
    assert.equal((docs[0] as { cid: string }).cid, CID1)
  })

  it('pin status after pin add fails like any API call', async () => {
    server.on('POST', `/pins/ipfs/${CID1}`, (_req, res) => { sendJSON(res, 200, submittedPin(CID1)) })
    server.on('GET', `/pins/${CID1}`, (_req, res) => { sendError(res, 500, 'boom') })
    assert.deepEqual(await ctl('pin', 'add', CID1), { code: 2, stdout: 'An error occurred:\n  Code: 500\n  Message: boom\n', stderr: '' })
  })

  it('streams big listings without buffering them', async () => {
    const n = 2000
    server.on('GET', '/allocations', async (_req, res) => {
      await sendStream(res, Array.from({ length: n }, () => storedPin(CID1)))
    })
    const r = await ctl('pin', 'ls')
    assert.equal(r.stdout.split('\n').length, n + 1)
  })
})
