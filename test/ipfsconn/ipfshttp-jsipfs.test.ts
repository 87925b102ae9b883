import '../../src/polyfill.js'
import { test } from 'node:test'
import { ipfsConnectorCompliance } from '../compliance/ipfs-connector.js'
import { jsIpfsSkipReason, startJsIpfs } from '../helpers/jsipfs.js'
import { startConnector } from './ipfshttp-helpers.js'

const skip = jsIpfsSkipReason()

if (skip !== false) {
  test('ipfshttp against the js-ipfs daemon', { skip }, () => {})
} else {
  // js-ipfs sends no pin progress and has no pin/update (the connector falls back to pin/add).
  ipfsConnectorCompliance('ipfshttp against the js-ipfs daemon', async () => {
    const daemon = await startJsIpfs()
    try {
      const connector = await startConnector(daemon.apiMultiaddr, { pinTimeout: 3000 })
      await connector.ready()
      return {
        connector,
        putContent: async (bytes) => await daemon.add(bytes),
        cleanup: async () => {
          await connector.stop()
          await daemon.stop()
        }
      }
    } catch (err) {
      await daemon.stop()
      throw err
    }
  }, { pinUpdate: true, pinProgress: false })
}
