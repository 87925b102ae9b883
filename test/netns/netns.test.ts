import { describe, it, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createTestNetwork, netnsSkipReason } from '../helpers/netns.js'
import { waitFor } from '../helpers/wait-for.js'
import type { ChildProcess } from 'node:child_process'
import type { TestNetwork } from '../helpers/netns.js'

const helperUrl = new URL('../helpers/netns.js', import.meta.url).href

const SERVER = `
const http = require('node:http')
const [addr, port] = process.argv.slice(1)
http.createServer((req, res) => res.end('hello from ' + addr + ' to ' + req.socket.remoteAddress))
  .listen(Number(port), addr, () => console.log('listening'))
`
const CLIENT = `
const [url, ms] = process.argv.slice(1)
fetch(url, { signal: AbortSignal.timeout(Number(ms)) })
  .then((r) => r.text())
  .then((b) => console.log('ok ' + b), (e) => console.log('err ' + e.name + ' ' + (e.cause?.code ?? '')))
  .finally(() => process.exit(0)) // an aborted connect would otherwise keep the process alive
`

/** Collects a child's stdout and resolves once `re` matches it. */
async function waitForOutput (child: ChildProcess, re: RegExp): Promise<string> {
  let out = ''
  child.stdout?.setEncoding('utf8').on('data', (d: string) => { out += d })
  child.stderr?.setEncoding('utf8').on('data', (d: string) => { out += d })
  return await waitFor(() => re.test(out) ? out : undefined, { timeout: 10_000, message: `output matching ${re}` })
}

function nsList (): string {
  const res = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
  assert.equal(res.status, 0, res.stderr)
  return res.stdout
}

