/**
 * `ipfs_connector.embedded` section: our extension, the IPFS node embedded
 * in the peer (used instead of a Kubo daemon). Env prefix
 * `CLUSTER_EMBEDDED_`. Every key keeps its default when absent or empty.
 */
import { isAbsolute, join } from 'node:path'
import { FieldError } from '../schema.js'
import { parseSize } from '../size.js'
import { dur, list, multiaddrCheck, ns, size, str } from './fields.js'
import type { EmbeddedIPFSConfig } from '../types.js'
import type { SectionDef } from '../schema.js'

export const DEFAULT_EMBEDDED_LISTEN = ['/ip4/0.0.0.0/tcp/4001']

export const embeddedSection: SectionDef<EmbeddedIPFSConfig> = {
  name: 'embedded',
  section: 'ipfs_connector',
  envPrefix: 'CLUSTER_EMBEDDED',
  structName: 'jsonConfig',
  fields: [
    list('listen_multiaddress', DEFAULT_EMBEDDED_LISTEN, { check: multiaddrCheck('error parsing embedded.listen_multiaddress') }),
    list('announce_multiaddress', [], { set: 'literal', nonNull: true, check: multiaddrCheck('error parsing embedded.announce_multiaddress') }),
    str('folder', 'ipfs'),
    size('storage_max', '10GB', {
      check: (v, ctx) => {
        try {
          parseSize(v as string | number)
        } catch (err) {
          throw new FieldError(`error parsing embedded.storage_max: ${(err as Error).message}`, ctx.path, v)
        }
      }
    }),
    dur('pin_timeout', '2m0s'),
    dur('unpin_timeout', '3h0m0s'),
    dur('ipfs_request_timeout', '5m0s', { goName: 'IPFSRequestTimeout' }),
    dur('connect_swarms_delay', '30s')
  ],
  validate: (v) => {
    if ((v.listen_multiaddress as string[]).length === 0) return 'embedded.listen_multiaddress not set'
    if (v.folder === '') return 'embedded.folder is unset'
    for (const k of ['pin_timeout', 'unpin_timeout', 'ipfs_request_timeout', 'connect_swarms_delay']) {
      if ((v[k] as bigint) < 0n) return `embedded.${k} is invalid`
    }
    return undefined
  },
  typed: (v, ctx) => ({
    listenMultiaddress: [...(v.listen_multiaddress as string[])],
    announceMultiaddress: [...(v.announce_multiaddress as string[])],
    folder: isAbsolute(v.folder as string) ? v.folder as string : join(ctx.baseDir, v.folder as string),
    storageMax: parseSize(v.storage_max as string | number),
    pinTimeout: ns(v.pin_timeout),
    unpinTimeout: ns(v.unpin_timeout),
    ipfsRequestTimeout: ns(v.ipfs_request_timeout),
    connectSwarmsDelay: ns(v.connect_swarms_delay)
  })
}
