/**
 * A pin acknowledged with a 2xx is never lost, with or without batching,
 * even when the peer is killed (SIGKILL) right after the answer: the
 * restarted peer has it and the rest of the cluster gets it.
 *
 * The killed peer is `bin/ipfs-cluster-service daemon` in a child process;
 * the peer it joins runs in this process.
 */
import { describe, it, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cidToString } from '../../src/api/index.js'
import { cleanupPeers, errorLines, freePort, newSecret, startTestPeer } from '../helpers/cluster-peers.js'
import { rest } from '../helpers/cluster-rest.js'
import { testCid } from '../helpers/pins.js'
import { runService } from '../helpers/service-process.js'
import { initPeerFolder } from '../../src/config/index.js'
import { waitFor } from '../helpers/wait-for.js'
import type { TestPeer } from '../helpers/cluster-peers.js'
import type { ServiceProcess } from '../helpers/service-process.js'

const N = 30

async function allocations (url: string): Promise<string[]> {
  return (await rest(url, 'GET', '/allocations')).items.map((i) => i.cid).sort()
}

for (const batching of [true, false]) {
  describe(`acknowledged pins survive SIGKILL (${batching ? 'batching' : 'no batching'})`, () => {
    const peers: TestPeer[] = []
    const procs: ServiceProcess[] = []
    const folders: string[] = []
    after(async () => {
      for (const p of procs) await p.stop('SIGKILL')
      await cleanupPeers(peers)
      for (const f of folders) await rm(f, { recursive: true, force: true })
    })

    it('the restarted peer and the rest of the cluster have every acknowledged pin', async () => {
      const secret = newSecret()
      const a = await startTestPeer({ secret, name: 'stable' })
      peers.push(a)
      await a.peer.ready()

      const folder = await mkdtemp(join(tmpdir(), 'cluster-killed-'))
      folders.push(folder)
      const [cport, rport, pport, xport] = await Promise.all([freePort(), freePort(), freePort(), freePort()])
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: folder,
        CLUSTER_SECRET: secret,
        CLUSTER_PEERNAME: 'killed',
        CLUSTER_LISTENMULTIADDRESS: `/ip4/127.0.0.1/tcp/${cport}`,
        CLUSTER_RESTAPI_HTTPLISTENMULTIADDRESS: `/ip4/127.0.0.1/tcp/${rport}`,
        CLUSTER_PINSVCAPI_HTTPLISTENMULTIADDRESS: `/ip4/127.0.0.1/tcp/${pport}`,
        CLUSTER_IPFSPROXY_LISTENMULTIADDRESS: `/ip4/127.0.0.1/tcp/${xport}`,
        CLUSTER_EMBEDDED_LISTENMULTIADDRESS: '/ip4/127.0.0.1/tcp/0',
        CLUSTER_MONITORPINGINTERVAL: '500ms',
        CLUSTER_CRDT_REBROADCASTINTERVAL: '1s',
        CLUSTER_MDNSINTERVAL: '0s',
        // batching: nothing is committed before the kill (size and age out of reach)
        CLUSTER_CRDT_BATCHING_MAXBATCHSIZE: batching ? '10000' : '0',
        CLUSTER_CRDT_BATCHING_MAXBATCHAGE: batching ? '10m' : '0s'
      }
      // `ipfs-cluster-service init --ipfs-connector embedded`, in-process (faster)
      await initPeerFolder({ folder, connector: 'embedded', env })

      const url = `http://127.0.0.1:${rport}`
      const start = (): ServiceProcess => {
        const p = runService(['--config', folder, 'daemon', '--bootstrap', a.address], { env, name: 'killed' })
        procs.push(p)
        return p
      }
      let k = start()
      await k.waitLine(/joined .*'s cluster/)
      await waitFor(async () => (await rest(a.restURL, 'GET', '/peers')).items.length === 2, { message: 'the stable peer sees the other one' })

      const cids: string[] = []
      for (let i = 0; i < N; i++) {
        const cid = cidToString(testCid(`acknowledged ${batching ? 'b' : 'n'} ${i}`))
        const res = await rest(url, 'POST', `/pins/${cid}`)
        assert.equal(res.status, 200, res.text)
        cids.push(cid)
      }
      // the batch is not committed yet: the pins were never broadcast
      if (batching) assert.deepEqual(await allocations(a.restURL), [])
      k.child.kill('SIGKILL')
      const exit = await k.exited
      assert.equal(exit.signal, 'SIGKILL')

      k = start()
      await k.waitLine(/\*\* IPFS Cluster is READY \*\*/)
      await waitFor(async () => (await allocations(url)).join() === [...cids].sort().join(), { message: 'the restarted peer has every acknowledged pin' })
      await waitFor(async () => (await allocations(a.restURL)).join() === [...cids].sort().join(), { message: 'the stable peer has every acknowledged pin', timeout: 20_000 })
      assert.deepEqual(errorLines(peers), [])
      assert.deepEqual(k.lines.filter((l) => l.includes('\tERROR\t')), [])
    })
  })
}
