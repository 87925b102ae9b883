/**
 * Default parameters of the data model that several components share.
 */
import { defaultPinOptions } from './json.js'
import type { AddParams } from '../interfaces.js'

/** Default shard size of adds (Go `api.DefaultShardSize`, 100 MiB). */
export const DEFAULT_SHARD_SIZE = 104857600

/**
 * Defaults of an add (Go `DefaultAddParams`): what `POST /add` and the
 * proxy's `add` use for absent query parameters.
 */
export function defaultAddParams (): AddParams {
  return {
    chunker: 'size-262144',
    rawLeaves: false,
    cidVersion: 0,
    hashFun: 'sha2-256',
    layout: '',
    wrapWithDirectory: false,
    format: 'unixfs',
    progress: false,
    noCopy: false,
    local: false,
    recursive: false,
    hidden: false,
    shard: false,
    streamChannels: true,
    noPin: false,
    pinOptions: { ...defaultPinOptions(), shardSize: DEFAULT_SHARD_SIZE }
  }
}
