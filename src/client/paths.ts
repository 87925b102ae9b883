/**
 * IPFS path handling of the client (`pin add <CID|path>`): a bare CID is
 * `/ipfs/<cid>`; paths must be `/ipfs/<cid>[/…]`, `/ipld/<cid>[/…]` or
 * `/ipns/<name>[/…]`.
 */
import { posix } from 'node:path'
import { parseCid } from '../api/encoding.js'
import { InvalidArgumentError } from '../errors.js'

/** Validates and cleans an IPFS path (bare CIDs get `/ipfs/`). */
export function toIpfsPath (arg: string): string {
  const raw = arg.startsWith('/') ? arg : '/ipfs/' + arg
  let cleaned = posix.normalize(raw)
  if (cleaned.length > 1 && cleaned.endsWith('/')) cleaned = cleaned.slice(0, -1)
  const parts = cleaned.split('/')
  if (parts.length < 3 || parts[2] === '') {
    throw new InvalidArgumentError(`invalid path ${JSON.stringify(raw)}: path does not have enough components`)
  }
  const ns = parts[1]
  if (ns !== 'ipfs' && ns !== 'ipld' && ns !== 'ipns') {
    throw new InvalidArgumentError(`invalid path ${JSON.stringify(raw)}: unknown namespace ${JSON.stringify(ns)}`)
  }
  if (ns !== 'ipns') {
    try {
      parseCid(parts[2])
    } catch (err) {
      throw new InvalidArgumentError(`invalid path ${JSON.stringify(raw)}: invalid cid: ${(err as Error).message}`)
    }
  }
  return cleaned
}
