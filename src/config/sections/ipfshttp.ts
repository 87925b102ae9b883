/**
 * `ipfs_connector.ipfshttp` section (spec §4.6). Env prefix `CLUSTER_IPFSHTTP_`.
 * An absent `node_multiaddress` is an error (`error parsing
 * ipfs_node_multiaddress: empty multiaddr`).
 */
import { bool, dur, int, multiaddrCheck, ns, str } from './fields.js'
import type { IPFSHTTPConfig } from '../types.js'
import type { SectionDef } from '../schema.js'

export const ipfshttpSection: SectionDef<IPFSHTTPConfig> = {
  name: 'ipfshttp',
  section: 'ipfs_connector',
  envPrefix: 'CLUSTER_IPFSHTTP',
  structName: 'jsonConfig',
  fields: [
    str('node_multiaddress', '/ip4/127.0.0.1/tcp/5001', {
      set: 'literal',
      check: multiaddrCheck('error parsing ipfs_node_multiaddress', false)
    }),
    dur('connect_swarms_delay', '30s'),
    dur('ipfs_request_timeout', '5m0s', { goName: 'IPFSRequestTimeout' }),
    dur('pin_timeout', '2m0s'),
    dur('unpin_timeout', '3h0m0s'),
    dur('repogc_timeout', '24h0m0s', { goName: 'RepoGCTimeout' }),
    int('informer_trigger_interval', 0),
    bool('unpin_disable', false, { omit: 'empty' })
  ],
  validate: (v) => {
    let err: string | undefined
    if (v.node_multiaddress === '') err = 'ipfshttp.node_multiaddress not set'
    if ((v.connect_swarms_delay as bigint) < 0n) err = 'ipfshttp.connect_swarms_delay is invalid'
    if ((v.ipfs_request_timeout as bigint) < 0n) err = 'ipfshttp.ipfs_request_timeout invalid'
    if ((v.pin_timeout as bigint) < 0n) err = 'ipfshttp.pin_timeout invalid'
    if ((v.unpin_timeout as bigint) < 0n) err = 'ipfshttp.unpin_timeout invalid'
    if ((v.repogc_timeout as bigint) < 0n) err = 'ipfshttp.repogc_timeout invalid'
    if ((v.informer_trigger_interval as number) < 0) err = 'ipfshttp.update_metrics_after invalid'
    return err
  },
  typed: (v) => ({
    nodeMultiaddress: v.node_multiaddress as string,
    connectSwarmsDelay: ns(v.connect_swarms_delay),
    ipfsRequestTimeout: ns(v.ipfs_request_timeout),
    pinTimeout: ns(v.pin_timeout),
    unpinTimeout: ns(v.unpin_timeout),
    repogcTimeout: ns(v.repogc_timeout),
    informerTriggerInterval: v.informer_trigger_interval as number,
    unpinDisable: v.unpin_disable as boolean
  })
}
