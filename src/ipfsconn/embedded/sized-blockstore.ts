/**
 * The node's block store: `blockstore-fs` (one file per block, named by the
 * base32 multihash) wrapped to keep the total size of stored blocks up to
 * date on every put and delete, so `repo/stat` never walks the store.
 */
import { opendir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { FsBlockstore } from 'blockstore-fs'
import { NextToLast } from 'blockstore-fs/sharding'
import { base32upper } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { CODEC_RAW } from './dag.js'
import { KeyedMutex } from './locks.js'
import type { AbortOptions } from '../../interfaces.js'
import type { HeliaInit } from 'helia'

export type Blockstore = NonNullable<HeliaInit['blockstore']>
type PutInput = Parameters<Blockstore['put']>[1]
type InputPair = { cid: CID, bytes: PutInput }
type OutputPair = { cid: CID, bytes: AsyncGenerator<Uint8Array> | Generator<Uint8Array> }

async function toBytes (input: PutInput): Promise<Uint8Array> {
  if (input instanceof Uint8Array) return input
  const chunks: Uint8Array[] = []
  let length = 0
  for await (const chunk of input as AsyncIterable<Uint8Array>) {
    chunks.push(chunk)
    length += chunk.byteLength
  }
  const out = new Uint8Array(length)
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.byteLength
  }
  return out
}

export class SizedBlockstore implements Blockstore {
  readonly path: string
  private readonly inner: FsBlockstore
  private readonly sharding = new NextToLast()
  private readonly mutex = new KeyedMutex()
  private bytes = 0
  /** Called after a block that was not stored before has been written. */
  onNewBlock?: (cid: CID) => void

  constructor (path: string) {
    this.path = path
    this.inner = new FsBlockstore(path, { shardingStrategy: this.sharding })
  }

  async open (): Promise<void> {
    await this.inner.open()
  }

  async close (): Promise<void> {
    await this.inner.close()
  }

  /** Total bytes of the stored blocks. */
  get size (): number {
    return this.bytes
  }

  /** Sets the size (from the persisted counter, or a recount). */
  setSize (bytes: number): void {
    this.bytes = bytes
  }

  private file (cid: CID): string {
    const { dir, file } = this.sharding.encode(cid)
    return join(this.path, dir, file)
  }

  private key (cid: CID): string {
    return base32upper.encode(cid.multihash.bytes)
  }

  /** Size of a stored block, or undefined when absent (no read). */
  async blockSize (cid: CID): Promise<number | undefined> {
    try {
      return (await stat(this.file(cid))).size
    } catch {
      return undefined
    }
  }

  async has (cid: CID, options?: AbortOptions): Promise<boolean> {
    return await this.inner.has(cid, options)
  }

  async put (cid: CID, input: PutInput, options?: AbortOptions): Promise<CID> {
    return await this.mutex.run(this.key(cid), async () => {
      if (await this.inner.has(cid, options)) return cid
      const bytes = await toBytes(input)
      await this.inner.put(cid, bytes, options)
      this.bytes += bytes.byteLength
      this.onNewBlock?.(cid)
      return cid
    })
  }

  async * putMany (source: Iterable<InputPair> | AsyncIterable<InputPair>, options?: AbortOptions): AsyncGenerator<CID> {
    for await (const { cid, bytes } of source) {
      yield await this.put(cid, bytes, options)
    }
  }

  get (cid: CID, options?: AbortOptions): AsyncGenerator<Uint8Array> {
    return this.inner.get(cid, options)
  }

  async * getMany (source: Iterable<CID> | AsyncIterable<CID>, options?: AbortOptions): AsyncGenerator<OutputPair> {
    for await (const cid of source) {
      yield { cid, bytes: this.inner.get(cid, options) }
    }
  }

  /** Deletes a block; returns its size (0 when it was absent). */
  async remove (cid: CID, options?: AbortOptions): Promise<number> {
    return await this.mutex.run(this.key(cid), async () => {
      const size = await this.blockSize(cid)
      if (size === undefined) return 0
      await this.inner.delete(cid, options)
      this.bytes = Math.max(0, this.bytes - size)
      return size
    })
  }

  async delete (cid: CID, options?: AbortOptions): Promise<void> {
    await this.remove(cid, options)
  }

  async * deleteMany (source: Iterable<CID> | AsyncIterable<CID>, options?: AbortOptions): AsyncGenerator<CID> {
    for await (const cid of source) {
      await this.remove(cid, options)
      yield cid
    }
  }

  /**
   * Every stored block as a CIDv1 `raw` of its multihash (the store only
   * knows multihashes), streamed from the folder listing without reads.
   */
  async * keys (options?: AbortOptions): AsyncGenerator<CID> {
    for await (const { name } of this.files(options)) {
      const base = name.slice(0, -this.sharding.extension.length)
      let mh: Uint8Array
      try {
        mh = base32upper.decode(base)
      } catch {
        continue
      }
      yield CID.createV1(CODEC_RAW, Digest.decode(mh))
    }
  }

  async * getAll (options?: AbortOptions): AsyncGenerator<OutputPair> {
    for await (const cid of this.keys(options)) {
      yield { cid, bytes: this.inner.get(cid, options) }
    }
  }

  /** Counts the bytes of every block file (after an unclean shutdown). */
  async recount (options?: AbortOptions): Promise<number> {
    let total = 0
    for await (const { path } of this.files(options)) {
      try {
        total += (await stat(path)).size
      } catch {}
    }
    this.bytes = total
    return total
  }

  private async * files (options?: AbortOptions): AsyncGenerator<{ name: string, path: string }> {
    const ext = this.sharding.extension
    let top
    try {
      top = await opendir(this.path)
    } catch {
      return
    }
    for await (const shard of top) {
      if (!shard.isDirectory()) continue
      options?.signal?.throwIfAborted()
      const dirPath = join(this.path, shard.name)
      let dir
      try {
        dir = await opendir(dirPath)
      } catch {
        continue
      }
      for await (const entry of dir) {
        if (!entry.isFile() || !entry.name.endsWith(ext)) continue
        yield { name: entry.name, path: join(dirPath, entry.name) }
      }
    }
  }
}
