/**
 * A minimal tar reader for the tests (ustar + PAX `path`/`linkpath`/`size`
 * records), written independently of the writer under test.
 */

export interface ReadEntry {
  name: string
  type: string
  mode: number
  size: number
  linkname: string
  content: Buffer
}

function field (block: Buffer, offset: number, length: number): string {
  const raw = block.subarray(offset, offset + length)
  const end = raw.indexOf(0)
  return raw.subarray(0, end < 0 ? raw.length : end).toString('utf8')
}

function octal (block: Buffer, offset: number, length: number): number {
  const s = field(block, offset, length).trim()
  return s === '' ? 0 : parseInt(s, 8)
}

function checksumOK (block: Buffer): boolean {
  let sum = 0
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]
  return sum === octal(block, 148, 8)
}

export function readTar (tar: Buffer): ReadEntry[] {
  const out: ReadEntry[] = []
  let off = 0
  let pax: Record<string, string> = {}
  let zeros = 0
  while (off + 512 <= tar.length) {
    const block = tar.subarray(off, off + 512)
    off += 512
    if (block.every((b) => b === 0)) {
      zeros++
      if (zeros === 2) break
      continue
    }
    if (!checksumOK(block)) throw new Error(`bad checksum at ${off - 512}`)
    if (field(block, 257, 6) !== 'ustar') throw new Error('not ustar')
    const type = String.fromCharCode(block[156])
    let size = octal(block, 124, 12)
    if (pax.size != null) size = Number(pax.size)
    const content = tar.subarray(off, off + size)
    off += Math.ceil(size / 512) * 512
    if (type === 'x') {
      pax = {}
      let s = content.toString('utf8')
      while (s.length > 0) {
        const sp = s.indexOf(' ')
        const len = Number(s.slice(0, sp))
        const rec = Buffer.from(s, 'utf8').subarray(0, len).toString('utf8')
        const kv = rec.slice(sp + 1, -1)
        const eq = kv.indexOf('=')
        pax[kv.slice(0, eq)] = kv.slice(eq + 1)
        s = Buffer.from(s, 'utf8').subarray(len).toString('utf8')
      }
      continue
    }
    const prefix = field(block, 345, 155)
    const name = pax.path ?? (prefix !== '' ? `${prefix}/${field(block, 0, 100)}` : field(block, 0, 100))
    out.push({ name, type, mode: octal(block, 100, 8), size, linkname: pax.linkpath ?? field(block, 157, 100), content: Buffer.from(content) })
    pax = {}
  }
  if (zeros !== 2) throw new Error('missing end-of-archive marker')
  return out
}
