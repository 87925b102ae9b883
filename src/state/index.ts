/**
 * @packageDocumentation
 *
 * The shared pinset ("state"): the canonical Pin protobuf codec used for
 * every stored pin (datastore state and CRDT values), a {@link State} kept
 * directly in a {@link KVStore}, and the streamed `state export|import`
 * helpers.
 *
 * @example
 * ```ts
 * const state = createDatastoreState({ store, namespace: '/pins' })
 * await state.add(pin)
 * for await (const p of state.list()) { ... }
 * for await (const chunk of exportState(state)) out.write(chunk)
 * await importState(state, () => createReadStream(file), { beforeWrite: clean })
 * ```
 */
import { DatastoreState } from './datastore-state.js'
import type { DatastoreStateInit } from './datastore-state.js'
import type { BatchingState } from '../interfaces.js'

export { pinToProto, pinFromProto, pinCidFromProto } from './pin-codec.js'
export { DatastoreState, decodePinEntries, decodePinChunks, LIST_PROGRESS_EVERY } from './datastore-state.js'
export type { DatastoreStateInit }
export { exportState, importState, validatePins, decodePins, decodeJSONObjects, EXPORT_PROGRESS, IMPORT_VALIDATE_PROGRESS, IMPORT_WRITE_PROGRESS } from './export-import.js'
export type { ImportStateOptions, ImportResult, StateProgress, ProgressCallbackOptions } from './export-import.js'

/**
 * A pinset stored in `store` under `namespace` (`<namespace>/<base32 CID>`
 * → Pin protobuf). With `batching: true` writes are buffered until
 * `commit()`; otherwise `commit()` is a no-op.
 */
export function createDatastoreState (init: DatastoreStateInit): BatchingState {
  return new DatastoreState(init)
}
