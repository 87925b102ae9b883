import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { HTTPAPIServer, parseBasicAuth, signToken, verifyToken, type Route } from '../../src/httpapi/index.js'
import { silentLogger } from '../../src/logging/index.js'
import { headerValues, httpConfig, httpRequest, targetOf, type Target } from '../helpers/http.js'

const CREDS = { alice: 's3cret', bob: 'hunter2', nopass: '' }

function b64 (v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url')
}

/** A JWT built independently of the code under test. */
function jwt (header: unknown, claims: unknown, key: string, hash = 'sha256'): string {
  const input = `${b64(header)}.${b64(claims)}`
  return `${input}.${createHmac(hash, key).update(input).digest('base64url')}`
}

function basic (user: string, pass: string): string {
  return 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64')
}

describe('JWT tokens', () => {
  it('issues HS256 tokens with header {alg,typ} and payload {"iss"} only', () => {
    const token = signToken('alice', 's3cret')
    const [h, p] = token.split('.')
    assert.equal(Buffer.from(h, 'base64url').toString(), '{"alg":"HS256","typ":"JWT"}')
    assert.equal(Buffer.from(p, 'base64url').toString(), '{"iss":"alice"}')
    assert.equal(token, jwt({ alg: 'HS256', typ: 'JWT' }, { iss: 'alice' }, 's3cret'))
    assert.equal(signToken('alice', 's3cret'), token, 'deterministic')
  })

  it('verifies HS256/384/512 tokens signed with the issuer password', () => {
    const now = 1_700_000_000_000
    assert.equal(verifyToken(signToken('alice', 's3cret'), CREDS, now), 'alice')
    assert.equal(verifyToken(jwt({ alg: 'HS384' }, { iss: 'bob' }, 'hunter2', 'sha384'), CREDS, now), 'bob')
    assert.equal(verifyToken(jwt({ alg: 'HS512', typ: 'JWT' }, { iss: 'bob', exp: now / 1000 + 60, nbf: now / 1000 - 60, iat: now / 1000 }, 'hunter2', 'sha512'), CREDS, now), 'bob')
  })

  it('rejects bad tokens', () => {
    const now = 1_700_000_000_000
    const bad: Array<[string, string]> = [
      ['wrong key', jwt({ alg: 'HS256' }, { iss: 'alice' }, 'hunter2')],
      ['other user key', jwt({ alg: 'HS256' }, { iss: 'bob' }, 's3cret')],
      ['unknown issuer', jwt({ alg: 'HS256' }, { iss: 'eve' }, 's3cret')],
      ['no issuer', jwt({ alg: 'HS256' }, {}, 's3cret')],
      ['empty password user', jwt({ alg: 'HS256' }, { iss: 'nopass' }, '')],
      ['alg none', `${b64({ alg: 'none' })}.${b64({ iss: 'alice' })}.`],
      ['alg RS256', jwt({ alg: 'RS256' }, { iss: 'alice' }, 's3cret')],
      ['unknown alg', jwt({ alg: 'XX1' }, { iss: 'alice' }, 's3cret')],
      ['expired', jwt({ alg: 'HS256' }, { iss: 'alice', exp: now / 1000 - 1 }, 's3cret')],
      ['expires now', jwt({ alg: 'HS256' }, { iss: 'alice', exp: now / 1000 }, 's3cret')],
      ['not yet valid', jwt({ alg: 'HS256' }, { iss: 'alice', nbf: now / 1000 + 10 }, 's3cret')],
      ['issued in the future', jwt({ alg: 'HS256' }, { iss: 'alice', iat: now / 1000 + 10 }, 's3cret')],
      ['string exp', jwt({ alg: 'HS256' }, { iss: 'alice', exp: 'tomorrow' }, 's3cret')],
      ['two segments', 'abc.def'],
      ['garbage', 'not a token at all'],
      ['padded base64', signToken('alice', 's3cret').replace('.', '=.')]
    ]
    for (const [what, token] of bad) {
      assert.throws(() => verifyToken(token, CREDS, now), Error, what)
    }
  })

  it('parses Basic credentials like Go Request.BasicAuth', () => {
    assert.deepEqual(parseBasicAuth(basic('alice', 'a:b')), { user: 'alice', password: 'a:b' })
    assert.deepEqual(parseBasicAuth('bAsIc ' + Buffer.from('u:p').toString('base64')), { user: 'u', password: 'p' })
    assert.equal(parseBasicAuth('Basic !!!'), undefined)
    assert.equal(parseBasicAuth('Basic ' + Buffer.from('nocolon').toString('base64')), undefined)
    assert.equal(parseBasicAuth('Bearer xyz'), undefined)
    assert.equal(parseBasicAuth(undefined), undefined)
  })
})

