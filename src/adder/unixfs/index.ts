/**
 * @packageDocumentation
 *
 * A UnixFS DAG builder producing exactly Kubo's DAGs (see the module docs
 * of `file.ts`, `dir.ts`, `chunker.ts`, `encoding.ts`).
 */
export { KUBO_HAMT_FANOUT, KUBO_HAMT_SHARDING_SIZE, KUBO_MAX_LINKS, makeCid } from './block.js'
export type { BlockSink, BuiltNode, DagOptions } from './block.js'
export { CHUNK_SIZE_LIMIT, DEFAULT_CHUNK_SIZE, createChunker, parseChunker } from './chunker.js'
export type { Chunker, ChunkerSpec, ChunkSink } from './chunker.js'
export { DirectoryTree, emptyDirectory, finalizeTree, symlinkNode } from './dir.js'
export type { BuiltDirectory } from './dir.js'
export { DAG_CBOR, DAG_PB, RAW, UnixFSType } from './encoding.js'
export { FileBuilder } from './file.js'
export type { BuiltFile } from './file.js'
export { hasherByCode, hasherByName } from './hasher.js'
export type { Hasher } from './hasher.js'
export { murmur3x64h1 } from './murmur3.js'
