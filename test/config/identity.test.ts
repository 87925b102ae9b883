import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import {
  applyIdentityEnv, decodeGoBase64, generateIdentity, identityToJSON, loadIdentity, parseIdentityJSON, saveIdentity,
  validateIdentity
} from '../../src/config/index.js'
import { FIXTURES, RSA_PEER_ID, TempDirs } from './helpers.js'

const dirs = new TempDirs()
after(async () => { await dirs.cleanup() })

const RSA_IDENTITY = await readFile(join(FIXTURES, 'sharness', 'basic_auth', 'identity.json'), 'utf8')

describe('identity', () => {
  it('generates Ed25519 identities and round-trips them through identity.json', async () => {
    const ident = await generateIdentity()
    assert.match(ident.id, /^12D3KooW/)
    assert.match(ident.privateKey, /^CAESQ/)
    const text = identityToJSON(ident)
    assert.equal(text, `{\n    "id": "${ident.id}",\n    "private_key": "${ident.privateKey}"\n}`)
    assert.deepEqual(parseIdentityJSON(text), ident)
    const dir = await dirs.make()
    const path = join(dir, 'sub', 'identity.json')
    await saveIdentity(path, ident)
    assert.equal(await readFile(path, 'utf8'), text)
    assert.equal((await stat(path)).mode & 0o777, 0o600)
  })

  it('loads the RSA identity of the sharness fixtures', () => {
    const ident = parseIdentityJSON(RSA_IDENTITY)
    assert.equal(ident.id, RSA_PEER_ID)
    assert.equal(identityToJSON(ident), RSA_IDENTITY)
  })

  it('round-trips a new RSA-2048 identity (Qm… peer ID)', async () => {
    const key = await generateKeyPair('RSA', 2048)
    const ident = { id: peerIdFromPrivateKey(key).toString(), privateKey: Buffer.from(privateKeyToProtobuf(key)).toString('base64') }
    assert.match(ident.id, /^Qm/)
    assert.match(ident.privateKey, /^CAAS/)
    assert.deepEqual(parseIdentityJSON(identityToJSON(ident)), ident)
  })

  it('rejects bad identities with the reference messages', async () => {
    const good = await generateIdentity()
    const other = await generateIdentity()
    assert.throws(() => validateIdentity({ id: 'nope', privateKey: good.privateKey }), /^IdentityError: error decoding cluster ID: failed to parse peer ID: /)
    assert.throws(() => validateIdentity({ id: '', privateKey: good.privateKey }), { message: 'error decoding cluster ID: failed to parse peer ID: cid too short' })
    assert.throws(() => validateIdentity({ id: good.id, privateKey: 'C!AESQ' }), { message: 'error decoding private_key: illegal base64 data at input byte 1' })
    assert.throws(() => validateIdentity({ id: good.id, privateKey: '' }), { message: 'no identity private_key set' })
    assert.throws(() => validateIdentity({ id: good.id, privateKey: 'AAAA' }), /^IdentityError: error parsing private_key ID: /)
    assert.throws(() => validateIdentity({ id: other.id, privateKey: good.privateKey }), { message: 'identity ID does not match the private_key' })
    assert.throws(() => parseIdentityJSON('{"id": 5}'), { message: 'json: cannot unmarshal number into Go struct field identityJSON.id of type string' })
  })

  it('decodes base64 strictly like Go', () => {
    assert.deepEqual(decodeGoBase64('aGk='), new Uint8Array([104, 105]))
    assert.deepEqual(decodeGoBase64('aG\nk='), new Uint8Array([104, 105]))
    assert.throws(() => decodeGoBase64('aGk'), { message: 'illegal base64 data at input byte 0' })
    assert.throws(() => decodeGoBase64('aGk=x'), { message: 'illegal base64 data at input byte 4' })
  })

  it('applies CLUSTER_ID / CLUSTER_PRIVATEKEY', async () => {
    const a = await generateIdentity()
    const b = await generateIdentity()
    assert.deepEqual(applyIdentityEnv(a, {}), a)
    assert.deepEqual(applyIdentityEnv(a, { CLUSTER_ID: b.id, CLUSTER_PRIVATEKEY: b.privateKey }), b)
    assert.throws(() => applyIdentityEnv(a, { CLUSTER_ID: b.id }), { message: 'identity ID does not match the private_key' })
  })

  it('loadIdentity: file errors, legacy migration errors', async () => {
    const dir = await dirs.make()
    const identityPath = join(dir, 'identity.json')
    const configPath = join(dir, 'service.json')
    await writeFile(configPath, '{"cluster": {"peername": "x"}}')
    await assert.rejects(loadIdentity(identityPath, { configPath, env: {} }), {
      name: 'ConfigError',
      message: 'error loading identity: error decoding cluster ID: failed to parse peer ID: cid too short'
    })
    await writeFile(identityPath, '{"id": "x"')
    await assert.rejects(loadIdentity(identityPath, { configPath, env: {} }), {
      message: `error loading identity from ${identityPath}: unexpected end of JSON input`
    })
    await writeFile(identityPath, RSA_IDENTITY)
    const b = await generateIdentity()
    const res = await loadIdentity(identityPath, { configPath, env: { CLUSTER_ID: b.id, CLUSTER_PRIVATEKEY: b.privateKey } })
    assert.deepEqual(res, { identity: b })
    await assert.rejects(loadIdentity(identityPath, { configPath, env: { CLUSTER_PRIVATEKEY: b.privateKey } }), {
      message: 'error applying environment variables to the identity: identity ID does not match the private_key'
    })
  })
})
