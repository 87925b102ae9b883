/**
 * docker/entrypoint.sh with the REAL `bin/ipfs-cluster-service` (the stub
 * tests are in entrypoint.test.ts): a temp folder plays the volume, a fake
 * Kubo on 127.0.0.1 the IPFS daemon, and every listener is on 127.0.0.1
 * port 0. The fixed peerset comes from the environment at the first start
 * (`CLUSTER_PEERS`, with the peer's own identity given as
 * `CLUSTER_ID`/`CLUSTER_PRIVATEKEY` so it can be in the list), the way
 * docs/DEPLOYMENT.md "A fixed peerset" describes for Docker.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { generateIdentity } from '../../src/config/identity.js'
import { closedPort, CTL_BIN, Daemon, ERROR_LINE, LOCAL_LISTEN_ENV, ROOT, run } from '../acceptance/helpers.js'
import { FakeKubo } from '../fakes/fake-kubo.js'
import type { Identity } from '../../src/config/types.js'

const ENTRYPOINT = join(ROOT, 'docker', 'entrypoint.sh')
const PATH = [join(ROOT, 'bin'), dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':')
/** Another cluster peer of the fixed peerset; it never runs (its port is closed). */
const OTHER_PEER = '12D3KooWRN8KRjpyg9rsW2w7StbBRGper65psTZm68cjud9KAkaW'
const SECRET = 'a1'.repeat(32)

describe('docker/entrypoint.sh with the real ipfs-cluster-service', () => {
  let dir: string
  let volume: string
  let kubo: FakeKubo
  let identity: Identity
  let peers: string[]
  const daemons: Daemon[] = []

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'entrypoint-real-'))
    volume = join(dir, 'volume')
    kubo = new FakeKubo({ recordRequests: 0 })
    await kubo.start()
    identity = await generateIdentity()
    peers = [`/ip4/127.0.0.1/tcp/9096/p2p/${identity.id}`, `/ip4/127.0.0.1/tcp/${await closedPort()}/p2p/${OTHER_PEER}`]
  })

  after(async () => {
    for (const d of daemons) await d.stop('SIGKILL', 5000)
    await kubo?.stop()
    if (dir != null) await rm(dir, { recursive: true, force: true })
  })

  /** `docker run -e … <image> <args>`: the entrypoint, run directly, as root without the privilege drop. */
  function start (args: string[], env: Record<string, string>): Daemon {
    const child = spawn('sh', [ENTRYPOINT, ...args], {
      env: {
        PATH,
        HOME: dir,
        IPFS_CLUSTER_PATH: volume,
        ENTRYPOINT_SKIP_SETUID: '1',
        CLUSTER_MDNSINTERVAL: '0',
        ...LOCAL_LISTEN_ENV,
        ...env
      },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    const d = new Daemon(child, volume)
    daemons.push(d)
    return d
  }

  async function ctlId (d: Daemon): Promise<string> {
    const r = await run(CTL_BIN, ['--host', await d.host(), 'id'], { env: { PATH, HOME: dir } })
    assert.equal(r.code, 0, r.stderr)
    return r.stdout.split('\n')[0]
  }

  const env = (): Record<string, string> => ({
    CLUSTER_SECRET: SECRET,
    CLUSTER_PEERNAME: 'fixed peer one',
    IPFS_API: kubo.apiMultiaddr,
    CLUSTER_ID: identity.id,
    CLUSTER_PRIVATEKEY: identity.privateKey,
    CLUSTER_PEERS: peers.join(',')
  })

  let serviceJson: string

  it('first start: init from the environment (secret, peer name, IPFS_API, CLUSTER_PEERS fixed peerset), then the daemon runs', async () => {
    const d = start(['daemon'], env())
    await d.waitReady(60_000)
    assert.equal(d.stdout, [
      'ipfs-cluster-service version 1.1.6',
      `This container only runs ipfs-cluster-service. The IPFS daemon at ${kubo.apiMultiaddr} needs to be run separately!`,
      'Initializing default configuration...',
      ''
    ].join('\n'))
    const messages = d.stderr.split('\n').filter((l) => !/^\d{4}-\d\d-\d\dT/.test(l))
    assert.deepEqual(messages.slice(0, 4), [
      `configuration written to ${volume}/service.json.`,
      `new identity written to ${volume}/identity.json`,
      `peerstore written to ${volume}/peerstore with 2 entries.`,
      `IPFS connector: ipfshttp (Kubo RPC API address given: ${kubo.apiMultiaddr}).`
    ])

    serviceJson = await readFile(join(volume, 'service.json'), 'utf8')
    const cfg = JSON.parse(serviceJson)
    assert.equal(cfg.cluster.secret, SECRET)
    assert.equal(cfg.cluster.peername, 'fixed peer one')
    assert.equal(cfg.ipfs_connector.ipfshttp.node_multiaddress, kubo.apiMultiaddr)
    assert.deepEqual(cfg.consensus.crdt.trusted_peers, [identity.id, OTHER_PEER])
    assert.equal(JSON.parse(await readFile(join(volume, 'identity.json'), 'utf8')).id, identity.id)
    assert.deepEqual((await readFile(join(volume, 'peerstore'), 'utf8')).trim().split('\n'), peers)

    // the entrypoint exec'd the service: the process started is the daemon itself
    assert.match(readFileSync(`/proc/${d.pid}/cmdline`, 'utf8'), /^ipfs-cluster-service daemon/)
    assert.equal(await ctlId(d), `${identity.id} | fixed peer one | Sees 0 other peers`)
    assert.equal(await d.stop('SIGTERM'), 0, d.stderr)
    assert.deepEqual(d.errorLines(), [])
  })

  it('second start with `daemon --upgrade`: finds the configuration, keeps it, and the variables win over it', async () => {
    const d = start(['daemon', '--upgrade'], { ...env(), CLUSTER_PEERNAME: 'renamed by -e' })
    await d.waitReady(60_000)
    assert.equal(d.stdout, ['ipfs-cluster-service version 1.1.6', `Found IPFS cluster configuration at ${volume}`, ''].join('\n'))
    assert.doesNotMatch(d.stderr, /configuration written|identity written|peerstore written/)
    assert.equal(await readFile(join(volume, 'service.json'), 'utf8'), serviceJson)
    assert.equal(await ctlId(d), `${identity.id} | renamed by -e | Sees 0 other peers`)
    assert.equal(await d.stop('SIGTERM'), 0, d.stderr)
    assert.deepEqual(d.errorLines(), [])
    // the peers of the fixed peerset are still in the peerstore
    const saved = (await readFile(join(volume, 'peerstore'), 'utf8')).trim().split('\n')
    assert.ok(saved.includes(peers[1]), saved.join('\n'))
  })
})