describe('authentication layer', () => {
  let server: HTTPAPIServer
  let target: Target
  const routes: Route[] = [
    { method: 'GET', path: '/id', handler: (ex) => { ex.sendJSON({ user: ex.user ?? null }) } },
    { method: 'POST', path: '/id', handler: (ex) => { ex.sendJSON({ posted: true }) } }
  ]

  before(async () => {
    server = new HTTPAPIServer({
      name: 'restapi',
      config: httpConfig({ basicAuthCredentials: CREDS, headers: { 'X-Custom': ['v'] } }),
      logger: silentLogger(),
      routes,
      errorBody: (message, code) => ({ code, message })
    })
    await server.start()
    target = targetOf(server.addresses()[0])
  })

  after(async () => {
    await server.stop()
  })

  it('accepts valid Basic credentials', async () => {
    const r = await httpRequest(target, { path: '/id', headers: { Authorization: basic('alice', 's3cret') } })
    assert.equal(r.status, 200)
    assert.equal(r.body, '{"user":"alice"}\n')
  })

  it('rejects bad Basic credentials with 401 access denied', async () => {
    for (const auth of [basic('alice', 'wrong'), basic('eve', 's3cret'), basic('nopass', ''), basic('', ''), basic('ALICE', 's3cret')]) {
      const r = await httpRequest(target, { path: '/id', headers: { Authorization: auth, Origin: 'http://x.example' } })
      assert.equal(r.status, 401)
      assert.equal(r.body, '{"code":401,"message":"unauthorized: access denied"}\n')
      assert.equal(r.headers['content-type'], 'application/json')
      assert.deepEqual(headerValues(r, 'WWW-Authenticate'), ['Basic realm="Restricted IPFS Cluster API"'])
      assert.deepEqual(headerValues(r, 'X-Custom'), ['v'])
      // auth runs before CORS: no CORS headers on 401s
      assert.equal(r.headers['access-control-allow-origin'], undefined)
      assert.equal(r.headers.vary, undefined)
    }
  })

  it('rejects requests without credentials with both challenges', async () => {
    const cases: Array<Record<string, string>> = [{}, { Authorization: 'Digest abc' }, { Authorization: 'Basic %%%' }]
    for (const headers of cases) {
      const r = await httpRequest(target, { method: 'POST', path: '/id', headers })
      assert.equal(r.status, 401)
      assert.equal(r.body, '{"code":401,"message":"unauthorized: no auth provided"}\n')
      assert.deepEqual(headerValues(r, 'WWW-Authenticate'), ['Bearer realm="Restricted IPFS Cluster API"', 'Basic realm="Restricted IPFS Cluster API"'])
    }
  })

  it('issues a token at POST /token that works as Bearer', async () => {
    const t = await httpRequest(target, { method: 'POST', path: '/token', headers: { Authorization: basic('bob', 'hunter2') }, body: 'ignored' })
    assert.equal(t.status, 200)
    const { token } = JSON.parse(t.body) as { token: string }
    assert.equal(t.body, `{"token":"${token}"}\n`)
    assert.equal(token, jwt({ alg: 'HS256', typ: 'JWT' }, { iss: 'bob' }, 'hunter2'))
    const r = await httpRequest(target, { path: '/id', headers: { Authorization: `Bearer ${token}` } })
    assert.equal(r.status, 200)
    assert.equal(r.body, '{"user":"bob"}\n')
    const lower = await httpRequest(target, { path: '/id', headers: { Authorization: `bearer ${token}` } })
    assert.equal(lower.status, 200)
    // a bearer token can be exchanged for a token of the same issuer
    const t2 = await httpRequest(target, { method: 'POST', path: '/token', headers: { Authorization: `Bearer ${token}` } })
    assert.equal(t2.body, t.body)
  })

  it('rejects bad bearer tokens with 401 invalid token', async () => {
    for (const token of ['garbage', jwt({ alg: 'HS256' }, { iss: 'bob' }, 'wrong'), jwt({ alg: 'HS256' }, { iss: 'bob', exp: 1 }, 'hunter2')]) {
      const r = await httpRequest(target, { path: '/id', headers: { Authorization: `Bearer ${token}` } })
      assert.equal(r.status, 401)
      assert.equal(r.body, '{"code":401,"message":"unauthorized: invalid token"}\n')
      assert.deepEqual(headerValues(r, 'WWW-Authenticate'), ['Bearer realm="Restricted IPFS Cluster API", error="invalid_token"'])
    }
  })

  it('lets GET /health and OPTIONS through without credentials', async () => {
    const h = await httpRequest(target, { path: '/health' })
    assert.equal(h.status, 204)
    const postHealth = await httpRequest(target, { method: 'POST', path: '/health' })
    assert.equal(postHealth.status, 401)
    const pre = await httpRequest(target, { method: 'OPTIONS', path: '/id', headers: { Origin: 'http://x.example', 'Access-Control-Request-Method': 'GET' } })
    assert.equal(pre.status, 204)
    assert.equal(pre.headers['access-control-allow-origin'], '*')
    const opt = await httpRequest(target, { method: 'OPTIONS', path: '/id' })
    assert.equal(opt.status, 405)
  })
})

describe('POST /token without credentials configured', () => {
  it('answers 401 unauthorized', async () => {
    const server = new HTTPAPIServer({ name: 'pinsvcapi', config: httpConfig(), logger: silentLogger(), routes: [], errorBody: (m) => ({ error: { reason: m } }) })
    await server.start()
    try {
      const r = await httpRequest(targetOf(server.addresses()[0]), { method: 'POST', path: '/token', headers: { Authorization: basic('alice', 's3cret') } })
      assert.equal(r.status, 401)
      assert.equal(r.body, '{"error":{"reason":"unauthorized"}}\n')
      assert.deepEqual(headerValues(r, 'WWW-Authenticate'), [])
    } finally {
      await server.stop()
    }
  })
})
