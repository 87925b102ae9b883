/**
 * @packageDocumentation
 *
 * The HTTP server layer shared by the REST API and the Pinning Service API
 * (the Go `api/common`): listeners on multiaddrs (TCP and unix sockets),
 * TLS, limits, the access log, Basic/JWT authentication, CORS, redirects,
 * routing, JSON responses and errors, NDJSON streaming with the
 * `X-Stream-Error` trailer, plus the request parsers every API needs
 * (PinOptions and `/add` query parameters, multipart uploads).
 *
 * An API supplies its routes and its error body:
 *
 * ```ts
 * const server = new HTTPAPIServer({
 *   name: 'restapi', config, logger,
 *   errorBody: (message, code) => ({ code, message }),
 *   routes: [{ method: 'GET', path: '/version', handler: (ex) => { ex.sendJSON({ version: '1.1.6' }) } }]
 * })
 * await server.start()
 * server.addresses() // ['/ip4/127.0.0.1/tcp/9094']
 * ```
 */
export { HTTPAPIServer, parseListenAddress, decodePath, encodePath, listenServer, httpServerOptions } from './server.js'
export type { HTTPAPIServerInit, Route, RouteHandler, ServerLimits } from './server.js'
export { serveAdd, withProgress } from './add.js'
export type { ServeAddOptions } from './add.js'
export { Exchange, appendHeader, errorMessage, trailerValue } from './exchange.js'
export type { ErrorBodyFn, StreamOptions } from './exchange.js'
export { authenticate, signToken, verifyToken, parseBasicAuth, parseBearer, AUTH_REALM } from './auth.js'
export { CORS, canonicalHeaderKey } from './cors.js'
export type { CORSOptions } from './cors.js'
export { Router, compilePattern, cleanPath, posixClean } from './router.js'
export { AccessLog, commonLogLine, formatLogTime } from './access-log.js'
export type { AccessLogEntry } from './access-log.js'
export { parseGoDuration } from './duration.js'
export { parsePinOptionsQuery, parseAddParams, defaultAddParams, parseGoBool, parseUint, queryGet, DEFAULT_SHARD_SIZE } from './params.js'
export { MultipartReader, multipartEntries, multipartBoundary, parseMediaType, queryUnescape, cleanEntryPath, parseFormNameAttrs, ERR_NOT_MULTIPART, ERR_MISSING_BOUNDARY } from './multipart.js'
export type { MultipartPart, MultipartReaderOptions, MultipartEntriesOptions, MediaType } from './multipart.js'
export { inCompletionOrder } from './parallel.js'
export type { Settled } from './parallel.js'
