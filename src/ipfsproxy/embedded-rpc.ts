/**
 * Kubo RPC answered by the proxy itself when the peer runs the embedded IPFS
 * node (there is no daemon to forward to): the common read calls (`id`,
 * `version`, `cat`, `get`, `ls`, `block/get`, `block/stat`, `dag/get`,
 * `refs`, `refs/local`, `resolve`, `swarm/peers`) and unpinned `block/put`
 * and `dag/put`, with Kubo's response shapes and headers. Other calls get
 * a 404 Kubo error; Kubo RPC is POST-only (405 otherwise).
 */
import { createGzip, constants as zlibConstants } from 'node:zlib'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import { publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import * as json from 'multiformats/codecs/json'
import * as Digest from 'multiformats/hashes/digest'
import { InvalidArgumentError, IPFSError, UnsupportedOperationError } from '../errors.js'
import { errorMessage, type Exchange } from '../httpapi/exchange.js'
import { MultipartReader, multipartBoundary } from '../httpapi/multipart.js'
import { parseGoBool } from '../httpapi/params.js'
import { getHasher } from '../ipfsconn/embedded/dag.js'
import { parseIpfsPath } from '../ipfsconn/embedded/content.js'
import { codecCode, hashCode } from '../ipfsconn/ipfshttp/codecs.js'
import { ErrClient, ErrNotFound, sendKuboBytes, sendKuboChannel, sendKuboError, sendKuboValue } from './kubo-output.js'
import { tarStream, type TarEntry } from './tar.js'
import type { ContentLink, ContentType, EmbeddedContent } from '../ipfsconn/embedded/content.js'
import type { AbortOptions, IPFSConnector, Logger } from '../interfaces.js'
import type { PeerIdString } from '../api/types.js'

/** Optional extras of the embedded node (present on EmbeddedIPFS). */
export interface EmbeddedExtras {
  localRefs(options?: AbortOptions): AsyncGenerator<CID>
  swarmConnections(): Array<{ peer: PeerIdString, addr: string, direction: 'inbound' | 'outbound' }>
}

/** The embedded node as the proxy sees it. */
export type EmbeddedNode = IPFSConnector & EmbeddedContent & Partial<EmbeddedExtras>

/** One stored block of `block/put` / `dag/put`. */
export interface PutResult {
  cid: CID
  size: number
}

/** Kubo's block size limit without `allow-big-block`. */
const MAX_BLOCK = 1024 * 1024
const BIG_BLOCK_ERROR = 'produced block is over 1MiB: big blocks can\'t be exchanged with other peers. consider using UnixFS for automatic chunking of bigger files, or pass --allow-big-block to override'

/** An argument error: Kubo answers it 400 with code 1 (ErrClient). */
function argError (message: string): Error {
  const err = new InvalidArgumentError(message)
  ;(err as Error & { kuboCode?: number }).kuboCode = ErrClient
  return err
}

/** Errors of a command: only argument errors are client errors (400); the rest are 500 as in Kubo. */
function commandError (ex: Exchange, err: unknown): void {
  const client = (err as { kuboCode?: number } | null)?.kuboCode === ErrClient
  sendKuboError(ex, err, client ? 400 : 500, client ? ErrClient : 0)
}

/** Kubo option: first of the names present; Go `ParseBool` values. */
function boolOpt (q: URLSearchParams, names: string[], def: boolean): boolean {
  for (const n of names) {
    const v = q.get(n)
    if (v == null) continue
    if (v === '') return true
    const b = parseGoBool(v)
    if (b === undefined) throw argError(`could not convert value "${v}" to type "bool" (for option "-${names[0]}")`)
    return b
  }
  return def
}

function intOpt (q: URLSearchParams, names: string[], def: number): number {
  for (const n of names) {
    const v = q.get(n)
    if (v == null) continue
    if (!/^[+-]?\d+$/.test(v) || !Number.isSafeInteger(Number(v))) {
      throw argError(`could not convert value "${v}" to type "int" (for option "-${names[0]}")`)
    }
    return Number(v)
  }
  return def
}

function strOpt (q: URLSearchParams, names: string[], def: string): string {
  for (const n of names) {
    const v = q.get(n)
    if (v != null) return v
  }
  return def
}

function args (q: URLSearchParams, name: string): string[] {
  const a = q.getAll('arg')
  if (a.length === 0) throw argError(`argument "${name}" is required`)
  return a
}

/** unixfs_pb.Data.DataType numbers (Kubo `ls` link types). */
function unixfsType (t: ContentType): number {
  switch (t) {
    case 'directory': return 1
    case 'file': return 2
    case 'symlink': return 4
    default: return 0
  }
}

/** Go's GOARCH name of the running architecture. */
function goArch (): string {
  switch (process.arch) {
    case 'x64': return 'amd64'
    case 'ia32': return '386'
    default: return process.arch
  }
}

async function collectBytes (it: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  let n = 0
  for await (const c of it) {
    chunks.push(c)
    n += c.byteLength
  }
  const out = new Uint8Array(n)
  let off = 0
  for (const c of chunks) {
    out.set(c, off)
    off += c.byteLength
  }
  return out
}

export interface EmbeddedRPCInit {
  logger: Logger
  /** Version of the cluster peer (answers of `version`, `id`). */
  version: string
  /** `Server` header of the answers. */
  server: string
}

type Command = (ex: Exchange, node: EmbeddedNode) => Promise<void>

export class EmbeddedRPC {
  private readonly log: Logger
  private readonly version: string
  private readonly server: string
  private readonly commands: Map<string, Command>

  constructor (init: EmbeddedRPCInit) {
    this.log = init.logger
    this.version = init.version
    this.server = init.server
    this.commands = new Map<string, Command>([
      ['id', async (ex, node) => { await this.id(ex, node) }],
      ['version', async (ex) => { this.versionCmd(ex) }],
      ['cat', async (ex, node) => { await this.cat(ex, node) }],
      ['get', async (ex, node) => { await this.get(ex, node) }],
      ['ls', async (ex, node) => { await this.ls(ex, node) }],
      ['block/get', async (ex, node) => { await this.blockGet(ex, node) }],
      ['block/stat', async (ex, node) => { await this.blockStat(ex, node) }],
      ['block/put', async (ex, node) => { await sendKuboChannel(ex, this.put(ex, node, 'block'), (r) => ({ Key: r.cid.toString(), Size: r.size })) }],
      ['dag/put', async (ex, node) => { await sendKuboChannel(ex, this.put(ex, node, 'dag'), (r) => ({ Cid: { '/': r.cid.toString() } })) }],
      ['dag/get', async (ex, node) => { await this.dagGet(ex, node) }],
      ['refs', async (ex, node) => { await this.refs(ex, node) }],
      ['refs/local', async (ex, node) => { await this.refsLocal(ex, node) }],
      ['resolve', async (ex, node) => { await this.resolve(ex, node) }],
      ['swarm/peers', async (ex, node) => { await this.swarmPeers(ex, node) }]
    ])
  }

  /** Answers a non-hijacked Kubo RPC request. */
  async handle (ex: Exchange, node: EmbeddedNode): Promise<void> {
    const res = ex.res
    res.setHeader('Server', this.server)
    // go-ipfs-cmds: the method is checked first
    if (ex.method === 'OPTIONS') {
      if (ex.req.headers['access-control-request-method'] != null) {
        res.setHeader('Vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers')
      }
      res.setHeader('Allow', 'OPTIONS, POST')
      res.writeHead(204)
      ex.end()
      ex.req.resume()
      return
    }
    if (ex.method !== 'POST') {
      res.setHeader('Allow', 'OPTIONS, POST')
      res.setHeader('Content-Type', 'text/plain; charset=utf-8')
      res.setHeader('X-Content-Type-Options', 'nosniff')
      res.writeHead(405)
      ex.end('405 - Method Not Allowed\n')
      ex.req.resume()
      return
    }
    const name = ex.path.startsWith('/api/v0/') ? ex.path.slice('/api/v0/'.length) : undefined
    const cmd = name == null ? undefined : this.commands.get(name)
    if (cmd == null) {
      ex.req.resume()
      sendKuboError(ex, new UnsupportedOperationError(`command not supported by the embedded IPFS node of this cluster peer: ${ex.path}`), 404, ErrNotFound)
      return
    }
    try {
      await cmd(ex, node)
    } catch (err) {
      if (ex.signal.aborted) return
      this.log.debug('%s: %s', ex.path, errorMessage(err))
      commandError(ex, err)
    } finally {
      if (!ex.req.readableEnded) ex.req.resume()
    }
  }

  // -------------------------------------------------------------------------
  // Commands
  // -------------------------------------------------------------------------

  private async id (ex: Exchange, node: EmbeddedNode): Promise<void> {
    const self = await node.id({ signal: ex.signal })
    if (self.error !== '') throw new IPFSError(self.error)
    const arg = ex.query.get('arg')
    if (arg != null && arg !== '' && arg !== self.id) {
      throw new UnsupportedOperationError('looking up other peers is not supported by the embedded IPFS node of this cluster peer')
    }
    let publicKey = ''
    try {
      const pk = peerIdFromString(self.id).publicKey
      if (pk != null) publicKey = Buffer.from(publicKeyToProtobuf(pk)).toString('base64')
    } catch {}
    sendKuboValue(ex, {
      ID: self.id,
      PublicKey: publicKey,
      Addresses: self.addresses ?? [],
      AgentVersion: `ipfs-cluster/${this.version}/embedded`,
      Protocols: []
    })
  }

  private versionCmd (ex: Exchange): void {
    sendKuboValue(ex, {
      Version: this.version,
      Commit: '',
      Repo: '',
      System: `${goArch()}/${process.platform}`,
      Golang: process.version
    })
  }

  /** `cat`: offset and length span the concatenation of the arguments (as Kubo). */
  private async cat (ex: Exchange, node: EmbeddedNode): Promise<void> {
    const q = ex.query
    const paths = args(q, 'ipfs-path')
    const offset = intOpt(q, ['offset', 'o'], 0)
    const length = intOpt(q, ['length', 'l'], -1)
    if (offset < 0) throw argError('cannot specify negative offset')
    if (q.has('length') || q.has('l')) {
      if (length < 0) throw argError('cannot specify negative length')
    }
    const max = q.has('length') || q.has('l') ? BigInt(length) : -1n
    const signal = ex.signal
    const files: Array<{ path: string, size: bigint }> = []
    let total = 0n
    for (const p of paths) {
      const st = await node.stat(p, { signal })
      if (st.type === 'directory') throw new IPFSError('this dag node is a directory')
      if (st.type === 'object') throw new IPFSError(`cat ${p}: not a file`)
      files.push({ path: p, size: st.size })
      total += st.size
    }
    let size = total > BigInt(offset) ? total - BigInt(offset) : 0n
    if (max >= 0n && size > max) size = max
    const body = async function * (): AsyncGenerator<Uint8Array> {
      let skip = BigInt(offset)
      let left = max
      for (const f of files) {
        if (left === 0n) return
        if (skip >= f.size) {
          skip -= f.size
          continue
        }
        const opts: AbortOptions & { offset?: number, length?: number } = { signal, offset: Number(skip) }
        if (left > 0n) opts.length = Number(left < f.size - skip ? left : f.size - skip)
        for await (const chunk of node.cat(f.path, opts)) {
          if (left >= 0n) left -= BigInt(chunk.byteLength)
          yield chunk
        }
        skip = 0n
      }
    }
    await sendKuboBytes(ex, body(), size)
  }

  /** `get`: a tar archive of a file or directory (gzipped with `compress`). */
  private async get (ex: Exchange, node: EmbeddedNode): Promise<void> {
    const q = ex.query
    const [path] = args(q, 'ipfs-path')
    const archive = boolOpt(q, ['archive', 'a'], false)
    const compress = boolOpt(q, ['compress', 'C'], false)
    const level = intOpt(q, ['compression-level', 'l'], -1)
    if (level !== -1 && (level < 1 || level > 9)) throw argError('compression level must be between 1 and 9')
    const signal = ex.signal
    const st = await node.stat(path, { signal })
    if (st.type === 'object') throw new IPFSError(`get ${path}: not a UnixFS node (codec of ${st.cid.toString()})`)
    const segments = path.split('/').filter((s) => s !== '')
    const rootName = segments[segments.length - 1] ?? st.cid.toString()

    let body: AsyncIterable<Uint8Array>
    if (compress && !archive && st.type === 'file') {
      // a single file, gzipped, no tar (as Kubo)
      body = node.cat(path, { signal })
    } else {
      body = tarStream(this.walk(node, st.cid, st.type, st.size, rootName, signal))
    }
    if (compress) body = gzip(body, level === -1 ? zlibConstants.Z_DEFAULT_COMPRESSION : level)
    await sendKuboBytes(ex, body)
  }

  /** Entries of a tree, parents first, children in link order (depth first). */
  private async * walk (node: EmbeddedNode, root: CID, type: ContentType, size: bigint, name: string, signal: AbortSignal): AsyncGenerator<{ entry: TarEntry, content?: AsyncIterable<Uint8Array> }> {
    const mtime = Math.floor(Date.now() / 1000)
    const stack: Array<{ cid: CID, type: ContentType, size: bigint, name: string }> = [{ cid: root, type, size, name }]
    while (stack.length > 0) {
      const item = stack.pop() as { cid: CID, type: ContentType, size: bigint, name: string }
      const cidStr = item.cid.toString()
      switch (item.type) {
        case 'file':
          yield { entry: { name: item.name, type: 'file', size: item.size, mtime }, content: node.cat(cidStr, { signal }) }
          break
        case 'symlink': {
          const target = new TextDecoder().decode(await collectBytes(node.cat(cidStr, { signal })))
          yield { entry: { name: item.name, type: 'symlink', linkname: target, mtime } }
          break
        }
        case 'directory': {
          yield { entry: { name: item.name, type: 'directory', mtime } }
          const children: ContentLink[] = []
          for await (const link of node.ls(cidStr, { signal })) children.push(link)
          for (let i = children.length - 1; i >= 0; i--) {
            const c = children[i]
            stack.push({ cid: c.cid, type: c.type, size: c.size, name: `${item.name}/${c.name}` })
          }
          break
        }
        default:
          throw new IPFSError(`get: ${item.name} is not a UnixFS node`)
      }
    }
  }

  private async ls (ex: Exchange, node: EmbeddedNode): Promise<void> {
    const q = ex.query
    const paths = args(q, 'ipfs-path')
    const resolveType = boolOpt(q, ['resolve-type'], true)
    const withSize = boolOpt(q, ['size'], true)
    const stream = boolOpt(q, ['stream', 's'], false)
    const signal = ex.signal
    const linkJSON = async (l: ContentLink): Promise<Record<string, unknown>> => {
      let target = ''
      if (l.type === 'symlink' && resolveType) {
        target = new TextDecoder().decode(await collectBytes(node.cat(l.cid.toString(), { signal })))
      }
      return {
        Name: l.name,
        Hash: l.cid.toString(),
        Size: withSize && l.type !== 'directory' ? l.size : 0,
        Type: unixfsType(l.type),
        Target: target
      }
    }
    if (stream) {
      const items = async function * (): AsyncGenerator<unknown> {
        for (const p of paths) {
          for await (const l of node.ls(p, { signal })) {
            yield { Objects: [{ Hash: p, Links: [await linkJSON(l)] }] }
          }
        }
      }
      await sendKuboChannel(ex, items())
      return
    }
    const objects: unknown[] = []
    for (const p of paths) {
      const links: unknown[] = []
      for await (const l of node.ls(p, { signal })) links.push(await linkJSON(l))
      objects.push({ Hash: p, Links: links })
    }
    // Kubo emits `ls` on a channel
    await sendKuboChannel(ex, (async function * () { yield { Objects: objects } })())
  }

  private async cidArg (ex: Exchange, node: EmbeddedNode, name: string): Promise<CID> {
    const [arg] = args(ex.query, name)
    let parsed
    try {
      parsed = parseIpfsPath(arg)
    } catch (err) {
      throw argError(errorMessage(err))
    }
    if (parsed.rest.length === 0) return parsed.root
    return await node.resolve(arg, { signal: ex.signal })
  }

  private async blockGet (ex: Exchange, node: EmbeddedNode): Promise<void> {
    const cid = await this.cidArg(ex, node, 'cid')
    const bytes = await node.blockGet(cid, { signal: ex.signal })
    await sendKuboBytes(ex, (async function * () { yield bytes })(), bytes.byteLength)
  }

  private async blockStat (ex: Exchange, node: EmbeddedNode): Promise<void> {
    const cid = await this.cidArg(ex, node, 'cid')
    const st = await node.blockStat(cid, { signal: ex.signal })
    sendKuboValue(ex, { Key: st.cid.toString(), Size: st.size })
  }

  /** `dag/get`: the node (or a value inside it) in `output-codec` (default dag-json). */
  private async dagGet (ex: Exchange, node: EmbeddedNode): Promise<void> {
    const q = ex.query
    const [arg] = args(q, 'ref')
    const codec = strOpt(q, ['output-codec'], 'dag-json')
    const encode = codec === 'dag-json'
      ? dagJson.encode
      : codec === 'dag-cbor'
        ? dagCbor.encode
        : codec === 'json'
          ? json.encode
          : undefined
    if (encode == null) throw argError(`unsupported output codec ${JSON.stringify(codec)}`)
    let parsed
    try {
      parsed = parseIpfsPath(arg)
    } catch (err) {
      throw argError(errorMessage(err))
    }
    const signal = ex.signal
    let { codec: nodeCodec, value } = await node.dagGet(parsed.root, { signal })
    for (const seg of parsed.rest) {
      if (nodeCodec === 'dag-pb' && isPBNode(value)) {
        const link = value.Links.find((l) => l.Name === seg)
        if (link != null) {
          ;({ codec: nodeCodec, value } = await node.dagGet(link.Hash, { signal }))
          continue
        }
      }
      value = step(value, seg, arg)
      const linked = CID.asCID(value)
      if (linked != null) ({ codec: nodeCodec, value } = await node.dagGet(linked, { signal }))
    }
    let bytes: Uint8Array
    try {
      bytes = encode(value as never)
    } catch (err) {
      throw new IPFSError(`cannot encode the node as ${codec}: ${errorMessage(err)}`)
    }
    await sendKuboBytes(ex, (async function * () { yield bytes })())
  }

  private async refs (ex: Exchange, node: EmbeddedNode): Promise<void> {
    const q = ex.query
    const paths = args(q, 'ipfs-path')
    const edges = boolOpt(q, ['edges', 'e'], false)
    const unique = boolOpt(q, ['unique', 'u'], false)
    const recursive = boolOpt(q, ['recursive', 'r'], false)
    let maxDepth = intOpt(q, ['max-depth'], -1)
    let format = strOpt(q, ['format'], '<dst>')
    if (edges) {
      if (format !== '<dst>') throw argError('using format argument with edges is not allowed')
      format = '<src> -> <dst>'
    }
    if (!recursive && maxDepth === -1) maxDepth = 1
    const signal = ex.signal
    const roots: CID[] = []
    for (const p of paths) {
      let parsed
      try {
        parsed = parseIpfsPath(p)
      } catch (err) {
        throw argError(errorMessage(err))
      }
      roots.push(parsed.rest.length === 0 ? parsed.root : await node.resolve(p, { signal }))
    }
    const items = async function * (): AsyncGenerator<{ Ref: string, Err: string }> {
      for (const root of roots) {
        for await (const e of node.refEdges(root, { maxDepth, unique, signal })) {
          const ref = format.replaceAll('<src>', e.from.toString()).replaceAll('<dst>', e.to.toString()).replaceAll('<linkname>', '')
          yield { Ref: ref, Err: '' }
        }
      }
    }
    await sendKuboChannel(ex, items())
  }

  private async refsLocal (ex: Exchange, node: EmbeddedNode): Promise<void> {
    if (node.localRefs == null) {
      sendKuboError(ex, new UnsupportedOperationError(`command not supported by the embedded IPFS node of this cluster peer: ${ex.path}`), 404, ErrNotFound)
      return
    }
    const refs = node.localRefs({ signal: ex.signal })
    await sendKuboChannel(ex, refs, (cid) => ({ Ref: cid.toString(), Err: '' }))
  }

  private async resolve (ex: Exchange, node: EmbeddedNode): Promise<void> {
    const [arg] = args(ex.query, 'name')
    let cid: CID
    try {
      const parsed = parseIpfsPath(arg)
      cid = parsed.rest.length === 0 ? parsed.root : await node.resolve(arg, { signal: ex.signal })
    } catch (err) {
      if ((err as Error).name === 'InvalidArgumentError') throw argError(errorMessage(err))
      throw err
    }
    sendKuboValue(ex, { Path: `/ipfs/${cid.toString()}` })
  }

  private async swarmPeers (ex: Exchange, node: EmbeddedNode): Promise<void> {
    let peers: Array<{ Addr: string, Peer: string }>
    if (node.swarmConnections != null) {
      peers = node.swarmConnections().map((c) => ({ Addr: c.addr, Peer: c.peer }))
    } else {
      peers = (await node.swarmPeers({ signal: ex.signal })).map((p) => ({ Addr: '', Peer: p }))
    }
    sendKuboValue(ex, { Peers: peers.length > 0 ? peers : null })
  }

  // -------------------------------------------------------------------------
  // block/put, dag/put
  // -------------------------------------------------------------------------

  /**
   * Stores each part of a `block/put` or `dag/put` body as a block of the
   * embedded node (never pins; the hijacked `pin=true` variants pin the
   * results through the cluster).
   */
  async * put (ex: Exchange, node: EmbeddedNode, kind: 'block' | 'dag'): AsyncGenerator<PutResult> {
    const q = ex.query
    const allowBig = boolOpt(q, ['allow-big-block'], false)
    let boundary: string
    try {
      boundary = multipartBoundary(ex.req.headers['content-type'])
    } catch (err) {
      throw argError(errorMessage(err))
    }
    const encodeBlock = kind === 'block' ? blockEncoder(q) : dagEncoder(q)
    const reader = new MultipartReader(ex.req.iterator({ destroyOnReturn: false }), boundary)
    let count = 0
    while (true) {
      const part = await reader.nextPart()
      if (part == null) break
      const ct = part.header('content-type')
      if (ct === 'application/x-directory') {
        for await (const _ of part.body) {} // eslint-disable-line no-empty
        continue
      }
      const data = await collectBytes(part.body)
      const { cid, bytes } = await encodeBlock(data)
      if (bytes.byteLength > MAX_BLOCK && !allowBig) throw argError(BIG_BLOCK_ERROR)
      await node.blockStream((async function * () { yield { cid, bytes } })(), { signal: ex.signal })
      count++
      yield { cid, size: bytes.byteLength }
    }
    if (count === 0) throw argError(kind === 'block' ? 'File argument \'data\' is required' : 'File argument \'object data\' is required')
  }
}

type BlockEncoder = (data: Uint8Array) => Promise<{ cid: CID, bytes: Uint8Array }>

async function digestOf (hashName: string, bytes: Uint8Array, mhlen: number): Promise<Digest.Digest<number, number>> {
  const code = hashCode(hashName)
  const hasher = code == null ? undefined : getHasher(code)
  if (hasher == null) throw argError(`unrecognized multihash function: ${hashName}`)
  const d = await hasher.digest(bytes)
  if (mhlen === -1 || mhlen === d.digest.byteLength) return d
  if (mhlen < 0 || mhlen > d.digest.byteLength) throw argError(`invalid multihash length ${mhlen} for ${hashName}`)
  return Digest.create(d.code, d.digest.subarray(0, mhlen))
}

/** `block/put` parameters: `cid-codec` (default raw), `mhtype`, `mhlen`, legacy `format`. */
function blockEncoder (q: URLSearchParams): BlockEncoder {
  const hashName = strOpt(q, ['mhtype'], 'sha2-256')
  const mhlen = intOpt(q, ['mhlen'], -1)
  let codecName = strOpt(q, ['cid-codec'], '')
  const format = strOpt(q, ['format', 'f'], '')
  let v0 = false
  if (codecName === '' && format !== '') {
    if (format === 'v0' || format === 'protobuf') {
      codecName = 'dag-pb'
      v0 = hashName === 'sha2-256' && mhlen === -1
    } else {
      codecName = format === 'cbor' ? 'dag-cbor' : format
    }
  }
  if (codecName === '') codecName = 'raw'
  const codec = codecCode(codecName)
  if (codec == null) throw argError(`unrecognized CID codec: ${codecName}`)
  return async (data) => {
    const digest = await digestOf(hashName, data, mhlen)
    const cid = v0 ? CID.createV0(digest as Digest.Digest<0x12, number>) : CID.createV1(codec, digest)
    return { cid, bytes: data }
  }
}

/** `dag/put` parameters: `input-codec` (dag-json), `store-codec` (dag-cbor), `hash`. */
function dagEncoder (q: URLSearchParams): BlockEncoder {
  const input = strOpt(q, ['input-codec'], 'dag-json')
  const store = strOpt(q, ['store-codec'], 'dag-cbor')
  const hashName = strOpt(q, ['hash'], 'sha2-256')
  const decoders: Record<string, (b: Uint8Array) => unknown> = {
    'dag-json': dagJson.decode,
    'dag-cbor': dagCbor.decode,
    json: json.decode,
    'dag-pb': dagPb.decode,
    raw: (b) => b
  }
  const encoders: Record<string, (v: unknown) => Uint8Array> = {
    'dag-cbor': (v) => dagCbor.encode(v),
    'dag-json': (v) => dagJson.encode(v),
    json: (v) => json.encode(v),
    'dag-pb': (v) => dagPb.encode(dagPb.prepare(v as dagPb.PBNode)),
    raw: (v) => {
      if (!(v instanceof Uint8Array)) throw new Error('raw blocks need bytes input (input-codec=raw)')
      return v
    }
  }
  const decode = decoders[input]
  const encode = encoders[store]
  if (decode == null) throw argError(`unsupported input codec ${JSON.stringify(input)}`)
  if (encode == null) throw argError(`unsupported store codec ${JSON.stringify(store)}`)
  const codec = codecCode(store) as number
  return async (data) => {
    let bytes: Uint8Array
    try {
      bytes = encode(decode(data))
    } catch (err) {
      throw argError(`failed to decode the ${input} input or encode it as ${store}: ${errorMessage(err)}`)
    }
    const digest = await digestOf(hashName, bytes, -1)
    return { cid: CID.createV1(codec, digest), bytes }
  }
}

function isPBNode (v: unknown): v is dagPb.PBNode {
  return v != null && typeof v === 'object' && Array.isArray((v as { Links?: unknown }).Links)
}

/** One step of an IPLD path inside a decoded node. */
function step (value: unknown, seg: string, path: string): unknown {
  if (Array.isArray(value)) {
    const i = Number(seg)
    if (!/^\d+$/.test(seg) || i >= value.length) throw new IPFSError(`no link named ${JSON.stringify(seg)} under ${path}`)
    return value[i]
  }
  if (value != null && typeof value === 'object' && !(value instanceof Uint8Array) && CID.asCID(value) == null &&
    Object.prototype.hasOwnProperty.call(value, seg)) {
    return (value as Record<string, unknown>)[seg]
  }
  throw new IPFSError(`no link named ${JSON.stringify(seg)} under ${path}`)
}

async function * gzip (source: AsyncIterable<Uint8Array>, level: number): AsyncGenerator<Uint8Array> {
  const z = createGzip({ level })
  const writable = async (): Promise<void> => {
    await new Promise<void>((resolve) => {
      const done = (): void => { z.off('drain', done); z.off('close', done); resolve() }
      z.on('drain', done)
      z.on('close', done)
    })
  }
  const pump = (async () => {
    try {
      for await (const chunk of source) {
        if (z.destroyed) return
        if (!z.write(chunk)) await writable()
      }
      z.end()
    } catch (err) {
      z.destroy(err as Error)
    }
  })()
  try {
    for await (const chunk of z) yield chunk as Uint8Array
  } finally {
    if (!z.destroyed) z.destroy()
    await pump
  }
}
