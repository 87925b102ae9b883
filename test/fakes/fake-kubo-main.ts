/**
 * Runs the fake Kubo as its own process (benchmarks run a cluster daemon
 * against it):
 *
 *   node dist/test/fakes/fake-kubo-main.js [--port 0] [--host 127.0.0.1]
 *        [--mode mock|store] [--slow-interval 1000] [--peer-id <id>] [--ndjson]
 *        [--preload <file>]
 *
 * `--preload` reads a file of canonical CID strings, one per line, and
 * starts with them pinned recursively (million-pin benchmarks).
 *
 * Prints `listening on /ip4/<host>/tcp/<port>` on stdout once it listens;
 * stops on SIGTERM/SIGINT.
 */
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { FakeKubo } from './fake-kubo.js'

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    mode: { type: 'string', default: 'mock' },
    'slow-interval': { type: 'string' },
    'peer-id': { type: 'string' },
    ndjson: { type: 'boolean', default: false },
    preload: { type: 'string' }
  },
  strict: true
})

if (values.mode !== 'mock' && values.mode !== 'store') {
  process.stderr.write(`--mode must be mock or store, not ${values.mode}\n`)
  process.exit(2)
}
const port = Number(values.port)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`invalid --port ${values.port}\n`)
  process.exit(2)
}

const fake = new FakeKubo({
  host: values.host,
  port,
  mode: values.mode,
  slowInterval: values['slow-interval'] != null ? Number(values['slow-interval']) : undefined,
  peerId: values['peer-id'],
  streamSeparator: values.ndjson === true ? '\n' : '',
  recordRequests: 0
})

if (values.preload != null) {
  const keys: string[] = []
  for await (const line of createInterface({ input: createReadStream(values.preload), crlfDelay: Infinity })) {
    if (line !== '') keys.push(line)
  }
  fake.loadPins(keys)
}

await fake.start()
process.stdout.write(`listening on ${fake.apiMultiaddr}\n`)

let stopping = false
const stop = (): void => {
  if (stopping) return
  stopping = true
  fake.stop().then(() => { process.exit(0) }, () => { process.exit(1) })
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
