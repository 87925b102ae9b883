import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { request as rawRequest, type IncomingMessage } from 'node:http'
import { HTTPAPIServer, type Route } from '../../src/httpapi/index.js'
import { AbortError } from '../../src/errors.js'
import { silentLogger } from '../../src/logging/index.js'
import { waitFor } from '../helpers/wait-for.js'
import { httpConfig, httpRequest, ndjson, targetOf, trailerValues, type Target } from '../helpers/http.js'

/** Observations of the producers, per test. */
const state = {
  produced: 0,
  finished: false,
  sawAbort: false
}

async function * numbers (n: number, failAt?: number, signal?: AbortSignal, pad = 0): AsyncGenerator<{ n: number, pad?: string }> {
  const padding = 'x'.repeat(pad)
  state.produced = 0
  state.finished = false
  try {
    for (let i = 0; i < n; i++) {
      if (signal?.aborted === true) throw new AbortError()
      if (i === failAt) throw new Error(`failed at ${i} (文件 été)`)
      state.produced++
      yield pad > 0 ? { n: i, pad: padding } : { n: i }
    }
  } finally {
    state.finished = true
  }
}

async function * forever (signal: AbortSignal): AsyncGenerator<{ n: number }> {
  state.produced = 0
  state.finished = false
  state.sawAbort = false
  try {
    for (let i = 0; ; i++) {
      if (signal.aborted) {
        state.sawAbort = true
        throw new AbortError()
      }
      state.produced++
      yield { n: i }
      // let the event loop run like a real producer would
      await new Promise((resolve) => setImmediate(resolve))
    }
  } finally {
    state.finished = true
  }
}

const routes: Route[] = [
  {
    method: 'GET',
    path: '/stream',
    handler: async (ex) => {
      const n = Number(ex.query.get('n') ?? '0')
      const failAt = ex.query.get('fail') != null ? Number(ex.query.get('fail')) : undefined
      await ex.stream(numbers(n, failAt, ex.signal, Number(ex.query.get('pad') ?? '0')), (x) => x)
    }
  },
  {
    method: 'GET',
    path: '/extra',
    handler: async (ex) => {
      const n = Number(ex.query.get('n') ?? '0')
      await ex.stream(numbers(n), (x) => x, { extraErrors: () => [new Error('peer A unreachable'), new Error('peer B:\ncrashed')] })
    }
  },
  { method: 'GET', path: '/forever', handler: async (ex) => { await ex.stream(forever(ex.signal), (x) => x) } }
]

describe('NDJSON streaming responses', () => {
  let server: HTTPAPIServer
  let target: Target

  before(async () => {
    server = new HTTPAPIServer({ name: 'restapi', config: httpConfig({ headers: { 'X-Custom': ['v'] } }), logger: silentLogger(), routes, errorBody: (message, code) => ({ code, message }) })
    await server.start()
    target = targetOf(server.addresses()[0])
  })

  after(async () => {
    await server.stop()
  })

  it('streams items as NDJSON with an empty X-Stream-Error trailer', async () => {
    const r = await httpRequest(target, { path: '/stream?n=3' })
    assert.equal(r.status, 200)
    assert.equal(r.headers['content-type'], 'application/json')
    assert.equal(r.headers.trailer, 'X-Stream-Error')
    assert.equal(r.headers['transfer-encoding'], 'chunked')
    assert.equal(r.headers['x-custom'], 'v')
    assert.equal(r.body, '{"n":0}\n{"n":1}\n{"n":2}\n')
    assert.deepEqual(trailerValues(r, 'X-Stream-Error'), [''])
  })

  it('answers 204 with no body when there is nothing to stream', async () => {
    const r = await httpRequest(target, { path: '/stream?n=0' })
    assert.equal(r.status, 204)
    assert.equal(r.headers['content-type'], 'application/json')
    assert.equal(r.body, '')
  })

  it('answers 500 with an error body when the first item fails', async () => {
    const r = await httpRequest(target, { path: '/stream?n=3&fail=0' })
    assert.equal(r.status, 500)
    assert.equal(r.body, '{"code":500,"message":"failed at 0 (文件 été)"}\n')
    assert.deepEqual(r.rawTrailers, [])
  })

  it('reports an error after the first item in the trailer', async () => {
    const r = await httpRequest(target, { path: '/stream?n=5&fail=2' })
    assert.equal(r.status, 200)
    assert.deepEqual(ndjson(r.body), [{ n: 0 }, { n: 1 }])
    // trailer bytes are UTF-8 (node's client reads header bytes as latin1)
    assert.deepEqual(trailerValues(r, 'X-Stream-Error').map((v) => Buffer.from(v, 'latin1').toString('utf8')), ['failed at 2 (文件 été)'])
  })

  it('adds one trailer value per operation error, or answers 500 with the first one', async () => {
    const some = await httpRequest(target, { path: '/extra?n=1' })
    assert.equal(some.status, 200)
    assert.deepEqual(ndjson(some.body), [{ n: 0 }])
    assert.deepEqual(trailerValues(some, 'X-Stream-Error'), ['', 'peer A unreachable', 'peer B: crashed'])
    const none = await httpRequest(target, { path: '/extra?n=0' })
    assert.equal(none.status, 500)
    assert.equal(none.body, '{"code":500,"message":"peer A unreachable"}\n')
  })

  it('waits for a slow client instead of buffering (back-pressure)', async () => {
    // 1 KiB items, 32 MiB in all: far more than the socket buffers hold
    const total = 32768
    let res: IncomingMessage | undefined
    const lines = await new Promise<number>((resolve, reject) => {
      const req = rawRequest({ host: '127.0.0.1', port: target.port, path: `/stream?n=${total}&pad=1000`, agent: false }, (r) => {
        res = r
        r.pause()
        let count = 0
        let tail = ''
        void (async () => {
          // While nobody reads, the producer must stall far below the total.
          let last = -1
          await waitFor(() => {
            const stable = state.produced === last
            last = state.produced
            return stable && state.produced > 0
          }, { interval: 100 })
          assert.ok(state.produced < total / 2, `producer ran ahead: ${state.produced} of ${total}`)
          r.on('data', (c: Buffer) => {
            const text = tail + c.toString()
            const parts = text.split('\n')
            tail = parts.pop() ?? ''
            count += parts.length
          })
          r.on('end', () => { resolve(count) })
          r.resume()
        })().catch(reject)
      })
      req.on('error', reject)
      req.end()
    })
    assert.equal(lines, total)
    assert.equal(state.produced, total)
    assert.deepEqual(res?.rawTrailers, ['X-Stream-Error', ''])
  })

  it('stops the producer when the client disconnects', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = rawRequest({ host: '127.0.0.1', port: target.port, path: '/forever', agent: false }, (r) => {
        r.once('data', () => {
          req.destroy()
          resolve()
        })
      })
      req.on('error', () => {})
      req.end()
      setTimeout(() => { reject(new Error('no data')) }, 5000).unref()
    })
    await waitFor(() => state.finished, { message: 'producer not stopped' })
    const stoppedAt = state.produced
    assert.ok(stoppedAt > 0)
    // nothing is produced after the stop
    const again = await httpRequest(target, { path: '/stream?n=1' })
    assert.equal(again.status, 200)
  })
})
