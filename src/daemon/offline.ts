/**
 * Offline access to a peer's state for the `state` commands (the daemon
 * must not run: the caller holds the execution lock).
 */
import { createCRDTConsensus, formatCRDTInfo } from '../consensus/crdt/index.js'
import { createKVStore } from '../datastore/index.js'
import { exportState, importState, IMPORT_VALIDATE_PROGRESS } from '../state/index.js'
import { silentLogger } from '../logging/index.js'
import { crdtSettings } from './consensus-config.js'
import type { Pin } from '../api/index.js'
import type { PeerConfig } from '../config/types.js'
import type { ComponentLogger } from '../interfaces.js'

export interface ImportOptions {
  /** > 0 overrides every pin's replication_factor_min. */
  replicationFactorMin: number
  replicationFactorMax: number
  /** Non-empty overrides every pin's allocations. */
  allocations: string[]
  onProgress?: (count: number, phase: 'validate' | 'write') => void
}

export interface OfflineState {
  info(): Promise<string>
  dot(write: (s: string) => void): Promise<void>
  markDirty(): Promise<void>
  markClean(): Promise<void>
  exportTo(out: NodeJS.WritableStream, onProgress?: (count: number) => void): Promise<number>
  /** Validates the whole input first; the state is replaced only if it is valid. */
  importFrom(input: NodeJS.ReadableStream, opts: ImportOptions): Promise<number>
  cleanup(): Promise<void>
  /** Streams the pinset. */
  list(): AsyncGenerator<Pin>
  close(): Promise<void>
}

async function write (out: NodeJS.WritableStream, chunk: string): Promise<void> {
  if (!out.write(chunk)) {
    await new Promise<void>((resolve) => { out.once('drain', () => { resolve() }) })
  }
}

export async function offlineState (config: PeerConfig, logger: ComponentLogger = silentLogger()): Promise<OfflineState> {
  const { folder, crdt } = crdtSettings(config)
  const store = createKVStore({ path: folder })
  const consensus = createCRDTConsensus({ store, peerId: 'offline', logger }, { ...crdt, offline: true })
  await consensus.start()
  return {
    async info () {
      return formatCRDTInfo(consensus.info())
    },
    async dot (w) {
      await consensus.dot(w)
    },
    async markDirty () { await consensus.markDirty() },
    async markClean () { await consensus.markClean() },
    async exportTo (out, onProgress) {
      let n = 0
      const progress = (count: number): void => {
        n = count
        onProgress?.(count)
      }
      for await (const chunk of exportState(consensus.state(), { onProgress: (e) => { progress(e.detail.count) } })) {
        await write(out, chunk)
      }
      return n
    },
    async importFrom (input, opts) {
      // read once: importState validates into its own spool file, then writes
      const state = consensus.batchingState()
      const { count } = await importState(state, () => input as AsyncIterable<Uint8Array>, {
        transform: (pin) => {
          if (opts.replicationFactorMin > 0) pin.replicationFactorMin = opts.replicationFactorMin
          if (opts.replicationFactorMax > 0) pin.replicationFactorMax = opts.replicationFactorMax
          if (opts.allocations.length > 0) pin.allocations = [...opts.allocations]
          return pin
        },
        beforeWrite: async () => { await consensus.clean() },
        onProgress: (e) => { opts.onProgress?.(e.detail.count, e.type === IMPORT_VALIDATE_PROGRESS ? 'validate' : 'write') }
      })
      return count
    },
    async cleanup () {
      await consensus.clean()
    },
    list () {
      return consensus.state().list()
    },
    async close () {
      await consensus.stop()
      await store.stop()
    }
  }
}
