/**
 * The shared IPFSConnector compliance suite run against the embedded node.
 * (Kept as `.pending` until test/compliance/ipfs-connector.ts is merged.)
 */
import '../../src/polyfill.js'
import { ipfsConnectorCompliance } from '../compliance/ipfs-connector.js'
import { putContent, startNode, tempFolder } from './embedded-helpers.js'
import type { ConnectorTestSetup } from '../compliance/ipfs-connector.js'

ipfsConnectorCompliance('embedded', async (): Promise<ConnectorTestSetup> => {
  const folder = await tempFolder('embedded-compliance-')
  const connector = await startNode(folder.path, {
    // short enough for stall tests to run fast, long enough for loopback pins
    pinTimeout: 2000,
    ipfsRequestTimeout: 2000
  })
  return {
    connector,
    // a UnixFS file (CIDv1, raw leaves) stored through blockStream, not pinned
    putContent: async (bytes) => (await putContent(connector, bytes)).root,
    cleanup: async () => {
      await connector.stop()
      await folder.remove()
    }
  }
}, { pinUpdate: true, pinProgress: true })
