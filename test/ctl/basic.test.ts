/**
 * ipfs-cluster-ctl without a server: help, version, commands, usage and
 * local errors (sharness t0010, exit codes of CLI spec §6.2).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ctl } from '../helpers/run-ctl.js'

const COMMANDS = `ipfs-cluster-ctl id
ipfs-cluster-ctl peers
ipfs-cluster-ctl peers ls
ipfs-cluster-ctl peers rm
ipfs-cluster-ctl add
ipfs-cluster-ctl pin
ipfs-cluster-ctl pin add
ipfs-cluster-ctl pin rm
ipfs-cluster-ctl pin update
ipfs-cluster-ctl pin ls
ipfs-cluster-ctl status
ipfs-cluster-ctl recover
ipfs-cluster-ctl version
ipfs-cluster-ctl health
ipfs-cluster-ctl health graph
ipfs-cluster-ctl health metrics
ipfs-cluster-ctl health alerts
ipfs-cluster-ctl health bandwidth
ipfs-cluster-ctl ipfs
ipfs-cluster-ctl ipfs gc
ipfs-cluster-ctl commands
ipfs-cluster-ctl help
`

function longestLine (s: string): number {
  return Math.max(0, ...s.split('\n').map((l) => [...l].length))
}

describe('ctl: t0010 basic commands', () => {
  it('--version prints the version and exits 0', async () => {
    for (const flag of ['--version', '-v']) {
      assert.deepEqual(await ctl([flag]), { code: 0, stdout: 'ipfs-cluster-ctl version 1.1.6\n', stderr: '' })
    }
  })

  it('--help, -h, h and help succeed with the same app help', async () => {
    const ref = await ctl(['--help'])
    assert.equal(ref.code, 0)
    assert.equal(ref.stderr, '')
    for (const argv of [['-h'], ['h'], ['help'], []]) {
      assert.deepEqual(await ctl(argv), ref, argv.join(' '))
    }
  })

  it('help has 120 char limits and looks good', async () => {
    const { stdout } = await ctl(['--help'])
    assert.ok(longestLine(stdout) <= 120, `longest line ${longestLine(stdout)}`)
    const heads = stdout.split('\n').filter((l) => /^(usage|commands|global options)/i.test(l))
    assert.deepEqual(heads, ['USAGE:', 'COMMANDS:', 'GLOBAL OPTIONS:'])
    assert.match(stdout, /^NAME:\n {3}ipfs-cluster-ctl - CLI for IPFS Cluster\n\nUSAGE:\n {3}ipfs-cluster-ctl \[global options\] command \[command options\] \[arguments\.\.\.\]\n\nVERSION:\n {3}1\.1\.6\n\nDESCRIPTION:\n/)
    assert.match(stdout, /\n {3}--host value, -l value {9}API endpoint multiaddresses \(comma-separated\) \(default: "\/ip4\/127\.0\.0\.1\/tcp\/9094"\)\n/)
    assert.match(stdout, /\n {3}--basic-auth value {13}<username>\[:<password>\] specify BasicAuth credentials for server that\nrequires authorization\. implies --https, which you can disable with --force-http \[\$CLUSTER_CREDENTIALS\]\n/)
    assert.ok(!/\n {3}commands /.test(stdout), 'hidden command listed')
  })

  it('commands lists every command path', async () => {
    assert.deepEqual(await ctl(['commands']), { code: 0, stdout: COMMANDS, stderr: '' })
  })

  it('all command docs are 120 columns or less', async () => {
    for (const line of COMMANDS.trim().split('\n')) {
      const argv = [...line.split(' ').slice(1), '--help']
      const r = await ctl(argv)
      assert.equal(r.code, 0, line)
      assert.ok(r.stdout.length > 0, line)
      assert.ok(longestLine(r.stdout) <= 120, `${line}: ${longestLine(r.stdout)}`)
    }
  })

  it('prints leaf command help in the v1 layout', async () => {
    const r = await ctl(['pin', 'rm', '--help'])
    assert.equal(r.stdout, `NAME:
   ipfs-cluster-ctl pin rm - Unpin an item from the cluster

USAGE:
   ipfs-cluster-ctl pin rm [command options] <CID|Path>

DESCRIPTION:
   
Asks IPFS Cluster to stop managing a CID: it is removed from the shared
pinset and the peers holding it unpin it from IPFS. Once the request
succeeded, the status of the CID in the cluster is printed. The CID leaves
"pin ls" right away, although unpinning in IPFS may take longer or fail.


OPTIONS:
   --no-status, --ns                 Prevents fetching pin status after unpinning (faster, quieter)
   --wait, -w                        Wait for the pin to reach the minimum replication factor before returning
   --wait-limit value, --wl value    Peers that must reach the status when waiting (0: all) (default: 0)
   --wait-timeout value, --wt value  How long to --wait (in seconds). Default: forever (default: 0s)
   
`)
    assert.deepEqual(await ctl(['help', 'id']), await ctl(['id', '--help']))
  })

  it('prints group help for groups without sub-command (exit 0)', async () => {
    const r = await ctl(['pin'])
    assert.equal(r.code, 0)
    assert.equal(r.stdout, `NAME:
   ipfs-cluster-ctl pin - Pin and unpin and list items in IPFS Cluster

USAGE:
   ipfs-cluster-ctl pin command [command options] [arguments...]

COMMANDS:
   add      Pin an item in the cluster
   rm       Unpin an item from the cluster
   update   Pin a new item based on an existing one
   ls       List items in the cluster pinset
   help, h  Shows a list of commands or help for one command

OPTIONS:
   --help, -h  show help
   
`)
    for (const g of ['peers', 'health', 'ipfs']) {
      const rg = await ctl([g])
      assert.equal(rg.code, 0)
      assert.match(rg.stdout, new RegExp(`^NAME:\n {3}ipfs-cluster-ctl ${g} - `))
    }
  })
})

describe('ctl: exit codes and local errors', () => {
  it('exits 3 for unknown commands and sub-commands (t0025 peers add)', async () => {
    assert.deepEqual(await ctl(['foo']), { code: 3, stdout: '', stderr: "No help topic for 'foo'\n" })
    assert.deepEqual(await ctl(['peers', 'add']), { code: 3, stdout: '', stderr: "No help topic for 'add'\n" })
    assert.deepEqual(await ctl(['peers', 'add', 'XXXinvalid-peerXXX']), { code: 3, stdout: '', stderr: "No help topic for 'add'\n" })
    assert.deepEqual(await ctl(['help', 'foo']), { code: 3, stdout: '', stderr: "No help topic for 'foo'\n" })
  })

  it('exits 1 on usage errors, printed on stdout', async () => {
    let r = await ctl(['--bogus', 'id'])
    assert.equal(r.code, 1)
    assert.equal(r.stderr, '')
    assert.match(r.stdout, /^Incorrect Usage\. flag provided but not defined: -bogus\n\nNAME:\n/)
    r = await ctl(['pin', 'add', '--rmin', 'two', 'Qm'])
    assert.equal(r.code, 1)
    assert.match(r.stdout, /^Incorrect Usage: invalid value "two" for flag -rmin: parse error\n\nNAME:\n {3}ipfs-cluster-ctl pin add - /)
    r = await ctl(['pin', 'add', '--wait-timeout', '2', 'Qm'])
    assert.equal(r.code, 1)
    assert.match(r.stdout, /^Incorrect Usage: invalid value "2" for flag -wait-timeout: parse error\n/)
    r = await ctl(['--timeout', 'x', 'id'])
    assert.equal(r.code, 1)
    assert.match(r.stdout, /^Incorrect Usage\. invalid value "x" for flag -timeout: parse error\n/)
  })

  it('rejects unsupported encodings, bad hosts and bad secrets before any request', async () => {
    assert.deepEqual(await ctl(['--enc', 'yaml', 'id']), { code: 1, stdout: '', stderr: 'error : unsupported encoding\n' })
    assert.deepEqual(await ctl(['--host', 'foo', 'id']), { code: 1, stdout: '', stderr: 'error parsing host multiaddress: failed to parse multiaddr "foo": must begin with /\n' })
    // the Before hook runs for help too
    assert.deepEqual(await ctl(['--host', 'foo', 'help']), { code: 1, stdout: '', stderr: 'error parsing host multiaddress: failed to parse multiaddr "foo": must begin with /\n' })
    assert.deepEqual(await ctl(['--secret', 'abc', 'id']), { code: 1, stdout: '', stderr: 'error parsing secret: encoding/hex: odd length hex string\n' })
    assert.deepEqual(await ctl(['--secret', 'zz', 'id']), { code: 1, stdout: '', stderr: "error parsing secret: encoding/hex: invalid byte: U+007A 'z'\n" })
    assert.deepEqual(await ctl(['--host', '/dns4/nonexistent.invalid/tcp/9094', 'version']), { code: 1, stdout: '', stderr: 'error creating configs: lookup nonexistent.invalid: no such host\n' })
  })

  it('refuses libp2p endpoints with a clear error', async () => {
    const p2p = '/ip4/127.0.0.1/tcp/9096/p2p/12D3KooWLhHy2o7Ebkm8b1RZr1JzMzS6Yc2zVw1k7n9G4h5s3xQb'
    assert.deepEqual(await ctl(['--host', p2p, 'id']), { code: 1, stdout: '', stderr: `error creating API client: libp2p-http API endpoints are not supported by this implementation yet: ${p2p}\n` })
    assert.deepEqual(await ctl(['--secret', 'abcd', '--host', p2p, 'id']), { code: 1, stdout: '', stderr: 'error creating API client: length of ProtectorKey should be 32\n' })
  })

  it('validates arguments locally (t0025)', async () => {
    let r = await ctl(['peers', 'rm'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^error parsing peer ID: /)
    r = await ctl(['peers', 'rm', 'XXXinvalid-peerXXX'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^error parsing peer ID: /)
    r = await ctl(['status', 'XXXinvalid-CIDXXX'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^error parsing cid: /)
    r = await ctl(['pin', 'ls', 'XXXinvalid-CIDXXX'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^error parsing cid: /)
    r = await ctl(['recover', 'XXXinvalid-CIDXXX'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^error parsing cid: /)
    r = await ctl(['pin', 'update', 'bad', 'QmYjtig7VJQ6XsnUjqqJvj7QaMcCAwtrgNdahSiFofrE7o'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^error parsing from Cid: /)
    r = await ctl(['pin', 'add', 'XXXinvalid-CIDXXX'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^error : invalid path "\/ipfs\/XXXinvalid-CIDXXX": invalid cid: /)
    assert.deepEqual(await ctl(['add']), { code: 1, stdout: '', stderr: 'error : need at least one path\n' })
    assert.deepEqual(await ctl(['add', '--format', 'car', 'a.car', 'b.car']), { code: 1, stdout: '', stderr: 'error : only a single CAR file can be added and wrap-with-directory is not supported\n' })
    assert.deepEqual(await ctl(['add', '--format', 'car', '-w', 'a.car']), { code: 1, stdout: '', stderr: 'error : only a single CAR file can be added and wrap-with-directory is not supported\n' })
    assert.deepEqual(await ctl(['pin', 'add', '--metadata', 'novalue', 'QmYjtig7VJQ6XsnUjqqJvj7QaMcCAwtrgNdahSiFofrE7o']), { code: 1, stdout: '', stderr: 'error parsing metadata: metadata were not in the format key=value\n' })
    assert.deepEqual(await ctl(['pin', 'add', '--expire-in', 'abc', 'QmYjtig7VJQ6XsnUjqqJvj7QaMcCAwtrgNdahSiFofrE7o']), { code: 1, stdout: '', stderr: 'error parsing expire-in: time: invalid duration "abc"\n' })
    assert.deepEqual(await ctl(['pin', 'add', '--allocations', 'bad,peer', 'QmYjtig7VJQ6XsnUjqqJvj7QaMcCAwtrgNdahSiFofrE7o']), { code: 1, stdout: '', stderr: 'error decoding allocations: some peer IDs could not be decoded\n' })
    assert.deepEqual(await ctl(['status', '--filter', 'bogus']), { code: 1, stdout: '', stderr: 'error parsing filter flag: invalid filter name\n' })
  })

  it('reports transport errors as a code 0 block on stdout with exit 1 (text and json)', async () => {
    const r = await ctl(['--host', '/ip4/127.0.0.1/tcp/1', 'id'])
    assert.equal(r.code, 1)
    assert.equal(r.stderr, '')
    assert.equal(r.stdout, 'An error occurred:\n  Code: 0\n  Message: Get "http://127.0.0.1:1/id": dial tcp 127.0.0.1:1: connect: connection refused\n')
    const j = await ctl(['--enc', 'json', '--host', '/ip4/127.0.0.1/tcp/1', 'id'])
    assert.equal(j.code, 1)
    assert.equal(j.stdout, '{\n    "code": 0,\n    "message": "Get \\"http://127.0.0.1:1/id\\": dial tcp 127.0.0.1:1: connect: connection refused"\n}\n')
  })
})
