/**
 * Byte sizes written like go-humanize's `ParseBytes` accepts them
 * (`10GB` = 10·1000³, `10GiB` = 10·1024³, `512 MB`, `1,000 kB`, `1024`).
 */

const UNITS: Record<string, number> = {
  b: 1,
  kib: 1024,
  kb: 1000,
  mib: 1024 ** 2,
  mb: 1000 ** 2,
  gib: 1024 ** 3,
  gb: 1000 ** 3,
  tib: 1024 ** 4,
  tb: 1000 ** 4,
  pib: 1024 ** 5,
  pb: 1000 ** 5,
  eib: 1024 ** 6,
  eb: 1000 ** 6,
  '': 1,
  ki: 1024,
  k: 1000,
  mi: 1024 ** 2,
  m: 1000 ** 2,
  gi: 1024 ** 3,
  g: 1000 ** 3,
  ti: 1024 ** 4,
  t: 1000 ** 4,
  pi: 1024 ** 5,
  p: 1000 ** 5,
  ei: 1024 ** 6,
  e: 1000 ** 6
}

export class SizeParseError extends Error {
  static override name = 'SizeParseError'
  constructor (message: string) {
    super(message)
    this.name = 'SizeParseError'
  }
}

/** Parses a human size (string) or a plain byte count (number) to bytes. */
export function parseSize (value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new SizeParseError(`invalid size: ${value}`)
    return Math.floor(value)
  }
  let last = 0
  let hasComma = false
  for (const c of value) {
    if (!((c >= '0' && c <= '9') || c === '.' || c === ',')) break
    if (c === ',') hasComma = true
    last++
  }
  let num = value.slice(0, last)
  if (hasComma) num = num.replaceAll(',', '')
  if (num === '' || !/^\d*\.?\d*$/.test(num) || num === '.') {
    throw new SizeParseError(`strconv.ParseFloat: parsing ${JSON.stringify(num)}: invalid syntax`)
  }
  const f = Number(num)
  const extra = value.slice(last).trim().toLowerCase()
  const mult = UNITS[extra]
  if (mult == null) {
    throw new SizeParseError(`unhandled size name: ${extra}`)
  }
  const bytes = f * mult
  if (bytes >= 2 ** 64) {
    throw new SizeParseError(`too large: ${value}`)
  }
  return Math.floor(bytes)
}
