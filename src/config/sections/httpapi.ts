/**
 * `api.restapi` and `api.pinsvcapi` sections (shared schema, spec §4.4).
 * Env prefixes `CLUSTER_RESTAPI_` / `CLUSTER_PINSVCAPI_`.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { isAbsolute, join } from 'node:path'
import { parsePeerId } from '../../api/encoding.js'
import { decodeGoBase64, goFileError, peerIdOfPrivateKey, unmarshalPrivateKey } from '../identity.js'
import { FieldError } from '../schema.js'
import { bool, dur, int, list, listMap, map, multiaddrCheck, ns, str, strings } from './fields.js'
import type { HTTPAPIConfig } from '../types.js'
import type { FieldContext, SectionDef, Values } from '../schema.js'

export const MIN_MAX_HEADER_BYTES = 4096

export const DEFAULT_CORS_EXPOSED_HEADERS = ['Content-Type', 'X-Stream-Output', 'X-Chunked-Output', 'X-Content-Length']

/** Resolves a path against the config folder unless absolute ('' stays ''). */
export function resolveIn (baseDir: string, p: string): string {
  if (p === '') return ''
  return isAbsolute(p) ? p : join(baseDir, p)
}

function privateKeyCheck (v: unknown, ctx: FieldContext): void {
  const text = v as string
  if (text === '') return
  const name = ctx.section.name
  let bytes: Uint8Array
  try {
    bytes = decodeGoBase64(text)
  } catch (err) {
    throw new FieldError(`error decoding ${name}.private_key: ${(err as Error).message}`, ctx.path, '<hidden>')
  }
  try {
    unmarshalPrivateKey(bytes)
  } catch (err) {
    throw new FieldError(`error parsing ${name}.private_key ID: ${(err as Error).message}`, ctx.path, '<hidden>')
  }
}

function idCheck (v: unknown, ctx: FieldContext): void {
  const text = v as string
  if (text === '') return
  try {
    parsePeerId(text)
  } catch (err) {
    throw new FieldError(`error parsing ${ctx.section.name}.ID: ${(err as Error).message}`, ctx.path, text)
  }
}

/** Loads the TLS pair like the reference does at load time. */
function tlsError (v: Values, baseDir: string): string | undefined {
  const cert = v.ssl_cert_file as string
  const key = v.ssl_key_file as string
  if (cert === '' && key === '') return undefined
  const certPath = isAbsolute(cert) ? cert : join(baseDir, cert)
  const keyPath = isAbsolute(key) ? key : join(baseDir, key)
  try {
    let certPem: Buffer
    let keyPem: Buffer
    try {
      certPem = readFileSync(certPath)
    } catch (err) {
      throw new Error(goFileError(err, 'open', certPath))
    }
    try {
      keyPem = readFileSync(keyPath)
    } catch (err) {
      throw new Error(goFileError(err, 'open', keyPath))
    }
    let x509: X509Certificate
    try {
      x509 = new X509Certificate(certPem)
    } catch {
      throw new Error('tls: failed to find any PEM data in certificate input')
    }
    let pk
    try {
      pk = createPrivateKey(keyPem)
    } catch {
      throw new Error('tls: failed to find any PEM data in key input')
    }
    if (!x509.checkPrivateKey(pk)) {
      throw new Error('tls: private key does not match public key')
    }
  } catch (err) {
    return `error loading TLS certificate/key: ${(err as Error).message}`
  }
  return undefined
}

