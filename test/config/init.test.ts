import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { defaultServiceJSON, initPeerFolder, loadConfig, readPeerstore } from '../../src/config/index.js'
import { SECRET, TempDirs } from './helpers.js'

const dirs = new TempDirs()
after(async () => { await dirs.cleanup() })

// the two addresses of sharness t0021
const A1 = '/ip4/192.168.0.129/tcp/9196/p2p/12D3KooWRN8KRjpyg9rsW2w7StbBRGper65psTZm68cjud9KAkaW'
const A2 = '/ip4/192.168.0.129/tcp/9196/p2p/12D3KooWPwrYNj7VficHw5qYidepMGA85756kYgMdNmRM9A1ZHjN'
const ID1 = '12D3KooWRN8KRjpyg9rsW2w7StbBRGper65psTZm68cjud9KAkaW'
const ID2 = '12D3KooWPwrYNj7VficHw5qYidepMGA85756kYgMdNmRM9A1ZHjN'

async function mode (path: string): Promise<number> {
  return (await stat(path)).mode & 0o777
}

async function initError (opts: Parameters<typeof initPeerFolder>[0]): Promise<{ doing?: string, message: string }> {
  try {
    await initPeerFolder(opts)
  } catch (err) {
    assert.equal((err as Error).name, 'ConfigError')
    return { doing: (err as { doing?: string }).doing, message: (err as Error).message }
  }
  throw new Error('init did not fail')
}

