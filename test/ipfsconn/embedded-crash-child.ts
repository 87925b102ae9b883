/**
 * Child process of the crash test: starts an embedded node on the folder
 * given as argument, stores and pins content, starts a pin that cannot
 * finish, prints what it did as JSON and exits without stopping the node.
 */
import '../../src/polyfill.js'
import { importBlocks, makePin, putBlocks, randomBytes, startNode } from './embedded-helpers.js'

const folder = process.argv[2]
const node = await startNode(folder, { pinTimeout: 60_000 })
const pinned = await importBlocks({ content: randomBytes(300_000, 201) }, { chunkSize: 100_000 })
await putBlocks(node, pinned.blocks)
await node.pin(makePin(pinned.root))
const loose = await importBlocks({ content: randomBytes(50_000, 202) })
await putBlocks(node, loose.blocks)
// a pin whose root is here but whose leaves are nowhere: it stays in progress
const partial = await importBlocks({ content: randomBytes(200_000, 203) }, { chunkSize: 100_000 })
const partialRoot = partial.blocks.find((b) => b.cid.equals(partial.root))
if (partialRoot == null) throw new Error('no root')
await putBlocks(node, [partialRoot])
let progress = 0
void node.pin(makePin(partial.root), { onProgress: (e) => { progress = e.detail.blocks } })
while (progress < 1) await new Promise((resolve) => setTimeout(resolve, 5))
process.stdout.write(JSON.stringify({
  id: (await node.id()).id,
  repoSize: (await node.repoStat()).repoSize.toString(),
  pinned: pinned.root.toString(),
  pinnedBlocks: pinned.blocks.map((b) => b.cid.toString()),
  loose: loose.root.toString(),
  partial: partial.root.toString()
}) + '\n', () => { process.exit(0) })
