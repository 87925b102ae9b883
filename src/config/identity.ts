/**
 * The peer identity, `identity.json` (spec §2.4.2): a libp2p key pair
 * stored as `{"id": <peer ID>, "private_key": <base64 protobuf key>}` with
 * 4-space indentation, no trailing newline, mode 0600. Ed25519 for new
 * identities; any key type libp2p reads (RSA included) loads.
 */
import { readFile } from 'node:fs/promises'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { parsePeerId } from '../api/encoding.js'
import { ConfigError } from '../errors.js'
import { marshalIndent, ordered } from './go-json.js'
import { entriesCI, jsonKind, parseJSONTree } from './json-parse.js'
import { writeFile0600 } from './files.js'
import type { Identity } from './types.js'
import type { PrivateKey } from '@libp2p/interface'
import type { Env } from './schema.js'

export class IdentityError extends Error {
  static override name = 'IdentityError'
  constructor (message: string) {
    super(message)
    this.name = 'IdentityError'
  }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const B64_LOOKUP = new Map([...B64].map((c, i) => [c, i]))

/**
 * Go `base64.StdEncoding.DecodeString`: padding required, `\r`/`\n`
 * ignored, errors `illegal base64 data at input byte <n>`.
 */
export function decodeGoBase64 (s: string): Uint8Array {
  const out: number[] = []
  const quantum: number[] = []
  let pad = 0
  let i = 0
  const corrupt = (at: number): Error => new IdentityError(`illegal base64 data at input byte ${at}`)
  for (; i < s.length; i++) {
    const c = s[i]
    if (c === '\r' || c === '\n') continue
    if (pad > 0) {
      if (c === '=' && quantum.length + pad < 4) {
        pad++
        continue
      }
      throw corrupt(i)
    }
    if (c === '=') {
      if (quantum.length < 2) throw corrupt(i)
      pad = 1
      continue
    }
    const v = B64_LOOKUP.get(c)
    if (v == null) throw corrupt(i)
    quantum.push(v)
    if (quantum.length === 4) {
      out.push((quantum[0] << 2) | (quantum[1] >> 4), ((quantum[1] & 15) << 4) | (quantum[2] >> 2), ((quantum[2] & 3) << 6) | quantum[3])
      quantum.length = 0
    }
  }
  if (pad > 0 && quantum.length + pad !== 4) throw corrupt(s.length)
  if (pad === 0 && quantum.length > 0) throw corrupt(s.length - quantum.length)
  if (quantum.length === 2) out.push((quantum[0] << 2) | (quantum[1] >> 4))
  if (quantum.length === 3) out.push((quantum[0] << 2) | (quantum[1] >> 4), ((quantum[1] & 15) << 4) | (quantum[2] >> 2))
  return new Uint8Array(out)
}

/** Standard base64 with padding. */
export function encodeBase64 (b: Uint8Array): string {
  return Buffer.from(b).toString('base64')
}

/** Decodes a base64 protobuf private key; errors are the libp2p reader's. */
export function unmarshalPrivateKey (bytes: Uint8Array): PrivateKey {
  return privateKeyFromProtobuf(bytes)
}

/** The peer ID (base58) of a private key. */
export function peerIdOfPrivateKey (key: PrivateKey): string {
  return peerIdFromPrivateKey(key).toString()
}

function decodeId (id: string): string {
  try {
    if (id === '') throw new Error('failed to parse peer ID: cid too short')
    return parsePeerId(id)
  } catch (err) {
    throw new IdentityError(`error decoding cluster ID: ${(err as Error).message}`)
  }
}

/**
 * Validates an `{id, private_key}` pair like the reference
 * `applyIdentityJSON` + `Validate` and returns it in canonical form.
 */
export function validateIdentity (raw: { id: string, privateKey: string }): Identity & { key: PrivateKey } {
  const id = decodeId(raw.id)
  let bytes: Uint8Array
  try {
    bytes = decodeGoBase64(raw.privateKey)
  } catch (err) {
    throw new IdentityError(`error decoding private_key: ${(err as Error).message}`)
  }
  if (bytes.length === 0) {
    throw new IdentityError('no identity private_key set')
  }
  let key: PrivateKey
  try {
    key = unmarshalPrivateKey(bytes)
  } catch (err) {
    throw new IdentityError(`error parsing private_key ID: ${(err as Error).message}`)
  }
  if (peerIdOfPrivateKey(key) !== id) {
    throw new IdentityError('identity ID does not match the private_key')
  }
  return { id, privateKey: encodeBase64(privateKeyToProtobuf(key)), key }
}

/** A new Ed25519 identity (`12D3KooW…`, key `CAESQ…`). */
export async function generateIdentity (): Promise<Identity> {
  const key = await generateKeyPair('Ed25519')
  return { id: peerIdOfPrivateKey(key), privateKey: encodeBase64(privateKeyToProtobuf(key)) }
}

/** The private key object of an identity. */
export function identityPrivateKey (identity: Identity): PrivateKey {
  return validateIdentity(identity).key
}

/**
 * Applies `CLUSTER_ID` / `CLUSTER_PRIVATEKEY` (set-but-empty counts as set)
 * and re-validates. Errors are the validation messages.
 */
export function applyIdentityEnv (identity: Identity, env: Env): Identity {
  const id = env.CLUSTER_ID ?? identity.id
  const privateKey = env.CLUSTER_PRIVATEKEY ?? identity.privateKey
  if (id === identity.id && privateKey === identity.privateKey) {
    return identity
  }
  const v = validateIdentity({ id, privateKey })
  return { id: v.id, privateKey: v.privateKey }
}

/** identity.json text: 4-space indentation, no trailing newline. */
export function identityToJSON (identity: Identity): string {
  return marshalIndent(ordered([['id', identity.id], ['private_key', identity.privateKey]]), '    ')
}

/**
 * Parses identity.json text (case-insensitive keys, Go type errors) and
 * validates it.
 */
export function parseIdentityJSON (text: string): Identity {
  const tree = parseJSONTree(text)
  if (tree.t !== 'obj') {
    throw new IdentityError(`json: cannot unmarshal ${jsonKind(tree)} into Go value of type config.identityJSON`)
  }
  const read = (key: string): string => {
    let out = ''
    for (const n of entriesCI(tree, key)) {
      if (n.t === 'null') continue
      if (n.t !== 'str') throw new IdentityError(`json: cannot unmarshal ${jsonKind(n)} into Go struct field identityJSON.${key} of type string`)
      out = n.v
    }
    return out
  }
  const v = validateIdentity({ id: read('id'), privateKey: read('private_key') })
  return { id: v.id, privateKey: v.privateKey }
}

/** Writes identity.json (mode 0600). */
export async function saveIdentity (path: string, identity: Identity): Promise<void> {
  await writeFile0600(path, identityToJSON(identity))
}

export interface LoadIdentityOptions {
  /** service.json path, for the legacy migration. */
  configPath: string
  env?: Env
}

export interface LoadedIdentity {
  identity: Identity
  /**
   * Set when the identity was migrated from a legacy service.json: the
   * text the CLI prints to stderr.
   */
  notice?: string
}

function isNotFound (err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'ENOENT'
}

/**
 * Loads identity.json, or migrates it from the legacy `cluster.id` /
 * `cluster.private_key` keys of service.json when it does not exist, then
 * applies the identity env vars. Errors carry the reference wording
 * (`error loading identity from <path>: <err>`,
 * `error loading identity: <err>`,
 * `error applying environment variables to the identity: <err>`).
 */
export async function loadIdentity (identityPath: string, opts: LoadIdentityOptions): Promise<LoadedIdentity> {
  let identity: Identity
  let notice: string | undefined
  let text: string | undefined
  try {
    text = await readFile(identityPath, 'utf8')
  } catch (err) {
    if (!isNotFound(err)) {
      throw new ConfigError(`error loading identity from ${identityPath}: ${goFileError(err, 'open', identityPath)}`)
    }
  }
  if (text != null) {
    try {
      identity = parseIdentityJSON(text)
    } catch (err) {
      throw new ConfigError(`error loading identity from ${identityPath}: ${(err as Error).message}`)
    }
  } else {
    let serviceText: string
    try {
      serviceText = await readFile(opts.configPath, 'utf8')
    } catch (err) {
      throw new ConfigError(goFileError(err, 'open', opts.configPath))
    }
    try {
      identity = legacyIdentityFromServiceJSON(serviceText)
    } catch (err) {
      throw new ConfigError(`error loading identity: ${(err as Error).message}`)
    }
    try {
      await saveIdentity(identityPath, identity)
    } catch (err) {
      throw new ConfigError(`error saving identity: ${(err as Error).message}`)
    }
    notice = `\nNOTICE: identity information extracted from ${opts.configPath} and saved as ${identityPath}.\n\n`
  }
  try {
    identity = applyIdentityEnv(identity, opts.env ?? process.env)
  } catch (err) {
    throw new ConfigError(`error applying environment variables to the identity: ${(err as Error).message}`)
  }
  return notice == null ? { identity } : { identity, notice }
}

/** Reads `cluster.id` / `cluster.private_key` from a (legacy) service.json. */
export function legacyIdentityFromServiceJSON (text: string): Identity {
  const tree = parseJSONTree(text)
  if (tree.t !== 'obj') {
    throw new IdentityError(`json: cannot unmarshal ${jsonKind(tree)} into Go value of type config.jsonConfig`)
  }
  const clusters = entriesCI(tree, 'cluster')
  const cluster = clusters[clusters.length - 1]
  if (cluster == null || cluster.t !== 'obj') {
    return validateIdentity({ id: '', privateKey: '' })
  }
  const read = (key: string): string => {
    let out = ''
    for (const n of entriesCI(cluster, key)) {
      if (n.t === 'str') out = n.v
    }
    return out
  }
  const v = validateIdentity({ id: read('id'), privateKey: read('private_key') })
  return { id: v.id, privateKey: v.privateKey }
}

/** Node fs errors in Go's `<op> <path>: <reason>` form. */
export function goFileError (err: unknown, op: string, path: string): string {
  const code = (err as NodeJS.ErrnoException)?.code
  switch (code) {
    case 'ENOENT': return `${op} ${path}: no such file or directory`
    case 'EACCES': return `${op} ${path}: permission denied`
    case 'EISDIR': return `${op} ${path}: is a directory`
    case 'ENOTDIR': return `${op} ${path}: not a directory`
    default: return `${op} ${path}: ${(err as Error)?.message ?? String(err)}`
  }
}
