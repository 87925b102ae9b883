import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { decodePingValue, encodePingValue, newPingMetric, PING_METRIC_NAME, pingValueFromMetric, pingValueValid, publicIPFSAddresses, nowNs, NS_PER_MS } from '../../src/monitor/index.js'
import { testPeerId } from '../fakes/peer-ids.js'

describe('ping value', () => {
  it('encodes like Go json.Marshal with omitempty, in field order', () => {
    assert.equal(encodePingValue({ ipfsAddresses: ['/ip4/1.2.3.4/tcp/4001'], ipfsId: 'QmX', peerName: 'node0' }),
      '{"peer_name":"node0","ipfs_id":"QmX","ipfs_addresses":["/ip4/1.2.3.4/tcp/4001"]}')
    assert.equal(encodePingValue({ peerName: 'node0', ipfsId: '', ipfsAddresses: [] }), '{"peer_name":"node0"}')
    assert.equal(encodePingValue({}), '{}')
    assert.equal(encodePingValue({ peerName: 'a<b>&c' }), '{"peer_name":"a\\u003cb\\u003e\\u0026c"}')
  })

  it('decodes leniently', () => {
    assert.deepEqual(decodePingValue('{"peer_name":"n","ipfs_id":"QmX","ipfs_addresses":["/ip4/1.2.3.4/tcp/1"]}'),
      { peerName: 'n', ipfsId: 'QmX', ipfsAddresses: ['/ip4/1.2.3.4/tcp/1'] })
    assert.deepEqual(decodePingValue('{"Peer_Name":"n"}'), { peerName: 'n' })
    assert.deepEqual(decodePingValue(''), {})
    assert.deepEqual(decodePingValue('not json'), {})
    assert.deepEqual(decodePingValue('[1]'), {})
    assert.deepEqual(decodePingValue('{"peer_name":5,"ipfs_id":"QmY","ipfs_addresses":"x"}'), { ipfsId: 'QmY' })
    assert.equal(pingValueValid({ ipfsId: 'QmY' }), true)
    assert.equal(pingValueValid({ peerName: 'x' }), false)
  })

  it('builds ping metrics with the TTL and reads them back', () => {
    const before = nowNs()
    const m = newPingMetric(testPeerId(1), 30_000, { peerName: 'node1', ipfsId: 'QmZ' })
    assert.equal(m.name, PING_METRIC_NAME)
    assert.equal(m.peer, testPeerId(1))
    assert.equal(m.valid, true)
    assert.ok(m.expire >= before + 30_000n * NS_PER_MS && m.expire <= nowNs() + 30_000n * NS_PER_MS)
    assert.deepEqual(pingValueFromMetric(m), { peerName: 'node1', ipfsId: 'QmZ' })
    assert.deepEqual(pingValueFromMetric({ ...m, name: 'freespace' }), {})
    assert.deepEqual(pingValueFromMetric(undefined), {})
  })

  it('keeps only public (global unicast or DNS) IPFS addresses', () => {
    const addrs = [
      '/ip4/127.0.0.1/tcp/4001',
      '/ip4/0.0.0.0/tcp/4001',
      '/ip4/169.254.3.4/tcp/4001',
      '/ip4/224.0.0.251/udp/5353',
      '/ip4/192.168.1.10/tcp/4001',
      '/ip4/10.0.0.1/tcp/4001',
      '/ip4/8.8.8.8/tcp/4001/p2p/12D3KooWRN8KRjpyg9rsW2w7StbBRGper65psTZm68cjud9KAkaW',
      '/ip6/::1/tcp/4001',
      '/ip6/::/tcp/4001',
      '/ip6/fe80::1/tcp/4001',
      '/ip6/2001:db8::1/tcp/4001',
      '/dns4/example.com/tcp/4001',
      '/dnsaddr/bootstrap.libp2p.io',
      'garbage',
      '/p2p-circuit'
    ]
    assert.deepEqual(publicIPFSAddresses(addrs), [
      '/ip4/192.168.1.10/tcp/4001',
      '/ip4/10.0.0.1/tcp/4001',
      '/ip4/8.8.8.8/tcp/4001/p2p/12D3KooWRN8KRjpyg9rsW2w7StbBRGper65psTZm68cjud9KAkaW',
      '/ip6/2001:db8::1/tcp/4001',
      '/dns4/example.com/tcp/4001',
      '/dnsaddr/bootstrap.libp2p.io'
    ])
    assert.deepEqual(publicIPFSAddresses(null), [])
  })
})
