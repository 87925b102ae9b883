/**
 * The Pin protobuf of IPFS Cluster (`api/pb/types.proto`), hand-written:
 *
 * ```
 * Pin        { bytes Cid = 1; PinType Type = 2; repeated bytes Allocations = 3;
 *              sint32 MaxDepth = 4; bytes Reference = 5; PinOptions Options = 6;
 *              uint64 Timestamp = 7; }
 * PinOptions { sint32 ReplicationFactorMin = 1; sint32 ReplicationFactorMax = 2;
 *              string Name = 3; uint64 ShardSize = 4; reserved 5;
 *              map<string,string> Metadata = 6 (deprecated, read only);
 *              bytes PinUpdate = 7; uint64 ExpireAt = 8; repeated bytes Origins = 9;
 *              repeated Metadata SortedMetadata = 10; }
 * Metadata   { string Key = 1; string Value = 2; }
 * ```
 *
 * The encoding is canonical (byte-identical for equal pins, as the Go
 * reference after #1547): fields in number order, proto3 defaults omitted,
 * `Options` always present, metadata as a key-sorted list, user allocations
 * never stored, times as unix seconds. The pin mode is not stored (derived
 * from MaxDepth).
 */
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import { multiaddr } from '@multiformats/multiaddr'
import { pinModeFromMaxDepth, pinTypeFromProto, pinTypeToProto } from '../api/enums.js'
import { InvalidArgumentError } from '../errors.js'
import { ProtoReader, ProtoWriter, WIRE_LDELIM, WIRE_VARINT, ldelimFieldSize, unzigzag32, utf8Length } from '../utils/protobuf.js'
import type { Pin } from '../api/types.js'

const CACHE_LIMIT = 4096

/** Peer IDs repeat across millions of pins: cache both conversions. */
const peerBytesCache = new Map<string, Uint8Array>()
const peerStringCache = new Map<string, string>()

function peerIdToBytes (id: string): Uint8Array {
  let b = peerBytesCache.get(id)
  if (b == null) {
    try {
      b = base58btc.baseDecode(id)
    } catch (err) {
      throw new InvalidArgumentError(`invalid peer ID in pin allocations: ${id}`)
    }
    if (peerBytesCache.size >= CACHE_LIMIT) peerBytesCache.clear()
    peerBytesCache.set(id, b)
  }
  return b
}

function latin1 (b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1')
}

function peerIdFromBytes (b: Uint8Array): string {
  const k = latin1(b)
  let s = peerStringCache.get(k)
  if (s == null) {
    s = base58btc.baseEncode(b)
    if (peerStringCache.size >= CACHE_LIMIT) peerStringCache.clear()
    peerStringCache.set(k, s)
  }
  return s
}

function unixSeconds (d: Date | null): number {
  if (d == null) return 0
  const t = d.getTime()
  if (!Number.isFinite(t)) return 0
  return Math.floor(t / 1000)
}

// Scratch writers (encoding is synchronous, so they are never shared).
const OPTS = new ProtoWriter(256)
const MAIN = new ProtoWriter(512)

