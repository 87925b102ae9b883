import '../../src/polyfill.js'
import { ipfsConnectorCompliance } from '../compliance/ipfs-connector.js'
import { FakeKubo } from '../fakes/fake-kubo.js'
import { unixfsFile } from '../helpers/dag.js'
import { startConnector } from './ipfshttp-helpers.js'

ipfsConnectorCompliance('ipfshttp against the fake Kubo', async () => {
  const fake = new FakeKubo({ mode: 'store', streamSeparator: '' })
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
}, { pinUpdate: true, pinProgress: true })

ipfsConnectorCompliance('ipfshttp against the fake Kubo (NDJSON, base58 CIDv1 like js-ipfs)', async () => {
  const fake = new FakeKubo({ mode: 'store', streamSeparator: '\n', base58: true })
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
}, { pinUpdate: true, pinProgress: true })
