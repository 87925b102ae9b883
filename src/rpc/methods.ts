/**
 * The typed catalogue of peer-to-peer RPC methods: kind, argument and
 * result types, and the wire codecs used when a call leaves the process.
 * Local calls never touch the codecs.
 */
import { CID } from 'multiformats/cid'
import { idFromJSON, idToJSON, metricFromJSON, metricToJSON, pinFromJSON, pinInfoFromJSON, pinInfoToJSON, pinToJSON, parseCid, cidToString, versionFromJSON } from '../api/index.js'
import type { BlockWithCid, ID, IPFSRepoStat, Metric, PeerIdString, Pin, PinInfo, RepoGC, Version } from '../api/index.js'
import type { RPCMethod } from './policy.js'

export interface RPCMethods {
  'Cluster.ID': { kind: 'unary', arg: null, result: ID }
  'Cluster.IDStream': { kind: 'stream', arg: null, result: ID }
  'Cluster.Version': { kind: 'unary', arg: null, result: Version }
  'Cluster.PeerAdd': { kind: 'unary', arg: PeerIdString, result: ID }
  'Cluster.PeerRemove': { kind: 'unary', arg: PeerIdString, result: null }
  'Cluster.Peers': { kind: 'stream', arg: null, result: ID }
  'Cluster.RecoverAllLocal': { kind: 'stream', arg: null, result: PinInfo }
  'Cluster.RecoverLocal': { kind: 'unary', arg: CID, result: PinInfo }
  'Cluster.RepoGCLocal': { kind: 'unary', arg: null, result: RepoGC }
  'Cluster.SendInformersMetrics': { kind: 'unary', arg: null, result: null }
  'PinTracker.Recover': { kind: 'unary', arg: CID, result: PinInfo }
  'PinTracker.Status': { kind: 'unary', arg: CID, result: PinInfo }
  'PinTracker.StatusAll': { kind: 'stream', arg: number, result: PinInfo }
  'PinTracker.Track': { kind: 'unary', arg: Pin, result: null }
  'PinTracker.Untrack': { kind: 'unary', arg: CID, result: null }
  'PinTracker.PinQueueSize': { kind: 'unary', arg: null, result: number }
  'IPFSConnector.BlockStream': { kind: 'sink', arg: BlockWithCid, result: null }
  'IPFSConnector.RepoStat': { kind: 'unary', arg: null, result: IPFSRepoStat }
  'IPFSConnector.SwarmPeers': { kind: 'unary', arg: null, result: PeerIdString[] }
  'IPFSConnector.BlockGet': { kind: 'unary', arg: CID, result: Uint8Array }
  'Consensus.AddPeer': { kind: 'unary', arg: PeerIdString, result: null }
  'Consensus.RmPeer': { kind: 'unary', arg: PeerIdString, result: null }
  'Consensus.Peers': { kind: 'unary', arg: null, result: PeerIdString[] }
  'PeerMonitor.LatestMetrics': { kind: 'unary', arg: string, result: Metric[] }
  'PeerMonitor.MetricNames': { kind: 'unary', arg: null, result: string[] }
}

// Every policy entry must have a signature and vice versa.
type _Check1 = Exclude<RPCMethod, keyof RPCMethods>
type _Check2 = Exclude<keyof RPCMethods, RPCMethod>
const _exhaustive: [_Check1, _Check2] extends [never, never] ? true : false = true
void _exhaustive

export type ArgOf<M extends RPCMethod> = RPCMethods[M]['arg']
export type ResultOf<M extends RPCMethod> = RPCMethods[M]['result']
export type KindOf<M extends RPCMethod> = RPCMethods[M]['kind']

/** Converts a value to and from its wire form (CBOR-encodable). */
export interface Codec<T> {
  encode(v: T): unknown
  decode(w: unknown): T
}

const nullCodec: Codec<null> = { encode: () => null, decode: () => null }
const identity = <T>(): Codec<T> => ({ encode: (v) => v, decode: (w) => w as T })
const cidCodec: Codec<CID> = { encode: (c) => cidToString(c), decode: (w) => parseCid(String(w)) }
const pinInfoCodec: Codec<PinInfo> = { encode: pinInfoToJSON, decode: pinInfoFromJSON }
const idCodec: Codec<ID> = { encode: idToJSON, decode: idFromJSON }
const pinCodec: Codec<Pin> = { encode: pinToJSON, decode: pinFromJSON }
const bytesCodec: Codec<Uint8Array> = {
  encode: (b) => b,
  decode: (w) => {
    if (!(w instanceof Uint8Array)) throw new Error('expected bytes')
    return w
  }
}

const repoGCCodec: Codec<RepoGC> = {
  encode: (r) => ({ peer: r.peer, peername: r.peername, error: r.error, keys: r.keys.map((k) => ({ key: k.key == null ? null : cidToString(k.key), error: k.error })) }),
  decode: (w) => {
    const o = w as { peer: string, peername: string, error: string, keys: Array<{ key: string | null, error: string }> }
    return { peer: o.peer, peername: o.peername, error: o.error ?? '', keys: (o.keys ?? []).map((k) => ({ key: k.key == null ? null : parseCid(k.key), error: k.error ?? '' })) }
  }
}

