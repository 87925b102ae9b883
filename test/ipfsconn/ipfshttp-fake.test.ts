import '../../src/polyfill.js'
import { ipfsConnectorCompliance } from '../compliance/ipfs-connector.js'
import { FakeKubo } from '../fakes/fake-kubo.js'
import { unixfsFile } from '../helpers/dag.js'
import { startConnector } from './ipfshttp-helpers.js'
import type { ConnectorTestSetup } from '../compliance/ipfs-connector.js'
import type { FakeKuboOptions } from '../fakes/fake-kubo.js'

async function fakeSetup (opts: FakeKuboOptions): Promise<ConnectorTestSetup> {
  const fake = new FakeKubo({ mode: 'store', ...opts })
  await fake.start()
  const connector = await startConnector(fake.apiMultiaddr, { pinTimeout: 1000 })
  await connector.ready()
  return {
    connector,
    putContent: async (bytes) => {
      const { root, blocks } = await unixfsFile(bytes)
      for (const b of blocks) fake.putBlock(b.cid, b.bytes)
      return root
    },
    cleanup: async () => {
      await connector.stop()
      await fake.stop()
    }
  }
}

ipfsConnectorCompliance('ipfshttp against the fake Kubo', async () => await fakeSetup({ streamSeparator: '' }), { pinUpdate: true, pinProgress: true })

ipfsConnectorCompliance('ipfshttp against the fake Kubo (NDJSON, base58 CIDv1)', async () => await fakeSetup({ streamSeparator: '\n', base58: true }), { pinUpdate: true, pinProgress: true })

// js-ipfs quirks: legacy block/put, one block per request, no pin/update, no progress.
ipfsConnectorCompliance('ipfshttp against the fake Kubo emulating js-ipfs', async () => await fakeSetup({ jsIpfs: true }), { pinUpdate: true, pinProgress: false })
