/**
 * @packageDocumentation
 *
 * Client of the IPFS Cluster REST API (HTTP spec §10), used by
 * `ipfs-cluster-ctl` and by tests. Responses are the wire JSON shapes of
 * `src/api/json.ts`, normalised as the Go client's decode/encode would
 * (key order, zero values, canonical CIDs), so they can be printed as-is.
 *
 * - Endpoints: `/ip4|ip6/…/tcp/…`, `/dns|dns4|dns6/…/tcp/…`, `/unix/<path>`;
 *   several endpoints fail over on transport errors only (code 0). libp2p
 *   endpoints (`/p2p/<id>`, `/dnsaddr/…`) are not supported yet: creating a
 *   client with one throws `UnsupportedOperationError`.
 * - HTTPS (`ssl`, `noVerifyCert`), basic auth (a user implies HTTPS unless
 *   `forceHttp`, with a warning), per-request timeout.
 * - Errors: {@link ApiError} `{ code, message }` — HTTP status and server
 *   message for error responses (raw body when not JSON), 500 for streams
 *   ending with an `X-Stream-Error` trailer, 0 for transport failures. Local
 *   problems (bad path, missing file) throw the errors of `src/errors.ts`.
 * - Streams are AsyncGenerators decoded incrementally.
 *
 * @example
 * ```ts
 * const client = createClient({ hosts: ['/ip4/127.0.0.1/tcp/9094'] })
 * const id = await client.id()
 * for await (const pin of client.allocations()) console.log(pin.cid)
 * for await (const out of client.add(['./dir'], { ...defaultAddParams(), recursive: true })) console.log(out.cid, out.name)
 * client.close()
 * ```
 */
import { RestClient } from './rest-client.js'
import type { ClientInit } from './types.js'

export { RestClient } from './rest-client.js'
export type { AddOptions } from './rest-client.js'
export { ApiError, isApiError } from './errors.js'
export { parseApiAddress, resolveApiAddress, isLibp2pAddress } from './address.js'
export type { ApiAddress } from './address.js'
export { defaultAddParams } from './types.js'
export type { AddParams, ClientInit, PinOptionsInput, UploadProgress } from './types.js'
export { statusReached, waitForStatus, WaitForStatusError } from './wait.js'
export type { WaitForOptions, StatusSource } from './wait.js'
export { entryFromPath, entryFromURL, goFileMode, isWebArgument, multipartBody, randomBoundary, uploadName } from './multipart.js'
export type { AddEntry, FileEntry, DirectoryEntry, SymlinkEntry, MTime } from './multipart.js'
export { addParamsToQuery, pinOptionsToQuery, queryEscape, pathEscape } from './query.js'
export { toIpfsPath } from './paths.js'
export { JSONValueSplitter, parseJSONLossless } from './json-stream.js'
export { normalizeGoTime, ZERO_TIME } from './wire.js'
export type { BandwidthByProtocolJSON, BandwidthJSON, VersionJSON } from './wire.js'

/** Creates a REST API client (no network I/O until a method is called). */
export function createClient (init: ClientInit = {}): RestClient {
  return new RestClient(init)
}
