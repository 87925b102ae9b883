/**
 * IPFS path arguments of the hijacked calls (boxo `path.NewPath` rules):
 * `/ipfs/<cid>[/…]`, `/ipld/<cid>[/…]`, `/ipns/<name>[/…]`, or a bare CID
 * (taken as `/ipfs/<cid>`).
 */
import { parseCid } from '../api/encoding.js'
import { InvalidArgumentError } from '../errors.js'
import { errorMessage } from '../httpapi/exchange.js'

/** Validates an IPFS path; returns it cleaned (no trailing `/`, no empty segments). */
export function parseIPFSPath (str: string): string {
  const fail = (why: string): never => {
    throw new InvalidArgumentError(`invalid path ${JSON.stringify(str)}: ${why}`)
  }
  const segments = str.split('/').filter((s, i) => i === 0 || s !== '')
  if (!str.startsWith('/') || segments.length < 3 || segments[2] === '') {
    fail('path does not have enough components')
  }
  const ns = segments[1]
  const root = segments[2]
  switch (ns) {
    case 'ipfs':
    case 'ipld':
      try {
        parseCid(root)
      } catch (err) {
        fail(errorMessage(err))
      }
      break
    case 'ipns':
      break
    default:
      fail(`unknown namespace ${JSON.stringify(ns)}`)
  }
  return segments.join('/')
}

/**
 * A path, or a bare CID as `/ipfs/<cid>`. The error is the one of the
 * string as given.
 */
export function pathOrCidPath (str: string): string {
  try {
    return parseIPFSPath(str)
  } catch (err) {
    try {
      return parseIPFSPath('/ipfs/' + str)
    } catch {
      throw err
    }
  }
}
