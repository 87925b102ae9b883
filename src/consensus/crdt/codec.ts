/**
 * Wire formats of the Merkle-CRDT (go-ds-crdt v0.6.8 compatible):
 *
 * - `Delta { repeated Element elements = 1; repeated Element tombstones = 2; uint64 priority = 3; }`
 *   `Element { string key = 1; string id = 2; bytes value = 3; }`
 * - DAG node: dag-pb (`PBNode { repeated PBLink Links = 2; bytes Data = 1; }`,
 *   `PBLink { bytes Hash = 1; string Name = 2; uint64 Tsize = 3; }`), Data =
 *   the delta, one link (empty name, size 0) per head at creation time;
 *   CIDv1, dag-pb, sha2-256.
 * - Broadcast: `CRDTBroadcast { repeated Head Heads = 1; }`, `Head { bytes Cid = 1; }`.
 *
 * Extension (we control both ends): `CRDTBroadcast` may carry, in field 15,
 * `repeated Block { bytes cid = 1; bytes data = 2; }` with the block of a
 * freshly created head, so receivers apply it without a fetch round-trip.
 * Receivers verify each block against its CID and ignore bad ones; peers
 * that do not know the field fetch the head as usual (note: go-ds-crdt
 * treats a payload with unknown fields as a legacy CID broadcast, so Go
 * peers would drop these messages: this is not meant for mixed clusters).
 * A legacy payload (raw CID bytes) is still understood.
 */
import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { base32Upper, base32UpperDecode } from '../../api/encoding.js'
import { InvalidArgumentError } from '../../errors.js'
import { ProtoReader, ProtoWriter, WIRE_LDELIM, WIRE_VARINT, ldelimFieldSize, utf8Decode, utf8Encode, utf8Length, uvarintSize } from '../../utils/protobuf.js'

export const DAG_PB_CODE = 0x70
export const SHA2_256_CODE = 0x12

export interface DeltaElement {
  key: string
  /** Only for tombstones: `/` + base32 multihash of the block that added the element. */
  id?: string
  value?: Uint8Array
}

export interface Delta {
  elements: DeltaElement[]
  tombstones: DeltaElement[]
  priority: number
}

/** A decoded dag-pb node of the CRDT DAG. */
export interface DagNode {
  links: CID[]
  data: Uint8Array
}

export interface InlineBlock {
  cid: CID
  data: Uint8Array
}

export interface Broadcast {
  heads: CID[]
  blocks: InlineBlock[]
}

// ---------------------------------------------------------------------------
// Delta
// ---------------------------------------------------------------------------

interface EncodedElement {
  key: string
  keyLen: number
  id?: string
  idLen: number
  value?: Uint8Array
  size: number
}

function prepareElement (e: DeltaElement): EncodedElement {
  const keyLen = utf8Length(e.key)
  const id = e.id != null && e.id !== '' ? e.id : undefined
  const idLen = id != null ? utf8Length(id) : 0
  const value = e.value != null && e.value.length > 0 ? e.value : undefined
  let size = 0
  if (keyLen > 0) size += ldelimFieldSize(1, keyLen)
  if (id != null) size += ldelimFieldSize(2, idLen)
  if (value != null) size += ldelimFieldSize(3, value.length)
  return { key: e.key, keyLen, id, idLen, value, size }
}

function writeElement (w: ProtoWriter, field: number, e: EncodedElement): void {
  w.tag(field, WIRE_LDELIM).uvarint(e.size)
  if (e.keyLen > 0) w.tag(1, WIRE_LDELIM).uvarint(e.keyLen).utf8(e.key, e.keyLen)
  if (e.id != null) w.tag(2, WIRE_LDELIM).uvarint(e.idLen).utf8(e.id, e.idLen)
  if (e.value != null) w.bytesField(3, e.value)
}

export function encodeDelta (d: Delta): Uint8Array {
  const elems = d.elements.map(prepareElement)
  const tombs = d.tombstones.map(prepareElement)
  let total = 11
  for (const e of elems) total += ldelimFieldSize(1, e.size)
  for (const e of tombs) total += ldelimFieldSize(2, e.size)
  const w = new ProtoWriter(total)
  for (const e of elems) writeElement(w, 1, e)
  for (const e of tombs) writeElement(w, 2, e)
  if (d.priority !== 0) w.uvarintField(3, d.priority)
  return w.finish()
}

function decodeElement (buf: Uint8Array, start: number, end: number): DeltaElement {
  const r = new ProtoReader(buf, start, end)
  const e: DeltaElement = { key: '' }
  while (!r.done) {
    const [field, wt] = r.tag()
    if (field === 1 && wt === WIRE_LDELIM) e.key = r.string()
    else if (field === 2 && wt === WIRE_LDELIM) e.id = r.string()
    else if (field === 3 && wt === WIRE_LDELIM) e.value = r.bytes()
    else r.skip(wt)
  }
  return e
}

