/**
 * The deployment story (`/work/shared/reference/deployment-story.md`,
 * docs/DEPLOYMENT.md "Docker, step by step"), steps 1–10, reproduced on
 * four hosts, each a network namespace with its own address and volume
 * folder. No Docker engine: `docker/entrypoint.sh` runs directly inside the
 * host's namespace with the image's environment (the final stage's `ENV` of
 * the Dockerfile), `IPFS_CLUSTER_PATH` = the host's volume folder and
 * `ENTRYPOINT_SKIP_SETUID=1` (the privilege drop is covered by
 * test/docker/entrypoint.test.ts). `docker exec <c> ipfs-cluster-ctl …`
 * becomes `ipfs-cluster-ctl …` run in the host's namespace.
 *
 * - host A: a js-ipfs daemon on `<A>:5001` (API) and `<A>:4001` (swarm);
 *   the first cluster peer, `IPFS_API=/ip4/<A>/tcp/5001` (the older name).
 * - host B: the same with its own address; joins with
 *   `daemon --bootstrap /ip4/<A>/tcp/9096/ipfs/<id of A>` (the older form),
 *   then restarts without `--bootstrap`.
 * - host C: nothing listens on 127.0.0.1:5001, its IPFS_API is that default
 *   address, no `CLUSTER_PEERNAME` (its hostname, set in a UTS namespace,
 *   is the peer name) and a secret of its own: it tries to join A's
 *   cluster and must be refused.
 * - host D: a js-ipfs daemon on 127.0.0.1:5001 and no IPFS variable at all
 *   (a container with `--network host`, Kubo on the host): the first
 *   start finds and uses that daemon.
 *
 * mDNS is off (`CLUSTER_MDNSINTERVAL=0`): the peers find each other only the
 * way the story says. `STORY_LOGS=1` prints every peer's output at the end.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { Daemon, ERROR_LINE, ROOT, unixfsAdd } from '../acceptance/helpers.js'
import { jsIpfsSkipReason, startJsIpfs } from '../helpers/jsipfs.js'
import { createTestNetwork, netnsSkipReason } from '../helpers/netns.js'
import { waitFor } from '../helpers/wait-for.js'
import type { JsIpfsDaemon } from '../helpers/jsipfs.js'
import type { RunResult, TestHost, TestNetwork } from '../helpers/netns.js'

const ENTRYPOINT = join(ROOT, 'docker', 'entrypoint.sh')
const PATH = [join(ROOT, 'bin'), dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':')

/** In CI (CI_REQUIRE_NETNS=1) a missing js-ipfs fixture fails the test instead of skipping it. */
function skipReason (): string | false {
  const netns = netnsSkipReason()
  if (netns !== false) return netns
  if (process.env.CI_REQUIRE_NETNS === '1' && process.env.SKIP_JSIPFS !== '1') return false
  return jsIpfsSkipReason()
}

/** The variables of the image's final `ENV` instructions (the Dockerfile is the contract). */
function imageEnv (): Record<string, string> {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ')
  const lines = text.split('\n')
  const lastFrom = lines.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true)
  const env: Record<string, string> = {}
  for (const line of lines.slice(lastFrom)) {
    const m = /^ENV\s+(.*)$/i.exec(line.trim())
    if (m == null) continue
    for (const kv of m[1].matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S*)/g)) env[kv[1]] = kv[2]
  }
  return env
}

/** The log line without its timestamp: `LEVEL\tfacility\tmessage`. */
function untimed (line: string): string {
  return line.replace(/^\d{4}-\d\d-\d\dT[^\t]+\t/, '')
}

/** `<name> : <STATUS>` of each peer line of `ipfs-cluster-ctl status <cid>`. */
function peerStatuses (text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const m of text.matchAll(/^ {4}> (.{20}) : ([A-Z_]+) \|/gm)) out[m[1].trim()] = m[2]
  return out
}

/** One peer of `ipfs-cluster-ctl peers ls` / `id` (the first line of its block). */
function peerLines (text: string): string[] {
  return text.split('\n').filter((l) => /^\S+ \| /.test(l)).sort()
}

