/**
 * Inputs of the REST client.
 */
import type { PinMode } from '../api/enums.js'
import type { ComponentLogger } from '../interfaces.js'
import type { CID } from 'multiformats/cid'

/** Pin options of a request; everything optional (Go zero values). */
export interface PinOptionsInput {
  /** 0 = cluster default, -1 = everywhere. @default 0 */
  replicationFactorMin?: number
  /** @default 0 */
  replicationFactorMax?: number
  name?: string
  mode?: PinMode
  shardSize?: number
  /** Peer IDs to allocate to in priority. */
  userAllocations?: string[] | null
  expireAt?: Date | null
  metadata?: Record<string, string> | null
  /** Pin update: the existing pin to copy options from. */
  pinUpdate?: CID | string | null
  origins?: string[] | null
}

/** Parameters of `POST /add` (Go `api.AddParams`). */
export interface AddParams extends PinOptionsInput {
  local: boolean
  recursive: boolean
  /** `''` (balanced) or `trickle`. */
  layout: string
  chunker: string
  rawLeaves: boolean
  hidden: boolean
  wrap: boolean
  shard: boolean
  progress: boolean
  cidVersion: number
  hashFun: string
  streamChannels: boolean
  noCopy: boolean
  /** `unixfs` or `car`. */
  format: string
  noPin: boolean
}

/** Go `api.DefaultAddParams()`. */
export function defaultAddParams (): AddParams {
  return {
    replicationFactorMin: 0,
    replicationFactorMax: 0,
    name: '',
    mode: 'recursive',
    shardSize: 100 * 1024 * 1024,
    userAllocations: null,
    expireAt: null,
    metadata: {},
    pinUpdate: null,
    origins: null,
    local: false,
    recursive: false,
    layout: '',
    chunker: 'size-262144',
    rawLeaves: false,
    hidden: false,
    wrap: false,
    shard: false,
    progress: false,
    cidVersion: 0,
    hashFun: 'sha2-256',
    streamChannels: true,
    noCopy: false,
    format: 'unixfs',
    noPin: false
  }
}

export interface ClientInit {
  /**
   * API endpoints: `/ip4|ip6/<ip>/tcp/<port>`, `/dns|dns4|dns6/<name>/tcp/<port>`
   * or `/unix/<socket path>`. Requests go to the first; on a transport error
   * (no HTTP response) the next is tried.
   * @default ['/ip4/127.0.0.1/tcp/9094']
   */
  hosts?: string[]
  /** Use HTTPS. */
  ssl?: boolean
  /** Skip TLS certificate verification. */
  noVerifyCert?: boolean
  /** Extra CA certificates (PEM) to trust. */
  ca?: string | string[]
  /** Basic auth user. A non-empty user implies `ssl` unless `forceHttp`. */
  username?: string
  password?: string
  /** Keep plain HTTP even with basic auth credentials. */
  forceHttp?: boolean
  /** Overall timeout of each request, body included, in ms; 0 = none. @default 0 */
  timeout?: number
  /** Logger factory; the client logs to facility `apiclient` (requests and response bodies at debug level). */
  logger?: ComponentLogger
}

/** Progress of an upload (`add`). */
export interface UploadProgress {
  /** File bytes sent so far. */
  bytes: number
  /** Total file bytes when known (URLs may be unknown: -1). */
  total: number
}
