/**
 * The peerstore file (spec §9.1): one multiaddress per line, each ending in
 * `/p2p/<peerID>`, `\n` terminated.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { ensureFolder } from './files.js'
import { parseMultiaddr, splitP2pAddr } from './multiaddr.js'

/** A peer and its transport addresses (Go `peer.AddrInfo`). */
export interface AddrInfo {
  id: string
  addrs: string[]
}

export class PeerAddrError extends Error {
  static override name = 'PeerAddrError'
  constructor (message: string) {
    super(message)
    this.name = 'PeerAddrError'
  }
}

/**
 * Reads the peerstore file. Empty lines and lines not starting with `/` are
 * skipped; unparsable lines are reported through `onError` with the
 * reference message `error parsing multiaddress from <path>: <err>`.
 * A missing file is an empty peerstore.
 */
export async function readPeerstore (path: string, onError?: (msg: string) => void): Promise<string[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  const out: string[] = []
  for (let line of text.split('\n')) {
    if (line.endsWith('\r')) line = line.slice(0, -1)
    if (line.length === 0 || line[0] !== '/') continue
    try {
      parseMultiaddr(line)
      out.push(line)
    } catch (err) {
      onError?.(`error parsing multiaddress from ${path}: ${(err as Error).message}`)
    }
  }
  return out
}

/**
 * Go `peer.AddrInfosFromP2pAddrs`: groups `/p2p/` addresses per peer (in
 * first-seen order). A bare `/p2p/<id>` adds the peer without addresses; an
 * address without a peer ID throws `invalid p2p multiaddr`.
 */
export function addrInfosFromP2pAddrs (addrs: string[]): AddrInfo[] {
  const byId = new Map<string, string[]>()
  for (const a of addrs) {
    const { transport, id } = splitP2pAddr(a)
    if (id == null) {
      throw new PeerAddrError(`invalid p2p multiaddr: ${a}`)
    }
    const list = byId.get(id) ?? []
    if (transport !== '') list.push(transport)
    byId.set(id, list)
  }
  return [...byId].map(([id, list]) => ({ id, addrs: list }))
}

/** Peerstore lines (`<transport>/p2p/<id>`) of a list of peers. */
export function peerstoreLines (infos: AddrInfo[]): string[] {
  return infos.flatMap((p) => p.addrs.map((a) => `${a}/p2p/${p.id}`))
}

/** Writes (truncates) the peerstore file with one line per address. */
export async function writePeerstore (path: string, lines: string[]): Promise<void> {
  await ensureFolder(dirname(path))
  await writeFile(path, lines.map((l) => l + '\n').join(''))
}
