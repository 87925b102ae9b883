/**
 * Go durations for flags (`--wait-timeout 2s`): the one implementation in
 * `src/config/duration.ts`, under the names the CLI uses. Errors keep Go's
 * messages (`time: invalid duration "x"`).
 */
import { formatDuration, formatDurationNs, goQuote, parseDuration, parseDurationNs } from '../config/duration.js'

export { goQuote }

/** Parses a Go duration (`1h30m`, `2.5s`, `-1m`, `0`) to nanoseconds. */
export function parseGoDurationNs (s: string): bigint {
  return parseDurationNs(s)
}

/** Parses a Go duration to milliseconds (fractional for sub-ms values). */
export function parseGoDuration (s: string): number {
  return parseDuration(s)
}

/** Go's `Duration.String()` for a value in nanoseconds. */
export function formatGoDurationNs (ns: bigint): string {
  return formatDurationNs(ns)
}

/** Go's `Duration.String()` for a value in milliseconds. */
export function formatGoDuration (ms: number): string {
  return formatDuration(ms)
}