/** True while the process exists and is not a zombie (orphans may never be reaped here). */
function pidAlive (pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

describe('test network (network namespaces)', { skip: netnsSkipReason() }, () => {
  const nets: TestNetwork[] = []
  after(async () => {
    for (const n of nets) await n.destroy()
  })

  async function newNet (hosts: number, subnet?: string): Promise<TestNetwork> {
    const n = await createTestNetwork({ hosts, subnet })
    nets.push(n)
    return n
  }

  async function request (net: TestNetwork, from: number, url: string, ms = 3000): Promise<string> {
    const res = await net.hosts[from].run(process.execPath, ['-e', CLIENT, url, String(ms)])
    assert.equal(res.code, 0, res.stderr)
    return res.stdout.trim()
  }

  it('gives each host its address, and two hosts reach each other over HTTP', async () => {
    const net = await newNet(3, '10.77.201.0/24')
    assert.deepEqual(net.hosts.map((h) => [h.name, h.address]), [
      ['host0', '10.77.201.2'], ['host1', '10.77.201.3'], ['host2', '10.77.201.4']
    ])
    assert.equal(net.subnet, '10.77.201.0/24')
    const addr = await net.hosts[1].run('ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth0'])
    assert.match(addr.stdout, /inet 10\.77\.201\.3\/24 /)

    const server = net.hosts[0].exec(process.execPath, ['-e', SERVER, net.hosts[0].address, '8080'])
    await waitForOutput(server, /listening/)
    assert.equal(await request(net, 1, 'http://10.77.201.2:8080/'), 'ok hello from 10.77.201.2 to 10.77.201.3')
    assert.equal(await request(net, 2, 'http://10.77.201.2:8080/'), 'ok hello from 10.77.201.2 to 10.77.201.4')
  })

  it('keeps loopback private to each host and has no route out of the test network', async () => {
    const net = await newNet(2)
    const server = net.hosts[0].exec(process.execPath, ['-e', SERVER, '127.0.0.1', '8081'])
    await waitForOutput(server, /listening/)
    assert.equal(await request(net, 0, 'http://127.0.0.1:8081/'), 'ok hello from 127.0.0.1 to 127.0.0.1')
    assert.equal(await request(net, 1, 'http://127.0.0.1:8081/'), 'err TypeError ECONNREFUSED')

    const prefix = net.subnet
    for (const h of net.hosts) {
      const routes = await h.run('ip', ['-4', 'route', 'show'])
      assert.deepEqual(routes.stdout.trim().split('\n').map((l) => l.trim().split(' ').slice(0, 3).join(' ')).sort(),
        [`${prefix} dev eth0`, '224.0.0.0/4 dev eth0'].sort())
      const out = await h.run('ip', ['route', 'get', '1.1.1.1'])
      assert.notEqual(out.code, 0)
      assert.match(out.stderr, /Network is unreachable/)
      const links = await h.run('ip', ['-o', 'link', 'show'])
      assert.deepEqual(links.stdout.trim().split('\n').map((l) => l.split(':')[1].trim().split('@')[0]), ['lo', 'eth0'])
    }
    // the bridge namespace has no address at all
    const brAddrs = spawnSync('ip', ['-n', net.bridgeNs, '-4', '-o', 'addr', 'show'], { encoding: 'utf8' })
    assert.deepEqual(brAddrs.stdout.trim().split('\n').map((l) => l.split(/\s+/).slice(1, 4).join(' ')), ['lo inet 127.0.0.1/8'])
    // nothing of ours appears in the root namespace
    const root = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
    assert.equal(root.status, 0)
    assert.ok(!root.stdout.includes(net.id), 'root namespace links refer to the test network')
  })

  it('cut stops traffic to and from a host, heal restores it', async () => {
    const net = await newNet(3)
    const [a, b, c] = net.hosts
    const server = a.exec(process.execPath, ['-e', SERVER, a.address, '8080'])
    await waitForOutput(server, /listening/)
    const url = `http://${a.address}:8080/`
    assert.equal(await request(net, 1, url), `ok hello from ${a.address} to ${b.address}`)

    await net.cut(0)
    assert.equal(net.isCut(0), true)
    // packets are dropped silently, as with a pulled cable: a timeout, not a refusal
    assert.equal(await request(net, 1, url, 1000), 'err TimeoutError')
    // the other hosts still talk to each other
    const server2 = c.exec(process.execPath, ['-e', SERVER, c.address, '8080'])
    await waitForOutput(server2, /listening/)
    assert.equal(await request(net, 1, `http://${c.address}:8080/`), `ok hello from ${c.address} to ${b.address}`)
    // and the cut host reaches nobody
    assert.equal(await request(net, 0, `http://${c.address}:8080/`, 1000), 'err TimeoutError')

    await net.heal(0)
    assert.equal(net.isCut(0), false)
    assert.equal(await request(net, 1, url), `ok hello from ${a.address} to ${b.address}`)
    assert.equal(await request(net, 0, `http://${c.address}:8080/`), `ok hello from ${c.address} to ${a.address}`)
  })

  it('carries multicast between hosts (mDNS works)', async () => {
    const net = await newNet(2)
    const [a, b] = net.hosts
    const receiver = b.exec(process.execPath, ['-e', `
      const s = require('node:dgram').createSocket({ type: 'udp4', reuseAddr: true })
      s.on('message', (m, r) => { console.log('got ' + m + ' from ' + r.address); process.exit(0) })
      s.bind(5353, () => { s.addMembership('224.0.0.251', process.argv[1]); console.log('joined') })
    `, b.address])
    const out = waitForOutput(receiver, /got /)
    await waitFor(async () => {
      // send until the receiver has joined the group
      await a.run(process.execPath, ['-e', `
        const s = require('node:dgram').createSocket('udp4')
        s.bind(0, process.argv[1], () => { s.setMulticastInterface(process.argv[1]); s.send('ping', 5353, '224.0.0.251', () => s.close()) })
      `, a.address])
      return receiver.exitCode === 0
    }, { timeout: 10_000, interval: 100 })
    assert.match(await out, new RegExp(`got ping from ${a.address.replace(/\./g, '\\.')}`))
  })

  it('two networks with the same subnet are isolated from each other', async () => {
    const n1 = await newNet(2, '10.77.202.0/24')
    const n2 = await newNet(2, '10.77.202.0/24')
    assert.notEqual(n1.id, n2.id)
    const server = n1.hosts[0].exec(process.execPath, ['-e', SERVER, '10.77.202.2', '8080'])
    await waitForOutput(server, /listening/)
    assert.equal(await request(n1, 1, 'http://10.77.202.2:8080/'), 'ok hello from 10.77.202.2 to 10.77.202.3')
    // same address in the other network: nobody listens there
    assert.equal(await request(n2, 1, 'http://10.77.202.2:8080/'), 'err TypeError ECONNREFUSED')
  })

  it('destroy kills the processes (and their children) and leaves no namespace or link behind', async () => {
    const net = await createTestNetwork({ hosts: 2 })
    const direct = net.hosts[0].exec('sleep', ['1000'])
    const shell = net.hosts[1].exec('sh', ['-c', 'sleep 1000 & echo $!; wait'])
    const grandchild = Number((await waitForOutput(shell, /^\d+\n/)).trim())
    assert.ok(direct.pid != null && pidAlive(direct.pid))
    assert.ok(pidAlive(grandchild))
    assert.match(nsList(), new RegExp(`${net.id}-h1`))

    await net.destroy()
    assert.equal(pidAlive(grandchild), false)
    await waitFor(() => direct.exitCode != null || direct.signalCode != null)
    assert.equal(direct.signalCode, 'SIGKILL')
    assert.ok(!nsList().includes(net.id), `namespaces left: ${nsList()}`)
    for (const ns of [net.bridgeNs, net.hosts[0].ns, net.hosts[1].ns]) {
      const res = spawnSync('ip', ['-n', ns, 'link', 'show'], { encoding: 'utf8' })
      assert.notEqual(res.status, 0, `${ns} still exists`)
    }
    const root = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
    assert.ok(!root.stdout.includes(net.id))
    assert.throws(() => net.hosts[0].exec('true'), /destroyed/)
    await net.destroy() // twice is fine
  })

  for (const how of ['exit', 'SIGTERM'] as const) {
    it(`cleans up when the test process ends without destroy (${how})`, async () => {
      const script = `
        const { createTestNetwork } = await import(process.argv[1])
        const net = await createTestNetwork({ hosts: 1 })
        const child = net.hosts[0].exec('sleep', ['1000'], { stdio: 'ignore' })
        console.log(JSON.stringify({ id: net.id, pid: child.pid }))
        // on a line on stdin: exit without destroy (or wait for SIGTERM)
        process.stdin.on('data', () => { if (process.argv[2] === 'exit') process.exit(3) })
      `
      const child = spawn(process.execPath, ['--input-type=module', '-e', script, helperUrl, how])
      const out = await waitForOutput(child, /\}\n/)
      const { id, pid } = JSON.parse(out) as { id: string, pid: number }
      assert.match(nsList(), new RegExp(id))
      if (how === 'SIGTERM') child.kill('SIGTERM')
      else child.stdin.write('go\n')
      await waitFor(() => child.exitCode != null)
      assert.equal(child.exitCode, how === 'exit' ? 3 : 143)
      assert.ok(!nsList().includes(id), `namespaces left: ${nsList()}`)
      assert.equal(pidAlive(pid), false)
    })
  }

  it('rejects bad options before creating anything', async () => {
    await assert.rejects(createTestNetwork({ hosts: 0 }), /hosts must be a positive integer/)
    await assert.rejects(createTestNetwork({ hosts: 3, subnet: '10.77.1.0/30' }), /too small for 3 hosts/)
    await assert.rejects(createTestNetwork({ hosts: 1, subnet: '10.77.300.0/24' }), /invalid IPv4 address/)
    await assert.rejects(createTestNetwork({ hosts: 1, subnet: '10.77.1.0' }), /invalid subnet/)
  })
})

