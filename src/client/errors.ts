/**
 * The error type of the REST client (Go `api.Error`): `code` is the HTTP
 * status of an error response, 500 for a stream that ended with an
 * `X-Stream-Error` trailer, and 0 when no HTTP response was obtained
 * (connection refused, TLS failure, timeout, DNS…).
 */
import { ClusterError } from '../errors.js'

export class ApiError extends ClusterError {
  static override name = 'ApiError'
  readonly code: number

  constructor (code: number, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ApiError'
    this.code = code
  }

  /** The wire form `{ code, message }`. */
  toJSON (): { code: number, message: string } {
    return { code: this.code, message: this.message }
  }
}

/** True for an {@link ApiError} (matched by name). */
export function isApiError (err: unknown): err is ApiError {
  return (err as { name?: unknown } | null)?.name === 'ApiError' && typeof (err as { code?: unknown }).code === 'number'
}
