/**
 * ipfs-cluster-ctl health/ipfs commands (CLI spec §6.4.5–§6.4.8, sharness
 * t0032) against a fake REST API.
 */
import { afterEach, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FakeRestServer } from '../fakes/fake-rest-server.js'
import { CID1, IPFS_PEER, PEER, PEER2, PEER3 } from '../fakes/rest-fixtures.js'
import { ctl as runCtl, jsonDocuments } from '../helpers/run-ctl.js'
import type { CtlResult } from '../helpers/run-ctl.js'

const IPFS_PEER2 = '12D3KooWFBFCDQzAkQSwPZLV883pKdsmb6urQ3sMjfJHUxn5GCVv'
const OTHER_IPFS = 'QmdEtBsfumeH2V6dnx1fgn8zuW7XYjWdgJF4NEYpEBcTsg'
const NOW_MS = 1778487433000
const nowNs = BigInt(NOW_MS) * 1000000n

const SINGLE_PEER_DOT = `digraph cluster {
/* The nodes of the connectivity graph */
/* The cluster-service peers */
subgraph  {
rank="min"
C0 [label=< <B> node0 </B> <BR/> <B> 12*5s3xQb </B> > group="${PEER}" color="orange" style="filled" colorscheme="x11" fontcolor="black" fontname="Arial" shape="box3d" peripheries="2" ]
}

/* The ipfs peers */
subgraph  {
rank="max"
I0 [label=< <B> IPFS </B> <BR/> <B> 12*1QbX1a </B> > group="${IPFS_PEER}" color="turquoise3" style="filled" colorscheme="x11" fontcolor="black" fontname="Arial" shape="cylinder" ]
}

/* Edges representing active connections in the cluster */
/* The connections among cluster-service peers */

/* The connections between cluster peers and their ipfs daemons */
C0 -> I0

/* The swarm peer connections among ipfs daemons in the cluster */
}`

const THREE_PEER_DOT = `digraph cluster {
/* The nodes of the connectivity graph */
/* The cluster-service peers */
subgraph  {
rank="min"
T0 [label=< <B> node1 </B> <BR/> <B> 12*Mo4M6M </B> > group="${PEER2}" color="orange" style="filled" colorscheme="x11" fontcolor="black" fontname="Arial" shape="box3d" ]
C1 [label=< <B> node0 </B> <BR/> <B> 12*5s3xQb </B> > group="${PEER}" color="orange" style="filled" colorscheme="x11" fontcolor="black" fontname="Arial" shape="box3d" peripheries="2" ]
C2 [label=< <B>  </B> <BR/> <B> 12*9KAkaW </B> > group="${PEER3}" color="darkorange3" style="filled" colorscheme="x11" fontcolor="black" fontname="Arial" shape="box3d" ]
}

/* The ipfs peers */
subgraph  {
rank="max"
I0 [label=< <B> IPFS </B> <BR/> <B> 12*1QbX1a </B> > group="${IPFS_PEER}" color="turquoise3" style="filled" colorscheme="x11" fontcolor="black" fontname="Arial" shape="cylinder" ]
I1 [label=< <B> IPFS </B> <BR/> <B> 12*n5GCVv </B> > group="${IPFS_PEER2}" color="turquoise3" style="filled" colorscheme="x11" fontcolor="black" fontname="Arial" shape="cylinder" ]
I2 [label=< <B> IPFS </B> <BR/> <B> Errored </B> > group="${PEER3}" color="firebrick1" style="filled" colorscheme="x11" fontcolor="black" fontname="Arial" shape="cylinder" ]
}

/* Edges representing active connections in the cluster */
/* The connections among cluster-service peers */
T0 -> C1
C1 -> T0
C1 -> C2

/* The connections between cluster peers and their ipfs daemons */
T0 -> I1
C1 -> I0
C2 -> I2 [ style="dotted" ]

/* The swarm peer connections among ipfs daemons in the cluster */
I0 -> I1
I1 -> I0
}`

