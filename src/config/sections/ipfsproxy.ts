/**
 * `api.ipfsproxy` section (spec §4.5). Env prefix `CLUSTER_IPFSPROXY_`.
 * Validation reports the last failing check, as the reference does.
 */
import { bool, dur, int, list, multiaddrCheck, ns, str, strings } from './fields.js'
import { MIN_MAX_HEADER_BYTES, resolveIn } from './httpapi.js'
import type { IPFSProxyConfig } from '../types.js'
import type { SectionDef } from '../schema.js'

export const ipfsproxySection: SectionDef<IPFSProxyConfig> = {
  name: 'ipfsproxy',
  section: 'api',
  envPrefix: 'CLUSTER_IPFSPROXY',
  structName: 'jsonConfig',
  fields: [
    strings('listen_multiaddress', ['/ip4/127.0.0.1/tcp/9095'], { check: multiaddrCheck('error parsing proxy listen_multiaddress') }),
    str('node_multiaddress', '/ip4/127.0.0.1/tcp/5001', { check: multiaddrCheck('error parsing ipfs node_multiaddress') }),
    bool('node_https', false, { set: 'keep', omit: 'empty', goName: 'NodeHTTPS' }),
    str('log_file', ''),
    dur('read_timeout', '0s'),
    dur('read_header_timeout', '5s'),
    dur('write_timeout', '0s'),
    dur('idle_timeout', '1m0s'),
    int('max_header_bytes', MIN_MAX_HEADER_BYTES, { zeroValue: MIN_MAX_HEADER_BYTES }),
    list('extract_headers_extra', [], { omit: 'empty', nonNull: true }),
    str('extract_headers_path', '/api/v0/version', { omit: 'default' }),
    dur('extract_headers_ttl', '5m0s', { omit: 'default', goName: 'ExtractHeadersTTL' })
  ],
  validate: (v) => {
    let err: string | undefined
    if ((v.listen_multiaddress as string[] | null ?? []).length === 0) err = 'ipfsproxy.listen_multiaddress not set'
    if (v.node_multiaddress === '') err = 'ipfsproxy.node_multiaddress not set'
    if ((v.read_timeout as bigint) < 0n) err = 'ipfsproxy.read_timeout is invalid'
    if ((v.read_header_timeout as bigint) < 0n) err = 'ipfsproxy.read_header_timeout is invalid'
    if ((v.write_timeout as bigint) < 0n) err = 'ipfsproxy.write_timeout is invalid'
    if ((v.idle_timeout as bigint) < 0n) err = 'ipfsproxy.idle_timeout invalid'
    if (v.extract_headers_path === '') err = 'ipfsproxy.extract_headers_path should not be empty'
    if ((v.extract_headers_ttl as bigint) < 0n) err = 'ipfsproxy.extract_headers_ttl is invalid'
    if ((v.max_header_bytes as number) < MIN_MAX_HEADER_BYTES) err = `ipfsproxy.max_header_size must be greater or equal to ${MIN_MAX_HEADER_BYTES}`
    return err
  },
  typed: (v, ctx) => ({
    listenMultiaddress: [...(v.listen_multiaddress as string[])],
    nodeMultiaddress: v.node_multiaddress as string,
    nodeHttps: v.node_https as boolean,
    logFile: resolveIn(ctx.baseDir, v.log_file as string),
    readTimeout: ns(v.read_timeout),
    readHeaderTimeout: ns(v.read_header_timeout),
    writeTimeout: ns(v.write_timeout),
    idleTimeout: ns(v.idle_timeout),
    maxHeaderBytes: v.max_header_bytes as number,
    extractHeadersExtra: [...(v.extract_headers_extra as string[])],
    extractHeadersPath: v.extract_headers_path as string,
    extractHeadersTTL: ns(v.extract_headers_ttl)
  })
}
