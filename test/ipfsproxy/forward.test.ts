/**
 * The IPFS proxy as a reverse proxy (HTTP spec §6.2): everything that is
 * not hijacked reaches the daemon (a fake Kubo) unchanged, both ways.
 */
import { describe, it, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer as createHttpsServer } from 'node:https'
import { request as rawRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { FakeCluster, fakeCid } from '../fakes/fake-cluster.js'
import { FakeKubo } from '../fakes/fake-kubo.js'
import { selfSignedCert } from '../fakes/self-signed-cert.js'
import { httpRequest, targetOf } from '../helpers/http.js'
import { waitFor } from '../helpers/wait-for.js'
import { closedPort, proxyConfig, startProxy, type RunningProxy } from './helpers.js'
import type { AddressInfo } from 'node:net'

describe('IPFS proxy: forwarding to the IPFS daemon', () => {
  const kubo = new FakeKubo()
  const cluster = new FakeCluster(1)
  let p: RunningProxy

  before(async () => {
    await kubo.start()
    p = await startProxy(cluster, proxyConfig(kubo.apiMultiaddr))
  })

  after(async () => {
    await p.stop()
    await kubo.stop()
  })

  beforeEach(() => {
    kubo.resetCounters()
    cluster.reset()
    for (const e of ['echo', 'stream', 'hop']) kubo.override(e, undefined)
  })

  it('reads request targets as Go does: asterisk form, absolute form, bad escapes', async () => {
    const star = await httpRequest(p.target, { method: 'OPTIONS', path: '*' })
    assert.deepEqual({ status: star.status, body: star.body }, { status: 200, body: '' })
    const abs = await httpRequest(p.target, { method: 'POST', path: 'http://example.invalid/api/v0/version?x=1' })
    assert.equal(abs.status, 200)
    assert.equal(abs.body, '{"Version":"m.o.c.k"}')
    assert.equal(kubo.requests[0].path, 'version?x=1')
    const bad = await httpRequest(p.target, { method: 'POST', path: '/api/v0/%zz' })
    assert.equal(bad.status, 400)
    assert.equal(bad.body, '400 Bad Request: invalid URL escape "%zz"')
    assert.equal(kubo.requests.length, 1)
  })

  it('relays status, headers and body of the daemon unchanged', async () => {
    const r = await httpRequest(p.target, { method: 'POST', path: '/api/v0/version' })
    assert.equal(r.status, 200)
    assert.equal(r.body, '{"Version":"m.o.c.k"}')
    assert.equal(r.headers.server, 'ipfs-mock')
    assert.equal(r.headers['x-custom-header'], '42')
    assert.equal(r.headers['content-type'], 'application/json')
    assert.equal(kubo.count('version'), 1)

    const sp = await httpRequest(p.target, { method: 'POST', path: '/api/v0/swarm/peers?verbose=true' })
    assert.equal(sp.body, '{"Peers":[{"Peer":"QmZ8naDy5mEz4GLuQwjWt9MPYqHTBbsm8tQBrNSjiq6zBc"},{"Peer":"QmZVAo3wd8s5eTTy2kPYs34J9PvfxpKPuYsePPYGjgRRjg"}]}')
    assert.equal(kubo.requests[1].path, 'swarm/peers?verbose=true')

    const nf = await httpRequest(p.target, { method: 'POST', path: '/api/v0/nope' })
    assert.equal(nf.status, 404)
    assert.equal(nf.body, '')

    const err = await httpRequest(p.target, { method: 'POST', path: '/api/v0/block/get?arg=x' })
    assert.equal(err.status, 500)
    assert.equal(err.body, '')
  })

  it('forwards the request: method, raw path and query, streamed body, Host kept, X-Forwarded-For appended, hop-by-hop headers removed', async () => {
    let seen: { method: string, url: string, headers: Record<string, unknown>, sha: string, bytes: number } | undefined
    kubo.override('echo', async (req, res) => {
      const h = createHash('sha256')
      let bytes = 0
      for await (const c of req) {
        h.update(c as Buffer)
        bytes += (c as Buffer).length
      }
      seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, sha: h.digest('hex'), bytes }
      res.setHeader('Content-Type', 'text/plain')
      res.end(`got ${bytes}`)
    })
    const payload = Buffer.alloc(3 * 1024 * 1024, 7)
    const body = Readable.from((function * () {
      for (let i = 0; i < payload.length; i += 65536) yield payload.subarray(i, i + 65536)
    })())
    const r = await httpRequest(p.target, {
      method: 'PUT',
      path: '/api/v0/echo?arg=a%20b&arg=c&x=%2F',
      headers: {
        Host: 'ipfs.example:4242',
        'X-Forwarded-For': '10.0.0.1',
        Connection: 'X-Hop',
        'X-Hop': 'secret',
        'Keep-Alive': 'timeout=5',
        'Proxy-Authorization': 'Basic Zm9v',
        'X-Other': 'kept'
      },
      body
    })
    assert.equal(r.status, 200)
    assert.equal(r.body, `got ${payload.length}`)
    assert.ok(seen != null)
    assert.equal(seen.method, 'PUT')
    assert.equal(seen.url, '/api/v0/echo?arg=a%20b&arg=c&x=%2F')
    assert.equal(seen.bytes, payload.length)
    assert.equal(seen.sha, createHash('sha256').update(payload).digest('hex'))
    assert.equal(seen.headers.host, 'ipfs.example:4242')
    assert.equal(seen.headers['x-forwarded-for'], '10.0.0.1, 127.0.0.1')
    assert.equal(seen.headers['x-other'], 'kept')
    assert.equal(seen.headers['x-hop'], undefined)
    assert.equal(seen.headers['keep-alive'], undefined)
    assert.equal(seen.headers['proxy-authorization'], undefined)
    assert.equal(seen.headers['transfer-encoding'], 'chunked', 'a chunked upload is streamed, not buffered')
  })

  it('streams responses as they come and relays their trailers; removes hop-by-hop response headers', async () => {
    let release: (() => void) | undefined
    const released = new Promise<void>((resolve) => { release = resolve })
    kubo.override('stream', async (_req, res) => {
      res.setHeader('Content-Type', 'application/json')
      res.setHeader('X-Chunked-Output', '1')
      res.setHeader('Trailer', 'X-Stream-Error')
      res.setHeader('Connection', 'X-Secret')
      res.setHeader('X-Secret', 'no')
      res.writeHead(200)
      res.write('{"n":1}\n')
      await released
      res.write('{"n":2}\n')
      res.addTrailers({ 'X-Stream-Error': 'boom' })
      res.end()
    })
    const result = await new Promise<{ status: number, headers: Record<string, unknown>, first: string, body: string, trailers: Record<string, unknown> }>((resolve, reject) => {
      const req = rawRequest({ host: '127.0.0.1', port: p.target.port, method: 'POST', path: '/api/v0/stream', agent: false }, (res) => {
        let body = ''
        let first = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => {
          if (first === '') {
            first = c
            // the first line arrived while the daemon is still holding the rest
            release?.()
          }
          body += c
        })
        res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, first, body, trailers: res.trailers }) })
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end()
    })
    assert.equal(result.status, 200)
    assert.equal(result.first, '{"n":1}\n')
    assert.equal(result.body, '{"n":1}\n{"n":2}\n')
    assert.equal(result.headers['x-chunked-output'], '1')
    assert.equal(result.headers.trailer, 'X-Stream-Error')
    assert.equal(result.headers['x-secret'], undefined)
    assert.deepEqual(result.trailers, { 'x-stream-error': 'boom' })
  })

  it('sends OPTIONS, HEAD, DELETE on hijacked paths and unknown paths to the daemon', async () => {
    const cid = fakeCid('fwd').toString()
    for (const method of ['OPTIONS', 'HEAD', 'DELETE']) {
      const r = await httpRequest(p.target, { method, path: `/api/v0/pin/add?arg=${cid}` })
      assert.equal(r.headers.server, 'ipfs-mock', method)
    }
    assert.equal(kubo.count('pin/add'), 3)
    assert.equal(cluster.calls.length, 0, 'no cluster operation')
    // pin/verify and pin/remote are never hijacked
    await httpRequest(p.target, { method: 'POST', path: '/api/v0/pin/verify' })
    await httpRequest(p.target, { method: 'POST', path: '/api/v0/pin/remote/ls' })
    assert.equal(kubo.count('pin/verify'), 1)
    assert.equal(kubo.count('pin/remote'), 1)
    // block/put and dag/put without pin=true are plain proxied
    const bp = await httpRequest(p.target, { method: 'POST', path: '/api/v0/block/put?pin=false', headers: { 'Content-Type': 'multipart/form-data; boundary=b' }, body: '--b\r\nContent-Type: application/octet-stream\r\n\r\nhello\r\n--b--\r\n' })
    assert.equal(bp.status, 200)
    assert.equal(bp.headers.server, 'ipfs-mock')
    assert.equal(bp.body, `{"Key":"${fakeCid('hello').toString()}"}`)
    assert.equal(cluster.calls.length, 0)
  })

  it('cleans paths with a 301 (no trailing-slash redirect)', async () => {
    const r = await httpRequest(p.target, { method: 'POST', path: '//api/v0/./version?x=1' })
    assert.equal(r.status, 301)
    assert.equal(r.headers.location, '/api/v0/version?x=1')
    assert.equal(kubo.count('version'), 0)
    const slash = await httpRequest(p.target, { method: 'POST', path: '/api/v0/version/' })
    assert.equal(slash.status, 404, 'forwarded as is (the fake has no version/ endpoint)')
    assert.equal(slash.headers.server, 'ipfs-mock')
  })

  it('answers 431 to oversized headers', async () => {
    const r = await httpRequest(p.target, { method: 'POST', path: '/api/v0/version', headers: { 'X-Big': 'a'.repeat(9000) } })
    assert.equal(r.status, 431)
  })

  it('answers 502 when the daemon is down', async () => {
    const down = await startProxy(cluster, proxyConfig(`/ip4/127.0.0.1/tcp/${await closedPort()}`))
    try {
      const r = await httpRequest(down.target, { method: 'POST', path: '/api/v0/version' })
      assert.equal(r.status, 502)
      assert.equal(r.body, '')
    } finally {
      await down.stop()
    }
  })
})

