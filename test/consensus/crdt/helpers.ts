import { createMemoryKVStore } from '../../../src/datastore/index.js'
import { createCRDTConsensus } from '../../../src/consensus/crdt/index.js'
import { createLogger, parseLogLevels, silentLogger } from '../../../src/logging/index.js'
import { pinToJSON, toJSONText } from '../../../src/api/json.js'
import { testPeerId } from '../../helpers/pins.js'
import type { CRDTConsensus, CRDTConsensusInit } from '../../../src/consensus/crdt/index.js'
import { afterEach } from 'node:test'
import { CRDTTestNetwork } from '../../fakes/crdt-network.js'
import type { ComponentLogger, KVStore } from '../../../src/interfaces.js'
import type { Pin } from '../../../src/api/types.js'
import type { CID } from 'multiformats/cid'

/** Logs to stderr when CRDT_TEST_LOG is set (e.g. `crdt:debug`). */
export function testLogger (prefix: string): ComponentLogger {
  const spec = process.env.CRDT_TEST_LOG
  if (spec == null || spec === '') return silentLogger()
  return createLogger({ levels: parseLogLevels(spec), prefix: `[${prefix}] ` })
}

export function crdtConfig (over: Partial<CRDTConsensusInit> = {}): CRDTConsensusInit {
  return {
    clusterName: 'crdt-test',
    trustedPeers: ['*'],
    trustAll: true,
    batching: { maxBatchSize: 0, maxBatchAge: 0, maxQueueSize: 50000 },
    repairInterval: 60 * 60 * 1000,
    rebroadcastInterval: 60 * 60 * 1000,
    peersetMetric: 'ping',
    datastoreNamespace: '/c',
    dagSyncerTimeout: 5000,
    ...over
  }
}

export interface Replica {
  id: string
  name: string
  store: KVStore
  consensus: CRDTConsensus
  /** Hook calls, in order: `pin <cid> <name>` / `unpin <cid>`. */
  events: string[]
}

export interface ReplicaOptions {
  store?: KVStore
  config?: Partial<CRDTConsensusInit>
  /** Use the CRDTBroadcaster of the network instead of its pubsub. */
  broadcaster?: boolean
  peersetProvider?: () => Promise<string[]>
}

export async function startReplica (network: CRDTTestNetwork, name: string, opts: ReplicaOptions = {}): Promise<Replica> {
  const id = testPeerId(name)
  const store = opts.store ?? createMemoryKVStore()
  await store.start()
  const events: string[] = []
  let consensus: CRDTConsensus | undefined
  const endpoint = network.join(id, async (cid) => await consensus?.getBlock(cid))
  consensus = createCRDTConsensus({
    store,
    peerId: id,
    logger: testLogger(name),
    pubsub: opts.broadcaster === true ? undefined : endpoint.pubsub,
    broadcaster: opts.broadcaster === true ? endpoint.broadcaster : undefined,
    dagSyncer: endpoint.dagSyncer,
    peersetProvider: opts.peersetProvider,
    onPin: (pin: Pin) => { events.push(`pin ${pin.cid.toString()} ${pin.name}`) },
    onUnpin: (cid: CID) => { events.push(`unpin ${cid.toString()}`) }
  }, crdtConfig(opts.config))
  await consensus.start()
  return { id, name, store, consensus, events }
}

/** Sorted `cid name` lines of a replica's state. */
export async function digest (r: Replica | CRDTConsensus): Promise<string[]> {
  const c = 'consensus' in r ? r.consensus : r
  const out: string[] = []
  for await (const p of c.state().list()) out.push(`${p.cid.toString()} ${p.name}`)
  return out.sort()
}

/** Sorted full JSON of a replica's state. */
export async function fullState (c: CRDTConsensus): Promise<string[]> {
  const out: string[] = []
  for await (const p of c.state().list()) out.push(toJSONText(pinToJSON(p)))
  return out.sort()
}

export function headsOf (r: Replica): string[] {
  return r.consensus.info().heads.map((h) => h.toString()).sort()
}

export async function stopAll (replicas: Replica[]): Promise<void> {
  for (const r of replicas) {
    await r.consensus.stop()
    await r.store.stop()
  }
}

/**
 * Per-test replicas for a suite: `network()` is a fresh in-memory network
 * for the current test, `start()` a replica on it; both are stopped and
 * closed after each test (registers an `afterEach`).
 */
export function useReplicas (): { network: () => CRDTTestNetwork, start: (name: string, opts?: ReplicaOptions) => Promise<Replica> } {
  let replicas: Replica[] = []
  let net: CRDTTestNetwork | undefined
  afterEach(async () => {
    await stopAll(replicas)
    replicas = []
    net?.close()
    net = undefined
  })
  const network = (): CRDTTestNetwork => {
    net ??= new CRDTTestNetwork()
    return net
  }
  return {
    network,
    start: async (name, opts) => {
      const r = await startReplica(network(), name, opts)
      replicas.push(r)
      return r
    }
  }
}
