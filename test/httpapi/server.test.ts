import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { request as rawRequest } from 'node:http'
import { connect as netConnect } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HTTPAPIServer, type Route } from '../../src/httpapi/index.js'
import { InvalidArgumentError } from '../../src/errors.js'
import { createRequestActivity } from '../../src/utils/activity.js'
import { silentLogger } from '../../src/logging/index.js'
import { waitFor } from '../helpers/wait-for.js'
import { headerValues, httpConfig, httpRequest, targetOf, type Target } from '../helpers/http.js'
import type { HTTPAPIConfig } from '../../src/config/types.js'

const routes: Route[] = [
  { method: 'GET', path: '/echo/{name}', handler: (ex) => { ex.sendJSON({ name: ex.params.name, a: ex.query.get('a') }) } },
  { method: 'POST', path: '/echo/{name}', handler: async (ex) => { ex.sendJSON({ body: (await ex.readBody()).toString() }) } },
  { method: 'GET', path: '/rest/{path:.*}', handler: (ex) => { ex.sendJSON({ path: ex.params.path }) } },
  { method: 'GET', path: '/bad', handler: () => { throw new InvalidArgumentError('bad thing') } },
  { method: 'GET', path: '/boom', handler: () => { throw new Error('boom') } },
  { method: 'GET', path: '/gone', handler: () => { throw new Error('pin is not part of the pinset') } },
  { method: 'GET', path: '/teapot', handler: (ex) => { ex.sendError(new Error('short and stout'), 418) } }
]

async function startServer (cfg: Partial<HTTPAPIConfig> = {}): Promise<{ server: HTTPAPIServer, target: Target }> {
  const server = new HTTPAPIServer({
    name: 'restapi',
    config: httpConfig(cfg),
    logger: silentLogger(),
    routes,
    errorBody: (message, code) => ({ code, message })
  })
  await server.start()
  return { server, target: targetOf(server.addresses()[0]) }
}