describe('IPFS proxy: unix sockets and https', () => {
  let dir: string

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'proxy-unix-'))
  })

  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('talks to a daemon on a unix socket and listens on one', async () => {
    const kubo = new FakeKubo({ socketPath: join(dir, 'kubo.sock') })
    await kubo.start()
    const cluster = new FakeCluster(1)
    const p = await startProxy(cluster, proxyConfig(kubo.apiMultiaddr, { listenMultiaddress: [`/unix${join(dir, 'proxy.sock')}`] }))
    try {
      assert.deepEqual(p.proxy.addresses(), [`/unix${join(dir, 'proxy.sock')}`])
      const t = targetOf(p.proxy.addresses()[0])
      const r = await httpRequest(t, { method: 'POST', path: '/api/v0/version' })
      assert.equal(r.status, 200)
      assert.equal(r.body, '{"Version":"m.o.c.k"}')
      assert.equal(kubo.requests[0].headers['x-forwarded-for'], undefined, 'no client IP on a unix socket')
      // hijacked: the CORS and extraction requests reach the daemon too
      const cid = fakeCid('unix').toString()
      const pin = await httpRequest(t, { method: 'POST', path: `/api/v0/pin/add?arg=${cid}`, headers: { Origin: 'myorigin' } })
      assert.equal(pin.status, 200)
      assert.equal(pin.body, `{"Pins":["${cid}"]}`)
      assert.equal(pin.headers['access-control-allow-origin'], 'myorigin')
      assert.equal(kubo.count('version'), 2, 'one forwarded, one header extraction')
    } finally {
      await p.stop()
      await kubo.stop()
    }
  })

  it('talks https to the daemon with node_https', async () => {
    const cert = selfSignedCert()
    const server = createHttpsServer({ cert: cert.cert, key: cert.key }, (req, res) => {
      res.setHeader('Content-Type', 'application/json')
      res.end(JSON.stringify({ Version: 'tls', path: req.url }))
    })
    await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
    const port = (server.address() as AddressInfo).port
    const cluster = new FakeCluster(1)
    const p = await startProxy(cluster, proxyConfig(`/ip4/127.0.0.1/tcp/${port}`, { nodeHttps: true }), { nodeCA: cert.cert })
    const untrusted = await startProxy(cluster, proxyConfig(`/ip4/127.0.0.1/tcp/${port}`, { nodeHttps: true }))
    try {
      const r = await httpRequest(p.target, { method: 'POST', path: '/api/v0/version?a=1' })
      assert.equal(r.status, 200)
      assert.equal(r.body, '{"Version":"tls","path":"/api/v0/version?a=1"}')
      const bad = await httpRequest(untrusted.target, { method: 'POST', path: '/api/v0/version' })
      assert.equal(bad.status, 502, 'certificates are verified')
    } finally {
      await p.stop()
      await untrusted.stop()
      server.closeAllConnections()
      await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
    }
  })
})

