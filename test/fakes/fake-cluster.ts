/**
 * An in-memory ClusterAPI for the HTTP API tests: a pinset in a Map,
 * computed or canned statuses, and injectable failures. A fake, not a
 * cluster: no consensus, no IPFS, no allocation logic.
 */
import { createHash } from 'node:crypto'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { create as createDigest } from 'multiformats/hashes/digest'
import { cidToString, parseCid } from '../../src/api/encoding.js'
import { PinType, TrackerStatus, trackerStatusMatch } from '../../src/api/enums.js'
import { clonePin, newPin, pinInfoToGlobal } from '../../src/api/json.js'
import { AbortError, InvalidArgumentError, IPFSError, PinNotFoundError } from '../../src/errors.js'
import type { AddedOutput, Alert, BandwidthByProtocol, ConnectGraph, GlobalPinInfo, GlobalRepoGC, ID, IPFSID, IPFSRepoStat, Metric, Pin, PinInfo, PinOptions, RepoGC, Version } from '../../src/api/types.js'
import type { AbortOptions, AddEntry, AddParams, ClusterAPI, IPFSConnector, ProgressOptions } from '../../src/interfaces.js'

/** A deterministic, valid Ed25519-style peer ID (identity multihash). */
export function fakePeerId (n: number): string {
  const bytes = new Uint8Array(38)
  bytes.set([0x00, 0x24, 0x08, 0x01, 0x12, 0x20])
  bytes.fill(n & 0xff, 6)
  bytes[37] = (n >> 8) & 0xff
  return base58btc.baseEncode(bytes)
}

/** A deterministic CIDv1 (raw, sha2-256) of a label. */
export function fakeCid (label: string): CID {
  const digest = createHash('sha256').update(label).digest()
  return CID.createV1(raw.code, createDigest(0x12, digest))
}

export function throwIfAborted (signal?: AbortSignal): void {
  if (signal?.aborted === true) throw new AbortError()
}

export interface AddedEntryRecord {
  path: string
  type: AddEntry['type']
  size: number
  sha256?: string
  target?: string
  mode?: number
  mtime?: { secs: bigint, nsecs?: number }
}

export class FakeCluster implements ClusterAPI {
  readonly selfId: string
  readonly peerIds: string[]
  peername = 'fake0'
  now: () => Date = () => new Date('2026-05-11T08:17:41.123Z')
  readonly pinset = new Map<string, Pin>()
  /** Canned global statuses by CID string (override computed ones). */
  readonly canned = new Map<string, GlobalPinInfo>()
  /** Errors thrown by a method (by name) until removed. */
  readonly failures = new Map<string, Error>()
  /** Errors thrown by status calls for one CID (by CID string). */
  readonly statusFailures = new Map<string, Error>()
  readonly calls: Array<{ method: string, args: unknown[] }> = []
  alertsList: Alert[] = []
  bandwidth: BandwidthByProtocol = null
  metrics = new Map<string, Metric[]>()
  ipfsAddrs = new Map<string, string[]>()
  /** Records of the last add. */
  added: AddedEntryRecord[] = []
  addParams?: AddParams
  /** Called with the bytes read so far after each chunk of an add. */
  onAddChunk?: (bytesSoFar: number) => void
  /** The error that ended the last add, if any. */
  addError?: unknown
  /** Make `add` fail after reading this many entries. */
  addFailAfter?: number

  constructor (peers = 3) {
    this.peerIds = Array.from({ length: peers }, (_, i) => fakePeerId(i + 1)).sort()
    this.selfId = this.peerIds[0]
  }

  /** Forgets pins, canned answers, failures and recorded calls. */
  reset (): void {
    this.pinset.clear()
    this.canned.clear()
    this.failures.clear()
    this.statusFailures.clear()
    this.calls.length = 0
    this.alertsList = []
    this.bandwidth = null
    this.metrics.clear()
    this.ipfsAddrs.clear()
    this.added = []
    this.addFailAfter = undefined
    this.onAddChunk = undefined
    this.addError = undefined
  }

  private record (method: string, ...args: unknown[]): void {
    this.calls.push({ method, args })
    const err = this.failures.get(method)
    if (err != null) throw err
  }