describe('httpapi server', () => {
  let server: HTTPAPIServer
  let target: Target

  before(async () => {
    ({ server, target } = await startServer({ headers: { 'X-Custom': ['a', 'b'] } }))
  })

  after(async () => {
    await server.stop()
  })

  it('listens on port 0 and reports the bound address', () => {
    const addrs = server.addresses()
    assert.equal(addrs.length, 1)
    assert.match(addrs[0], /^\/ip4\/127\.0\.0\.1\/tcp\/\d+$/)
    assert.notEqual(target.port, 0)
  })

  it('answers GET /health with 204, JSON content type and no body', async () => {
    const r = await httpRequest(target, { path: '/health' })
    assert.equal(r.status, 204)
    assert.equal(r.headers['content-type'], 'application/json')
    assert.equal(r.body, '')
    assert.deepEqual(headerValues(r, 'X-Custom'), ['a', 'b'])
  })

  it('routes with decoded parameters and writes JSON with a newline', async () => {
    const r = await httpRequest(target, { path: '/echo/hello%20world?a=1' })
    assert.equal(r.status, 200)
    assert.equal(r.headers['content-type'], 'application/json')
    assert.equal(r.body, '{"name":"hello world","a":"1"}\n')
    assert.deepEqual(headerValues(r, 'X-Custom'), ['a', 'b'])
    assert.equal(r.headers.vary, 'Origin')
  })

  it('matches multi-segment parameters', async () => {
    const r = await httpRequest(target, { path: '/rest/a/b/c' })
    assert.equal(r.body, '{"path":"a/b/c"}\n')
  })

  it('answers unknown paths with 404 and the error body', async () => {
    const r = await httpRequest(target, { path: '/nothing/here' })
    assert.equal(r.status, 404)
    assert.equal(r.headers['content-type'], 'application/json')
    assert.equal(r.body, '{"code":404,"message":"not found"}\n')
    assert.deepEqual(headerValues(r, 'X-Custom'), ['a', 'b'])
  })

  it('answers a known path with another method with an empty 405', async () => {
    for (const method of ['DELETE', 'HEAD', 'PUT', 'OPTIONS']) {
      const r = await httpRequest(target, { method, path: '/echo/x' })
      assert.equal(r.status, 405, method)
      assert.equal(r.body, '')
      assert.equal(r.headers['content-type'], undefined)
      assert.deepEqual(headerValues(r, 'X-Custom'), [])
    }
  })

  it('redirects trailing slashes with 307, keeping the query', async () => {
    const g = await httpRequest(target, { path: '/echo/x/?a=1' })
    assert.equal(g.status, 307)
    assert.equal(g.headers.location, '/echo/x?a=1')
    assert.equal(g.headers['content-type'], 'text/html; charset=utf-8')
    assert.equal(g.body, '<a href="/echo/x?a=1">Temporary Redirect</a>.\n\n')
    assert.deepEqual(headerValues(g, 'X-Custom'), [])
    const p = await httpRequest(target, { method: 'POST', path: '/echo/x/', body: 'data' })
    assert.equal(p.status, 307)
    assert.equal(p.headers.location, '/echo/x')
    assert.equal(p.body, '')
    assert.equal(p.headers['content-type'], undefined)
  })

  it('does not redirect / to itself (quirk #6 fixed)', async () => {
    const r = await httpRequest(target, { path: '/' })
    assert.equal(r.status, 404)
    assert.equal(r.body, '{"code":404,"message":"not found"}\n')
  })

  it('redirects non-canonical paths with 301', async () => {
    const a = await httpRequest(target, { path: '//echo/x' })
    assert.equal(a.status, 301)
    assert.equal(a.headers.location, '/echo/x')
    assert.equal(a.body, '')
    const b = await httpRequest(target, { path: '/foo/../echo/./x?a=2' })
    assert.equal(b.status, 301)
    assert.equal(b.headers.location, '/echo/x?a=2')
  })

  it('maps errors to statuses and error bodies', async () => {
    const bad = await httpRequest(target, { path: '/bad' })
    assert.equal(bad.status, 400)
    assert.equal(bad.body, '{"code":400,"message":"bad thing"}\n')
    const boom = await httpRequest(target, { path: '/boom' })
    assert.equal(boom.status, 500)
    assert.equal(boom.body, '{"code":500,"message":"boom"}\n')
    const gone = await httpRequest(target, { path: '/gone' })
    assert.equal(gone.status, 404)
    assert.equal(gone.body, '{"code":404,"message":"pin is not part of the pinset"}\n')
    const tea = await httpRequest(target, { path: '/teapot' })
    assert.equal(tea.status, 418)
    assert.equal(tea.body, '{"code":418,"message":"short and stout"}\n')
  })

  it('answers OPTIONS * like Go net/http', async () => {
    const r = await httpRequest(target, { method: 'OPTIONS', path: '*' })
    assert.equal(r.status, 200)
    assert.equal(r.body, '')
  })

  it('answers a bad percent-encoding with 400', async () => {
    const r = await httpRequest(target, { path: '/echo/%zz' })
    assert.equal(r.status, 400)
    assert.equal(r.body, '{"code":400,"message":"invalid URL escape \\"%zz\\""}\n')
  })

  it('reads chunked request bodies', async () => {
    const { Readable } = await import('node:stream')
    const r = await httpRequest(target, { method: 'POST', path: '/echo/x', body: Readable.from(['ab', 'cd']) })
    assert.equal(r.status, 200)
    assert.equal(r.body, '{"body":"abcd"}\n')
  })

  it('answers 431 when headers exceed max_header_bytes (+4096 slack)', async () => {
    const ok = await httpRequest(target, { path: '/echo/x', headers: { 'X-Big': 'a'.repeat(6000) } })
    assert.equal(ok.status, 200)
    const big = await httpRequest(target, { path: '/echo/x', headers: { 'X-Big': 'a'.repeat(9000) } })
    assert.equal(big.status, 431)
  })
})