describe('the deployment story, steps 1–10, on hosts in network namespaces', { skip: skipReason(), timeout: 240_000 }, () => {
  let net: TestNetwork
  let A: TestHost
  let B: TestHost
  let C: TestHost
  let D: TestHost
  let dir: string
  const ipfs: JsIpfsDaemon[] = []
  let ipfsA: JsIpfsDaemon
  let ipfsB: JsIpfsDaemon
  let ipfsD: JsIpfsDaemon
  const daemons: Array<{ name: string, daemon: Daemon }> = []
  const volume: Record<string, string> = {}
  const image = imageEnv()
  let secret: string
  let idA: string
  let cid: string
  let peerA: Daemon
  let peerB: Daemon
  let peerC: Daemon
  const hostnameC = randomBytes(6).toString('hex') // what Docker makes a container's hostname: its short ID
  /** What `echo hello | sudo tee ~/.ipfs-cluster/content.txt` writes (docs/DEPLOYMENT.md step 10). */
  const content = 'hello\n'

  /** `ipfs-cluster-ctl <args>` inside a host (as `docker exec <c> ipfs-cluster-ctl <args>`). */
  async function ctl (host: TestHost, args: string[]): Promise<RunResult> {
    return await host.run('ipfs-cluster-ctl', args, { env: { PATH, HOME: volume[host.name] }, timeout: 60_000 })
  }

  async function ctlOk (host: TestHost, args: string[]): Promise<string> {
    const r = await ctl(host, args)
    assert.equal(r.code, 0, `ipfs-cluster-ctl ${args.join(' ')} on ${host.name}: ${r.stdout}${r.stderr}`)
    return r.stdout
  }

  /**
   * `docker run … <image> <args>` on a host: the entrypoint with the image's
   * environment, the volume, and `env` (the `-e` options).
   */
  function dockerRun (name: string, host: TestHost, args: string[], env: Record<string, string>, opts: { hostname?: string } = {}): Daemon {
    const fullEnv = {
      ...image,
      PATH,
      HOME: volume[host.name],
      IPFS_CLUSTER_PATH: volume[host.name],
      ENTRYPOINT_SKIP_SETUID: '1',
      CLUSTER_MDNSINTERVAL: '0',
      ...env
    }
    const child = opts.hostname == null
      ? host.exec('sh', [ENTRYPOINT, ...args], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] })
      // a UTS namespace of its own, as a container has: its hostname is the default peer name
      : host.exec('unshare', ['--uts', 'sh', '-c', 'hostname "$0" && exec sh "$@"', opts.hostname, ENTRYPOINT, ...args], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] })
    const daemon = new Daemon(child, volume[host.name])
    daemons.push({ name, daemon })
    return daemon
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'story-'))
    net = await createTestNetwork({ hosts: 4 })
    ;[A, B, C, D] = net.hosts
    for (const h of net.hosts) {
      volume[h.name] = join(dir, `${h.name}-volume`)
      await mkdir(volume[h.name])
    }
    // the prerequisite: an IPFS daemon on hosts A and B, API on <host>:5001, swarm on <host>:4001;
    // on host D, the daemon listens on 127.0.0.1 only
    const started = await Promise.allSettled([[A, A.address], [B, B.address], [D, '127.0.0.1']].map(async ([h, addr]) =>
      await startJsIpfs({ host: addr as string, apiPort: 5001, swarmPort: 4001, exec: (h as TestHost).exec, startTimeout: 90_000 })))
    for (const s of started) if (s.status === 'fulfilled') ipfs.push(s.value)
    for (const s of started) if (s.status === 'rejected') throw s.reason
    ;[ipfsA, ipfsB, ipfsD] = ipfs
  })

  after(async () => {
    if (process.env.STORY_LOGS === '1') {
      for (const { name, daemon } of daemons) process.stderr.write(`\n----- ${name}: stdout -----\n${daemon.stdout}\n----- ${name}: stderr -----\n${daemon.stderr}\n`)
    }
    for (const { daemon } of daemons) await daemon.stop('SIGKILL', 5000).catch(() => {})
    await Promise.all(ipfs.map(async (d) => { await d.stop().catch(() => {}) }))
    await net?.destroy()
    if (dir != null) await rm(dir, { recursive: true, force: true })
  })

  it('step 1: each IPFS daemon listens on its host address (API :5001, swarm :4001)', async () => {
    assert.equal(ipfsA.apiMultiaddr, `/ip4/${A.address}/tcp/5001`)
    assert.equal(ipfsB.apiMultiaddr, `/ip4/${B.address}/tcp/5001`)
    assert.deepEqual(ipfsA.swarmMultiaddrs, [`/ip4/${A.address}/tcp/4001/p2p/${ipfsA.peerId}`])
    assert.deepEqual(ipfsB.swarmMultiaddrs, [`/ip4/${B.address}/tcp/4001/p2p/${ipfsB.peerId}`])
    // not connected to anybody yet (no bootstrap, no mDNS): the cluster connects them (below)
    for (const d of [ipfsA, ipfsB]) {
      assert.equal((JSON.parse((await d.rpc('swarm/peers')).body) as { Peers: unknown[] | null }).Peers?.length ?? 0, 0)
    }
  })

  it('step 1, `--network host`: no IPFS variable, a daemon answers at the default 127.0.0.1:5001: the first start uses it', async () => {
    assert.equal(ipfsD.apiMultiaddr, '/ip4/127.0.0.1/tcp/5001')
    const d = dockerRun('D', D, ['daemon'], { CLUSTER_SECRET: randomBytes(32).toString('hex'), CLUSTER_PEERNAME: 'peer-d' })
    await d.waitReady(60_000)
    assert.equal(d.stdout, [
      'ipfs-cluster-service version 1.1.6',
      'No IPFS daemon configured (CLUSTER_IPFSHTTP_NODEMULTIADDRESS or IPFS_API): using the IPFS daemon at 127.0.0.1:5001 if one answers there, the embedded IPFS node otherwise.',
      'Initializing default configuration...',
      ''
    ].join('\n'))
    assert.match(d.stderr, /\nIPFS connector: ipfshttp \(a Kubo RPC API answers at \/ip4\/127\.0\.0\.1\/tcp\/5001\)\.\n/)
    assert.ok(d.stderr.split('\n').map(untimed).includes(`INFO\tcluster\tIPFS is ready. Peer ID: ${ipfsD.peerId}`), d.stderr)
    const cfg = JSON.parse(await readFile(join(volume.host3, 'service.json'), 'utf8'))
    assert.deepEqual(Object.keys(cfg.ipfs_connector), ['ipfshttp'])
    assert.equal(cfg.ipfs_connector.ipfshttp.node_multiaddress, '/ip4/127.0.0.1/tcp/5001')
    assert.match(await ctlOk(D, ['id']), new RegExp(`\n  > IPFS: ${ipfsD.peerId}\n    - /ip4/127\\.0\\.0\\.1/tcp/4001/p2p/${ipfsD.peerId}\n$`))
    assert.equal(await d.stop('SIGTERM', 30_000), 0, d.stderr)
  })

  it('step 5: the secret comes from `od -vN 32 -An -tx1 /dev/urandom | tr -d \' \\n\'`', async () => {
    const r = await A.run('sh', ['-c', "od -vN 32 -An -tx1 /dev/urandom | tr -d ' \\n'"])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^[0-9a-f]{64}$/)
    secret = r.stdout
  })

  it('step 7: the first peer starts on host A (IPFS_API, CLUSTER_SECRET, `daemon`): init from the environment, then READY', async () => {
    const a = peerA = dockerRun('A', A, ['daemon'], { IPFS_API: `/ip4/${A.address}/tcp/5001`, CLUSTER_SECRET: secret, CLUSTER_PEERNAME: 'peer-a' })
    await a.waitReady(60_000)
    assert.equal(a.stdout, [
      'ipfs-cluster-service version 1.1.6',
      `This container only runs ipfs-cluster-service. The IPFS daemon at /ip4/${A.address}/tcp/5001 needs to be run separately!`,
      'Initializing default configuration...',
      ''
    ].join('\n'))
    assert.match(a.stderr, new RegExp(`^configuration written to ${volume.host0}/service\\.json\\.\n`))
    assert.match(a.stderr, new RegExp(`\nIPFS connector: ipfshttp \\(Kubo RPC API address given: /ip4/${A.address.replace(/\./g, '\\.')}/tcp/5001\\)\\.\n`))
    const cfg = JSON.parse(await readFile(join(volume.host0, 'service.json'), 'utf8'))
    assert.equal(cfg.cluster.secret, secret)
    assert.equal(cfg.cluster.peername, 'peer-a')
    assert.equal(cfg.ipfs_connector.ipfshttp.node_multiaddress, `/ip4/${A.address}/tcp/5001`)
    assert.equal(cfg.api.restapi.http_listen_multiaddress, '/ip4/0.0.0.0/tcp/9094')
    const ready = a.stderr.split('\n').map(untimed)
    assert.ok(ready.includes(`INFO\tcluster\tIPFS is ready. Peer ID: ${ipfsA.peerId}`), a.stderr)
    assert.ok(ready.includes(`INFO\tcluster\t        /ip4/${A.address}/tcp/9096/p2p/${JSON.parse(await readFile(join(volume.host0, 'identity.json'), 'utf8')).id as string}`), a.stderr)
  })

  it('step 8: `ipfs-cluster-ctl id` on A gives its peer ID (also from `sh` the documented way)', async () => {
    idA = JSON.parse(await readFile(join(volume.host0, 'identity.json'), 'utf8')).id
    assert.equal(await ctlOk(A, ['id']), [
      `${idA} | peer-a | Sees 0 other peers`,
      '  > Addresses:',
      `    - /ip4/${A.address}/tcp/9096/p2p/${idA}`,
      `    - /ip4/127.0.0.1/tcp/9096/p2p/${idA}`,
      `  > IPFS: ${ipfsA.peerId}`,
      `    - /ip4/${A.address}/tcp/4001/p2p/${ipfsA.peerId}`,
      ''
    ].join('\n'))
    const sh = await A.run('sh', ['-c', 'ipfs-cluster-ctl id | head -n 1 | cut -d " " -f 1'], { env: { PATH } })
    assert.equal(sh.code, 0, sh.stderr)
    assert.equal(sh.stdout, `${idA}\n`)
    // the published REST API port answers from another host too
    assert.match(await ctlOk(B, ['--host', `/ip4/${A.address}/tcp/9094`, 'id']), new RegExp(`^${idA} \\| peer-a \\| Sees 0 other peers\n`))
  })

  it('step 9: peer B joins with `daemon --bootstrap /ip4/<A>/tcp/9096/ipfs/<id of A>` (the older /ipfs/ form)', async () => {
    peerB = dockerRun('B', B, ['daemon', '--bootstrap', `/ip4/${A.address}/tcp/9096/ipfs/${idA}`],
      { IPFS_API: `/ip4/${B.address}/tcp/5001`, CLUSTER_SECRET: secret, CLUSTER_PEERNAME: 'peer-b' })
    await peerB.waitReady(60_000)
    await peerB.waitLog(new RegExp(`\tINFO\tcluster\tBootstrapping to /ip4/${A.address.replace(/\./g, '\\.')}/tcp/9096/p2p/${idA}\n`))
    const idB = JSON.parse(await readFile(join(volume.host1, 'identity.json'), 'utf8')).id as string
    await peerB.waitLog(new RegExp(`\tINFO\tpstoremgr\t${idB}: joined ${idA}'s cluster\n`))
    // saved in the volume right after the join (not only at a graceful stop)
    await waitFor(async () => (await readFile(join(volume.host1, 'peerstore'), 'utf8')).split('\n').includes(`/ip4/${A.address}/tcp/9096/p2p/${idA}`),
      { timeout: 10_000, interval: 100, message: 'A in B\'s peerstore file' })
    // both see each other, seen from either host
    for (const h of [A, B]) {
      await waitFor(async () => {
        const lines = peerLines(await ctlOk(h, ['peers', 'ls']))
        return lines.length === 2 && lines.every((l) => l.endsWith('| Sees 1 other peers'))
      }, { timeout: 60_000, interval: 250, message: `peers ls on ${h.name}` })
    }
    assert.deepEqual(peerLines(await ctlOk(B, ['peers', 'ls'])), [
      `${idA} | peer-a | Sees 1 other peers`,
      `${idB} | peer-b | Sees 1 other peers`
    ].sort())
  })

  it('step 9b: a peer with another secret (host C) cannot join: both sides say why, at WARN', async () => {
    // C: default IPFS address (nothing listens there), no CLUSTER_PEERNAME, its own secret
    const otherSecret = randomBytes(32).toString('hex')
    peerC = dockerRun('C', C, ['daemon', '--bootstrap', `/ip4/${A.address}/tcp/9096/p2p/${idA}`],
      { IPFS_API: '/ip4/127.0.0.1/tcp/5001', CLUSTER_SECRET: otherSecret }, { hostname: hostnameC })
    const failed = await peerC.waitLog(new RegExp(`\tWARN\tcluster\tbootstrap to /ip4/${A.address.replace(/\./g, '\\.')}/tcp/9096/p2p/${idA} failed: (.*)\n`), 60_000)
    // a handshake that fails at once, or one that never completes (both sides read garbage until a timeout)
    assert.match(failed[1], / \((the peer accepted the connection but the secure handshake did not complete: )?check that both peers use the same cluster secret\)$/)
    await peerA.waitLog(new RegExp(`\tWARN\t\\S+\trejected connection from /ip4/${C.address.replace(/\./g, '\\.')}/tcp/\\d+: secure handshake failed \\(the remote peer probably uses a different cluster secret\\)\n`), 30_000)
    assert.equal(peerLines(await ctlOk(A, ['peers', 'ls'])).length, 2)
  })

  it('step 10: `add <A\'s volume>/content.txt` on A prints the CID; on B `pin ls` lists it and `status` shows PINNED on both peers by name', async () => {
    const echo = await A.run('sh', ['-c', 'echo hello > "$0"/content.txt', volume.host0])
    assert.equal(echo.code, 0, echo.stderr)
    const expected = (await unixfsAdd([{ path: 'content.txt', content: new TextEncoder().encode(content) }]))[0].cid.toString()
    assert.equal(expected, 'QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN') // the CID docs/DEPLOYMENT.md shows
    assert.equal(await ctlOk(A, ['add', join(volume.host0, 'content.txt')]), `added ${expected} content.txt\n`)
    cid = expected

    const pinLs = await waitFor(async () => {
      const out = await ctlOk(B, ['pin', 'ls'])
      return out.includes(cid) ? out : undefined
    }, { timeout: 30_000, interval: 250, message: 'pin ls on B' })
    assert.match(pinLs, new RegExp(`^${cid} \\|  \\| PIN \\| Repl\\. Factor: -1 \\| Allocations: \\[everywhere\\] \\| Recursive \\| Metadata: no \\| Exp: ∞ \\| Added: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\n$`))

    const status = await waitFor(async () => {
      const out = await ctlOk(B, ['status', cid])
      const s = peerStatuses(out)
      return s['peer-a'] === 'PINNED' && s['peer-b'] === 'PINNED' ? out : undefined
    }, { timeout: 60_000, interval: 250, message: 'PINNED on both peers' })
    assert.equal(status.split('\n')[0], `${cid}:`)
    assert.deepEqual(peerStatuses(status), { 'peer-a': 'PINNED', 'peer-b': 'PINNED' })

    // the IPFS daemons really pin it, and have the content
    for (const d of [ipfsA, ipfsB]) {
      const ls = await d.rpc(`pin/ls?arg=${cid}&type=recursive`)
      assert.equal(ls.status, 200, ls.body)
      assert.deepEqual(Object.keys((JSON.parse(ls.body) as { Keys: Record<string, unknown> }).Keys), [cid])
      const cat = await d.rpc(`cat?arg=${cid}`)
      assert.equal(cat.body, content)
    }
  })

  it('the cluster connects the IPFS daemons (connect_swarms_delay): content only A\'s daemon has gets PINNED on B too', async () => {
    // 30 s (the default connect_swarms_delay) after the connectors started, each peer asks its IPFS daemon
    // to connect to the daemons of the other peers (their addresses come from the peers' IDs)
    await waitFor(async () => {
      const res = JSON.parse((await ipfsB.rpc('swarm/peers')).body) as { Peers: Array<{ Peer: string }> | null }
      return res.Peers?.some((p) => p.Peer === ipfsA.peerId)
    }, { timeout: 60_000, interval: 500, message: 'B\'s IPFS daemon connected to A\'s' })
    const only = await ipfsA.add(new TextEncoder().encode(`only on A's IPFS daemon ${randomBytes(8).toString('hex')}`), { cidVersion: 0, rawLeaves: false })
    const pinned = await ctlOk(B, ['pin', 'add', only.toString()])
    assert.match(pinned, new RegExp(`^${only.toString()}:\n`))
    await waitFor(async () => {
      const s = peerStatuses(await ctlOk(A, ['status', only.toString()]))
      return s['peer-a'] === 'PINNED' && s['peer-b'] === 'PINNED'
    }, { timeout: 60_000, interval: 250, message: 'PINNED on both peers (B\'s daemon fetched it from A\'s)' })
    const ls = await ipfsB.rpc(`pin/ls?arg=${only.toString()}&type=recursive`)
    assert.equal(ls.status, 200, ls.body)
  })

  it('restart: B stops on SIGTERM (the exec\'d service gets it), starts again without --bootstrap and rejoins from its peerstore', async () => {
    const idB = JSON.parse(await readFile(join(volume.host1, 'identity.json'), 'utf8')).id as string
    // the entrypoint exec'd the service: the process we started is ipfs-cluster-service itself
    assert.match(readFileSync(`/proc/${peerB.pid}/cmdline`, 'utf8'), /^ipfs-cluster-service daemon --bootstrap /)
    assert.equal(await peerB.stop('SIGTERM', 30_000), 0, peerB.stderr)
    assert.match(peerB.stderr, /\tINFO\tservice\treceived SIGTERM: shutting down\n/)
    const peerstore = await readFile(join(volume.host1, 'peerstore'), 'utf8')
    assert.ok(peerstore.split('\n').includes(`/ip4/${A.address}/tcp/9096/p2p/${idA}`), peerstore)

    const b2 = peerB = dockerRun('B (restarted)', B, ['daemon'], { IPFS_API: `/ip4/${B.address}/tcp/5001`, CLUSTER_SECRET: secret, CLUSTER_PEERNAME: 'peer-b' })
    await b2.waitReady(60_000)
    assert.equal(b2.stdout, ['ipfs-cluster-service version 1.1.6', `Found IPFS cluster configuration at ${volume.host1}`, ''].join('\n'))
    assert.doesNotMatch(b2.stderr, /Bootstrapping/)
    // B's own view needs A's metrics, which only come over a new connection
    for (const h of [B, A]) {
      await waitFor(async () => {
        const lines = peerLines(await ctlOk(h, ['peers', 'ls']))
        return lines.length === 2 && lines.every((l) => l.endsWith('| Sees 1 other peers'))
      }, { timeout: 60_000, interval: 250, message: `peers ls on ${h.name} after the restart` })
    }
    assert.deepEqual(peerLines(await ctlOk(A, ['peers', 'ls'])), [
      `${idA} | peer-a | Sees 1 other peers`,
      `${idB} | peer-b | Sees 1 other peers`
    ].sort())
    assert.deepEqual(peerStatuses(await ctlOk(B, ['status', cid])), { 'peer-a': 'PINNED', 'peer-b': 'PINNED' })

    // and it takes part: new content added on A is pinned on B
    await writeFile(join(volume.host0, 'content2.txt'), `more content ${randomBytes(8).toString('hex')}\n`)
    const added = /^added (\S+) content2\.txt\n$/.exec(await ctlOk(A, ['add', join(volume.host0, 'content2.txt')]))
    assert.ok(added != null)
    await waitFor(async () => {
      const s = peerStatuses(await ctlOk(B, ['status', added[1]]))
      return s['peer-a'] === 'PINNED' && s['peer-b'] === 'PINNED'
    }, { timeout: 60_000, interval: 250, message: 'the new content PINNED on both peers' })
  })

  it('`docker restart` keeps `--bootstrap`: starting with it again, once in the cluster, changes nothing', async () => {
    const idB = JSON.parse(await readFile(join(volume.host1, 'identity.json'), 'utf8')).id as string
    assert.equal(await peerB.stop('SIGTERM', 30_000), 0, peerB.stderr)
    const b3 = dockerRun('B (restarted with --bootstrap)', B, ['daemon', '--bootstrap', `/ip4/${A.address}/tcp/9096/ipfs/${idA}`],
      { IPFS_API: `/ip4/${B.address}/tcp/5001`, CLUSTER_SECRET: secret, CLUSTER_PEERNAME: 'peer-b' })
    await b3.waitReady(60_000)
    await b3.waitLog(new RegExp(`\tINFO\tpstoremgr\t${idB}: joined ${idA}'s cluster\n`))
    await waitFor(async () => {
      const lines = peerLines(await ctlOk(B, ['peers', 'ls']))
      return lines.length === 2 && lines.every((l) => l.endsWith('| Sees 1 other peers'))
    }, { timeout: 60_000, interval: 250, message: 'peers ls on B after the second restart' })
    assert.deepEqual(peerStatuses(await ctlOk(B, ['status', cid])), { 'peer-a': 'PINNED', 'peer-b': 'PINNED' })
    assert.equal(peerLines(await ctlOk(A, ['peers', 'ls'])).length, 2)
  })

  it('peer C (default IPFS_API, nothing listens): runs, answers id/version with its hostname as peer name, and logs what to do', async () => {
    const loopbackHelp = 'Note: 127.0.0.1 is a loopback address. Inside a container it is the container itself, not the host: ' +
      'if the IPFS daemon runs on the host or in another container, set CLUSTER_IPFSHTTP_NODEMULTIADDRESS (or IPFS_API) ' +
      'to an address of the daemon that this peer can reach (for example /ip4/<host-ip>/tcp/5001 or /dns4/<ipfs-container-name>/tcp/5001) ' +
      'and make the daemon\'s API listen on it (Addresses.API in the IPFS config).'
    const refused = 'Post "http://127.0.0.1:5001/api/v0/id": dial tcp 127.0.0.1:5001: connect: connection refused'
    assert.ok(peerC.running, peerC.stderr)
    assert.match(peerC.stdout, /^ipfs-cluster-service version 1\.1\.6\nThis container only runs ipfs-cluster-service\. The IPFS daemon at \/ip4\/127\.0\.0\.1\/tcp\/5001 needs to be run separately!\n/)
    const idC = JSON.parse(await readFile(join(volume.host2, 'identity.json'), 'utf8')).id as string
    assert.equal(await ctlOk(C, ['id']), [
      `${idC} | ${hostnameC} | Sees 0 other peers`,
      '  > Addresses:',
      `    - /ip4/${C.address}/tcp/9096/p2p/${idC}`,
      `    - /ip4/127.0.0.1/tcp/9096/p2p/${idC}`,
      `  > IPFS ERROR: ${refused}`,
      ''
    ].join('\n'))
    assert.equal(await ctlOk(C, ['version']), '1.1.6\n')
    // it keeps retrying: the warning comes again (every 10 s), the peer keeps running
    await waitFor(() => peerC.stderr.split('\n').filter((l) => /\tWARN\tipfshttp\t/.test(l)).length >= 2 || !peerC.running,
      { timeout: 30_000, interval: 100, message: 'the repeated warning' })
    assert.ok(peerC.running, peerC.stderr)
    // the lines, and for how long IPFS has not been ready (seconds, rounded) according to each
    const warnings = peerC.stderr.split('\n').filter((l) => /\tWARN\tipfshttp\t/.test(l)).map(untimed)
    const notReadyFor = (line: string): number => Number(/ \(not ready for (\d+)s\)\. /.exec(line)?.[1] ?? 0)
    const expected = `WARN\tipfshttp\tcannot reach the IPFS daemon at /ip4/127.0.0.1/tcp/5001 (http://127.0.0.1:5001/api/v0): ${refused}. Retrying every 1s until it answers. ${loopbackHelp}`
    assert.equal(warnings[0].replace(/ \(not ready for \d+s\)\. /, '. '), expected)
    assert.equal(warnings[1].replace(/ \(not ready for \d+s\)\. /, '. '), expected)
    assert.ok(notReadyFor(warnings[0]) < 5, warnings[0])
    assert.ok(notReadyFor(warnings[1]) >= 10 && notReadyFor(warnings[1]) < 20, warnings[1])
  })

  it('no ERROR line in any log; C\'s retries are rejected with one line per minute on A', () => {
    assert.equal(daemons.length, 6)
    for (const { name, daemon } of daemons) {
      assert.deepEqual(daemon.stderr.split('\n').filter((l) => ERROR_LINE.test(l)), [], `${name} logged errors`)
      assert.doesNotMatch(daemon.stdout + daemon.stderr, /\bERROR\b/, `${name}`)
    }
    const rejected = peerA.stderr.split('\n').filter((l) => l.includes('\trejected connection from '))
    assert.ok(rejected.length >= 1)
    const times = rejected.map((l) => Date.parse(l.split('\t')[0]))
    for (let i = 1; i < times.length; i++) assert.ok(times[i] - times[i - 1] >= 60_000, rejected.join('\n'))
  })
})
