/**
 * The requirements of issue 2 (a runnable peer) that sharness does not
 * cover, checked on the built programs: the execution lock, graceful
 * shutdown on every signal, restarts, configuration from the environment
 * (and its errors at start), the IPFS connector chosen by `init`, an
 * unreachable IPFS daemon, the offline state round trip and pins reaching
 * PINNED on a Kubo.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { FakeKubo, FIXTURES } from '../fakes/fake-kubo.js'
import { jsonDocuments } from '../helpers/run-ctl.js'
import { waitFor } from '../helpers/wait-for.js'
import { closedPort, httpGet, kuboAddText, readJson, Sandbox, writeJson } from './helpers.js'
import type { Daemon, RunResult } from './helpers.js'

const SECRET = 'f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80'
const KUBO2_ID = '12D3KooWRN8KRjpyg9rsW2w7StbBRGper65psTZm68cjud9KAkaW'

function lockMessage (folder: string): string {
  return `error obtaining execution lock: lock ${folder}/cluster.lock: someone else has the lock. ` +
    `If no other ipfs-cluster-service process is running, remove ${folder}/cluster.lock, ` +
    'or make sure that the config folder is writable for the user running ipfs-cluster-service.\n'
}

/** stderr without the log lines (what the service prints itself). */
function messages (r: RunResult): string {
  return r.stderr.split('\n').filter((l) => !/^\d{4}-\d\d-\d\dT[^\t]+\t[A-Z]+\t/.test(l)).join('\n')
}

/** The status word of each peer line of a GlobalPinInfo text. */
function statuses (text: string): string[] {
  return [...text.matchAll(/^ {4}> .{20} : ([A-Z_]+)/gm)].map((m) => m[1])
}

/** Does a Kubo RPC API answer at 127.0.0.1:5001 on this machine? */
async function defaultKuboAnswers (): Promise<boolean> {
  return await new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: 5001, method: 'POST', path: '/api/v0/version', timeout: 1000 }, (res) => {
      res.resume()
      resolve(res.statusCode === 200)
    })
    req.on('timeout', () => { req.destroy(); resolve(false) })
    req.on('error', () => { resolve(false) })
    req.end()
  })
}

