/**
 * @packageDocumentation
 *
 * Wiring of a whole peer (`startPeer`) and offline access to its state
 * (`offlineState`, used by `ipfs-cluster-service state …`).
 */
export { startPeer } from './peer.js'
export type { PeerOptions, RunningPeer } from './peer.js'
export { offlineState } from './offline.js'
export type { OfflineState, ImportOptions } from './offline.js'
export { acquireLock, lockErrorMessage, LOCK_FILE } from './lock.js'
export type { ExecutionLock } from './lock.js'
export { crdtSettings } from './consensus-config.js'