/** Decodes a delta; element values are views into `buf`. */
export function decodeDelta (buf: Uint8Array): Delta {
  const d: Delta = { elements: [], tombstones: [], priority: 0 }
  const r = new ProtoReader(buf)
  while (!r.done) {
    const [field, wt] = r.tag()
    if ((field === 1 || field === 2) && wt === WIRE_LDELIM) {
      const [s, e] = r.ldelimBounds()
      const el = decodeElement(buf, s, e)
      if (field === 1) d.elements.push(el)
      else d.tombstones.push(el)
    } else if (field === 3 && wt === WIRE_VARINT) {
      d.priority = r.uvarint()
    } else {
      r.skip(wt)
    }
  }
  return d
}

function bytesEqualAt (buf: Uint8Array, start: number, end: number, want: Uint8Array): boolean {
  if (end - start !== want.length) return false
  for (let i = 0; i < want.length; i++) {
    if (buf[start + i] !== want[i]) return false
  }
  return true
}

/**
 * The priority of a delta and the values it adds for one key, without
 * decoding the other elements (a 1 MiB delta holds thousands).
 */
export function deltaValuesForKey (buf: Uint8Array, key: string): { priority: number, values: Uint8Array[] } {
  const want = utf8Encode(key)
  const out: { priority: number, values: Uint8Array[] } = { priority: 0, values: [] }
  const r = new ProtoReader(buf)
  while (!r.done) {
    const [field, wt] = r.tag()
    if (field === 1 && wt === WIRE_LDELIM) {
      const [s, e] = r.ldelimBounds()
      const er = new ProtoReader(buf, s, e)
      let match = want.length === 0
      let value: Uint8Array = new Uint8Array(0)
      while (!er.done) {
        const [f, w] = er.tag()
        if (f === 1 && w === WIRE_LDELIM) {
          const [ks, ke] = er.ldelimBounds()
          match = bytesEqualAt(buf, ks, ke, want)
          if (!match) break
        } else if (f === 3 && w === WIRE_LDELIM) {
          value = er.bytes()
        } else {
          er.skip(w)
        }
      }
      if (match) out.values.push(value)
    } else if (field === 3 && wt === WIRE_VARINT) {
      out.priority = r.uvarint()
    } else {
      r.skip(wt)
    }
  }
  return out
}

// ---------------------------------------------------------------------------
// dag-pb nodes
// ---------------------------------------------------------------------------

/** dag-pb bytes of a node with `data` and one unnamed, zero-size link per CID. */
export function encodeNode (data: Uint8Array, links: CID[]): Uint8Array {
  let total = ldelimFieldSize(1, data.length)
  const linkSizes: number[] = []
  for (const l of links) {
    // Hash, Name "" and Tsize 0 (as go-merkledag writes them)
    const size = ldelimFieldSize(1, l.bytes.length) + 2 + 2
    linkSizes.push(size)
    total += ldelimFieldSize(2, size)
  }
  const w = new ProtoWriter(total)
  links.forEach((l, i) => {
    w.tag(2, WIRE_LDELIM).uvarint(linkSizes[i])
    w.bytesField(1, l.bytes)
    w.tag(2, WIRE_LDELIM).uvarint(0)
    w.uvarintField(3, 0)
  })
  w.bytesField(1, data)
  return w.finish()
}

export function decodeNode (buf: Uint8Array): DagNode {
  const links: CID[] = []
  let data: Uint8Array = new Uint8Array(0)
  const r = new ProtoReader(buf)
  while (!r.done) {
    const [field, wt] = r.tag()
    if (field === 2 && wt === WIRE_LDELIM) {
      const [s, e] = r.ldelimBounds()
      const lr = new ProtoReader(buf, s, e)
      let hash: Uint8Array | undefined
      while (!lr.done) {
        const [f, w] = lr.tag()
        if (f === 1 && w === WIRE_LDELIM) hash = lr.bytes()
        else lr.skip(w)
      }
      if (hash == null) throw new InvalidArgumentError('dag-pb: link without hash')
      links.push(CID.decode(hash.slice()))
    } else if (field === 1 && wt === WIRE_LDELIM) {
      data = r.bytes()
    } else {
      throw new InvalidArgumentError(`dag-pb: unexpected field ${field}`)
    }
  }
  return { links, data }
}

export function sha256 (bytes: Uint8Array): Uint8Array {
  const d = createHash('sha256').update(bytes).digest()
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength)
}

/** CIDv1 dag-pb sha2-256 of a block. */
export function nodeCid (block: Uint8Array): CID {
  return CID.createV1(DAG_PB_CODE, Digest.create(SHA2_256_CODE, sha256(block)))
}

