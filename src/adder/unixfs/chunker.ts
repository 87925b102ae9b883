/**
 * Kubo's chunkers as push-based state machines.
 *
 * - `size-N`: fixed chunks of N bytes (the last one shorter).
 * - `rabin[-avg | -min-avg-max]`: content-defined chunks with a Rabin
 *   fingerprint over a 16-byte window, the degree-53 polynomial
 *   17437180132763653 and a split mask of (1 << floor(log2(avg))) - 1,
 *   behaving like go-ipfs-chunker (min defaults to avg/3 and max to
 *   avg + avg/2; the first min-16 bytes of each chunk are not fingerprinted;
 *   the window restarts with a single byte 1 after each cut).
 *
 * A chunker writes the chunk bytes into a buffer it allocates with
 * `headroom` free bytes before and `tailroom` free bytes after the largest
 * chunk, so the leaf builder can frame the data in place (no copy).
 */
import { InvalidArgumentError } from '../../errors.js'

/** Largest chunk Kubo accepts (1 MiB). */
export const CHUNK_SIZE_LIMIT = 1048576
export const DEFAULT_CHUNK_SIZE = 262144

/** Parsed chunker parameters. */
export type ChunkerSpec =
  | { type: 'size', size: number }
  | { type: 'rabin', min: number, avg: number, max: number }

/**
 * Receives each chunk: `buf[start, start+length)` is the data, with
 * `headroom` bytes free before `start` and `tailroom` bytes free after the
 * data when `length` is the largest chunk size. The buffer is handed over.
 */
export type ChunkSink = (buf: Uint8Array, start: number, length: number) => void

export interface Chunker {
  /** Largest chunk this chunker produces. */
  readonly maxChunkSize: number
  push(bytes: Uint8Array, sink: ChunkSink): void
  /** Flushes the last (partial) chunk, if any. */
  end(sink: ChunkSink): void
}