describe('httpapi server listeners and logs', () => {
  let dir: string

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'httpapi-'))
  })

  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('listens on several addresses including a unix socket (Go /unix/<path> form)', async () => {
    const sock = join(dir, 'api.sock')
    const { server } = await startServer({ httpListenMultiaddress: ['/ip4/127.0.0.1/tcp/0', `/unix${sock}`] })
    try {
      const addrs = server.addresses()
      assert.equal(addrs.length, 2)
      assert.equal(addrs[1], `/unix${sock}`)
      const viaUnix = await httpRequest(targetOf(addrs[1]), { path: '/echo/u' })
      assert.equal(viaUnix.body, '{"name":"u","a":null}\n')
      const viaTcp = await httpRequest(targetOf(addrs[0]), { path: '/echo/t' })
      assert.equal(viaTcp.body, '{"name":"t","a":null}\n')
    } finally {
      await server.stop()
    }
    // A stale socket file left behind does not prevent a restart.
    const again = await startServer({ httpListenMultiaddress: [`/unix${sock}`] })
    await again.server.stop()
  })

  it('resolves dns4 names and listens on IPv6', async (t) => {
    const dns = await startServer({ httpListenMultiaddress: ['/dns4/localhost/tcp/0'] })
    try {
      assert.match(dns.server.addresses()[0], /^\/ip4\/127\.0\.0\.1\/tcp\/\d+$/)
      assert.equal((await httpRequest(dns.target, { path: '/health' })).status, 204)
    } finally {
      await dns.server.stop()
    }
    let v6
    try {
      v6 = await startServer({ httpListenMultiaddress: ['/ip6/::1/tcp/0'] })
    } catch (err) {
      t.skip(`no IPv6 loopback: ${(err as Error).message}`)
      return
    }
    try {
      assert.match(v6.server.addresses()[0], /^\/ip6\/::1\/tcp\/\d+$/)
    } finally {
      await v6.server.stop()
    }
  })

  it('applies read_header_timeout, idle_timeout and write_timeout', async () => {
    const slowRoute: Route = { method: 'GET', path: '/slow', handler: async (ex) => { await new Promise<void>((resolve) => { ex.signal.addEventListener('abort', () => { resolve() }) }) } }
    const server = new HTTPAPIServer({ name: 'restapi', config: httpConfig({ readHeaderTimeout: 200, idleTimeout: 200, writeTimeout: 300 }), logger: silentLogger(), routes: [slowRoute], errorBody: (m, c) => ({ code: c, message: m }) })
    await server.start()
    const { port } = targetOf(server.addresses()[0])
    try {
      // headers never finished: the server answers 408 and closes
      const partial = await new Promise<string>((resolve) => {
        const sock = netConnect(port ?? 0, '127.0.0.1', () => { sock.write('GET /slow HTTP/1.1\r\nHost: x\r\n') })
        let got = ''
        sock.on('data', (d) => { got += d.toString() })
        sock.on('close', () => { resolve(got) })
      })
      assert.match(partial, /^HTTP\/1\.1 408 /)
      // an idle keep-alive connection is closed
      const idleClosed = await new Promise<boolean>((resolve) => {
        const sock = netConnect(port ?? 0, '127.0.0.1', () => { sock.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n') })
        sock.on('data', () => {})
        sock.on('close', () => { resolve(true) })
      })
      assert.equal(idleClosed, true)
      // a response not written within write_timeout is cut
      const cut = await httpRequest({ port }, { path: '/slow' }).then(() => 'response', (err: Error) => err.message)
      assert.equal(cut, 'socket hang up')
    } finally {
      await server.stop()
    }
  })

  it('fails to start on a bad listen address and on a busy port', async () => {
    await assert.rejects(startServer({ httpListenMultiaddress: ['/ip4/127.0.0.1/udp/1'] }), { name: 'ConfigError' })
    const { server, target } = await startServer()
    try {
      await assert.rejects(startServer({ httpListenMultiaddress: [`/ip4/127.0.0.1/tcp/${target.port ?? 0}`] }), { code: 'EADDRINUSE' })
    } finally {
      await server.stop()
    }
  })

  it('writes an Apache common log line per request to http_log_file', async () => {
    const file = join(dir, 'access.log')
    const { server, target } = await startServer({ httpLogFile: file })
    let body: string
    try {
      body = (await httpRequest(target, { path: '/echo/x?a=1' })).body
      await httpRequest(target, { path: '/nope' })
      await waitFor(async () => (await readFile(file, 'utf8').catch(() => '')).split('\n').length >= 3)
    } finally {
      await server.stop()
    }
    const lines = (await readFile(file, 'utf8')).trim().split('\n')
    assert.equal(lines.length, 2)
    const re = /^127\.0\.0\.1 - - \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "GET \/echo\/x\?a=1 HTTP\/1\.1" 200 (\d+)$/
    const m = re.exec(lines[0])
    assert.ok(m, lines[0])
    assert.equal(Number(m[1]), Buffer.byteLength(body))
    assert.match(lines[1], /"GET \/nope HTTP\/1\.1" 404 35$/)
  })

  it('logs to the <api>log facility when no file is set', async () => {
    const lines: string[] = []
    const { createLogger } = await import('../../src/logging/index.js')
    const logger = createLogger({ sink: (l) => lines.push(l) })
    const server = new HTTPAPIServer({ name: 'pinsvcapi', config: httpConfig(), logger, routes, errorBody: (m) => ({ error: { reason: m } }) })
    await server.start()
    try {
      await httpRequest(targetOf(server.addresses()[0]), { path: '/echo/y' })
      await waitFor(() => lines.some((l) => l.includes('"GET /echo/y HTTP/1.1" 200')))
    } finally {
      await server.stop()
    }
    const line = lines.find((l) => l.includes('GET /echo/y')) ?? ''
    assert.match(line, /\tINFO\tpinsvcapilog\t127\.0\.0\.1 - - \[/)
  })

  it('ends in-flight requests (aborting their signal) on stop', async () => {
    let started = false
    let aborted = false
    const hang: Route = {
      method: 'GET',
      path: '/hang',
      handler: async (ex) => {
        started = true
        await new Promise<void>((resolve) => { ex.signal.addEventListener('abort', () => { aborted = true; resolve() }) })
      }
    }
    const server = new HTTPAPIServer({ name: 'restapi', config: httpConfig(), logger: silentLogger(), routes: [hang], errorBody: (m, c) => ({ code: c, message: m }) })
    await server.start()
    const { port } = targetOf(server.addresses()[0])
    const failed = new Promise<string>((resolve) => {
      const req = rawRequest({ host: '127.0.0.1', port, path: '/hang', agent: false }, () => { resolve('response') })
      req.on('error', (err) => { resolve(err.message) })
      req.end()
    })
    await waitFor(() => started)
    await server.stop()
    assert.equal(await failed, 'socket hang up')
    assert.equal(aborted, true)
  })

  it('serves HTTPS with the configured certificate, TLS 1.2 minimum', async (t) => {
    const cert = join(dir, 'cert.pem')
    const key = join(dir, 'key.pem')
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' })
    } catch {
      t.skip('openssl not available')
      return
    }
    const { server, target } = await startServer({ sslCertFile: cert, sslKeyFile: key })
    try {
      const r = await httpRequest({ ...target, https: true }, { path: '/echo/tls' })
      assert.equal(r.status, 200)
      assert.equal(r.body, '{"name":"tls","a":null}\n')
      const old = await new Promise<string>((resolve) => {
        const s = tlsConnect({ host: '127.0.0.1', port: target.port, maxVersion: 'TLSv1.1', minVersion: 'TLSv1', rejectUnauthorized: false })
        s.on('secureConnect', () => { s.destroy(); resolve('connected') })
        s.on('error', () => { resolve('refused') })
      })
      assert.equal(old, 'refused')
      const alpn = await new Promise<string | false | null>((resolve, reject) => {
        const s = tlsConnect({ host: '127.0.0.1', port: target.port, ALPNProtocols: ['h2', 'http/1.1'], rejectUnauthorized: false })
        s.on('secureConnect', () => { const p = s.alpnProtocol; s.destroy(); resolve(p) })
        s.on('error', reject)
      })
      assert.notEqual(alpn, 'h2')
    } finally {
      await server.stop()
    }
    await assert.rejects(startServer({ sslCertFile: join(dir, 'missing.pem'), sslKeyFile: key }), (err: Error) => err.name === 'ConfigError' && err.message.startsWith('error loading TLS certificate/key: '))
  })

  it('counts a request as in flight (shared activity) from its arrival until its response closes', async () => {
    const activity = createRequestActivity()
    let release!: () => void
    const held = new Promise<void>((resolve) => { release = resolve })
    let arrived = false
    const s = new HTTPAPIServer({
      name: 'restapi',
      config: httpConfig(),
      logger: silentLogger(),
      routes: [{ method: 'GET', path: '/hold', handler: async (ex) => { arrived = true; await held; ex.sendJSON({ ok: true }) } }],
      errorBody: (message, code) => ({ code, message }),
      activity
    })
    await s.start()
    try {
      const t = targetOf(s.addresses()[0])
      assert.equal(activity.busy, false)
      const pending = httpRequest(t, { path: '/hold' })
      await waitFor(() => arrived)
      assert.equal(activity.busy, true)
      release()
      const r = await pending
      assert.equal(r.body, '{"ok":true}\n')
      await waitFor(() => !activity.busy)
      // answered by the router itself (404): counted and released too
      const r404 = await httpRequest(t, { path: '/nothing' })
      assert.equal(r404.status, 404)
      await waitFor(() => !activity.busy)
    } finally {
      await s.stop()
    }
  })
})