const repoStatCodec: Codec<IPFSRepoStat> = {
  encode: (r) => ({ repo_size: r.repoSize.toString(), storage_max: r.storageMax.toString() }),
  decode: (w) => {
    const o = w as { repo_size: string, storage_max: string }
    return { repoSize: BigInt(o.repo_size), storageMax: BigInt(o.storage_max) }
  }
}

const blockCodec: Codec<BlockWithCid> = {
  encode: (b) => ({ cid: b.cid.bytes, data: b.bytes }),
  decode: (w) => {
    const o = w as { cid: Uint8Array, data: Uint8Array }
    return { cid: CID.decode(o.cid), bytes: o.data }
  }
}

const metricsCodec: Codec<Metric[]> = {
  encode: (ms) => ms.map(metricToJSON),
  decode: (w) => (w as unknown[]).map(metricFromJSON)
}

const versionCodec: Codec<Version> = { encode: (v) => ({ version: v.version }), decode: versionFromJSON }

interface MethodCodecs<M extends RPCMethod> {
  arg: Codec<ArgOf<M>>
  result: Codec<ResultOf<M>>
}

export const RPC_CODECS: { [M in RPCMethod]: MethodCodecs<M> } = {
  'Cluster.ID': { arg: nullCodec, result: idCodec },
  'Cluster.IDStream': { arg: nullCodec, result: idCodec },
  'Cluster.Version': { arg: nullCodec, result: versionCodec },
  'Cluster.PeerAdd': { arg: identity<string>(), result: idCodec },
  'Cluster.PeerRemove': { arg: identity<string>(), result: nullCodec },
  'Cluster.Peers': { arg: nullCodec, result: idCodec },
  'Cluster.RecoverAllLocal': { arg: nullCodec, result: pinInfoCodec },
  'Cluster.RecoverLocal': { arg: cidCodec, result: pinInfoCodec },
  'Cluster.RepoGCLocal': { arg: nullCodec, result: repoGCCodec },
  'Cluster.SendInformersMetrics': { arg: nullCodec, result: nullCodec },
  'PinTracker.Recover': { arg: cidCodec, result: pinInfoCodec },
  'PinTracker.Status': { arg: cidCodec, result: pinInfoCodec },
  'PinTracker.StatusAll': { arg: identity<number>(), result: pinInfoCodec },
  'PinTracker.Track': { arg: pinCodec, result: nullCodec },
  'PinTracker.Untrack': { arg: cidCodec, result: nullCodec },
  'PinTracker.PinQueueSize': { arg: nullCodec, result: identity<number>() },
  'IPFSConnector.BlockStream': { arg: blockCodec, result: nullCodec },
  'IPFSConnector.RepoStat': { arg: nullCodec, result: repoStatCodec },
  'IPFSConnector.SwarmPeers': { arg: nullCodec, result: identity<string[]>() },
  'IPFSConnector.BlockGet': { arg: cidCodec, result: bytesCodec },
  'Consensus.AddPeer': { arg: identity<string>(), result: nullCodec },
  'Consensus.RmPeer': { arg: identity<string>(), result: nullCodec },
  'Consensus.Peers': { arg: nullCodec, result: identity<string[]>() },
  'PeerMonitor.LatestMetrics': { arg: identity<string>(), result: metricsCodec },
  'PeerMonitor.MetricNames': { arg: nullCodec, result: identity<string[]>() }
}

export const RPC_KINDS: { [M in RPCMethod]: KindOf<M> } = {
  'Cluster.ID': 'unary',
  'Cluster.IDStream': 'stream',
  'Cluster.Version': 'unary',
  'Cluster.PeerAdd': 'unary',
  'Cluster.PeerRemove': 'unary',
  'Cluster.Peers': 'stream',
  'Cluster.RecoverAllLocal': 'stream',
  'Cluster.RecoverLocal': 'unary',
  'Cluster.RepoGCLocal': 'unary',
  'Cluster.SendInformersMetrics': 'unary',
  'PinTracker.Recover': 'unary',
  'PinTracker.Status': 'unary',
  'PinTracker.StatusAll': 'stream',
  'PinTracker.Track': 'unary',
  'PinTracker.Untrack': 'unary',
  'PinTracker.PinQueueSize': 'unary',
  'IPFSConnector.BlockStream': 'sink',
  'IPFSConnector.RepoStat': 'unary',
  'IPFSConnector.SwarmPeers': 'unary',
  'IPFSConnector.BlockGet': 'unary',
  'Consensus.AddPeer': 'unary',
  'Consensus.RmPeer': 'unary',
  'Consensus.Peers': 'unary',
  'PeerMonitor.LatestMetrics': 'unary',
  'PeerMonitor.MetricNames': 'unary'
}
