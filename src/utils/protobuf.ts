/**
 * Minimal protobuf (proto3 wire format) writer and reader, for the few
 * hand-written message codecs of the project (Pin, CRDT Delta, CRDT
 * broadcast, dag-pb nodes). No code generation, no reflection.
 *
 * Varints are handled as JS numbers up to 2^53; 64-bit values beyond that
 * (only negative times written by Go as two's complement) use bigint paths.
 */
import { InvalidArgumentError } from '../errors.js'

export const WIRE_VARINT = 0
export const WIRE_FIXED64 = 1
export const WIRE_LDELIM = 2
export const WIRE_FIXED32 = 5

const textEncoder = new TextEncoder()
const textDecoder = new TextDecoder('utf-8', { fatal: false })

/** Bytes a uvarint of `n` (0 ≤ n < 2^53) takes. */
export function uvarintSize (n: number): number {
  let size = 1
  while (n >= 128) {
    n = Math.floor(n / 128)
    size++
  }
  return size
}

/** Size of a length-delimited field with a payload of `len` bytes (tag < 16). */
export function ldelimFieldSize (field: number, len: number): number {
  return uvarintSize(field << 3) + uvarintSize(len) + len
}

export function encodeUvarint (n: number): Uint8Array {
  const out = new Uint8Array(uvarintSize(n))
  let i = 0
  while (n >= 128) {
    out[i++] = (n % 128) | 128
    n = Math.floor(n / 128)
  }
  out[i] = n
  return out
}

/** Decodes a uvarint occupying the start of `bytes` (throws when malformed). */
export function decodeUvarint (bytes: Uint8Array): number {
  return new ProtoReader(bytes).uvarint()
}

export function utf8Encode (s: string): Uint8Array {
  return textEncoder.encode(s)
}

export function utf8Decode (b: Uint8Array): string {
  return textDecoder.decode(b)
}

/** UTF-8 byte length of a string (native). */
export function utf8Length (s: string): number {
  return Buffer.byteLength(s, 'utf8')
}

/** A growable output buffer with protobuf field helpers. */
export class ProtoWriter {
  private buf: Buffer
  private pos = 0

  constructor (initialSize = 256) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initialSize))
  }

  get length (): number {
    return this.pos
  }

  /** Empties the writer, keeping its buffer (scratch writers). */
  reset (): this {
    this.pos = 0
    return this
  }

  private ensure (n: number): void {
    if (this.pos + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.pos + n) size *= 2
    const next = Buffer.allocUnsafe(size)
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }

  /** Writes the UTF-8 bytes of `s`, whose byte length is `len`. */
  utf8 (s: string, len: number): this {
    this.ensure(len)
    this.pos += this.buf.write(s, this.pos, len, 'utf8')
    return this
  }

  uvarint (n: number): this {
    this.ensure(10)
    while (n >= 128) {
      this.buf[this.pos++] = (n % 128) | 128
      n = Math.floor(n / 128)
    }
    this.buf[this.pos++] = n
    return this
  }

  uvarintBig (n: bigint): this {
    this.ensure(10)
    let v = BigInt.asUintN(64, n)
    while (v >= 128n) {
      this.buf[this.pos++] = Number(v & 127n) | 128
      v >>= 7n
    }
    this.buf[this.pos++] = Number(v)
    return this
  }

  tag (field: number, wireType: number): this {
    return this.uvarint(field * 8 + wireType)
  }

  raw (bytes: Uint8Array): this {
    this.ensure(bytes.length)
    this.buf.set(bytes, this.pos)
    this.pos += bytes.length
    return this
  }

  /** Field with a length-delimited payload (always written, even empty). */
  bytesField (field: number, bytes: Uint8Array): this {
    return this.tag(field, WIRE_LDELIM).uvarint(bytes.length).raw(bytes)
  }

  stringField (field: number, s: string): this {
    const len = utf8Length(s)
    return this.tag(field, WIRE_LDELIM).uvarint(len).utf8(s, len)
  }

  uvarintField (field: number, n: number): this {
    return this.tag(field, WIRE_VARINT).uvarint(n)
  }

  /** A 64-bit unsigned field from a signed integer (two's complement when negative). */
  int64Field (field: number, n: number): this {
    this.tag(field, WIRE_VARINT)
    if (n >= 0 && Number.isSafeInteger(n)) return this.uvarint(n)
    return this.uvarintBig(BigInt(Math.trunc(n)))
  }

  sint32Field (field: number, n: number): this {
    return this.tag(field, WIRE_VARINT).uvarint(zigzag32(n))
  }

  /** A copy of the bytes written (a plain Uint8Array). */
  finish (): Uint8Array {
    const out = new Uint8Array(this.pos)
    out.set(this.buf.subarray(0, this.pos))
    return out
  }

  /** A view of the bytes written (valid until the next write or reset). */
  view (): Uint8Array {
    return this.buf.subarray(0, this.pos)
  }
}

