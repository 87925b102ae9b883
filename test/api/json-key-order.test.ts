import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { pinInfoShortToJSON } from '../../src/api/json.js'

describe('api json: PinInfoShort key order', () => {
  it('puts ipfs_peer_id/ipfs_peer_addresses between peername and status (Go declaration order)', () => {
    const json = pinInfoShortToJSON({
      peername: 'a',
      ipfsPeerId: '12D3KooWEFGjfAcU4xvTbqMNkeAHqLTpqZ3XqGgKJ6hXhw1QbX1a',
      ipfsPeerAddresses: ['/ip4/1.2.3.4/tcp/4001'],
      status: 16,
      timestamp: null,
      error: '',
      attemptCount: 0,
      priorityPin: false
    })
    assert.deepEqual(Object.keys(json), ['peername', 'ipfs_peer_id', 'ipfs_peer_addresses', 'status', 'timestamp', 'error', 'attempt_count', 'priority_pin'])
    const bare = pinInfoShortToJSON({ peername: 'a', ipfsPeerId: '', ipfsPeerAddresses: [], status: 16, timestamp: null, error: '', attemptCount: 0, priorityPin: false })
    assert.deepEqual(Object.keys(bare), ['peername', 'status', 'timestamp', 'error', 'attempt_count', 'priority_pin'])
  })
})
