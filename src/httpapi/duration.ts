/**
 * Go `time.ParseDuration` for query parameters (`expire-in`): nanoseconds,
 * and an InvalidArgumentError (HTTP 400) with Go's message.
 */
import { parseDurationNs } from '../config/duration.js'
import { InvalidArgumentError } from '../errors.js'

export function parseGoDuration (input: string): number {
  try {
    return Number(parseDurationNs(input))
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message)
  }
}