describe('initPeerFolder', () => {
  it('writes service.json, identity.json and an empty peerstore', async () => {
    const folder = join(await dirs.make(), 'cfg')
    const res = await initPeerFolder({ folder, env: {}, peername: 'node0' })
    const configPath = join(folder, 'service.json')
    const identityPath = join(folder, 'identity.json')
    const peerstorePath = join(folder, 'peerstore')
    assert.deepEqual(res.messages, [
      `configuration written to ${configPath}.`,
      `new identity written to ${identityPath}`,
      `new empty peerstore written to ${peerstorePath}.`
    ])
    assert.equal(res.configPath, configPath)
    assert.equal(res.identityCreated, true)
    assert.equal(res.peerstoreEntries, 0)
    assert.equal(await mode(folder), 0o700)
    assert.equal(await mode(configPath), 0o600)
    assert.equal(await mode(identityPath), 0o600)
    assert.equal(await readFile(peerstorePath, 'utf8'), '')
    const text = await readFile(configPath, 'utf8')
    const secret = JSON.parse(text).cluster.secret as string
    assert.equal(text, defaultServiceJSON({ peername: 'node0', secret }))
    const ident = JSON.parse(await readFile(identityPath, 'utf8'))
    assert.equal(ident.id, res.identity?.id)
    // what init wrote loads back
    const loaded = await loadConfig({ folder, env: {} })
    assert.equal(loaded.identity.id, res.identity?.id)
    assert.equal(loaded.config.cluster.peername, 'node0')
  })

  it('never regenerates an existing identity', async () => {
    const folder = await dirs.make()
    const first = await initPeerFolder({ folder, env: {} })
    const before = await readFile(join(folder, 'identity.json'), 'utf8')
    const second = await initPeerFolder({ folder, env: {}, consensus: 'raft' })
    assert.equal(second.identityCreated, false)
    assert.equal(second.identity, undefined)
    assert.equal(await readFile(join(folder, 'identity.json'), 'utf8'), before)
    assert.equal(second.messages.length, 2)
    assert.ok(!second.messages.some((m) => m.startsWith('new identity')))
    assert.ok(first.identityCreated)
    assert.ok(JSON.parse(await readFile(join(folder, 'service.json'), 'utf8')).consensus.raft != null)
  })

  it('--peers: trusted peers, raft init_peerset and peerstore lines', async () => {
    const folder = await dirs.make()
    const res = await initPeerFolder({ folder, env: {}, peers: `${A1}, ${A2}` })
    const peerstorePath = join(folder, 'peerstore')
    assert.equal(res.messages[2], `peerstore written to ${peerstorePath} with 2 entries.`)
    assert.equal(await readFile(peerstorePath, 'utf8'), `${A1}\n${A2}\n`)
    assert.deepEqual(await readPeerstore(peerstorePath), [A1, A2])
    const doc = JSON.parse(await readFile(join(folder, 'service.json'), 'utf8'))
    assert.deepEqual(doc.consensus.crdt.trusted_peers, [ID1, ID2])

    const raftFolder = await dirs.make()
    await initPeerFolder({ folder: raftFolder, env: {}, consensus: 'raft', peers: [A1, A2, `/ipfs/${ID1}`] })
    const raft = JSON.parse(await readFile(join(raftFolder, 'service.json'), 'utf8'))
    assert.deepEqual(raft.consensus.raft.init_peerset, [ID1, ID2])
    // the bare /p2p/ address is dropped from the peerstore but counted
    assert.equal(await readFile(join(raftFolder, 'peerstore'), 'utf8'), `${A1}\n${A2}\n`)
  })

  it('takes the peer list from CLUSTER_PEERS unless --peers is given', async () => {
    const folder = await dirs.make()
    const res = await initPeerFolder({ folder, env: { CLUSTER_PEERS: A2 } })
    assert.equal(res.peerstoreEntries, 1)
    assert.deepEqual(res.peerstoreLines, [A2])
    const flagWins = await initPeerFolder({ folder: await dirs.make(), env: { CLUSTER_PEERS: A2 }, peers: A1 })
    assert.deepEqual(flagWins.peerstoreLines, [A1])
  })

  it('fails on bad peer addresses with the reference context', async () => {
    assert.deepEqual(await initError({ folder: await dirs.make(), env: {}, peers: '/ip4/1.2.3/tcp/1' }), {
      doing: 'parsing peer multiaddress: /ip4/1.2.3/tcp/1',
      message: 'failed to parse multiaddr "/ip4/1.2.3/tcp/1": Invalid IPv4 address "1.2.3"'
    })
    const folder = await dirs.make()
    assert.deepEqual(await initError({ folder, env: {}, peers: `${A1},/ip4/1.2.3.4/tcp/1` }), {
      doing: 'getting AddrInfos from peer multiaddresses',
      message: 'invalid p2p multiaddr: /ip4/1.2.3.4/tcp/1'
    })
    // service.json and identity.json were written before the peerstore step
    await stat(join(folder, 'service.json'))
    await stat(join(folder, 'identity.json'))
  })

  it('bakes the environment into the file; env errors carry their context', async () => {
    const folder = await dirs.make()
    await initPeerFolder({ folder, env: { CLUSTER_PEERNAME: 'cluster0', CLUSTER_SECRET: SECRET, CLUSTER_MONITORPINGINTERVAL: '2s', CLUSTER_PEERSTOREFILE: 'peers' } })
    const doc = JSON.parse(await readFile(join(folder, 'service.json'), 'utf8'))
    assert.equal(doc.cluster.peername, 'cluster0')
    assert.equal(doc.cluster.secret, SECRET)
    assert.equal(doc.cluster.monitor_ping_interval, '2s')
    assert.equal(doc.cluster.peerstore_file, 'peers')
    assert.equal(await readFile(join(folder, 'peers'), 'utf8'), '')

    const empty = await dirs.make()
    await initPeerFolder({ folder: empty, env: { CLUSTER_SECRET: '' } })
    assert.equal(JSON.parse(await readFile(join(empty, 'service.json'), 'utf8')).cluster.secret, '')

    assert.deepEqual(await initError({ folder: await dirs.make(), env: { CLUSTER_SECRET: 'abcd' } }), {
      doing: 'applying environment variables to configuration',
      message: 'error loading cluster secret from config: input secret is 2 bytes, cluster secret should be 32 (from CLUSTER_SECRET="abcd")'
    })
    assert.deepEqual(await initError({ folder: await dirs.make(), env: { CLUSTER_ID: ID1 } }), {
      doing: 'applying environment variables to the identity',
      message: 'identity ID does not match the private_key'
    })
  })

  it('IPFS_API sets the node multiaddress in the written file', async () => {
    const folder = await dirs.make()
    await initPeerFolder({ folder, env: { IPFS_API: '/dns4/ipfs0/tcp/5001' } })
    const doc = JSON.parse(await readFile(join(folder, 'service.json'), 'utf8'))
    assert.equal(doc.ipfs_connector.ipfshttp.node_multiaddress, '/dns4/ipfs0/tcp/5001')
    assert.equal(doc.api.ipfsproxy.node_multiaddress, '/dns4/ipfs0/tcp/5001')
  })

  it('custom secret and source URL', async () => {
    const folder = await dirs.make()
    await initPeerFolder({ folder, env: {}, customSecret: SECRET.toUpperCase() + '\n' })
    assert.equal(JSON.parse(await readFile(join(folder, 'service.json'), 'utf8')).cluster.secret, SECRET)
    assert.deepEqual(await initError({ folder: await dirs.make(), env: {}, customSecret: 'abcd' }), {
      doing: 'parsing user-provided secret',
      message: 'input secret is 2 bytes, cluster secret should be 32'
    })
    const remote = await dirs.make()
    await initPeerFolder({ folder: remote, env: {}, sourceUrl: 'http://127.0.0.1:8080/config.json?a=1&b=<2>' })
    assert.equal(await readFile(join(remote, 'service.json'), 'utf8'), '{\n  "source": "http://127.0.0.1:8080/config.json?a=1\\u0026b=\\u003c2\\u003e"\n}')
  })

  it('--randomports replaces the default listen ports; env still wins', async () => {
    const folder = await dirs.make()
    await initPeerFolder({ folder, env: { CLUSTER_RESTAPI_HTTPLISTENMULTIADDRESS: '/ip4/127.0.0.1/tcp/9999' }, randomPorts: true, connector: 'embedded' })
    const doc = JSON.parse(await readFile(join(folder, 'service.json'), 'utf8'))
    const [tcp, udp] = doc.cluster.listen_multiaddress as string[]
    assert.match(tcp, /^\/ip4\/0\.0\.0\.0\/tcp\/\d+$/)
    assert.match(udp, /^\/ip4\/0\.0\.0\.0\/udp\/\d+\/quic$/)
    assert.notEqual(tcp, '/ip4/0.0.0.0/tcp/9096')
    assert.match(doc.api.ipfsproxy.listen_multiaddress, /^\/ip4\/127\.0\.0\.1\/tcp\/\d+$/)
    assert.notEqual(doc.api.ipfsproxy.listen_multiaddress, '/ip4/127.0.0.1/tcp/9095')
    assert.notEqual(doc.api.pinsvcapi.http_listen_multiaddress, '/ip4/127.0.0.1/tcp/9097')
    assert.equal(doc.api.restapi.http_listen_multiaddress, '/ip4/127.0.0.1/tcp/9999')
    assert.notDeepEqual(doc.ipfs_connector.embedded.listen_multiaddress, ['/ip4/0.0.0.0/tcp/4001'])
    assert.equal(doc.ipfs_connector.ipfshttp, undefined)
  })

  it('validates the consensus and datastore choices first', async () => {
    const folder = await dirs.make()
    assert.deepEqual(await initError({ folder, env: {}, consensus: 'paxos' }), {
      doing: 'choosing consensus',
      message: 'flag value must be set to \'raft\' or \'crdt\' (got "paxos")'
    })
    await assert.rejects(stat(join(folder, 'service.json')), { code: 'ENOENT' })
  })
})