/** Canonical protobuf bytes of a pin. */
export function pinToProto (pin: Pin): Uint8Array {
  const opts = OPTS.reset()
  if (pin.replicationFactorMin !== 0) opts.sint32Field(1, pin.replicationFactorMin)
  if (pin.replicationFactorMax !== 0) opts.sint32Field(2, pin.replicationFactorMax)
  if (pin.name !== '') opts.stringField(3, pin.name)
  if (pin.shardSize !== 0) opts.int64Field(4, pin.shardSize)
  if (pin.pinUpdate != null) opts.bytesField(7, pin.pinUpdate.bytes)
  const expire = unixSeconds(pin.expireAt)
  if (expire !== 0) opts.int64Field(8, expire)
  for (const o of pin.origins ?? []) {
    let bytes: Uint8Array
    try {
      bytes = multiaddr(o).bytes
    } catch (err) {
      throw new InvalidArgumentError(`invalid origin multiaddress ${o}: ${(err as Error).message}`)
    }
    opts.bytesField(9, bytes)
  }
  if (pin.metadata != null) {
    for (const key of Object.keys(pin.metadata).sort()) {
      const value = pin.metadata[key]
      const kl = utf8Length(key)
      const vl = utf8Length(value)
      const size = (kl > 0 ? ldelimFieldSize(1, kl) : 0) + (vl > 0 ? ldelimFieldSize(2, vl) : 0)
      opts.tag(10, WIRE_LDELIM).uvarint(size)
      if (kl > 0) opts.tag(1, WIRE_LDELIM).uvarint(kl).utf8(key, kl)
      if (vl > 0) opts.tag(2, WIRE_LDELIM).uvarint(vl).utf8(value, vl)
    }
  }

  const w = MAIN.reset()
  w.bytesField(1, pin.cid.bytes)
  const type = pinTypeToProto(pin.type)
  if (type !== 0) w.uvarintField(2, type)
  for (const peer of pin.allocations) {
    w.bytesField(3, peerIdToBytes(peer))
  }
  if (pin.maxDepth !== 0) w.sint32Field(4, pin.maxDepth)
  if (pin.reference != null) w.bytesField(5, pin.reference.bytes)
  w.bytesField(6, opts.view())
  const ts = unixSeconds(pin.timestamp)
  if (ts !== 0) w.int64Field(7, ts)
  return w.finish()
}

function castCid (b: Uint8Array): CID | null {
  if (b.length === 0) return null
  try {
    return CID.decode(b.slice())
  } catch {
    return null
  }
}

interface DecodedOptions {
  replicationFactorMin: number
  replicationFactorMax: number
  name: string
  shardSize: number
  pinUpdate: CID | null
  expireAt: Date | null
  origins: string[]
  metadata: Record<string, string> | null
}

function decodeMapEntry (r: ProtoReader): [string, string] {
  let key = ''
  let value = ''
  while (!r.done) {
    const [field, wt] = r.tag()
    if (field === 1 && wt === WIRE_LDELIM) key = r.string()
    else if (field === 2 && wt === WIRE_LDELIM) value = r.string()
    else r.skip(wt)
  }
  return [key, value]
}

function decodeOptions (buf: Uint8Array, start: number, end: number): DecodedOptions {
  const out: DecodedOptions = {
    replicationFactorMin: 0,
    replicationFactorMax: 0,
    name: '',
    shardSize: 0,
    pinUpdate: null,
    expireAt: null,
    origins: [],
    metadata: null
  }
  let legacy: Array<[string, string]> | undefined
  let sorted: Array<[string, string]> | undefined
  const r = new ProtoReader(buf, start, end)
  while (!r.done) {
    const [field, wt] = r.tag()
    switch (field) {
      case 1:
        r.expect(wt, WIRE_VARINT, 'PinOptions.ReplicationFactorMin')
        out.replicationFactorMin = unzigzag32(r.uvarint())
        break
      case 2:
        r.expect(wt, WIRE_VARINT, 'PinOptions.ReplicationFactorMax')
        out.replicationFactorMax = unzigzag32(r.uvarint())
        break
      case 3:
        r.expect(wt, WIRE_LDELIM, 'PinOptions.Name')
        out.name = r.string()
        break
      case 4:
        r.expect(wt, WIRE_VARINT, 'PinOptions.ShardSize')
        out.shardSize = r.uvarint()
        break
      case 6: {
        r.expect(wt, WIRE_LDELIM, 'PinOptions.Metadata')
        const [s, e] = r.ldelimBounds()
        ;(legacy ??= []).push(decodeMapEntry(new ProtoReader(buf, s, e)))
        break
      }
      case 7:
        r.expect(wt, WIRE_LDELIM, 'PinOptions.PinUpdate')
        out.pinUpdate = castCid(r.bytes())
        break
      case 8: {
        r.expect(wt, WIRE_VARINT, 'PinOptions.ExpireAt')
        const exp = r.int64()
        out.expireAt = exp > 0 || exp < 0 ? new Date(exp * 1000) : null
        break
      }
      case 9: {
        r.expect(wt, WIRE_LDELIM, 'PinOptions.Origins')
        const b = r.bytes()
        try {
          out.origins.push(multiaddr(b.slice()).toString())
        } catch (err) {
          throw new InvalidArgumentError(`invalid origin in pin: ${(err as Error).message}`)
        }
        break
      }
      case 10: {
        r.expect(wt, WIRE_LDELIM, 'PinOptions.SortedMetadata')
        const [s, e] = r.ldelimBounds()
        ;(sorted ??= []).push(decodeMapEntry(new ProtoReader(buf, s, e)))
        break
      }
      default:
        r.skip(wt)
    }
  }
  // As the reference: the legacy map first, the sorted list on top.
  if (legacy != null || sorted != null) {
    const md: Record<string, string> = {}
    for (const [k, v] of legacy ?? []) md[k] = v
    for (const [k, v] of sorted ?? []) md[k] = v
    out.metadata = md
  }
  return out
}

