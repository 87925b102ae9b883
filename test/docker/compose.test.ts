/**
 * docker-compose.yml and .env.example, checked without Docker. The YAML is
 * parsed with the `yaml` package when it is installed (it comes in through
 * the dependency tree; it is not a dependency of ours); without it the parse
 * checks are skipped and only the line checks run.
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')
/** The documented way to enable the Kubo variant. */
const kuboText = text.replace(/^( *)#kubo /gm, '$1')

type Parse = (src: string, opts: { merge: boolean }) => unknown
let parse: Parse | undefined
const yamlModule = 'yaml' // not a declared dependency: resolved at run time only

interface Service {
  build?: string
  image?: string
  container_name?: string
  environment?: Record<string, string>
  ports?: string[]
  volumes?: string[]
  depends_on?: string[]
}

function services (src: string): Record<string, Service> {
  assert.ok(parse != null)
  const doc = parse(src, { merge: true }) as { services: Record<string, Service> }
  return doc.services
}

describe('docker-compose.yml', () => {
  before(async () => {
    try {
      const mod = await import(yamlModule) as { parse: Parse }
      parse = mod.parse
    } catch {
      parse = undefined
    }
  })

  it('is plain YAML text: spaces only, and the Kubo variant lines keep the indentation', () => {
    assert.doesNotMatch(text, /\t/)
    // 2 lines per peer (IPFS address, depends_on) and 6 per Kubo service
    assert.equal(text.split('\n').filter((l) => /^ +#kubo /.test(l)).length, 3 * 2 + 3 * 6)
    assert.doesNotMatch(kuboText, /^ *#kubo/m)
  })

  it('runs three peers on the embedded IPFS node that find each other without manual steps', (t) => {
    if (parse == null) return t.skip('no YAML parser installed')
    const svc = services(text)
    assert.deepEqual(Object.keys(svc), ['cluster0', 'cluster1', 'cluster2'])
    for (const [i, name] of ['cluster0', 'cluster1', 'cluster2'].entries()) {
      const s = svc[name]
      assert.equal(s.build, '.')
      assert.equal(s.image, 'ipfs-cluster-ts:latest')
      assert.equal(s.container_name, name)
      assert.deepEqual(s.volumes, [`./compose/cluster${i}:/data/ipfs-cluster`])
      const env = s.environment ?? {}
      assert.equal(env.CLUSTER_PEERNAME, name)
      assert.equal(env.CLUSTER_SECRET, '${CLUSTER_SECRET:-}')
      assert.equal(env.CLUSTER_MONITORPINGINTERVAL, '2s')
      assert.equal(env.CLUSTER_CRDT_TRUSTEDPEERS, '*')
      // the embedded node: no IPFS daemon address; no peer IDs needed in advance
      for (const key of ['CLUSTER_IPFSHTTP_NODEMULTIADDRESS', 'IPFS_API', 'CLUSTER_PEERS', 'CLUSTER_PEERADDRESSES', 'CLUSTER_MDNSINTERVAL']) {
        assert.equal(env[key], undefined, `${name} sets ${key}`)
      }
      assert.equal(s.depends_on, undefined)
    }
    assert.deepEqual(svc.cluster0.ports, ['127.0.0.1:9094:9094'])
    assert.equal(svc.cluster0.environment?.CLUSTER_RESTAPI_HTTPLISTENMULTIADDRESS, '/ip4/0.0.0.0/tcp/9094')
    assert.equal(svc.cluster1.ports, undefined)
    assert.equal(svc.cluster2.ports, undefined)
  })

  it('has a Kubo variant: three ipfs/kubo containers, each peer using its own', (t) => {
    if (parse == null) return t.skip('no YAML parser installed')
    const svc = services(kuboText)
    assert.deepEqual(Object.keys(svc).sort(), ['cluster0', 'cluster1', 'cluster2', 'ipfs0', 'ipfs1', 'ipfs2'])
    for (const i of [0, 1, 2]) {
      assert.equal(svc[`ipfs${i}`].image, 'ipfs/kubo:release')
      assert.deepEqual(svc[`ipfs${i}`].volumes, [`./compose/ipfs${i}:/data/ipfs`])
      assert.equal(svc[`ipfs${i}`].ports, undefined)
      const c = svc[`cluster${i}`]
      assert.equal(c.environment?.CLUSTER_IPFSHTTP_NODEMULTIADDRESS, `/dns4/ipfs${i}/tcp/5001`)
      assert.deepEqual(c.depends_on, [`ipfs${i}`])
      assert.equal(c.environment?.CLUSTER_PEERNAME, `cluster${i}`)
    }
  })
})

describe('.env.example', () => {
  const env = readFileSync(join(ROOT, '.env.example'), 'utf8')

  it('has an empty CLUSTER_SECRET and the command that generates one', () => {
    assert.deepEqual(env.split('\n').filter((l) => l !== '' && !l.startsWith('#')), ['CLUSTER_SECRET='])
    assert.ok(env.includes("od -vN 32 -An -tx1 /dev/urandom | tr -d ' \\n'"))
  })

  it('documents a command that prints 64 hex characters (32 bytes)', () => {
    const cmd = /^# +(od -vN 32 .*)$/m.exec(env)?.[1]
    assert.ok(cmd != null)
    const res = spawnSync('sh', ['-c', cmd], { encoding: 'utf8' })
    assert.equal(res.status, 0, res.stderr)
    assert.match(res.stdout, /^[0-9a-f]{64}$/)
  })

  it('is kept out of git as .env', () => {
    const ignore = readFileSync(join(ROOT, '.gitignore'), 'utf8').split('\n')
    assert.ok(ignore.includes('.env'))
    assert.ok(ignore.includes('/compose/'))
  })
})
