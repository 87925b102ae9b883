/**
 * `cluster` section (spec §4.1). Env prefix `CLUSTER_`.
 */
import { hostname } from 'node:os'
import { join } from 'node:path'
import { encodeSecret, generateSecret, parseSecret } from '../secret.js'
import { FieldError } from '../schema.js'
import { bool, dur, int, multiaddrCheck, ns, obj, str, strings, uint, list } from './fields.js'
import type { ClusterConfig } from '../types.js'
import type { SectionDef, Values } from '../schema.js'

export const DEFAULT_CLUSTER_LISTEN = ['/ip4/0.0.0.0/tcp/9096', '/ip4/0.0.0.0/udp/9096/quic']

function replicationFactorError (min: number, max: number): string | undefined {
  if (min === 0 || max === 0) return 'cluster.replication_factor_min and max must be set'
  if (min > max) return 'cluster.replication_factor_min is larger than max'
  if (min < -1) return 'cluster.replication_factor_min is wrong'
  if (max < -1) return 'cluster.replication_factor_max is wrong'
  if ((min === -1 && max !== -1) || (min !== -1 && max === -1)) {
    return 'cluster.replication_factor_min and max must be -1 when one of them is'
  }
  return undefined
}

export const clusterSection: SectionDef<ClusterConfig> = {
  name: 'cluster',
  section: 'cluster',
  envPrefix: 'CLUSTER',
  structName: 'configJSON',
  fields: [
    // legacy identity keys: only read by the identity migration
    str('id', '', { set: 'ignore', omit: 'empty' }),
    str('peername', () => hostname(), { set: 'keep' }),
    str('private_key', '', { set: 'ignore', omit: 'empty', hidden: true }),
    str('secret', () => generateSecret(), {
      hidden: true,
      fromJSON: (j, _prev, ctx) => {
        const text = typeof j === 'string' ? j : ''
        try {
          return parseSecret(text)
        } catch (err) {
          throw new FieldError(`error loading cluster secret from config: ${(err as Error).message}`, ctx.path, text)
        }
      },
      toJSON: (v) => encodeSecret(v as Uint8Array)
    }),
    bool('leave_on_shutdown', false),
    strings('listen_multiaddress', DEFAULT_CLUSTER_LISTEN, {
      set: 'literal',
      check: multiaddrCheck('error parsing listen_multiaddress')
    }),
    strings('announce_multiaddress', [], { set: 'literal', nonNull: true, check: multiaddrCheck('error parsing announce') }),
    strings('no_announce_multiaddress', [], { set: 'literal', nonNull: true, check: multiaddrCheck('error parsing no_announce') }),
    bool('enable_relay_hop', true),
    obj('connection_manager', [
      int('high_water', 400, { set: 'literal' }),
      int('low_water', 100, { set: 'literal' }),
      dur('grace_period', '2m0s')
    ], { nullable: true }),
    obj('resource_manager', [
      bool('enabled', true),
      uint('memory_limit_bytes', 0, { set: 'literal' }),
      uint('file_descriptors_limit', 0, { set: 'literal' })
    ], { nullable: true }),
    obj('pubsub', [
      dur('seen_messages_ttl', '30m0s', { goName: 'SeenMessagesTTL' }),
      dur('heartbeat_interval', '10s'),
      int('d_factor', 4, { set: 'literal', goName: 'DFactor' }),
      int('history_gossip', 2, { set: 'literal' }),
      int('history_length', 6, { set: 'literal' }),
      bool('flood_publish', false)
    ], { nullable: true, goName: 'PubSub' }),
    dur('dial_peer_timeout', '3s'),
    dur('state_sync_interval', '5m0s'),
    dur('pin_recover_interval', '12m0s'),
    int('replication_factor_min', -1),
    int('replication_factor_max', -1),
    dur('monitor_ping_interval', '15s'),
    dur('peer_watch_interval', '5s'),
    dur('mdns_interval', '10s'),
    bool('pin_only_on_trusted_peers', false),
    bool('pin_only_on_untrusted_peers', false),
    bool('disable_repinning', true),
    bool('follower_mode', false, { omit: 'empty' }),
    str('peerstore_file', '', { omit: 'empty' }),
    list('peer_addresses', [], { set: 'literal', nonNull: true, check: multiaddrCheck('error parsing peer_addresses') })
  ],
  validate: (v) => {
    const cm = v.connection_manager as Values
    const ps = v.pubsub as Values
    const listen = v.listen_multiaddress as string[] | null
    if (listen == null || listen.length === 0) return 'cluster.listen_multiaddress is undefined'
    if ((cm.low_water as number) <= 0) return 'cluster.connection_manager.low_water is invalid'
    if ((cm.high_water as number) <= 0) return 'cluster.connection_manager.high_water is invalid'
    if ((cm.low_water as number) > (cm.high_water as number)) return 'cluster.connection_manager.low_water is greater than high_water'
    if (cm.grace_period === 0n) return 'cluster.connection_manager.grace_period is invalid'
    if ((ps.seen_messages_ttl as bigint) <= 0n) return 'cluster.pubsub.seen_message_ttl is invalid'
    if ((ps.heartbeat_interval as bigint) <= 0n) return 'cluster.pubsub.heartbeat_interval is invalid'
    if ((ps.d_factor as number) <= 0) return 'cluster.pubsub.d_factor is invalid'
    if ((ps.history_gossip as number) <= 0) return 'cluster.pubsub.history_gossip is invalid'
    if ((ps.history_length as number) <= 0) return 'cluster.pubsub.history_length is invalid'
    if ((v.dial_peer_timeout as bigint) <= 0n) return 'cluster.dial_peer_timeout is invalid'
    if ((v.state_sync_interval as bigint) <= 0n) return 'cluster.state_sync_interval is invalid'
    if ((v.pin_recover_interval as bigint) <= 0n) return 'cluster.pin_recover_interval is invalid'
    if ((v.monitor_ping_interval as bigint) <= 0n) return 'cluster.monitoring_interval is invalid'
    if ((v.peer_watch_interval as bigint) <= 0n) return 'cluster.peer_watch_interval is invalid'
    const rf = replicationFactorError(v.replication_factor_min as number, v.replication_factor_max as number)
    if (rf != null) return rf
    if (v.pin_only_on_trusted_peers === true && v.pin_only_on_untrusted_peers === true) {
      return 'cluster.pin_only_on_trusted_peers and pin_only_on_untrusted_peers cannot both be true'
    }
    return undefined
  },
  typed: (v, ctx) => {
    const cm = v.connection_manager as Values
    const rm = v.resource_manager as Values
    const ps = v.pubsub as Values
    return {
      peername: v.peername as string,
      secret: v.secret as Uint8Array,
      leaveOnShutdown: v.leave_on_shutdown as boolean,
      listenMultiaddress: [...(v.listen_multiaddress as string[] | null ?? [])],
      announceMultiaddress: [...(v.announce_multiaddress as string[] | null ?? [])],
      noAnnounceMultiaddress: [...(v.no_announce_multiaddress as string[] | null ?? [])],
      enableRelayHop: v.enable_relay_hop as boolean,
      connectionManager: {
        highWater: cm.high_water as number,
        lowWater: cm.low_water as number,
        gracePeriod: ns(cm.grace_period)
      },
      resourceManager: {
        enabled: rm.enabled as boolean,
        memoryLimitBytes: rm.memory_limit_bytes as number,
        fileDescriptorsLimit: rm.file_descriptors_limit as number
      },
      pubsub: {
        seenMessagesTTL: ns(ps.seen_messages_ttl),
        heartbeatInterval: ns(ps.heartbeat_interval),
        dFactor: ps.d_factor as number,
        historyGossip: ps.history_gossip as number,
        historyLength: ps.history_length as number,
        floodPublish: ps.flood_publish as boolean
      },
      dialPeerTimeout: ns(v.dial_peer_timeout),
      stateSyncInterval: ns(v.state_sync_interval),
      pinRecoverInterval: ns(v.pin_recover_interval),
      replicationFactorMin: v.replication_factor_min as number,
      replicationFactorMax: v.replication_factor_max as number,
      monitorPingInterval: ns(v.monitor_ping_interval),
      peerWatchInterval: ns(v.peer_watch_interval),
      mdnsInterval: ns(v.mdns_interval),
      pinOnlyOnTrustedPeers: v.pin_only_on_trusted_peers as boolean,
      pinOnlyOnUntrustedPeers: v.pin_only_on_untrusted_peers as boolean,
      disableRepinning: v.disable_repinning as boolean,
      followerMode: v.follower_mode as boolean,
      // always joined to the folder, even when absolute (Quirk §4.0.3)
      peerstorePath: join(ctx.baseDir, (v.peerstore_file as string) === '' ? 'peerstore' : v.peerstore_file as string),
      peerAddresses: [...(v.peer_addresses as string[] | null ?? [])],
      baseDir: ctx.baseDir
    }
  }
}
