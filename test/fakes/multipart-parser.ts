/**
 * A streaming `multipart/form-data` parser for the fake Kubo: yields each
 * part (headers and body) as soon as its closing boundary arrives.
 */

export interface MultipartPart {
  headers: Record<string, string>
  body: Buffer
}

const CRLF = Buffer.from('\r\n')
const HEADER_END = Buffer.from('\r\n\r\n')

/** The boundary of a `multipart/form-data` content type, or undefined. */
export function multipartBoundary (contentType: string | undefined): string | undefined {
  if (contentType == null) return undefined
  const [type, ...params] = contentType.split(';')
  if (!/^multipart\//i.test(type.trim())) return undefined
  for (const p of params) {
    const eq = p.indexOf('=')
    if (eq === -1) continue
    if (p.slice(0, eq).trim().toLowerCase() !== 'boundary') continue
    let v = p.slice(eq + 1).trim()
    if (v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1)
    return v === '' ? undefined : v
  }
  return undefined
}

export class MultipartError extends Error {
  static override name = 'MultipartError'
  constructor (message: string) {
    super(message)
    this.name = 'MultipartError'
  }
}

type State = 'delimiter' | 'after-delimiter' | 'headers' | 'body' | 'done'

export async function * parseMultipart (source: AsyncIterable<Buffer>, boundary: string): AsyncGenerator<MultipartPart> {
  // A leading CRLF makes the first delimiter look like the others.
  const delimiter = Buffer.from(`\r\n--${boundary}`)
  let buf: Buffer = Buffer.from(CRLF)
  let state: State = 'delimiter'
  let searchFrom = 0
  let headers: Record<string, string> = {}

  const step = function * (): Generator<MultipartPart> {
    while (true) {
      if (state === 'delimiter') {
        const i = buf.indexOf(delimiter, searchFrom)
        if (i === -1) {
          searchFrom = Math.max(0, buf.length - delimiter.length)
          return
        }
        buf = buf.subarray(i + delimiter.length)
        searchFrom = 0
        state = 'after-delimiter'
      } else if (state === 'after-delimiter') {
        if (buf.length < 2) return
        if (buf[0] === 0x2d && buf[1] === 0x2d) {
          state = 'done'
          return
        }
        // Transport padding then CRLF.
        const eol = buf.indexOf(CRLF)
        if (eol === -1) return
        buf = buf.subarray(eol + 2)
        state = 'headers'
      } else if (state === 'headers') {
        if (buf.length >= 2 && buf[0] === 0x0d && buf[1] === 0x0a) {
          // No headers at all.
          buf = buf.subarray(2)
          headers = {}
          state = 'body'
          searchFrom = 0
          continue
        }
        const end = buf.indexOf(HEADER_END)
        if (end === -1) {
          if (buf.length > 64 * 1024) throw new MultipartError('multipart: part headers too large')
          return
        }
        headers = {}
        for (const line of buf.subarray(0, end).toString('utf8').split('\r\n')) {
          const colon = line.indexOf(':')
          if (colon === -1) continue
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
        }
        buf = buf.subarray(end + 4)
        state = 'body'
        searchFrom = 0
      } else if (state === 'body') {
        const i = buf.indexOf(delimiter, searchFrom)
        if (i === -1) {
          searchFrom = Math.max(0, buf.length - delimiter.length)
          return
        }
        const body = Buffer.from(buf.subarray(0, i))
        buf = buf.subarray(i + delimiter.length)
        searchFrom = 0
        state = 'after-delimiter'
        yield { headers, body }
      } else {
        return
      }
    }
  }

  for await (const chunk of source) {
    if ((state as State) === 'done') continue
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk])
    yield * step()
  }
  yield * step()
  if ((state as State) !== 'done') {
    throw new MultipartError('multipart: NextPart: EOF')
  }
}
