/**
 * A tiny REST client for multi-peer tests: JSON bodies, NDJSON streams
 * (one value per line) and the X-Stream-Error trailer.
 */
export interface RestResult {
  status: number
  /** Parsed JSON of a single-value body (undefined when empty). */
  body: any
  /** Every JSON value of an NDJSON body. */
  items: any[]
  text: string
}

export async function rest (baseURL: string, method: string, path: string, body?: unknown): Promise<RestResult> {
  const res = await fetch(baseURL + path, {
    method,
    headers: body != null ? { 'Content-Type': 'application/json' } : undefined,
    body: body != null ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(30_000)
  })
  const text = await res.text()
  const items: any[] = []
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    try {
      items.push(JSON.parse(line))
    } catch {
      // a single multi-line JSON document
      items.length = 0
      break
    }
  }
  let parsed: any
  if (text.trim() !== '') {
    try {
      parsed = JSON.parse(text)
    } catch {
      parsed = items[0]
    }
  }
  return { status: res.status, body: parsed, items: items.length > 0 ? items : (parsed != null ? [parsed] : []), text }
}