/**
 * Decodes a Pin protobuf. `cid`, when given, overrides the stored CID (the
 * state takes it from the datastore key, as the reference does).
 */
export function pinFromProto (bytes: Uint8Array, cid?: CID): Pin {
  let pinCid: CID | null = cid ?? null
  let type = 0
  const allocations: string[] = []
  let maxDepth = 0
  let reference: CID | null = null
  let timestamp: Date | null = null
  let opts: DecodedOptions | undefined
  const r = new ProtoReader(bytes)
  while (!r.done) {
    const [field, wt] = r.tag()
    switch (field) {
      case 1: {
        r.expect(wt, WIRE_LDELIM, 'Pin.Cid')
        const b = r.bytes()
        if (cid == null) pinCid = castCid(b)
        break
      }
      case 2:
        r.expect(wt, WIRE_VARINT, 'Pin.Type')
        type = r.uvarint()
        break
      case 3:
        r.expect(wt, WIRE_LDELIM, 'Pin.Allocations')
        allocations.push(peerIdFromBytes(r.bytes()))
        break
      case 4:
        r.expect(wt, WIRE_VARINT, 'Pin.MaxDepth')
        maxDepth = unzigzag32(r.uvarint())
        break
      case 5:
        r.expect(wt, WIRE_LDELIM, 'Pin.Reference')
        reference = castCid(r.bytes())
        break
      case 6: {
        r.expect(wt, WIRE_LDELIM, 'Pin.Options')
        const [s, e] = r.ldelimBounds()
        opts = decodeOptions(bytes, s, e)
        break
      }
      case 7: {
        r.expect(wt, WIRE_VARINT, 'Pin.Timestamp')
        const ts = r.int64()
        timestamp = ts > 0 || ts < 0 ? new Date(ts * 1000) : null
        break
      }
      default:
        r.skip(wt)
    }
  }
  if (pinCid == null) {
    throw new InvalidArgumentError('protobuf: pin without a valid cid')
  }
  const o = opts ?? decodeOptions(bytes, 0, 0)
  return {
    replicationFactorMin: o.replicationFactorMin,
    replicationFactorMax: o.replicationFactorMax,
    name: o.name,
    mode: pinModeFromMaxDepth(maxDepth),
    shardSize: o.shardSize,
    userAllocations: null,
    expireAt: o.expireAt,
    metadata: o.metadata,
    pinUpdate: o.pinUpdate,
    origins: o.origins,
    cid: pinCid,
    type: pinTypeFromProto(type),
    allocations,
    maxDepth,
    reference,
    timestamp
  }
}

/** Reads only the CID of a Pin protobuf (cheap; undefined when absent). */
export function pinCidFromProto (bytes: Uint8Array): CID | undefined {
  const r = new ProtoReader(bytes)
  while (!r.done) {
    const [field, wt] = r.tag()
    if (field === 1 && wt === WIRE_LDELIM) return castCid(r.bytes()) ?? undefined
    r.skip(wt)
  }
  return undefined
}