describe('ctl: health and ipfs commands', () => {
  let server: FakeRestServer
  let dir: string

  beforeEach(async () => {
    server = await FakeRestServer.start()
    dir = await mkdtemp(join(tmpdir(), 'ctl-health-'))
  })

  afterEach(async () => {
    await server.stop()
    await rm(dir, { recursive: true, force: true })
  })

  const ctl = async (...argv: string[]): Promise<CtlResult> => await runCtl(['--host', server.multiaddr, ...argv], { now: () => NOW_MS })

  it('health graph prints the DOT document of a single peer (t0032: C0 -> I0)', async () => {
    server.json('GET', '/health/graph', {
      cluster_id: PEER,
      id_to_peername: { [PEER]: 'node0' },
      ipfs_links: { [IPFS_PEER]: [] },
      cluster_links: { [PEER]: [] },
      cluster_trust_links: { [PEER]: false },
      cluster_to_ipfs: { [PEER]: IPFS_PEER }
    })
    const r = await ctl('health', 'graph')
    assert.deepEqual(r, { code: 0, stdout: SINGLE_PEER_DOT, stderr: '' })
    assert.ok(r.stdout.includes('C0 -> I0'))
  })

  it('health graph: trusted peers, peers without IPFS, --all-ipfs-peers, --file', async () => {
    server.json('GET', '/health/graph', {
      cluster_id: PEER,
      id_to_peername: { [PEER]: 'node0', [PEER2]: 'node1' },
      ipfs_links: { [IPFS_PEER]: [IPFS_PEER2, OTHER_IPFS], [IPFS_PEER2]: [IPFS_PEER] },
      cluster_links: { [PEER]: [PEER2, PEER3], [PEER2]: [PEER], [PEER3]: [] },
      cluster_trust_links: { [PEER]: false, [PEER2]: true, [PEER3]: false },
      cluster_to_ipfs: { [PEER]: IPFS_PEER, [PEER2]: IPFS_PEER2 }
    })
    let r = await ctl('health', 'graph')
    assert.equal(r.stdout, THREE_PEER_DOT)
    r = await ctl('health', 'graph', '--all-ipfs-peers')
    const lines = r.stdout.split('\n')
    assert.ok(lines.includes(`I2 [label=< <B> IPFS </B> <BR/> <B> Qm*EBcTsg </B> > group="${OTHER_IPFS}" color="turquoise3" style="filled" colorscheme="x11" fontcolor="black" fontname="Arial" shape="cylinder" ]`))
    assert.ok(lines.includes('C2 -> I3 [ style="dotted" ]'))
    assert.deepEqual(lines.slice(lines.indexOf('/* The swarm peer connections among ipfs daemons in the cluster */') + 1), ['I0 -> I1', 'I0 -> I2', 'I1 -> I0', '}'])

    const file = join(dir, 'graph.dot')
    r = await ctl('health', 'graph', '-f', file)
    assert.deepEqual(r, { code: 0, stdout: '', stderr: '' })
    assert.equal(await readFile(file, 'utf8'), THREE_PEER_DOT)
    r = await ctl('health', 'graph', '--file', join(dir, 'nope', 'graph.dot'))
    assert.deepEqual(r, { code: 1, stdout: '', stderr: `error creating output file: open ${join(dir, 'nope', 'graph.dot')}: no such file or directory\n` })
  })

  it('health metrics lists metric names, and prints metrics with humanised values (t0032)', async () => {
    server.json('GET', '/monitor/metrics', ['ping', 'freespace', 'tag:group', 'pinqueue'])
    const exp = (sec: number): bigint => nowNs + BigInt(sec) * 1000000000n + 123456789n
    server.on('GET', '/monitor/metrics/freespace', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(`[{"name":"freespace","peer":"${PEER}","value":"10000000000","expire":${exp(28)},"valid":true,"weight":10000000000,"partitionable":false,"received_at":${nowNs}},` +
        `{"name":"freespace","peer":"${PEER2}","value":"9800000000","expire":${exp(-130)},"valid":true,"weight":9800000000,"partitionable":false,"received_at":${nowNs}},` +
        `{"name":"freespace","peer":"${PEER3}","value":"12345","expire":${exp(3600 * 5)},"valid":true,"weight":0,"partitionable":false,"received_at":${nowNs}}]\n`)
    })
    server.json('GET', '/monitor/metrics/ping', [{ name: 'ping', peer: PEER, value: '{"peer_name":"node0"}', expire: Number(nowNs / 1000000n) * 1000000 + 500000000, valid: true, weight: 0, partitionable: false, received_at: 0 }])
    let r = await ctl('health', 'metrics')
    assert.deepEqual(r, { code: 0, stdout: 'ping\nfreespace\ntag:group\npinqueue\n', stderr: '' })
    r = await ctl('health', 'metrics', 'freespace')
    assert.equal(r.stdout, `${PEER} | freespace: 10 GB | Expires in: 28 seconds from now
${PEER2} | freespace: 9.8 GB | Expires in: 2 minutes ago
${PEER3} | freespace: 12345 | Expires in: 5 hours from now
`)
    assert.match(r.stdout.split('\n')[0], new RegExp(`^${PEER} \\| freespace: [0-9]+ (G|M|K)B \\| Expires in: [0-9]+ seconds from now`))
    r = await ctl('health', 'metrics', 'ping')
    assert.equal(r.stdout, `${PEER} | ping: {"peer_name":"node0"} | Expires in: now\n`)
    r = await ctl('--enc', 'json', 'health', 'metrics', 'freespace')
    const docs = jsonDocuments(r.stdout)
    assert.equal(docs.length, 1)
    assert.ok(r.stdout.includes(`"expire": ${exp(28)},`), 'int64 kept exact')
    r = await ctl('--enc', 'json', 'health', 'metrics')
    assert.equal(r.stdout, '[\n    "ping",\n    "freespace",\n    "tag:group",\n    "pinqueue"\n]\n')
  })

  it('health alerts and bandwidth', async () => {
    server.json('GET', '/health/alerts', [
      { name: 'ping', peer: PEER2, value: '', expire: Number(nowNs - 180n * 1000000000n), valid: true, weight: 0, partitionable: false, received_at: 0, triggered_at: new Date(NOW_MS - 150000).toISOString() }
    ])
    let r = await ctl('health', 'alerts')
    assert.deepEqual(r, { code: 0, stdout: `${PEER2}: ping. Expired at: 3 minutes ago. Triggered at: 2 minutes ago\n`, stderr: '' })
    server.json('GET', '/health/alerts', [])
    assert.deepEqual(await ctl('health', 'alerts'), { code: 0, stdout: '', stderr: '' })
    assert.deepEqual(await ctl('--enc=json', 'health', 'alerts'), { code: 0, stdout: '[]\n', stderr: '' })

    server.json('GET', '/health/bandwidth', {
      '/ipfscluster/1.0/rpc': { total_in: 123456789, total_out: 5, rate_in: 1234.5678, rate_out: 0 },
      '/ipfs/id/1.0.0': { total_in: 12345, total_out: 678, rate_in: 1.5, rate_out: 0.125 }
    })
    r = await ctl('health', 'bandwidth')
    assert.equal(r.stdout, `           /ipfs/id/1.0.0: In:   12 kB. Out:   678 B. RateIn: 1.50B/s. RateOut: 0.12B/s
     /ipfscluster/1.0/rpc: In:  124 MB. Out:     5 B. RateIn: 1234.57B/s. RateOut: 0.00B/s
`)
    server.json('GET', '/health/bandwidth', null)
    assert.deepEqual(await ctl('health', 'bandwidth'), { code: 0, stdout: '', stderr: '' })
    assert.deepEqual(await ctl('--enc', 'json', 'health', 'bandwidth'), { code: 0, stdout: 'null\n', stderr: '' })
  })

  it('ipfs gc prints keys per peer (peer names padded to 15)', async () => {
    server.json('POST', '/ipfs/gc', {
      peer_map: {
        [PEER]: { peer: PEER, peername: 'node0', keys: [{ key: CID1 }, { key: null, error: 'bad block' }] },
        [PEER2]: { peer: PEER2, peername: '', keys: [], error: 'dial backoff' }
      }
    })
    let r = await ctl('ipfs', 'gc')
    assert.deepEqual(r, {
      code: 0,
      stdout: `${PEER2} | ERROR: dial backoff\n  > CIDs:\nnode0          \n  > CIDs:\n    - ${CID1}\n    - ERROR: bad block\n`,
      stderr: ''
    })
    assert.equal(server.requests.at(-1)?.url, '/ipfs/gc?local=false')
    r = await ctl('--enc', 'json', 'ipfs', 'gc', '--local')
    assert.equal(server.requests.at(-1)?.url, '/ipfs/gc?local=true')
    assert.equal(r.stdout, `{
    "peer_map": {
        "${PEER2}": {
            "peer": "${PEER2}",
            "peername": "",
            "keys": [],
            "error": "dial backoff"
        },
        "${PEER}": {
            "peer": "${PEER}",
            "peername": "node0",
            "keys": [
                {
                    "key": "${CID1}"
                },
                {
                    "key": null,
                    "error": "bad block"
                }
            ]
        }
    }
}
`)
  })
})