  callsOf (method: string): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args)
  }

  ipfsIdOf (peer: string): IPFSID {
    return { id: peer === this.selfId ? fakePeerId(100) : fakePeerId(200 + this.peerIds.indexOf(peer)), addresses: this.ipfsAddrs.get(peer) ?? [], error: '' }
  }

  idOf (peer: string): ID {
    return {
      id: peer,
      addresses: [`/ip4/127.0.0.1/tcp/9096/p2p/${peer}`],
      clusterPeers: [...this.peerIds],
      clusterPeersAddresses: [],
      version: '1.1.6',
      commit: '',
      rpcProtocolVersion: '/ipfscluster/1.0/rpc',
      error: '',
      ipfs: this.ipfsIdOf(peer),
      peername: peer === this.selfId ? this.peername : `peer${this.peerIds.indexOf(peer)}`
    }
  }

  async id (options?: AbortOptions): Promise<ID> {
    this.record('id', options)
    return this.idOf(this.selfId)
  }

  version (): Version {
    return { version: '1.1.6' }
  }

  async * peers (options?: AbortOptions): AsyncGenerator<ID> {
    this.record('peers')
    for (const p of this.peerIds) {
      throwIfAborted(options?.signal)
      yield this.idOf(p)
    }
  }

  async peerAdd (peer: string, options?: AbortOptions): Promise<ID> {
    this.record('peerAdd', peer, options)
    return this.idOf(peer)
  }

  async peerRemove (peer: string, options?: AbortOptions): Promise<void> {
    this.record('peerRemove', peer, options)
  }

  async pin (cid: CID, opts: PinOptions, options?: AbortOptions): Promise<Pin> {
    this.record('pin', cid, opts, options)
    let base = opts
    if (opts.pinUpdate != null && !opts.pinUpdate.equals(cid)) {
      const from = this.pinset.get(cidToString(opts.pinUpdate))
      if (from == null) throw new PinNotFoundError()
      base = { ...from, name: opts.name !== '' ? opts.name : from.name, pinUpdate: opts.pinUpdate }
    }
    const pin = newPin(cid, { ...base })
    if (pin.replicationFactorMin === 0) pin.replicationFactorMin = -1
    if (pin.replicationFactorMax === 0) pin.replicationFactorMax = -1
    pin.allocations = pin.replicationFactorMax === -1 ? [] : this.peerIds.slice(0, pin.replicationFactorMax)
    pin.timestamp = this.now()
    this.pinset.set(cidToString(cid), clonePin(pin))
    return pin
  }

  async pinObject (pin: Pin, options?: AbortOptions): Promise<Pin> {
    this.record('pinObject', pin, options)
    this.pinset.set(cidToString(pin.cid), clonePin(pin))
    return pin
  }

  async pinPath (path: string, opts: PinOptions, options?: AbortOptions): Promise<Pin> {
    this.record('pinPath', path, opts, options)
    return await this.pin(await this.resolve(path), opts, options)
  }

  async unpin (cid: CID, options?: AbortOptions): Promise<Pin> {
    this.record('unpin', cid, options)
    const key = cidToString(cid)
    const pin = this.pinset.get(key)
    if (pin == null) throw new PinNotFoundError()
    this.pinset.delete(key)
    return pin
  }

  async unpinPath (path: string, options?: AbortOptions): Promise<Pin> {
    this.record('unpinPath', path, options)
    return await this.unpin(await this.resolve(path), options)
  }

  async * pins (typeFilter: number, options?: AbortOptions): AsyncGenerator<Pin> {
    this.record('pins', typeFilter)
    for (const p of [...this.pinset.values()]) {
      throwIfAborted(options?.signal)
      if (typeFilter === PinType.All || (p.type & typeFilter) !== 0) yield clonePin(p)
    }
  }

  async pinGet (cid: CID, options?: AbortOptions): Promise<Pin> {
    this.record('pinGet', cid, options)
    const p = this.pinset.get(cidToString(cid))
    if (p == null) throw new PinNotFoundError()
    return clonePin(p)
  }

  /** PinInfo of `cid` on `peer`: pinned when in the pinset, else unpinned. */
  pinInfo (cid: CID, peer: string): PinInfo {
    const pin = this.pinset.get(cidToString(cid))
    return {
      cid,
      name: pin?.name ?? '',
      peer,
      allocations: pin?.allocations ?? [],
      origins: pin?.origins ?? [],
      created: pin?.timestamp ?? null,
      metadata: pin?.metadata ?? null,
      peername: peer === this.selfId ? this.peername : `peer${this.peerIds.indexOf(peer)}`,
      ipfsPeerId: this.ipfsIdOf(peer).id,
      ipfsPeerAddresses: this.ipfsAddrs.get(peer) ?? [],
      status: pin != null ? TrackerStatus.Pinned : TrackerStatus.Unpinned,
      timestamp: pin?.timestamp ?? this.now(),
      error: '',
      attemptCount: 0,
      priorityPin: false
    }
  }

  globalStatus (cid: CID): GlobalPinInfo {
    const canned = this.canned.get(cidToString(cid))
    if (canned != null) return canned
    let g: GlobalPinInfo | undefined
    for (const peer of this.peerIds) {
      const info = this.pinInfo(cid, peer)
      if (g == null) g = pinInfoToGlobal(info)
      else g.peerMap.set(peer, info)
    }
    return g as GlobalPinInfo
  }

  async status (cid: CID, options?: AbortOptions): Promise<GlobalPinInfo> {
    this.record('status', cid, options)
    const err = this.statusFailures.get(cidToString(cid))
    if (err != null) throw err
    return this.globalStatus(cid)
  }

  async statusLocal (cid: CID, options?: AbortOptions): Promise<PinInfo> {
    this.record('statusLocal', cid, options)
    const err = this.statusFailures.get(cidToString(cid))
    if (err != null) throw err
    return this.pinInfo(cid, this.selfId)
  }

  async * statusAll (filter: number, options?: AbortOptions): AsyncGenerator<GlobalPinInfo> {
    this.record('statusAll', filter)
    const keys = new Set([...this.pinset.keys(), ...this.canned.keys()])
    for (const key of keys) {
      throwIfAborted(options?.signal)
      const g = this.globalStatus(parseCid(key))
      const matching = [...g.peerMap.entries()].filter(([, s]) => trackerStatusMatch(s.status, filter))
      if (matching.length === 0) continue
      yield { ...g, peerMap: new Map(matching) }
    }
  }

  async * statusAllLocal (filter: number, options?: AbortOptions): AsyncGenerator<PinInfo> {
    this.record('statusAllLocal', filter)
    for (const key of [...this.pinset.keys()]) {
      throwIfAborted(options?.signal)
      const info = this.pinInfo(parseCid(key), this.selfId)
      if (trackerStatusMatch(info.status, filter)) yield info
    }
  }

  async recover (cid: CID, options?: AbortOptions): Promise<GlobalPinInfo> {
    this.record('recover', cid, options)
    return this.globalStatus(cid)
  }

  async recoverLocal (cid: CID, options?: AbortOptions): Promise<PinInfo> {
    this.record('recoverLocal', cid, options)
    if (!this.pinset.has(cidToString(cid))) throw new PinNotFoundError()
    return this.pinInfo(cid, this.selfId)
  }

  async * recoverAll (options?: AbortOptions): AsyncGenerator<GlobalPinInfo> {
    this.record('recoverAll')
    for (const key of [...this.pinset.keys()]) {
      throwIfAborted(options?.signal)
      yield this.globalStatus(parseCid(key))
    }
  }

  async * recoverAllLocal (options?: AbortOptions): AsyncGenerator<PinInfo> {
    this.record('recoverAllLocal')
    for (const key of [...this.pinset.keys()]) {
      throwIfAborted(options?.signal)
      yield this.pinInfo(parseCid(key), this.selfId)
    }
  }

  repoGCOf (peer: string): RepoGC {
    return { peer, peername: peer === this.selfId ? this.peername : `peer${this.peerIds.indexOf(peer)}`, keys: [{ key: fakeCid('gc1'), error: '' }, { key: null, error: 'could not remove' }], error: '' }
  }

  async repoGC (options?: AbortOptions): Promise<GlobalRepoGC> {
    this.record('repoGC', options)
    return { peerMap: new Map(this.peerIds.map((p) => [p, this.repoGCOf(p)])) }
  }

  async repoGCLocal (options?: AbortOptions): Promise<RepoGC> {
    this.record('repoGCLocal', options)
    return this.repoGCOf(this.selfId)
  }

  async repoStat (options?: AbortOptions): Promise<IPFSRepoStat> {
    this.record('repoStat', options)
    return { repoSize: 1000n, storageMax: 10000n }
  }

  async connectGraph (options?: AbortOptions): Promise<ConnectGraph> {
    this.record('connectGraph', options)
    const ids = this.peerIds
    return {
      clusterId: this.selfId,
      idToPeername: new Map(ids.map((p) => [p, this.idOf(p).peername])),
      ipfsLinks: new Map(ids.map((p) => [this.ipfsIdOf(p).id, ids.filter((q) => q !== p).map((q) => this.ipfsIdOf(q).id)])),
      clusterLinks: new Map(ids.map((p) => [p, ids.filter((q) => q !== p)])),
      clusterTrustLinks: new Map(ids.map((p) => [p, true])),
      clusterToIpfs: new Map(ids.map((p) => [p, this.ipfsIdOf(p).id]))
    }
  }

  alerts (): Alert[] {
    return this.alertsList
  }

  bandwidthByProtocol (): BandwidthByProtocol {
    return this.bandwidth
  }

  async latestMetrics (name: string, options?: AbortOptions): Promise<Metric[]> {
    this.record('latestMetrics', name, options)
    return this.metrics.get(name) ?? []
  }

  metricNames (): string[] {
    return [...this.metrics.keys()]
  }

  ipfsID (peer: string): IPFSID {
    return this.ipfsIdOf(peer === '' ? this.selfId : peer)
  }

  async blockAllocate (pin: Pin, options?: AbortOptions): Promise<string[]> {
    this.record('blockAllocate', pin, options)
    return [...this.peerIds]
  }

  /**
   * Reads every entry, hashing file contents (nothing is kept in memory),
   * and yields one output per entry (CID = raw CID of the content digest).
   */
  async * add (entries: AsyncIterable<AddEntry>, params: AddParams, options?: AbortOptions & ProgressOptions<AddedOutput>): AsyncGenerator<AddedOutput> {
    this.record('add', params)
    this.added = []
    this.addParams = params
    this.addError = undefined
    try {
      yield * this.addEntries(entries, params, options)
    } catch (err) {
      this.addError = err
      throw err
    }
  }

  private async * addEntries (entries: AsyncIterable<AddEntry>, params: AddParams, options?: AbortOptions & ProgressOptions<AddedOutput>): AsyncGenerator<AddedOutput> {
    let n = 0
    let total = 0
    for await (const entry of entries) {
      throwIfAborted(options?.signal)
      if (this.addFailAfter != null && n >= this.addFailAfter) {
        throw new InvalidArgumentError('fake add failure')
      }
      n++
      const rec: AddedEntryRecord = { path: entry.path, type: entry.type, size: 0 }
      if (entry.mode != null) rec.mode = entry.mode
      if (entry.mtime != null) rec.mtime = entry.mtime
      const hash = createHash('sha256')
      if (entry.content != null) {
        let sinceProgress = 0
        const chunks: Buffer[] = []
        for await (const chunk of entry.content) {
          throwIfAborted(options?.signal)
          hash.update(chunk)
          rec.size += chunk.byteLength
          if (entry.type === 'symlink') chunks.push(Buffer.from(chunk))
          sinceProgress += chunk.byteLength
          if (params.progress && sinceProgress >= 256 * 1024) {
            sinceProgress = 0
            options?.onProgress?.({ type: 'add:progress', detail: { name: entry.path, cid: null, bytes: rec.size, size: 0, allocations: [] } })
          }
          total += chunk.byteLength
          this.onAddChunk?.(total)
        }
        if (entry.type === 'symlink') rec.target = Buffer.concat(chunks).toString('utf8')
        if (params.progress && entry.type === 'file') {
          options?.onProgress?.({ type: 'add:progress', detail: { name: entry.path, cid: null, bytes: rec.size, size: 0, allocations: [] } })
        }
      }
      const digest = hash.digest()
      if (entry.type !== 'directory') rec.sha256 = digest.toString('hex')
      this.added.push(rec)
      yield { name: entry.path, cid: CID.createV1(raw.code, createDigest(0x12, digest)), bytes: 0, size: rec.size, allocations: params.local ? [this.selfId] : [] }
    }
  }

  async resolve (path: string, options?: AbortOptions): Promise<CID> {
    this.record('resolve', path, options)
    const m = /^\/(ipfs|ipld)\/([^/]+)$/.exec(path)
    if (m == null) throw new IPFSError(`cannot resolve ${path}`)
    return parseCid(m[2])
  }

  ipfsConnector (): IPFSConnector {
    throw new Error('the fake cluster has no IPFS connector')
  }
}