describe('issue 2: the peer as a user runs it', () => {
  let sb: Sandbox
  let kubo: FakeKubo
  // started first, checked by the last test: the repeated warning needs time
  let unreachable: Daemon
  let unreachableAddr: string
  let unreachablePort: number

  before(async () => {
    sb = await Sandbox.create('issue2')
    kubo = await sb.kubo({ mode: 'store' })
    unreachablePort = await closedPort()
    unreachableAddr = `/ip4/127.0.0.1/tcp/${unreachablePort}`
    const folder = sb.path('unreachable')
    await sb.init(folder, { args: ['--ipfs-api', unreachableAddr] })
    unreachable = sb.startDaemon(folder)
  })
  after(async () => { await sb?.cleanup() })

  it('a second daemon on the same folder fails with the lock message and exit 1', async () => {
    const folder = sb.path('lock')
    await sb.init(folder, { args: ['--ipfs-api', kubo.apiMultiaddr] })
    const d = await sb.daemon(folder)
    assert.equal((await readFile(`${folder}/cluster.lock`, 'utf8')).trim(), String(d.pid))

    const second = await sb.service(['--config', folder, 'daemon'])
    assert.equal(second.code, 1)
    assert.equal(messages(second), lockMessage(folder))
    // the state commands and a re-init take the lock too
    for (const args of [['state', 'export'], ['state', 'cleanup', '-f'], ['state', 'crdt', 'info'], ['init', '--force']]) {
      const r = await sb.service(['--config', folder, ...args])
      assert.deepEqual({ code: r.code, err: messages(r) }, { code: 1, err: lockMessage(folder) }, args.join(' '))
    }
    assert.ok(d.running)
    assert.equal(await d.stop('SIGTERM'), 0)
    assert.equal(existsSync(`${folder}/cluster.lock`), false)
    // a lock left by a killed process does not block
    await writeFile(`${folder}/cluster.lock`, '999999999\n')
    const exp = await sb.service(['--config', folder, 'state', 'export'])
    assert.equal(exp.code, 0, exp.stderr)
  })

  describe('two peers sharing a secret from the environment', () => {
    let other: Daemon
    let otherAddr: string
    let folderA: string
    const cids: string[] = []
    // CLUSTER_SECRET at run time overrides the different secrets the two
    // inits wrote; pings every second so that peers see each other quickly
    const env = { CLUSTER_SECRET: SECRET, CLUSTER_MONITORPINGINTERVAL: '1s' }

    before(async () => {
      const folderB = sb.path('peerB')
      folderA = sb.path('peerA')
      await sb.init(folderB, { args: ['--ipfs-api', kubo.apiMultiaddr] })
      await sb.init(folderA, { args: ['--ipfs-api', kubo.apiMultiaddr] })
      const secretA = (await readJson(`${folderA}/service.json`)).cluster.secret
      const secretB = (await readJson(`${folderB}/service.json`)).cluster.secret
      assert.notEqual(secretA, secretB)
      other = await sb.daemon(folderB, { env })
      otherAddr = await other.clusterAddr()
      for (const t of ['sig-1', 'sig-2', 'sig-3']) cids.push(await kuboAddText(kubo, t))
    })

    const checkRunning = async (a: Daemon): Promise<void> => {
      const host = await a.host()
      await waitFor(async () => (await sb.ctl(['--host', host, 'id'])).stdout.split('\n')[0].endsWith('| Sees 1 other peers'), { timeout: 20_000, interval: 200, message: 'A sees B' })
      const ls = jsonDocuments((await sb.ctl(['--host', host, '--enc=json', 'pin', 'ls'])).stdout) as Array<{ cid: string, name: string }>
      assert.deepEqual(ls.map((p) => `${p.cid} ${p.name}`).sort(), cids.map((c, i) => `${c} pin-${i}`).sort())
      await waitFor(async () => {
        const st = await sb.ctl(['--host', host, 'status'])
        // each pin, on both peers
        return statuses(st.stdout).filter((s) => s === 'PINNED').length === 2 * cids.length
      }, { timeout: 20_000, interval: 250, message: 'every pin PINNED on both peers' })
    }

    const stopAndCheck = async (a: Daemon, signal: NodeJS.Signals): Promise<void> => {
      // the peerstore was read at start: empty it to see it written again
      await writeFile(`${folderA}/peerstore`, '')
      assert.equal(await a.stop(signal), 0, a.stderr)
      assert.equal(a.signal, null)
      assert.match(a.stderr, new RegExp(`\\tINFO\\tservice\\treceived ${signal}: shutting down\\n`))
      assert.equal(existsSync(`${folderA}/cluster.lock`), false, 'lock file removed')
      const peerstore = (await readFile(`${folderA}/peerstore`, 'utf8')).split('\n')
      assert.ok(peerstore.includes(otherAddr), `peerstore written with ${otherAddr}:\n${peerstore.join('\n')}`)
      assert.deepEqual(a.errorLines(), [])
    }

    it('SIGINT: joins with --bootstrap (and the accepted --upgrade), pins, shuts down gracefully', async () => {
      const a = await sb.daemon(folderA, { env, args: ['--upgrade', '--bootstrap', otherAddr] })
      // the join starts once the peer is up: before or after READY, depending on how fast IPFS answers
      await a.waitLog(new RegExp(`\\tINFO\\tcluster\\tBootstrapping to ${otherAddr.replace(/\//g, '\\/')}\\n`))
      const host = await a.host()
      for (const [i, cid] of cids.entries()) {
        const r = await sb.ctl(['--host', host, 'pin', 'add', '--no-status', '--name', `pin-${i}`, cid])
        assert.equal(r.code, 0, r.stdout + r.stderr)
      }
      await checkRunning(a)
      await stopAndCheck(a, 'SIGINT')
    })

    it('SIGTERM: a restart (no --bootstrap: the peerstore) keeps every pin', async () => {
      const a = await sb.daemon(folderA, { env })
      await checkRunning(a)
      await stopAndCheck(a, 'SIGTERM')
    })

    it('SIGHUP: a restart keeps every pin', async () => {
      const a = await sb.daemon(folderA, { env })
      await checkRunning(a)
      await stopAndCheck(a, 'SIGHUP')
      assert.deepEqual(other.errorLines(), [])
    })

    it('a peer with another secret cannot join', async () => {
      const folder = sb.path('stranger')
      await sb.init(folder, { args: ['--ipfs-api', kubo.apiMultiaddr] })
      const d = await sb.daemon(folder, { args: ['--bootstrap', otherAddr] })
      await d.waitLog(new RegExp(`\\tWARN\\tcluster\\tbootstrap to ${otherAddr.replace(/\//g, '\\/')} failed: `))
      const id = await sb.ctl(['--host', await d.host(), 'id'])
      assert.match(id.stdout.split('\n')[0], /\| Sees 0 other peers$/)
      assert.equal(await d.stop('SIGTERM'), 0)
    })
  })

  it('daemon --bootstrap with a bad address exits 1 with the reference error', async () => {
    const folder = sb.path('lock')
    for (const [addr, detail] of [
      ['/ip4/1.2.3.4/tcp/notaport', /^failed to parse multiaddr "\/ip4\/1\.2\.3\.4\/tcp\/notaport": /],
      ['garbage', /^failed to parse multiaddr "garbage": /]
    ] as const) {
      const r = await sb.service(['--config', folder, 'daemon', '--bootstrap', `${otherOk()},${addr}`])
      assert.equal(r.code, 1)
      const m = /^error error parsing bootstrap multiaddress \((.*?)\): (.*)\n$/.exec(messages(r))
      assert.ok(m != null, messages(r))
      assert.equal(m[1], addr)
      assert.match(m[2], detail)
      assert.equal(existsSync(`${folder}/cluster.lock`), false)
    }
  })

  it('configuration from the environment: init bakes it in, the daemon applies it over the file', async () => {
    const folder = sb.path('env')
    const kubo2 = await sb.kubo({ peerId: KUBO2_ID })
    // init: CLUSTER_PEERNAME, CLUSTER_SECRET and IPFS_API are written
    const init = await sb.init(folder, { env: { CLUSTER_PEERNAME: 'from-init', CLUSTER_SECRET: SECRET, IPFS_API: kubo.apiMultiaddr } })
    assert.ok(init.stderr.includes(`IPFS connector: ipfshttp (Kubo RPC API address given: ${kubo.apiMultiaddr}).\n`), init.stderr)
    const cfg = await readJson(`${folder}/service.json`)
    assert.equal(cfg.cluster.peername, 'from-init')
    assert.equal(cfg.cluster.secret, SECRET)
    assert.deepEqual(Object.keys(cfg.ipfs_connector), ['ipfshttp'])
    assert.equal(cfg.ipfs_connector.ipfshttp.node_multiaddress, kubo.apiMultiaddr)
    assert.equal(cfg.api.ipfsproxy.node_multiaddress, kubo.apiMultiaddr)
    const written = await readFile(`${folder}/service.json`, 'utf8')

    // daemon: a representative set of overrides, visible through ctl
    const d = await sb.daemon(folder, {
      env: {
        CLUSTER_PEERNAME: 'from-env',
        IPFS_API: kubo2.apiMultiaddr,
        CLUSTER_REPLICATIONFACTORMIN: '1',
        CLUSTER_REPLICATIONFACTORMAX: '1',
        CLUSTER_TAGS_TAGS: 'group:blue,region:eu',
        CLUSTER_DISK_METRICTYPE: 'reposize',
        CLUSTER_BALANCED_ALLOCATEBY: 'tag:region,reposize',
        CLUSTER_RESTAPI_BASICAUTHCREDENTIALS: 'admin:s3cret'
      }
    })
    const host = await d.host()
    const noAuth = await sb.ctl(['--host', host, 'id'])
    assert.deepEqual({ code: noAuth.code, stdout: noAuth.stdout }, { code: 2, stdout: 'An error occurred:\n  Code: 401\n  Message: unauthorized: no auth provided\n' })
    const ctl = async (args: string[]): Promise<RunResult> => await sb.ctl(['--host', host, '--basic-auth', 'admin:s3cret', '--force-http', ...args])
    const id = JSON.parse((await ctl(['--enc=json', 'id'])).stdout)
    assert.equal(id.peername, 'from-env')
    assert.equal(id.ipfs.id, KUBO2_ID, 'IPFS_API overrides the file at run time')
    const cid = await kuboAddText(kubo2, 'env')
    const add = await ctl(['pin', 'add', '--no-status', cid])
    assert.equal(add.code, 0, add.stdout + add.stderr)
    assert.match((await ctl(['pin', 'ls', cid])).stdout, / \| Repl\. Factor: 1--1 \| Allocations: \[[^\]]+\] \| /)
    const names = await waitFor(async () => {
      const r = await ctl(['health', 'metrics'])
      const n = r.stdout.split('\n').filter((l) => l !== '').sort()
      return n.length >= 5 ? n : undefined
    }, { timeout: 10_000, interval: 200 })
    assert.deepEqual(names, ['ping', 'pinqueue', 'reposize', 'tag:group', 'tag:region'])
    assert.match((await ctl(['health', 'metrics', 'tag:region'])).stdout, new RegExp(`^${id.id} \\| tag:region: eu \\| Expires in: `))
    assert.equal(await d.stop('SIGTERM'), 0)
    assert.equal(await readFile(`${folder}/service.json`, 'utf8'), written, 'the daemon does not write the environment into the file')

    // CLUSTER_IPFSHTTP_NODEMULTIADDRESS wins over its alias IPFS_API
    const d2 = await sb.daemon(folder, { env: { IPFS_API: kubo2.apiMultiaddr, CLUSTER_IPFSHTTP_NODEMULTIADDRESS: kubo.apiMultiaddr } })
    const id2 = JSON.parse((await sb.ctl(['--host', await d2.host(), '--enc=json', 'id'])).stdout)
    assert.equal(id2.ipfs.id, FIXTURES.PeerID1)
    assert.equal(id2.peername, 'from-init')
    assert.equal(await d2.stop('SIGTERM'), 0)
  })

  it('invalid values fail at start with a message naming the key and the value, exit 1', async () => {
    const folder = sb.path('invalid')
    await sb.init(folder, { args: ['--ipfs-api', kubo.apiMultiaddr] })
    const cases: Array<[Record<string, string>, string]> = [
      [{ CLUSTER_SECRET: 'abcd' }, 'error loading configurations: error loading cluster secret from config: input secret is 2 bytes, cluster secret should be 32 (from CLUSTER_SECRET="abcd")'],
      [{ CLUSTER_SECRET: SECRET + 'ff' }, `error loading configurations: error loading cluster secret from config: input secret is 33 bytes, cluster secret should be 32 (from CLUSTER_SECRET="${SECRET}ff")`],
      [{ CLUSTER_LISTENMULTIADDRESS: '/ip4/notanip/tcp/1' }, 'error loading configurations: error parsing listen_multiaddress: failed to parse multiaddr "/ip4/notanip/tcp/1": Invalid IPv4 address "notanip" (from CLUSTER_LISTENMULTIADDRESS="/ip4/notanip/tcp/1")'],
      [{ IPFS_API: 'localhost:5001' }, 'error loading configurations: error parsing ipfs node_multiaddress: failed to parse multiaddr "localhost:5001": String multiaddr must start with "/" (from IPFS_API="localhost:5001")'],
      [{ CLUSTER_MONITORPINGINTERVAL: 'fast' }, 'error loading configurations: error parsing cluster.monitor_ping_interval: time: invalid duration "fast" (from CLUSTER_MONITORPINGINTERVAL="fast")'],
      [{ CLUSTER_CRDT_BATCHING_MAXBATCHAGE: '1x' }, 'error loading configurations: error parsing crdt.batching.max_batch_age: time: unknown unit "x" in duration "1x" (from CLUSTER_CRDT_BATCHING_MAXBATCHAGE="1x")'],
      [{ CLUSTER_REPLICATIONFACTORMIN: 'two' }, 'error loading configurations: envconfig.Process: assigning CLUSTER_REPLICATIONFACTORMIN to ReplicationFactorMin: converting \'two\' to type int. details: strconv.ParseInt: parsing "two": invalid syntax']
    ]
    for (const [env, message] of cases) {
      const r = await sb.service(['--config', folder, 'daemon'], { env })
      assert.deepEqual({ code: r.code, err: messages(r) }, { code: 1, err: message + '\n' }, JSON.stringify(env))
      assert.match(r.stderr, /\tINFO\tcluster\tInitializing\. For verbose output run with "-l debug"\. Please wait\.\.\.\n/)
      assert.doesNotMatch(r.stderr, /listening on/)
      assert.equal(existsSync(`${folder}/cluster.lock`), false)
    }

    // an unknown consensus section (and two of them) in service.json
    const cfg = await readJson(`${folder}/service.json`)
    const crdt = cfg.consensus.crdt
    for (const [consensus, warn] of [[{ paxos: {} }, true], [{ crdt, raft: {} }, false]] as const) {
      cfg.consensus = consensus
      await writeJson(`${folder}/service.json`, cfg)
      const r = await sb.service(['--config', folder, 'daemon'])
      assert.deepEqual({ code: r.code, err: messages(r) }, { code: 1, err: 'error creating state manager: could not determine the consensus component\n' }, JSON.stringify(consensus))
      if (warn) assert.match(r.stderr, /\tWARN\tconfig\tunknown configuration section ignored: consensus\.paxos\n/)
    }
    cfg.consensus = { crdt }
    await writeJson(`${folder}/service.json`, cfg)
  })

  describe('init chooses the IPFS connector and says which', () => {
    const connectorOf = async (folder: string): Promise<string[]> => Object.keys((await readJson(`${folder}/service.json`)).ipfs_connector)
    let n = 0
    const init = async (args: string[], env: Record<string, string> = {}): Promise<{ r: RunResult, folder: string }> => {
      const folder = sb.path(`connector-${n++}`)
      const r = await sb.init(folder, { args, env })
      return { r, folder }
    }

    it('ipfshttp when an address is given (--ipfs-api, CLUSTER_IPFSHTTP_NODEMULTIADDRESS, IPFS_API)', async () => {
      const addr = '/ip4/127.0.0.1/tcp/15001'
      for (const [args, env] of [[['--ipfs-api', addr], {}], [[], { CLUSTER_IPFSHTTP_NODEMULTIADDRESS: addr }], [[], { IPFS_API: addr }]] as const) {
        const { r, folder } = await init([...args], env)
        assert.ok(r.stderr.endsWith(`IPFS connector: ipfshttp (Kubo RPC API address given: ${addr}).\n`), r.stderr)
        assert.deepEqual(await connectorOf(folder), ['ipfshttp'])
        assert.equal((await readJson(`${folder}/service.json`)).ipfs_connector.ipfshttp.node_multiaddress, addr)
      }
    })

    it('ipfshttp when a Kubo API answers at the address of $IPFS_PATH/api', async () => {
      const repo = sb.path('kubo-repo')
      await mkdir(repo, { recursive: true })
      await writeFile(`${repo}/api`, kubo.apiMultiaddr)
      const { r, folder } = await init([], { IPFS_PATH: repo })
      assert.ok(r.stderr.endsWith(`IPFS connector: ipfshttp (a Kubo RPC API answers at ${kubo.apiMultiaddr}).\n`), r.stderr)
      const cfg = await readJson(`${folder}/service.json`)
      assert.deepEqual(Object.keys(cfg.ipfs_connector), ['ipfshttp'])
      assert.equal(cfg.ipfs_connector.ipfshttp.node_multiaddress, kubo.apiMultiaddr)
      assert.equal(cfg.api.ipfsproxy.node_multiaddress, kubo.apiMultiaddr)
    })

    it('embedded when no Kubo API answers, and the embedded peer runs', async (t) => {
      if (await defaultKuboAnswers()) {
        t.skip('a Kubo RPC API answers at 127.0.0.1:5001 on this machine')
        return
      }
      const repo = sb.path('dead-kubo-repo')
      await mkdir(repo, { recursive: true })
      await writeFile(`${repo}/api`, `/ip4/127.0.0.1/tcp/${await closedPort()}`)
      const { r, folder } = await init([], { IPFS_PATH: repo })
      assert.ok(r.stderr.endsWith('IPFS connector: embedded (no Kubo RPC API answered at /ip4/127.0.0.1/tcp/5001; use --ipfs-api or CLUSTER_IPFSHTTP_NODEMULTIADDRESS to use one).\n'), r.stderr)
      assert.deepEqual(await connectorOf(folder), ['embedded'])
      const d = await sb.daemon(folder)
      const id = JSON.parse((await sb.ctl(['--host', await d.host(), '--enc=json', 'id'])).stdout)
      assert.equal(id.ipfs.error, '')
      assert.match(id.ipfs.id, /^12D3KooW/)
      assert.equal(await d.stop('SIGTERM'), 0)
      assert.deepEqual(d.errorLines(), [])
    })

    it('--ipfs-connector forces either; a bad value exits 1', async () => {
      const e = await init(['--ipfs-connector', 'embedded'], { IPFS_API: kubo.apiMultiaddr })
      assert.ok(e.r.stderr.endsWith('IPFS connector: embedded (chosen with --ipfs-connector).\n'), e.r.stderr)
      assert.deepEqual(await connectorOf(e.folder), ['embedded'])
      const h = await init(['--ipfs-connector', 'ipfshttp'])
      assert.ok(h.r.stderr.endsWith('IPFS connector: ipfshttp (chosen with --ipfs-connector).\n'), h.r.stderr)
      assert.deepEqual(await connectorOf(h.folder), ['ipfshttp'])
      assert.equal((await readJson(`${h.folder}/service.json`)).ipfs_connector.ipfshttp.node_multiaddress, '/ip4/127.0.0.1/tcp/5001')
      const bad = await sb.service(['--config', sb.path('connector-bad'), 'init', '--ipfs-connector', 'kubo'])
      assert.deepEqual({ code: bad.code, stderr: bad.stderr }, { code: 1, stderr: 'error choosing IPFS connector: flag value must be set to \'ipfshttp\' or \'embedded\' (got "kubo")\n' })
    })
  })

  it('state export → cleanup → import round trip with the daemon stopped; a bad import changes nothing', async () => {
    const folder = sb.path('roundtrip')
    await sb.init(folder, { args: ['--ipfs-api', kubo.apiMultiaddr] })
    const d = await sb.daemon(folder)
    const host = await d.host()
    const pins = [
      ['--name', 'named'],
      ['--metadata', 'kind=text', '--metadata', 'n=1'],
      ['--mode', 'direct'],
      ['-r', '1', '--expire-in', '24h']
    ]
    for (const [i, opts] of pins.entries()) {
      const cid = await kuboAddText(kubo, `roundtrip-${i}`)
      const r = await sb.ctl(['--host', host, 'pin', 'add', '--no-status', ...opts, cid])
      assert.equal(r.code, 0, r.stdout + r.stderr)
    }
    assert.equal(await d.stop('SIGTERM'), 0)

    const exp1 = await sb.service(['--config', folder, 'state', 'export', '-f', sb.path('rt.json')])
    assert.equal(exp1.code, 0, exp1.stderr)
    const exported = await readFile(sb.path('rt.json'), 'utf8')
    assert.equal(exported.split('\n').filter((l) => l !== '').length, pins.length)
    const docs = exported.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l))
    assert.deepEqual(docs.map((p) => p.mode).sort(), ['direct', 'recursive', 'recursive', 'recursive'])

    // a file with one good pin then garbage: exit 1, state untouched
    const bad = exported.split('\n')[0] + '\n{"cid": "not a cid"\n'
    await writeFile(sb.path('bad.json'), bad)
    const imp0 = await sb.service(['--config', folder, 'state', 'import', '-f', sb.path('bad.json')])
    assert.equal(imp0.code, 1)
    assert.match(messages(imp0), /^error importing state: .+\n$/)
    assert.equal((await sb.service(['--config', folder, 'state', 'export'])).stdout, exported)

    assert.equal((await sb.service(['--config', folder, 'state', 'cleanup', '-f'])).code, 0)
    assert.equal((await sb.service(['--config', folder, 'state', 'export'])).stdout, '')
    const imp = await sb.service(['--config', folder, 'state', 'import', '-f', sb.path('rt.json')])
    assert.equal(imp.code, 0, imp.stderr)
    const exp2 = await sb.service(['--config', folder, 'state', 'export'])
    assert.deepEqual(exp2.stdout.split('\n').sort(), exported.split('\n').sort())
    // and the peer tracks them again
    const d2 = await sb.daemon(folder)
    const host2 = await d2.host()
    await waitFor(async () => {
      const st = await sb.ctl(['--host', host2, 'status'])
      return statuses(st.stdout).join(',') === 'PINNED,PINNED,PINNED,PINNED'
    }, { timeout: 20_000, interval: 250, message: 'the imported pins are PINNED' })
    assert.equal(await d2.stop('SIGTERM'), 0)
  })

  it('with an unreachable IPFS API the peer runs, answers /version and /id, and warns clearly (no ERROR)', async () => {
    const d = unreachable
    await d.waitApi()
    const port = await d.restPort()
    const v = await httpGet(port, '/version')
    assert.deepEqual(v && { status: v.status, body: JSON.parse(v.body) }, { status: 200, body: { version: '1.1.6' } })
    const id = await httpGet(port, '/id')
    assert.equal(id?.status, 200)
    const idJson = JSON.parse(id.body)
    assert.notEqual(idJson.ipfs.error, '')
    const text = await sb.ctl(['--host', `/ip4/127.0.0.1/tcp/${port}`, 'id'])
    assert.equal(text.code, 0)
    assert.match(text.stdout, /\n {2}> IPFS ERROR: .+\n$/)

    const warn = new RegExp(`\\tWARN\\tipfshttp\\tcannot reach the IPFS daemon at ${unreachableAddr.replace(/\//g, '\\/')} \\(http://127\\.0\\.0\\.1:${unreachablePort}/api/v0\\): .*loopback address.*CLUSTER_IPFSHTTP_NODEMULTIADDRESS.*\\n`, 'g')
    // repeated (every 10 s)
    await waitFor(() => (d.stderr.match(warn)?.length ?? 0) >= 2, { timeout: 25_000, interval: 200, message: 'a second warning' })
    assert.ok(d.running)
    assert.doesNotMatch(d.stderr, /\*\* IPFS Cluster is READY \*\*/)
    assert.match(d.stderr, /\tINFO\tcluster\tWaiting for IPFS to be ready\.\.\.\n/)
    assert.deepEqual(d.errorLines(), [])

    // once an IPFS daemon answers there, the peer becomes ready
    const late = new FakeKubo({ port: unreachablePort, recordRequests: 0 })
    try {
      await late.start()
    } catch {
      assert.equal(await d.stop('SIGTERM'), 0) // the port was taken meanwhile: nothing more to see
      return
    }
    sb.kubos.push(late)
    await d.waitReady(20_000)
    assert.match(d.stderr, new RegExp(`\\tINFO\\tcluster\\tIPFS is ready\\. Peer ID: ${FIXTURES.PeerID1}\\n`))
    assert.equal(await d.stop('SIGTERM'), 0)
    assert.deepEqual(d.errorLines(), [])
  })
})

/** A valid bootstrap address (the bad one after it must still be reported). */
function otherOk (): string {
  return '/ip4/127.0.0.1/tcp/1/p2p/12D3KooWRN8KRjpyg9rsW2w7StbBRGper65psTZm68cjud9KAkaW'
}