describe('netnsSkipReason', () => {
  // run the helper as an unprivileged user to see what tests do there
  const asNobody = (env: NodeJS.ProcessEnv): string => {
    const res = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--input-type=module', '-e',
      'const m = await import(process.argv[1]); console.log(JSON.stringify([m.isNetnsSupported(), m.netnsSkipReason()]))', helperUrl],
    { encoding: 'utf8', env: { PATH: process.env.PATH, ...env }, cwd: '/' })
    assert.equal(res.status, 0, res.stderr)
    return res.stdout.trim()
  }
  const rootOnly = process.getuid?.() === 0 ? false : 'needs root to switch to an unprivileged user'

  it('skips with a clear message when not root', { skip: rootOnly }, () => {
    assert.equal(asNobody({}), '[false,"skipped: network namespaces need root (tests run as a non-root user)"]')
  })

  it('never skips when CI_REQUIRE_NETNS=1 (the test then fails)', { skip: rootOnly }, async () => {
    assert.equal(asNobody({ CI_REQUIRE_NETNS: '1' }), '[false,false]')
    const res = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--input-type=module', '-e',
      'const m = await import(process.argv[1]); await m.createTestNetwork({ hosts: 1 })', helperUrl],
    { encoding: 'utf8', env: { PATH: process.env.PATH }, cwd: '/' })
    assert.equal(res.status, 1)
    assert.match(res.stderr, /cannot create a test network: network namespaces need root/)
  })
})