describe('IPFS proxy: lifecycle', () => {
  it('listens on every address once started and frees them when stopped', async () => {
    const kubo = new FakeKubo()
    await kubo.start()
    const p = await startProxy(new FakeCluster(1), proxyConfig(kubo.apiMultiaddr, { listenMultiaddress: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0'] }))
    const addrs = p.proxy.addresses()
    assert.equal(addrs.length, 2)
    for (const a of addrs) {
      const r = await httpRequest(targetOf(a), { method: 'POST', path: '/api/v0/version' })
      assert.equal(r.status, 200)
    }
    await p.stop()
    assert.deepEqual(p.proxy.addresses(), [])
    await assert.rejects(httpRequest(targetOf(addrs[0]), { method: 'POST', path: '/api/v0/version' }), { code: 'ECONNREFUSED' })
    await p.stop() // idempotent
    await kubo.stop()
  })

  it('writes the access log to log_file in common log format', async () => {
    const kubo = new FakeKubo()
    await kubo.start()
    const dir = await mkdtemp(join(tmpdir(), 'proxy-log-'))
    const logFile = join(dir, 'proxy.log')
    const p = await startProxy(new FakeCluster(1), proxyConfig(kubo.apiMultiaddr, { logFile }))
    try {
      await httpRequest(p.target, { method: 'POST', path: '/api/v0/version?x=1' })
      await httpRequest(p.target, { method: 'POST', path: `/api/v0/pin/add?arg=${fakeCid('log').toString()}` })
      const lines = await waitFor(async () => {
        const text = await readFile(logFile, 'utf8').catch(() => '')
        const l = text.split('\n').filter((x) => x !== '')
        return l.length === 2 ? l : undefined
      })
      assert.match(lines[0], /^127\.0\.0\.1 - - \[\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "POST \/api\/v0\/version\?x=1 HTTP\/1\.1" 200 21$/)
      assert.match(lines[1], / "POST \/api\/v0\/pin\/add\?arg=\w+ HTTP\/1\.1" 200 72$/)
    } finally {
      await p.stop()
      await kubo.stop()
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('rejects a bad node address at start', async () => {
    const { createIPFSProxy } = await import('../../src/ipfsproxy/index.js')
    const { silentLogger } = await import('../../src/logging/index.js')
    const proxy = createIPFSProxy({ cluster: new FakeCluster(1), logger: silentLogger() }, proxyConfig('/ip4/127.0.0.1/udp/5001'))
    await assert.rejects(proxy.start(), { name: 'ConfigError', message: /^error parsing ipfs node_multiaddress: / })
    await proxy.stop()
  })

  it('stops the upstream request when the client goes away', async () => {
    const kubo = new FakeKubo()
    await kubo.start()
    let upstreamClosed = false
    kubo.override('hang', async (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.write('{"n":1}\n')
      await new Promise<void>((resolve) => { res.once('close', resolve) })
      upstreamClosed = true
    })
    const p = await startProxy(new FakeCluster(1), proxyConfig(kubo.apiMultiaddr))
    try {
      await new Promise<void>((resolve, reject) => {
        const req = rawRequest({ host: '127.0.0.1', port: p.target.port, method: 'POST', path: '/api/v0/hang', agent: false }, (res) => {
          res.once('data', () => { req.destroy(); resolve() })
        })
        req.on('error', (err) => { if (!req.destroyed) reject(err) })
        req.end()
      })
      await waitFor(() => upstreamClosed, { message: 'the daemon request is closed' })
    } finally {
      await p.stop()
      await kubo.stop()
    }
  })
})