/** Go's strconv.Atoi for the decimal strings used here. */
function atoi (s: string): number {
  if (!/^[+-]?\d+$/.test(s)) {
    throw new InvalidArgumentError(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`)
  }
  const n = Number(s)
  if (!Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(`strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`)
  }
  return n
}

const ERR_SIZE_MAX = `chunker parameters may not exceed the maximum chunk size of ${CHUNK_SIZE_LIMIT}`

/**
 * Parses Kubo chunker syntax (`''`/`default`, `size-N`, `rabin`,
 * `rabin-avg`, `rabin-[min:]min-[avg:]avg-[max:]max`), with go-ipfs-chunker's
 * validation and messages. Throws InvalidArgumentError.
 */
export function parseChunker (chunker: string): ChunkerSpec {
  if (chunker === '' || chunker === 'default') {
    return { type: 'size', size: DEFAULT_CHUNK_SIZE }
  }
  if (chunker.startsWith('size-')) {
    const size = atoi(chunker.split('-')[1])
    if (size <= 0) throw new InvalidArgumentError('chunker size must be greater than 0')
    if (size > CHUNK_SIZE_LIMIT) throw new InvalidArgumentError(ERR_SIZE_MAX)
    return { type: 'size', size }
  }
  if (chunker.startsWith('rabin')) {
    const parts = chunker.split('-')
    switch (parts.length) {
      case 1:
        return rabinFromAvg(DEFAULT_CHUNK_SIZE)
      case 2: {
        const avg = atoi(parts[1])
        if (Math.trunc(Math.fround(avg) * 1.5) > CHUNK_SIZE_LIMIT) throw new InvalidArgumentError(ERR_SIZE_MAX)
        if (avg <= 0) throw new InvalidArgumentError('chunker size must be greater than 0')
        return rabinFromAvg(avg)
      }
      case 4: {
        const labelled = (part: string, label: string, err: string): number => {
          const sub = part.split(':')
          if (sub.length > 1 && sub[0] !== label) throw new InvalidArgumentError(err)
          return atoi(sub[sub.length - 1])
        }
        const min = labelled(parts[1], 'min', 'first label must be min')
        if (min < 16) throw new InvalidArgumentError('rabin min must be greater than 16')
        const avg = labelled(parts[2], 'avg', 'second label must be avg')
        const max = labelled(parts[3], 'max', 'final label must be max')
        if (min >= avg) throw new InvalidArgumentError('incorrect format: rabin-min must be smaller than rabin-avg')
        if (avg >= max) throw new InvalidArgumentError('incorrect format: rabin-avg must be smaller than rabin-max')
        if (max > CHUNK_SIZE_LIMIT) throw new InvalidArgumentError(ERR_SIZE_MAX)
        return { type: 'rabin', min, avg, max }
      }
      default:
        throw new InvalidArgumentError("incorrect format (expected 'rabin' 'rabin-[avg]' or 'rabin-[min]-[avg]-[max]'")
    }
  }
  throw new InvalidArgumentError(`unrecognized chunker option: ${chunker}`)
}

function rabinFromAvg (avg: number): ChunkerSpec {
  return { type: 'rabin', min: Math.floor(avg / 3), avg, max: avg + Math.floor(avg / 2) }
}

export function createChunker (spec: ChunkerSpec, headroom: (n: number) => number, tailroom: (n: number) => number): Chunker {
  if (spec.type === 'size') return new FixedSizeChunker(spec.size, headroom(spec.size), tailroom(spec.size))
  return new RabinChunker(spec, headroom(spec.max), tailroom(spec.max))
}

class FixedSizeChunker implements Chunker {
  readonly maxChunkSize: number
  private buf: Uint8Array | null = null
  private fill = 0

  constructor (private readonly size: number, private readonly headroom: number, private readonly tailroom: number) {
    this.maxChunkSize = size
  }

  push (bytes: Uint8Array, sink: ChunkSink): void {
    const { size, headroom } = this
    let off = 0
    const len = bytes.length
    while (off < len) {
      let buf = this.buf
      if (buf == null) {
        buf = this.buf = Buffer.allocUnsafeSlow(headroom + size + this.tailroom)
        this.fill = 0
      }
      const n = Math.min(size - this.fill, len - off)
      buf.set(n === len ? bytes : bytes.subarray(off, off + n), headroom + this.fill)
      this.fill += n
      off += n
      if (this.fill === size) {
        this.buf = null
        sink(buf, headroom, size)
      }
    }
  }

  end (sink: ChunkSink): void {
    const buf = this.buf
    if (buf != null && this.fill > 0) {
      this.buf = null
      sink(buf, this.headroom, this.fill)
    }
  }
}

// ---------------------------------------------------------------------------
// Rabin fingerprinting
// ---------------------------------------------------------------------------

const WINDOW_SIZE = 16
/** Kubo's irreducible polynomial of degree 53. */
export const IPFS_RABIN_POLY = 17437180132763653n

function deg (p: bigint): number {
  return p === 0n ? -1 : p.toString(2).length - 1
}

function polMod (x: bigint, p: bigint): bigint {
  const dp = deg(p)
  let dx = deg(x)
  while (dx >= dp) {
    x ^= p << BigInt(dx - dp)
    dx = deg(x)
  }
  return x
}

interface RabinTables {
  outHi: Uint32Array
  outLo: Uint32Array
  modHi: Uint32Array
  modLo: Uint32Array
  /** Bit position (from bit 32) of the 8 bits above the degree. */
  shift: number
}

let tablesCache: RabinTables | undefined

function rabinTables (): RabinTables {
  if (tablesCache != null) return tablesCache
  const pol = IPFS_RABIN_POLY
  const k = deg(pol)
  const appendByte = (h: bigint, b: number): bigint => polMod((h << 8n) | BigInt(b), pol)
  const t: RabinTables = {
    outHi: new Uint32Array(256),
    outLo: new Uint32Array(256),
    modHi: new Uint32Array(256),
    modLo: new Uint32Array(256),
    shift: k - 8 - 32
  }
  for (let b = 0; b < 256; b++) {
    let h = appendByte(0n, b)
    for (let i = 0; i < WINDOW_SIZE - 1; i++) h = appendByte(h, 0)
    t.outHi[b] = Number(h >> 32n)
    t.outLo[b] = Number(h & 0xffffffffn)
    const m = polMod(BigInt(b) << BigInt(k), pol) | (BigInt(b) << BigInt(k))
    t.modHi[b] = Number(m >> 32n)
    t.modLo[b] = Number(m & 0xffffffffn)
  }
  tablesCache = t
  return t
}

class RabinChunker implements Chunker {
  readonly maxChunkSize: number
  private readonly min: number
  private readonly max: number
  private readonly mask: number
  private readonly tables = rabinTables()
  private readonly window = new Uint8Array(WINDOW_SIZE)
  private wpos = 0
  private hi = 0
  private lo = 0
  private pre = 0
  private count = 0
  private buf: Uint8Array | null = null

  constructor (spec: { min: number, avg: number, max: number }, private readonly headroom: number, private readonly tailroom: number) {
    this.min = spec.min
    this.max = spec.max
    this.maxChunkSize = spec.max
    // floor(log2(avg)) computed on integers (Go: uint(math.Log2(avg)))
    let pow = 0
    while (2 ** (pow + 1) <= spec.avg) pow++
    this.mask = pow >= 32 ? 0xffffffff : (2 ** pow) - 1
    this.reset()
  }

  private reset (): void {
    this.window.fill(0)
    this.wpos = 0
    this.hi = 0
    this.lo = 0
    this.count = 0
    this.slide(1)
    // Go computes MinSize - windowSize in uint64: a min below 16 never cuts.
    this.pre = this.min >= WINDOW_SIZE ? this.min - WINDOW_SIZE : Number.POSITIVE_INFINITY
  }

  private slide (b: number): void {
    const t = this.tables
    const out = this.window[this.wpos]
    this.window[this.wpos] = b
    this.wpos = (this.wpos + 1) & (WINDOW_SIZE - 1)
    let hi = this.hi ^ t.outHi[out]
    let lo = (this.lo ^ t.outLo[out]) >>> 0
    const index = hi >>> t.shift
    hi = ((hi << 8) | (lo >>> 24)) >>> 0
    lo = ((lo << 8) | b) >>> 0
    this.hi = (hi ^ t.modHi[index]) >>> 0
    this.lo = (lo ^ t.modLo[index]) >>> 0
  }

  private ensureBuf (): Uint8Array {
    if (this.buf == null) {
      this.buf = Buffer.allocUnsafeSlow(this.headroom + this.max + this.tailroom)
    }
    return this.buf
  }

  push (bytes: Uint8Array, sink: ChunkSink): void {
    const len = bytes.length
    let off = 0
    const t = this.tables
    const window = this.window
    const { min, max, mask, headroom } = this
    while (off < len) {
      const buf = this.ensureBuf()
      if (this.pre > 0) {
        const n = Math.min(this.pre, len - off)
        if (this.count + n > buf.length - headroom) throw new InvalidArgumentError('object size limit exceeded')
        buf.set(bytes.subarray(off, off + n), headroom + this.count)
        this.count += n
        this.pre -= n
        off += n
        continue
      }
      let hi = this.hi
      let lo = this.lo
      let wpos = this.wpos
      let count = this.count
      let i = off
      let cut = false
      while (i < len) {
        const b = bytes[i++]
        const out = window[wpos]
        window[wpos] = b
        wpos = (wpos + 1) & (WINDOW_SIZE - 1)
        hi ^= t.outHi[out]
        lo = (lo ^ t.outLo[out]) >>> 0
        const index = hi >>> t.shift
        hi = ((hi << 8) | (lo >>> 24)) >>> 0
        lo = ((lo << 8) | b) >>> 0
        hi = (hi ^ t.modHi[index]) >>> 0
        lo = (lo ^ t.modLo[index]) >>> 0
        count++
        if (count >= min && ((lo & mask) === 0 || count >= max)) {
          cut = true
          break
        }
      }
      buf.set(bytes.subarray(off, i), headroom + this.count)
      off = i
      this.hi = hi
      this.lo = lo
      this.wpos = wpos
      this.count = count
      if (cut) {
        this.buf = null
        sink(buf, headroom, count)
        this.reset()
      }
    }
  }

  end (sink: ChunkSink): void {
    if (this.buf != null && this.count > 0) {
      const buf = this.buf
      this.buf = null
      sink(buf, this.headroom, this.count)
    }
    this.reset()
  }
}
