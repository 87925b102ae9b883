/**
 * Multiaddress parsing for configuration values, with Go semantics the JS
 * library lacks: `/unix/<path>` takes the rest of the string as the path,
 * `""` is `empty multiaddr`, and `/p2p/<id>` values must be valid peer IDs.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { parsePeerId } from '../api/encoding.js'

export interface MaComponent {
  name: string
  value?: string
}

export class MultiaddrParseError extends Error {
  static override name = 'MultiaddrParseError'
  constructor (message: string) {
    super(message)
    this.name = 'MultiaddrParseError'
  }
}

function jsComponents (s: string): MaComponent[] {
  const comps = multiaddr(s).getComponents().map((c) => ({ name: c.name, value: c.value }))
  for (const c of comps) {
    if (c.name === 'p2p' && c.value != null) {
      c.value = parsePeerId(c.value)
    }
  }
  return comps
}

/**
 * Parses a multiaddress string. Throws MultiaddrParseError
 * (`failed to parse multiaddr "<s>": <reason>`, or `empty multiaddr`).
 */
export function parseMultiaddr (s: string): MaComponent[] {
  if (s === '' || /^\/*$/.test(s)) {
    throw new MultiaddrParseError('empty multiaddr')
  }
  let first: Error
  try {
    return jsComponents(s)
  } catch (err) {
    first = err as Error
  }
  const unix = s.search(/(^|\/)unix\//)
  if (unix >= 0) {
    try {
      const at = s.indexOf('unix/', unix)
      const prefix = s.slice(0, at).replace(/\/$/, '')
      const path = s.slice(at + 4)
      if (path !== '/' && path !== '') {
        return [...(prefix === '' ? [] : jsComponents(prefix)), { name: 'unix', value: path }]
      }
    } catch {}
  }
  throw new MultiaddrParseError(`failed to parse multiaddr ${JSON.stringify(s)}: ${first.message}`)
}

/** Components back to text (`/ip4/1.2.3.4/tcp/1/p2p/<id>`). */
export function componentsToString (comps: MaComponent[]): string {
  return comps.map((c) => c.value == null ? `/${c.name}` : c.name === 'unix' ? `/unix${c.value}` : `/${c.name}/${c.value}`).join('')
}

/**
 * Go `peer.SplitAddr`: the transport part and the peer ID of an address
 * ending in `/p2p/<id>` (or legacy `/ipfs/<id>`). `id` is undefined when
 * the last component is not p2p; `transport` is '' for a bare `/p2p/<id>`.
 */
export function splitP2pAddr (s: string): { transport: string, id?: string } {
  const comps = parseMultiaddr(s)
  const last = comps[comps.length - 1]
  if (last?.name !== 'p2p' || last.value == null) {
    return { transport: componentsToString(comps) }
  }
  return { transport: componentsToString(comps.slice(0, -1)), id: last.value }
}
