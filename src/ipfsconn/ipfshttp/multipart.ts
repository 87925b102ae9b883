/**
 * Streaming `multipart/form-data` bodies for `block/put`: parts are
 * written as blocks arrive, honouring the request's backpressure.
 */
import { randomBytes } from 'node:crypto'
import type http from 'node:http'

export function newBoundary (): string {
  return randomBytes(30).toString('hex')
}

/** Header of one part (`filename` is the block's CID string). */
export function partHeader (boundary: string, filename: string, first: boolean): string {
  return `${first ? '' : '\r\n'}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`
}

export function closingBoundary (boundary: string, empty: boolean): string {
  return `${empty ? '' : '\r\n'}--${boundary}--\r\n`
}

/** Writes a chunk, waiting for `drain` when the socket buffer is full. */
export async function writeChunk (req: http.ClientRequest, data: string | Uint8Array): Promise<void> {
  if (req.destroyed) throw new Error('request closed')
  if (req.write(data)) return
  await new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      req.off('drain', onDrain)
      req.off('close', onClose)
    }
    const onDrain = (): void => { cleanup(); resolve() }
    const onClose = (): void => { cleanup(); reject(new Error('request closed')) }
    req.on('drain', onDrain)
    req.on('close', onClose)
  })
}
