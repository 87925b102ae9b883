import { describe, it, after } from 'node:test'
import assert from 'node:assert/strict'
import { HTTPAPIServer, type Route } from '../../src/httpapi/index.js'
import { silentLogger } from '../../src/logging/index.js'
import { headerValues, httpConfig, httpRequest, targetOf, type Target } from '../helpers/http.js'
import type { HTTPAPIConfig } from '../../src/config/types.js'

const routes: Route[] = [
  { method: 'GET', path: '/id', handler: (ex) => { ex.sendJSON({ ok: true }) } },
  { method: 'POST', path: '/pins/{hash}', handler: (ex) => { ex.sendJSON({ ok: true }) } }
]

const servers: HTTPAPIServer[] = []

async function start (cfg: Partial<HTTPAPIConfig> = {}): Promise<Target> {
  const server = new HTTPAPIServer({ name: 'restapi', config: httpConfig(cfg), logger: silentLogger(), routes, errorBody: (m, c) => ({ code: c, message: m }) })
  await server.start()
  servers.push(server)
  return targetOf(server.addresses()[0])
}

const PREFLIGHT_VARY = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers'

function corsHeaders (r: { rawHeaders: string[] }): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = 0; i < r.rawHeaders.length; i += 2) {
    const k = r.rawHeaders[i]
    if (/^(access-control-|vary$)/i.test(k)) out[k] = out[k] == null ? r.rawHeaders[i + 1] : `${out[k]} | ${r.rawHeaders[i + 1]}`
  }
  return out
}

describe('CORS (rs/cors semantics)', () => {
  after(async () => {
    await Promise.all(servers.map(async (s) => { await s.stop() }))
  })

  it('answers pre-flights with the default config', async () => {
    const t = await start({ headers: { 'X-Custom': ['v'] } })
    const r = await httpRequest(t, { method: 'OPTIONS', path: '/id', headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'content-type' } })
    assert.equal(r.status, 204)
    assert.equal(r.body, '')
    assert.deepEqual(corsHeaders(r), {
      Vary: PREFLIGHT_VARY,
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': 'GET',
      'Access-Control-Allow-Headers': 'content-type',
      'Access-Control-Allow-Credentials': 'true'
    })
    assert.equal(r.headers['content-type'], undefined)
    assert.deepEqual(headerValues(r, 'X-Custom'), [])
    // pre-flights never reach the routes: same answer on unknown paths
    const unknown = await httpRequest(t, { method: 'OPTIONS', path: '/nothing', headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET' } })
    assert.equal(unknown.status, 204)
    assert.equal(unknown.headers['access-control-allow-origin'], '*')
  })

  it('gives only Vary to refused pre-flights', async () => {
    const t = await start()
    const cases: Array<Record<string, string>> = [
      { 'Access-Control-Request-Method': 'GET' }, // no Origin
      { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST' }, // method not allowed
      { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'x-custom' },
      { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'x-requested-with,accept' }, // unsorted
      { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'Content-Type' } // not lower case
    ]
    for (const headers of cases) {
      const r = await httpRequest(t, { method: 'OPTIONS', path: '/id', headers })
      assert.equal(r.status, 204)
      assert.deepEqual(corsHeaders(r), { Vary: PREFLIGHT_VARY }, JSON.stringify(headers))
    }
    const ok = await httpRequest(t, { method: 'OPTIONS', path: '/id', headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'accept, content-type,x-requested-with' } })
    assert.equal(ok.headers['access-control-allow-headers'], 'accept, content-type,x-requested-with')
  })

  it('sets the actual-request headers for allowed origins and methods', async () => {
    const t = await start()
    const r = await httpRequest(t, { path: '/id', headers: { Origin: 'https://app.example' } })
    assert.equal(r.status, 200)
    assert.deepEqual(corsHeaders(r), {
      Vary: 'Origin',
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Expose-Headers': 'Content-Type, X-Stream-Output, X-Chunked-Output, X-Content-Length',
      'Access-Control-Allow-Credentials': 'true'
    })
    const post = await httpRequest(t, { method: 'POST', path: '/pins/x', headers: { Origin: 'https://app.example' } })
    assert.equal(post.status, 200)
    assert.deepEqual(corsHeaders(post), { Vary: 'Origin' })
    const noOrigin = await httpRequest(t, { path: '/id' })
    assert.deepEqual(corsHeaders(noOrigin), { Vary: 'Origin' })
    // OPTIONS without Access-Control-Request-Method is an actual request
    const opt = await httpRequest(t, { method: 'OPTIONS', path: '/id', headers: { Origin: 'https://app.example' } })
    assert.equal(opt.status, 405)
    assert.equal(opt.headers['access-control-allow-origin'], '*')
  })

  it('echoes listed and wildcard origins, case-insensitively', async () => {
    const t = await start({
      corsAllowedOrigins: ['https://app.example', 'https://*.b.example'],
      corsAllowedMethods: ['get', 'POST'],
      corsAllowedHeaders: ['X-Custom', 'Content-Type'],
      corsExposedHeaders: ['x-stream-output'],
      corsAllowCredentials: false,
      corsMaxAge: 600000
    })
    const pre = await httpRequest(t, { method: 'OPTIONS', path: '/pins/x', headers: { Origin: 'https://deep.B.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-custom' } })
    assert.deepEqual(corsHeaders(pre), {
      Vary: PREFLIGHT_VARY,
      'Access-Control-Allow-Origin': 'https://deep.B.example',
      'Access-Control-Allow-Methods': 'POST',
      'Access-Control-Allow-Headers': 'content-type,x-custom',
      'Access-Control-Max-Age': '600'
    })
    const actual = await httpRequest(t, { method: 'POST', path: '/pins/x', headers: { Origin: 'HTTPS://APP.EXAMPLE' } })
    assert.deepEqual(corsHeaders(actual), {
      Vary: 'Origin',
      'Access-Control-Allow-Origin': 'HTTPS://APP.EXAMPLE',
      'Access-Control-Expose-Headers': 'X-Stream-Output'
    })
    const other = await httpRequest(t, { path: '/id', headers: { Origin: 'https://evil.example' } })
    assert.deepEqual(corsHeaders(other), { Vary: 'Origin' })
    const shortWildcard = await httpRequest(t, { path: '/id', headers: { Origin: 'https://.b.example' } })
    assert.equal(shortWildcard.headers['access-control-allow-origin'], 'https://.b.example')
  })

  it('uses the library defaults when the cors keys are absent', async () => {
    const t = await start({ corsAllowedOrigins: null, corsAllowedMethods: null, corsAllowedHeaders: null, corsExposedHeaders: null, corsAllowCredentials: false })
    const post = await httpRequest(t, { method: 'POST', path: '/pins/x', headers: { Origin: 'https://app.example' } })
    assert.deepEqual(corsHeaders(post), { Vary: 'Origin', 'Access-Control-Allow-Origin': '*' })
    const pre = await httpRequest(t, { method: 'OPTIONS', path: '/id', headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'HEAD', 'Access-Control-Request-Headers': 'x-requested-with' } })
    assert.deepEqual(corsHeaders(pre), {
      Vary: PREFLIGHT_VARY,
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': 'HEAD',
      'Access-Control-Allow-Headers': 'x-requested-with'
    })
  })
})
