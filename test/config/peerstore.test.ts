import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { addrInfosFromP2pAddrs, peerstoreLines, readPeerstore, writePeerstore } from '../../src/config/index.js'
import { TempDirs } from './helpers.js'

const dirs = new TempDirs()
after(async () => { await dirs.cleanup() })

const P1 = '12D3KooWRN8KRjpyg9rsW2w7StbBRGper65psTZm68cjud9KAkaW'
const P2 = '12D3KooWPwrYNj7VficHw5qYidepMGA85756kYgMdNmRM9A1ZHjN'

describe('peerstore file', () => {
  it('reads addresses, skipping blanks and comments, reporting bad lines', async () => {
    const dir = await dirs.make()
    const path = join(dir, 'peerstore')
    await writeFile(path, [
      `/ip4/192.168.0.129/tcp/9196/p2p/${P1}`,
      '',
      '# a comment',
      '/ip4/999.1.1.1/tcp/1',
      `/dns4/peer.example/tcp/9096/p2p/${P2}\r`,
      `/dnsaddr/cluster.example/p2p/${P2}`
    ].join('\n') + '\n')
    const errors: string[] = []
    const addrs = await readPeerstore(path, (m) => errors.push(m))
    assert.deepEqual(addrs, [
      `/ip4/192.168.0.129/tcp/9196/p2p/${P1}`,
      `/dns4/peer.example/tcp/9096/p2p/${P2}`,
      `/dnsaddr/cluster.example/p2p/${P2}`
    ])
    assert.deepEqual(errors, [`error parsing multiaddress from ${path}: failed to parse multiaddr "/ip4/999.1.1.1/tcp/1": Invalid IPv4 address "999.1.1.1"`])
  })

  it('treats a missing file as empty', async () => {
    assert.deepEqual(await readPeerstore(join(await dirs.make(), 'nope')), [])
  })

  it('groups addresses per peer like AddrInfosFromP2pAddrs', () => {
    const infos = addrInfosFromP2pAddrs([
      `/ip4/1.2.3.4/tcp/1/p2p/${P1}`,
      `/ipfs/${P2}`,
      `/ip4/5.6.7.8/tcp/2/p2p/${P1}`
    ])
    assert.deepEqual(infos, [
      { id: P1, addrs: ['/ip4/1.2.3.4/tcp/1', '/ip4/5.6.7.8/tcp/2'] },
      { id: P2, addrs: [] }
    ])
    assert.deepEqual(peerstoreLines(infos), [`/ip4/1.2.3.4/tcp/1/p2p/${P1}`, `/ip4/5.6.7.8/tcp/2/p2p/${P1}`])
    assert.throws(() => addrInfosFromP2pAddrs(['/ip4/1.2.3.4/tcp/1']), { message: 'invalid p2p multiaddr: /ip4/1.2.3.4/tcp/1' })
  })

  it('writes one \\n-terminated line per address and reads it back', async () => {
    const path = join(await dirs.make(), 'peerstore')
    const lines = [`/ip4/1.2.3.4/tcp/1/p2p/${P1}`, `/ip6/::1/tcp/2/p2p/${P2}`]
    await writePeerstore(path, lines)
    assert.equal(await readFile(path, 'utf8'), lines.join('\n') + '\n')
    assert.deepEqual(await readPeerstore(path), lines)
    await writePeerstore(path, [])
    assert.equal(await readFile(path, 'utf8'), '')
  })
})
