/**
 * @packageDocumentation
 *
 * The IPFS Cluster data model, its enumerations and its JSON encodings.
 */
export * from './enums.js'
export * from './encoding.js'
export * from './types.js'
export * from './json.js'
export * from './defaults.js'

/** The version this implementation is a drop-in for. */
export const VERSION = '1.1.6'

/** RPC protocol id reported in `ID.rpc_protocol_version`. */
export const RPC_PROTOCOL = '/ipfscluster/1.0/rpc'