/** True when `block` hashes to `cid` (sha2-256 only). */
export function verifyBlock (cid: CID, block: Uint8Array): boolean {
  if (cid.multihash.code !== SHA2_256_CODE) return false
  const d = sha256(block)
  const want = cid.multihash.digest
  if (d.length !== want.length) return false
  for (let i = 0; i < d.length; i++) {
    if (d[i] !== want[i]) return false
  }
  return true
}

// ---------------------------------------------------------------------------
// Multihash keys
// ---------------------------------------------------------------------------

/** base32 (upper, no padding) of a CID's multihash: the datastore name of a block. */
export function mhKey (cid: CID): string {
  return base32Upper(cid.multihash.bytes)
}

/** The CIDv1 dag-pb of a multihash key (what element ids refer to). */
export function cidFromMhKey (key: string): CID {
  const k = key.startsWith('/') ? key.slice(1) : key
  return CID.createV1(DAG_PB_CODE, Digest.decode(base32UpperDecode(k)))
}

// ---------------------------------------------------------------------------
// Broadcast
// ---------------------------------------------------------------------------

const BLOCKS_FIELD = 15

export function encodeBroadcast (b: Broadcast): Uint8Array {
  const w = new ProtoWriter(64 + b.blocks.reduce((n, x) => n + x.data.length + 64, 0))
  for (const h of b.heads) {
    w.tag(1, WIRE_LDELIM).uvarint(ldelimFieldSize(1, h.bytes.length))
    w.bytesField(1, h.bytes)
  }
  for (const blk of b.blocks) {
    const size = ldelimFieldSize(1, blk.cid.bytes.length) + ldelimFieldSize(2, blk.data.length)
    w.tag(BLOCKS_FIELD, WIRE_LDELIM).uvarint(size)
    w.bytesField(1, blk.cid.bytes)
    w.bytesField(2, blk.data)
  }
  return w.finish()
}

function decodeBroadcastStrict (buf: Uint8Array): Broadcast & { unknown: boolean } {
  const out: Broadcast & { unknown: boolean } = { heads: [], blocks: [], unknown: false }
  const r = new ProtoReader(buf)
  while (!r.done) {
    const [field, wt] = r.tag()
    if (field === 1 && wt === WIRE_LDELIM) {
      const [s, e] = r.ldelimBounds()
      const hr = new ProtoReader(buf, s, e)
      let cidBytes: Uint8Array | undefined
      while (!hr.done) {
        const [f, w] = hr.tag()
        if (f === 1 && w === WIRE_LDELIM) cidBytes = hr.bytes()
        else hr.skip(w) // DagName (field 2) and future fields: default DAG only
      }
      if (cidBytes != null && cidBytes.length > 0) out.heads.push(CID.decode(cidBytes.slice()))
    } else if (field === BLOCKS_FIELD && wt === WIRE_LDELIM) {
      const [s, e] = r.ldelimBounds()
      const br = new ProtoReader(buf, s, e)
      let cid: CID | undefined
      let data: Uint8Array | undefined
      while (!br.done) {
        const [f, w] = br.tag()
        if (f === 1 && w === WIRE_LDELIM) cid = CID.decode(br.bytes().slice())
        else if (f === 2 && w === WIRE_LDELIM) data = br.bytes()
        else br.skip(w)
      }
      if (cid != null && data != null) out.blocks.push({ cid, data })
    } else {
      out.unknown = true
      r.skip(wt)
    }
  }
  return out
}

/**
 * Decodes a broadcast payload. A payload that is not a valid
 * CRDTBroadcast, or that only holds unknown fields, is read as a legacy
 * broadcast made of a single binary CID.
 */
export function decodeBroadcast (buf: Uint8Array): Broadcast {
  try {
    const b = decodeBroadcastStrict(buf)
    if (!b.unknown || b.heads.length > 0 || b.blocks.length > 0) {
      return { heads: b.heads, blocks: b.blocks }
    }
  } catch (err) {
    // fall through to the legacy format
  }
  try {
    return { heads: [CID.decode(buf.slice())], blocks: [] }
  } catch (err) {
    throw new InvalidArgumentError(`cannot decode CRDT broadcast: ${(err as Error).message}`)
  }
}

// ---------------------------------------------------------------------------
// Small varint values stored in the datastore
// ---------------------------------------------------------------------------

export function encodeUint (n: number): Uint8Array {
  const w = new ProtoWriter(uvarintSize(n))
  w.uvarint(n)
  return w.finish()
}

export function decodeUint (b: Uint8Array | undefined): number | undefined {
  if (b == null || b.length === 0) return undefined
  return new ProtoReader(b).uvarint()
}

export { utf8Decode }
