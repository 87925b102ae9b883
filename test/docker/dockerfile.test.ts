/**
 * No Docker engine in CI: the image contract of the Dockerfile is checked by
 * reading it (instructions of the final stage), and every file the build
 * copies is checked to exist and to pass .dockerignore.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

interface Instruction { op: string, args: string, line: number }

/** Splits a Dockerfile into instructions (comments dropped, `\` continuations joined). */
function parseDockerfile (text: string): Instruction[] {
  const out: Instruction[] = []
  let current = ''
  let start = 0
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    if (/^\s*#/.test(line) && current === '') continue
    if (/^\s*#/.test(line)) continue // comment inside a continued instruction
    if (current === '') start = i + 1
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' '
      continue
    }
    current += line
    const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(current)
    if (m != null) out.push({ op: m[1].toUpperCase(), args: m[2].trim(), line: start })
    current = ''
  }
  return out
}

function globToRegExp (pattern: string): RegExp {
  let re = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]
    if (c === '*' && pattern[i + 1] === '*') {
      re += '.*'
      i++
    } else if (c === '*') {
      re += '[^/]*'
    } else if (c === '?') {
      re += '[^/]'
    } else {
      re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&')
    }
  }
  return new RegExp(`^${re}$`)
}

/** .dockerignore semantics: the last matching pattern wins; a pattern matching a parent folder matches the path. */
function dockerignored (patterns: string[], path: string): boolean {
  let ignored = false
  const parts = path.split('/')
  for (const raw of patterns) {
    const negate = raw.startsWith('!')
    const pattern = (negate ? raw.slice(1) : raw).replace(/^\.?\//, '').replace(/\/$/, '')
    const re = globToRegExp(pattern)
    for (let n = 1; n <= parts.length; n++) {
      if (re.test(parts.slice(0, n).join('/'))) {
        ignored = !negate
        break
      }
    }
  }
  return ignored
}

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
const instructions = parseDockerfile(dockerfile)
const froms = instructions.map((ins, i) => ({ ins, i })).filter(({ ins }) => ins.op === 'FROM')
const finalStage = instructions.slice(froms[froms.length - 1].i + 1)
const ignorePatterns = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))

function final (op: string): Instruction[] {
  return finalStage.filter((i) => i.op === op)
}

