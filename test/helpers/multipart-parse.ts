/**
 * A strict parser of the multipart bodies sent to `/add` (tests only).
 */
export interface Part {
  headers: Record<string, string>
  /** Header names in the order they were sent. */
  headerOrder: string[]
  body: Buffer
}

export function boundaryOf (contentType: string | undefined): string {
  const m = /^multipart\/form-data; boundary=(.+)$/.exec(contentType ?? '')
  if (m == null) throw new Error(`not a multipart/form-data content type: ${String(contentType)}`)
  return m[1]
}

/** Splits a body framed like Go mime/multipart (`--b\r\n … \r\n--b\r\n … \r\n--b--\r\n`). */
export function parseMultipart (body: Buffer, boundary: string): Part[] {
  const delim = Buffer.from(`--${boundary}`)
  const first = body.indexOf(delim)
  if (first !== 0) throw new Error('body does not start with the boundary')
  const parts: Part[] = []
  let pos = delim.length
  for (;;) {
    if (body.subarray(pos, pos + 2).toString() === '--') {
      if (body.subarray(pos).toString() !== '--\r\n') throw new Error('bad closing delimiter')
      break
    }
    if (body.subarray(pos, pos + 2).toString() !== '\r\n') throw new Error('missing CRLF after boundary')
    pos += 2
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delim]), pos)
    if (next < 0) throw new Error('unterminated part')
    const raw = body.subarray(pos, next)
    const headerEnd = raw.indexOf('\r\n\r\n')
    if (headerEnd < 0) throw new Error('part without header terminator')
    const headers: Record<string, string> = {}
    const headerOrder: string[] = []
    for (const line of raw.subarray(0, headerEnd).toString('utf8').split('\r\n')) {
      const i = line.indexOf(': ')
      headers[line.slice(0, i)] = line.slice(i + 2)
      headerOrder.push(line.slice(0, i))
    }
    parts.push({ headers, headerOrder, body: Buffer.from(raw.subarray(headerEnd + 4)) })
    pos = next + 2 + delim.length
  }
  return parts
}

/** The `filename` of a part, unescaped (Go url.QueryUnescape). */
export function partFilename (p: Part): string {
  const m = /; filename="([^"]*)"$/.exec(p.headers['Content-Disposition'] ?? '')
  if (m == null) throw new Error('no filename')
  return decodeURIComponent(m[1].replace(/\+/g, ' '))
}

/** The `name` parameter of a part's Content-Disposition (`file` or `file?mode=…`). */
export function partName (p: Part): string {
  const m = /^form-data; name="([^"]*)"; /.exec(p.headers['Content-Disposition'] ?? '')
  if (m == null) throw new Error('no name')
  return m[1]
}