export function zigzag32 (n: number): number {
  return ((n << 1) ^ (n >> 31)) >>> 0
}

export function unzigzag32 (n: number): number {
  return (n >>> 1) ^ -(n & 1)
}

function truncated (): Error {
  return new InvalidArgumentError('protobuf: unexpected end of data')
}

/** Sequential reader over one protobuf message. */
export class ProtoReader {
  pos: number
  readonly end: number

  constructor (readonly buf: Uint8Array, start = 0, end = buf.length) {
    this.pos = start
    this.end = end
  }

  get done (): boolean {
    return this.pos >= this.end
  }

  /** Reads a uvarint as a number (values ≥ 2^53 lose precision). */
  uvarint (): number {
    let result = 0
    let mul = 1
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw truncated()
      const b = this.buf[this.pos++]
      result += (b & 127) * mul
      if (b < 128) return result
      mul *= 128
    }
    throw new InvalidArgumentError('protobuf: varint overflow')
  }

  /** Reads a uvarint as a 64-bit signed value (Go's int64 ↔ uint64 casts). */
  int64 (): number {
    const start = this.pos
    const n = this.uvarint()
    if (n < 2 ** 63) return n
    // re-read exactly as bigint
    this.pos = start
    let v = 0n
    let shift = 0n
    for (let i = 0; i < 10; i++) {
      const b = this.buf[this.pos++]
      v |= BigInt(b & 127) << shift
      if (b < 128) break
      shift += 7n
    }
    return Number(BigInt.asIntN(64, v))
  }

  /** Returns [field number, wire type]. */
  tag (): [number, number] {
    const t = this.uvarint()
    const field = Math.floor(t / 8)
    if (field === 0) throw new InvalidArgumentError('protobuf: invalid field number 0')
    return [field, t & 7]
  }

  /** A length-delimited payload, as a view into the buffer (no copy). */
  bytes (): Uint8Array {
    const len = this.uvarint()
    const start = this.pos
    if (start + len > this.end) throw truncated()
    this.pos += len
    return this.buf.subarray(start, start + len)
  }

  /** Bounds of a length-delimited payload without materialising it. */
  ldelimBounds (): [number, number] {
    const len = this.uvarint()
    const start = this.pos
    if (start + len > this.end) throw truncated()
    this.pos += len
    return [start, start + len]
  }

  string (): string {
    return utf8Decode(this.bytes())
  }

  skip (wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.uvarint()
        return
      case WIRE_FIXED64:
        this.pos += 8
        break
      case WIRE_LDELIM:
        this.bytes()
        return
      case WIRE_FIXED32:
        this.pos += 4
        break
      default:
        throw new InvalidArgumentError(`protobuf: unsupported wire type ${wireType}`)
    }
    if (this.pos > this.end) throw truncated()
  }

  /** Throws unless the field has the expected wire type. */
  expect (wireType: number, expected: number, what: string): void {
    if (wireType !== expected) {
      throw new InvalidArgumentError(`protobuf: bad wire type ${wireType} for ${what}`)
    }
  }
}
