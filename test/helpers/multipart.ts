/**
 * Builds multipart/form-data bodies the way boxo's MultiFileReader does
 * (ipfs-cluster-ctl, Kubo), for the `/add` tests.
 */
export const BOUNDARY = 'testBoundary1234'

export interface FilePart {
  /** Path relative to the upload root (URL-escaped in the body). */
  path: string
  type?: 'file' | 'directory' | 'symlink'
  content?: string | Buffer
}

export function partHeader (p: FilePart, boundary = BOUNDARY): string {
  const ct = p.type === 'directory' ? 'application/x-directory' : p.type === 'symlink' ? 'application/symlink' : 'application/octet-stream'
  return `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${encodeURIComponent(p.path)}"\r\nContent-Type: ${ct}\r\n\r\n`
}

export function multipartBody (parts: FilePart[], boundary = BOUNDARY): Buffer {
  const out: Buffer[] = []
  for (const p of parts) {
    out.push(Buffer.from(partHeader(p, boundary)))
    out.push(typeof p.content === 'string' ? Buffer.from(p.content) : p.content ?? Buffer.alloc(0))
    out.push(Buffer.from('\r\n'))
  }
  out.push(Buffer.from(`--${boundary}--\r\n`))
  return Buffer.concat(out)
}

export const MULTIPART_CT = `multipart/form-data; boundary=${BOUNDARY}`