function httpApiSection (name: 'restapi' | 'pinsvcapi', port: number): SectionDef<HTTPAPIConfig> {
  return {
    name,
    section: 'api',
    envPrefix: `CLUSTER_${name.toUpperCase()}`,
    structName: 'jsonConfig',
    fields: [
      strings('http_listen_multiaddress', [`/ip4/127.0.0.1/tcp/${port}`], {
        goName: 'HTTPListenMultiaddress',
        check: multiaddrCheck(`error parsing ${name}.http_listen_multiaddress`)
      }),
      str('ssl_cert_file', '', { set: 'literal', omit: 'empty', goName: 'SSLCertFile' }),
      str('ssl_key_file', '', { set: 'literal', omit: 'empty', goName: 'SSLKeyFile' }),
      dur('read_timeout', '0s'),
      dur('read_header_timeout', '5s'),
      dur('write_timeout', '0s'),
      dur('idle_timeout', '2m0s'),
      int('max_header_bytes', MIN_MAX_HEADER_BYTES, { zeroValue: MIN_MAX_HEADER_BYTES }),
      strings('libp2p_listen_multiaddress', [], {
        omit: 'empty',
        nonNull: true,
        check: multiaddrCheck(`error parsing ${name}.libp2p_listen_multiaddress`)
      }),
      str('id', '', { omit: 'empty', check: idCheck }),
      str('private_key', '', { omit: 'empty', hidden: true, check: privateKeyCheck }),
      map('basic_auth_credentials', null, { set: 'literal', hidden: true }),
      str('http_log_file', '', { set: 'literal', goName: 'HTTPLogFile' }),
      listMap('headers', {}, { set: 'literal' }),
      list('cors_allowed_origins', ['*'], { set: 'literal', goName: 'CORSAllowedOrigins' }),
      list('cors_allowed_methods', ['GET'], { set: 'literal', goName: 'CORSAllowedMethods' }),
      list('cors_allowed_headers', [], { set: 'literal', goName: 'CORSAllowedHeaders' }),
      list('cors_exposed_headers', DEFAULT_CORS_EXPOSED_HEADERS, { set: 'literal', goName: 'CORSExposedHeaders' }),
      bool('cors_allow_credentials', true, { goName: 'CORSAllowCredentials' }),
      dur('cors_max_age', '0s', { goName: 'CORSMaxAge' })
    ],
    validate: (v, ctx) => {
      if ((v.read_timeout as bigint) < 0n) return `${name}.read_timeout is invalid`
      if ((v.read_header_timeout as bigint) < 0n) return `${name}.read_header_timeout is invalid`
      if ((v.write_timeout as bigint) < 0n) return `${name}.write_timeout is invalid`
      if ((v.idle_timeout as bigint) < 0n) return `${name}.idle_timeout invalid`
      if ((v.max_header_bytes as number) < MIN_MAX_HEADER_BYTES) return `${name}.max_header_bytes must be not less then ${MIN_MAX_HEADER_BYTES}`
      const creds = v.basic_auth_credentials as Record<string, string> | null
      if (creds != null && Object.keys(creds).length === 0) return `${name}.basic_auth_creds should be null or have at least one entry`
      const tls = tlsError(v, ctx.baseDir)
      if (tls != null) return tls
      if ((v.cors_max_age as bigint) < 0n) return `${name}.cors_max_age is invalid`
      const id = v.id as string
      const pk = v.private_key as string
      const l2p = v.libp2p_listen_multiaddress as string[]
      if (id !== '' || pk !== '' || l2p.length > 0) {
        if (id === '' || pk === '' || l2p.length === 0) return 'all ID, private_key and libp2p_listen_multiaddress should be set'
        try {
          if (peerIdOfPrivateKey(unmarshalPrivateKey(decodeGoBase64(pk))) !== parsePeerId(id)) {
            return `${name}.ID does not match private_key`
          }
        } catch {
          return `${name}.ID does not match private_key`
        }
      }
      return undefined
    },
    typed: (v, ctx) => {
      const creds = v.basic_auth_credentials as Record<string, string> | null
      const headers = v.headers as Record<string, string[] | null> | null
      const lst = (k: string): string[] | null => v[k] == null ? null : [...(v[k] as string[])]
      return {
        httpListenMultiaddress: [...(v.http_listen_multiaddress as string[])],
        sslCertFile: resolveIn(ctx.baseDir, v.ssl_cert_file as string),
        sslKeyFile: resolveIn(ctx.baseDir, v.ssl_key_file as string),
        readTimeout: ns(v.read_timeout),
        readHeaderTimeout: ns(v.read_header_timeout),
        writeTimeout: ns(v.write_timeout),
        idleTimeout: ns(v.idle_timeout),
        maxHeaderBytes: v.max_header_bytes as number,
        libp2pListenMultiaddress: [...(v.libp2p_listen_multiaddress as string[])],
        id: v.id === '' ? '' : parsePeerId(v.id as string),
        privateKey: v.private_key as string,
        basicAuthCredentials: creds == null ? null : { ...creds },
        httpLogFile: resolveIn(ctx.baseDir, v.http_log_file as string),
        headers: Object.fromEntries(Object.entries(headers ?? {}).map(([k, x]) => [k, [...(x ?? [])]])),
        corsAllowedOrigins: lst('cors_allowed_origins'),
        corsAllowedMethods: lst('cors_allowed_methods'),
        corsAllowedHeaders: lst('cors_allowed_headers'),
        corsExposedHeaders: lst('cors_exposed_headers'),
        corsAllowCredentials: v.cors_allow_credentials as boolean,
        corsMaxAge: ns(v.cors_max_age)
      }
    }
  }
}

export const restapiSection = httpApiSection('restapi', 9094)
export const pinsvcapiSection = httpApiSection('pinsvcapi', 9097)