function finalEnv (): Map<string, string> {
  const env = new Map<string, string>()
  for (const ins of final('ENV')) {
    for (const m of ins.args.matchAll(/([A-Z_][A-Z0-9_]*)=("[^"]*"|\S+)/g)) env.set(m[1], m[2].replace(/^"|"$/g, ''))
  }
  return env
}

describe('Dockerfile', () => {
  it('builds in a Node LTS Debian slim stage and runs on the same base with production dependencies only', () => {
    const arg = instructions.find((i) => i.op === 'ARG' && i.args.startsWith('NODE_VERSION='))
    assert.ok(arg != null)
    const version = Number(arg.args.split('=')[1])
    assert.ok(version >= 22 && version % 2 === 0, `Node ${version} is not an LTS line`)
    assert.deepEqual(froms.map(({ ins }) => ins.args), [
      'node:${NODE_VERSION}-bookworm-slim AS build',
      'node:${NODE_VERSION}-bookworm-slim AS deps',
      'node:${NODE_VERSION}-bookworm-slim'
    ])
    const runs = instructions.filter((i) => i.op === 'RUN').map((i) => i.args)
    assert.ok(runs.includes('npm ci --no-audit --no-fund'))
    assert.ok(runs.includes('npx tsc -p tsconfig.json'))
    assert.ok(runs.includes('npm ci --omit=dev --no-audit --no-fund && npm cache clean --force'))
    assert.deepEqual(final('COPY').filter((c) => c.args.startsWith('--from')).map((c) => c.args), [
      '--from=deps /app/node_modules ./node_modules',
      '--from=build /src/dist/src ./dist/src'
    ])
  })

  it('keeps the image contract of ipfs/ipfs-cluster', () => {
    assert.deepEqual(final('ENTRYPOINT').map((i) => JSON.parse(i.args)), [['/usr/bin/tini', '--', '/usr/local/bin/entrypoint.sh']])
    assert.deepEqual(final('CMD').map((i) => JSON.parse(i.args)), [['daemon']])
    assert.deepEqual(final('VOLUME').map((i) => i.args), ['/data/ipfs-cluster'])
    assert.deepEqual(final('USER'), [], 'the image starts as root; the entrypoint drops to ipfs')
    const exposed = final('EXPOSE').flatMap((i) => i.args.split(/\s+/))
    for (const port of ['9094', '9095', '9096', '9097']) assert.ok(exposed.includes(port), `port ${port} not exposed`)
    const env = finalEnv()
    assert.equal(env.get('IPFS_CLUSTER_PATH'), '/data/ipfs-cluster')
    assert.equal(env.get('IPFS_CLUSTER_CONSENSUS'), 'crdt')
    assert.equal(env.get('MALLOC_ARENA_MAX'), '2')
    assert.equal(env.get('CLUSTER_RESTAPI_HTTPLISTENMULTIADDRESS'), '/ip4/0.0.0.0/tcp/9094')
    assert.equal(env.get('CLUSTER_IPFSPROXY_LISTENMULTIADDRESS'), '/ip4/0.0.0.0/tcp/9095')
    assert.equal(env.get('CLUSTER_PINSVCAPI_HTTPLISTENMULTIADDRESS'), '/ip4/0.0.0.0/tcp/9097')
    const runs = final('RUN').map((i) => i.args).join('\n')
    assert.match(runs, /apt-get install -y --no-install-recommends tini /)
    assert.match(runs, /useradd --uid 1000 --gid users --home-dir \/data\/ipfs-cluster .*ipfs;/)
    assert.match(runs, /chown ipfs:users \/data\/ipfs-cluster/)
    const labels = final('LABEL').map((i) => i.args).join(' ')
    for (const key of ['title', 'description', 'version', 'licenses', 'source']) {
      assert.match(labels, new RegExp(`org\\.opencontainers\\.image\\.${key}=`))
    }
  })

  it('puts the three programs on the PATH and the entrypoint where ENTRYPOINT expects it', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }
    const link = final('RUN').find((i) => i.args.includes('ln -s "/app/bin/$b" "/usr/local/bin/$b"'))
    assert.ok(link != null)
    const loop = /for b in ([^;]+);/.exec(link.args)
    assert.ok(loop != null)
    assert.deepEqual(loop[1].trim().split(/\s+/).sort(), Object.keys(pkg.bin).sort())
    for (const [name, path] of Object.entries(pkg.bin)) {
      assert.equal(path, `bin/${name}`)
      // the launcher loads the compiled program from dist/src, which the image copies
      assert.match(readFileSync(join(ROOT, path), 'utf8'), /import\('\.\.\/dist\/src\/cmd\/[a-z]+\.js'\)/)
    }
    assert.ok(final('COPY').some((i) => i.args === 'docker/entrypoint.sh /usr/local/bin/entrypoint.sh'))
    assert.ok(final('COPY').some((i) => i.args === 'bin ./bin'))
  })

  it('has RUN commands that /bin/sh can parse', () => {
    const runs = instructions.filter((i) => i.op === 'RUN')
    assert.ok(runs.length >= 5)
    for (const run of runs) {
      const res = spawnSync('sh', ['-n', '-c', run.args], { encoding: 'utf8' })
      assert.equal(res.status, 0, `Dockerfile line ${run.line}: ${res.stderr}`)
    }
  })

  it('copies only files that exist and that .dockerignore lets through', () => {
    const sources = instructions
      .filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1))
    assert.deepEqual(sources.sort(), ['bin', 'docker/entrypoint.sh', 'package-lock.json', 'package-lock.json', 'package.json',
      'package.json', 'package.json', 'src', 'tsconfig.json'].sort())
    for (const src of sources) {
      assert.ok(existsSync(join(ROOT, src)), `${src} does not exist`)
      assert.equal(dockerignored(ignorePatterns, src), false, `${src} is excluded by .dockerignore`)
      if (src === 'src' || src === 'bin') assert.equal(dockerignored(ignorePatterns, `${src}/x/y.ts`), false)
    }
    // and what must never reach the build context stays out
    for (const path of ['node_modules', 'node_modules/a/b.js', 'dist/src/x.js', '.env', '.git', 'compose/cluster0/service.json', 'test/docker/x.ts', 'docker/other.sh']) {
      assert.equal(dockerignored(ignorePatterns, path), true, `${path} reaches the build context`)
    }
  })
})
