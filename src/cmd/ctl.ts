/**
 * `ipfs-cluster-ctl`: the command-line client of the IPFS Cluster REST API
 * (CLI spec §6). {@link runCtl} runs it in-process with injected streams;
 * the module runs it on the process when executed as the program.
 */
import '../polyfill.js'
import { basename } from 'node:path'
import { writeFile } from 'node:fs/promises'
import { parsePeerId, parseCid, tryParsePeerId, cidToString } from '../api/encoding.js'
import { parseTrackerStatusFilter, pinTypeFromString, TrackerStatus } from '../api/enums.js'
import { toJSONText } from '../api/json.js'
import { commandPaths, ExitError, parseGoDuration, runApp, UsageError } from '../cli/index.js'
import { createClient, defaultAddParams, isApiError, isLibp2pAddress, parseApiAddress, resolveApiAddress, waitForStatus } from '../client/index.js'
import { createLogger, parseLogLevels } from '../logging/index.js'
import { sleep } from '../utils/abort.js'
import { formatAdded, formatAlert, formatBandwidth, formatError, formatGlobalPinInfo, formatId, formatMetric, formatPin, formatRepoGC } from './ctl/format.js'
import { makeDot } from './ctl/graph.js'
import { humanizeBytes } from './ctl/humanize.js'
import { isMainModule } from './process.js'
import type { AddedOutputJSON, GlobalPinInfoJSON, PinJSON } from '../api/json.js'
import type { App, Command, Context, Flag, Writer } from '../cli/index.js'
import type { ApiAddress, RestClient, UploadProgress } from '../client/index.js'
import type { LogLevels } from '../logging/index.js'
import type { Logger } from '../interfaces.js'

export const PROGRAM_NAME = 'ipfs-cluster-ctl'
export const CTL_VERSION = '1.1.6'
const DEFAULT_HOST = '/ip4/127.0.0.1/tcp/9094'

export interface CtlIO {
  stdout: Writer
  stderr: Writer & { isTTY?: boolean, columns?: number }
  /** Environment (`CLUSTER_CREDENTIALS`, `GOLOG_LOG_LEVEL`). @default process.env */
  env?: Record<string, string | undefined>
  /** Poll period of `--wait`, in ms. @default 1000 */
  waitCheckFreq?: number
  /** Pause before fetching the status after pin/unpin without `--wait`, in ms. @default 1000 */
  statusDelay?: number
  /** Clock (relative times of metrics and alerts). @default Date.now */
  now?: () => number
}

const DESCRIPTION = `
${PROGRAM_NAME} is a tool to manage IPFS Cluster peers through their REST API.

Run "${PROGRAM_NAME} help" for the list of commands and
"${PROGRAM_NAME} help <command>" for the usage of one of them.

Requests go to the API at ${DEFAULT_HOST} unless --host says
otherwise. --host takes a comma-separated list of multiaddresses: requests
go to the first one and fail over to the next ones when it cannot be
reached. DNS addresses resolving to several IPs are expanded the same way.

The libp2p endpoint of the API (a --host multiaddress with "/p2p/<peerID>",
or a /dnsaddr resolving to one, plus --secret for private networks) is not
supported by this implementation yet.

Feedback, bug reports and more information:
https://github.com/ipfs-cluster/ipfs-cluster
`

const WAIT_USAGE = 'Wait for the pin to reach the minimum replication factor before returning'
const WAIT_TIMEOUT_USAGE = 'How long to --wait (in seconds). Default: forever'
const WAIT_LIMIT_USAGE = 'Peers that must reach the status when waiting (0: all)'

function localFlag (): Flag {
  return { type: 'bool', name: 'local', usage: 'run operation only on the contacted peer' }
}

function statusFilterHelp (): string {
  const names = ['cluster_error', 'pin_error', 'unpin_error', 'pinned', 'pinning', 'unpinning', 'unpinned', 'remote', 'pin_queued', 'unpin_queued', 'sharded', 'unexpectedly_unpinned', 'error', 'queued']
  return names.map((n) => '  - ' + n).sort().join('\n')
}

class ProgressBar {
  private last = 0
  private shown = false
  constructor (private readonly w: Writer & { columns?: number }) {}

  update (p: UploadProgress, force = false): void {
    const now = Date.now()
    if (!force && now - this.last < 100) return
    this.last = now
    let text: string
    if (p.total > 0) {
      const width = 30
      const frac = Math.min(1, p.bytes / p.total)
      const filled = Math.round(frac * width)
      text = `${humanizeBytes(p.bytes)} / ${humanizeBytes(p.total)} [${'='.repeat(filled)}${' '.repeat(width - filled)}] ${(frac * 100).toFixed(2)}%`
    } else {
      text = `${humanizeBytes(p.bytes)}`
    }
    this.w.write('\r\x1b[K' + text)
    this.shown = true
  }

  clear (): void {
    if (this.shown) {
      this.w.write('\r\x1b[K')
      this.shown = false
    }
  }
}

/** Go `hex.DecodeString` with its error messages. */
function decodeHex (s: string): Uint8Array {
  const bytes = Buffer.from(s, 'latin1')
  const val = (b: number): number => {
    if (b >= 0x30 && b <= 0x39) return b - 0x30
    if (b >= 0x61 && b <= 0x66) return b - 0x61 + 10
    if (b >= 0x41 && b <= 0x46) return b - 0x41 + 10
    return -1
  }
  const invalid = (b: number): Error => {
    const ch = String.fromCharCode(b)
    return new Error(`encoding/hex: invalid byte: U+${b.toString(16).toUpperCase().padStart(4, '0')} ${JSON.stringify(ch).replace(/^"|"$/g, "'")}`)
  }
  const out = new Uint8Array(bytes.length >> 1)
  let j = 1
  for (; j < bytes.length; j += 2) {
    const a = val(bytes[j - 1])
    const b = val(bytes[j])
    if (a < 0) throw invalid(bytes[j - 1])
    if (b < 0) throw invalid(bytes[j])
    out[(j - 1) >> 1] = (a << 4) | b
  }
  if (bytes.length % 2 === 1) {
    if (val(bytes[j - 1]) < 0) throw invalid(bytes[j - 1])
    throw new Error('encoding/hex: odd length hex string')
  }
  return out
}

function errorMessage (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** Exit code of a local error: 62 deadline exceeded, 125 canceled, else 1. */
function localExitCode (err: unknown): number {
  const name = (err as { name?: unknown } | null)?.name
  if (name === 'TimeoutError') return 62
  if (name === 'AbortError') return 125
  return 1
}

/**
 * Runs ipfs-cluster-ctl with `argv` (arguments after the program name) and
 * resolves to the exit code. Nothing is written outside `io`.
 */
export async function runCtl (argv: string[], io: CtlIO): Promise<number> {
  const env = io.env ?? process.env
  const now = io.now ?? Date.now
  const waitCheckFreq = io.waitCheckFreq ?? 1000
  const statusDelay = io.statusDelay ?? 1000

  let client: RestClient | undefined
  let encoding = 'text'

  const defaultLevels = (): LogLevels => {
    try {
      return parseLogLevels(env.GOLOG_LOG_LEVEL ?? 'error')
    } catch {
      return { default: 'error', facilities: new Map() }
    }
  }
  const logger = createLogger({ sink: (line) => { io.stderr.write(line + '\n') }, levels: defaultLevels() })
  const log: Logger = logger.forComponent('cluster-ctl')
  const apiLog: Logger = logger.forComponent('apitypes')

  const out = (s: string): void => { io.stdout.write(s) }

  /** A local error: `error <doing>: <err>` on stderr and exit 1/62/125. */
  const fail = (doing: string, err: unknown): never => {
    throw new ExitError(`error ${doing}: ${errorMessage(err)}`, localExitCode(err))
  }

  const printJSON = (v: unknown): void => {
    let text: string
    try {
      text = toJSONText(v, 4)
    } catch (err) {
      fail('generating json output', err)
    }
    out(text! + '\n')
  }

  /** Prints an API error (stdout) and exits 2 (HTTP error) or 1 (transport). Other errors are local. */
  const handleError = (err: unknown): never => {
    if (err instanceof ExitError) throw err
    if (isApiError(err)) {
      const e = { code: err.code, message: err.message }
      if (encoding === 'json') printJSON(e)
      else out(formatError(e))
      throw new ExitError('', err.code === 0 ? 1 : 2)
    }
    return fail('', err)
  }

  const print = <T>(v: T, text: (v: T) => string): void => {
    if (encoding === 'json') printJSON(v)
    else out(text(v))
  }

  const api = (): RestClient => {
    if (client == null) throw new ExitError('error creating API client: no client', 1)
    return client
  }

  /** Wraps an action so that every unexpected error is reported like ctl does. */
  const action = (fn: (ctx: Context) => Promise<void>): (ctx: Context) => Promise<void> => {
    return async (ctx) => {
      try {
        await fn(ctx)
      } catch (err) {
        handleError(err)
      }
    }
  }

  /**
   * Prints a stream. The output is written in chunks of up to 64 KiB (one
   * write per chunk, not per item: listings reach millions of items); an
   * item waits at most 20 ms for its chunk to be written.
   */
  const streamOut = async <T>(items: AsyncIterable<T>, text: (v: T) => string): Promise<void> => {
    let buf = ''
    let timer: ReturnType<typeof setTimeout> | undefined
    const flush = (): void => {
      clearTimeout(timer)
      timer = undefined
      if (buf === '') return
      const chunk = buf
      buf = ''
      out(chunk)
    }
    try {
      for await (const item of items) {
        if (encoding === 'json') {
          let t = ''
          try {
            t = toJSONText(item, 4)
          } catch (err) {
            flush()
            fail('generating json output', err)
          }
          buf += t + '\n'
        } else {
          buf += text(item)
        }
        if (buf.length >= 65536) flush()
        else if (timer === undefined) timer = setTimeout(flush, 20)
      }
    } finally {
      flush()
    }
  }

  const parseMetadata = (list: string[]): Record<string, string> => {
    const m: Record<string, string> = {}
    for (const item of list) {
      const i = item.indexOf('=')
      if (i < 0) fail('parsing metadata', new Error('metadata were not in the format key=value'))
      m[item.slice(0, i)] = item.slice(i + 1)
    }
    return m
  }

  const parseExpireIn = (ctx: Context): Date | null => {
    const v = ctx.string('expire-in')
    if (v === '') return null
    let ms = 0
    try {
      ms = parseGoDuration(v)
    } catch (err) {
      fail('parsing expire-in', err)
    }
    return new Date(now() + ms)
  }

  const waitFor = async (cid: string, target: number, timeout: number, limit: number): Promise<GlobalPinInfoJSON> => {
    const signal = timeout > 1000 ? AbortSignal.timeout(timeout) : undefined
    try {
      return await waitForStatus(api(), cid, { target, limit, checkFreq: waitCheckFreq, signal })
    } catch (err) {
      // every failure of the wait (API errors included) is a local error, as in the reference
      return fail('waiting for pin status', err)
    }
  }

  /** After pin/unpin/update: optional wait, then the Pin (--no-status) or the status. */
  const afterPinOp = async (ctx: Context, pin: PinJSON, target: number): Promise<void> => {
    const cid = pin.cid ?? ''
    let status: GlobalPinInfoJSON | undefined
    if (ctx.bool('wait')) {
      let limit = target === TrackerStatus.Pinned ? pin.replication_factor_min : 0
      if (ctx.isSet('wait-limit')) limit = ctx.int('wait-limit')
      status = await waitFor(cid, target, ctx.duration('wait-timeout'), limit)
    }
    if (ctx.bool('no-status')) {
      print(pin, formatPin)
      return
    }
    if (status == null) {
      await sleep(statusDelay)
      status = await api().status(cid, false)
    }
    print(status, formatGlobalPinInfo)
  }

  const waitFlags = (): Flag[] => [
    { type: 'bool', name: 'wait', aliases: ['w'], usage: WAIT_USAGE },
    { type: 'int', name: 'wait-limit', aliases: ['wl'], value: 0, usage: WAIT_LIMIT_USAGE },
    { type: 'duration', name: 'wait-timeout', aliases: ['wt'], value: 0, usage: WAIT_TIMEOUT_USAGE }
  ]

  const addCommand: Command = {
    name: 'add',
    usage: 'Add a file or directory to ipfs and pin it in the cluster',
    argsUsage: '<path>',
    description: `
Adds content to the IPFS daemons of the cluster and pins it in the cluster.
Arguments are local paths or web URLs (fetched with a GET request). More
than one argument implies --wrap-with-directory.

By default, "add" builds the same DAG as "ipfs add" with the same options
(layout, chunker, hash function...). CAR files with a single root can be
imported as they are with --format car (the DAG options do not apply then).

Blocks are sent to the peers that will pin the content (which may not
include the local IPFS daemon), and the root is cluster-pinned once they
all arrived. With --local, blocks go to the local IPFS daemon only and the
content is then pinned normally on its allocations.

--replication-min and --replication-max: -1 means "pin everywhere" and 0 means
"use the cluster default" (replication factors of the configuration).
Positive values are the number of peers that should pin the content.
`,
    flags: [
      { type: 'bool', name: 'recursive', aliases: ['r'], usage: 'Add directory paths recursively' },
      { type: 'bool', name: 'quiet', aliases: ['q'], usage: 'Write only hashes to output (one per line)' },
      { type: 'bool', name: 'quieter', aliases: ['Q'], usage: 'Write only final hash to output' },
      { type: 'bool', name: 'no-stream', usage: 'Buffer output locally. Produces a valid JSON array with --enc=json.' },
      { type: 'bool', name: 'local', usage: 'Add to local peer but pin normally' },
      { type: 'string', name: 'name', aliases: ['n'], value: '', usage: 'Sets a name for this pin' },
      { type: 'int', name: 'replication-min', aliases: ['rmin'], value: 0, usage: 'Sets the minimum replication factor for pinning this file' },
      { type: 'int', name: 'replication-max', aliases: ['rmax'], value: 0, usage: 'Sets the maximum replication factor for pinning this file' },
      { type: 'string', name: 'expire-in', usage: 'Duration after which the pin should be unpinned automatically' },
      { type: 'stringSlice', name: 'metadata', usage: 'Pin metadata: key=value. Can be added multiple times' },
      { type: 'string', name: 'allocations', aliases: ['allocs'], usage: 'Optional comma-separated list of peer IDs' },
      { type: 'bool', name: 'no-pin', usage: 'Do not pin after adding' },
      { type: 'bool', name: 'wait', usage: WAIT_USAGE },
      { type: 'duration', name: 'wait-timeout', aliases: ['wt'], value: 0, usage: WAIT_TIMEOUT_USAGE },
      { type: 'bool', name: 'wrap-with-directory', aliases: ['w'], usage: 'Wrap a with a directory object' },
      { type: 'string', name: 'format', value: 'unixfs', usage: "'unixfs' (add as unixfs DAG), 'car' (import CAR file)" },
      { type: 'string', name: 'layout', value: '', usage: 'Dag layout to use for dag generation: balanced or trickle' },
      { type: 'bool', name: 'hidden', aliases: ['H'], usage: 'Include files that are hidden.  Only takes effect on recursive add' },
      { type: 'string', name: 'chunker', aliases: ['s'], value: 'size-262144', usage: "'size-<size>' or 'rabin-<min>-<avg>-<max>'" },
      { type: 'bool', name: 'raw-leaves', usage: 'Use raw blocks for leaves (experimental)' },
      { type: 'int', name: 'cid-version', value: 0, usage: 'CID version. Non default implies raw-leaves' },
      { type: 'string', name: 'hash', value: 'sha2-256', usage: 'Hash function to use. Implies cid-version=1' },
      { type: 'bool', name: 'nocopy', usage: 'Add the URL using filestore. Implies raw-leaves. (experimental)' },
      { type: 'bool', name: 'shard', usage: 'Break the file into pieces (shards) and distributed among peers', hidden: true },
      { type: 'uint64', name: 'shard-size', value: 104857600n, usage: 'Maximum size of each shard', hidden: true }
    ],
    action: action(async (ctx) => {
      const paths = ctx.args
      if (paths.length === 0) fail('', new Error('need at least one path'))
      const p = defaultAddParams()
      p.replicationFactorMin = ctx.int('replication-min')
      p.replicationFactorMax = ctx.int('replication-max')
      p.expireAt = parseExpireIn(ctx)
      p.metadata = parseMetadata(ctx.stringSlice('metadata'))
      p.name = ctx.string('name')
      if (ctx.string('allocations') !== '') {
        p.userAllocations = ctx.string('allocations').split(',').map((s) => tryParsePeerId(s)).filter((s): s is string => s != null)
      }
      p.format = ctx.string('format')
      p.shard = ctx.bool('shard')
      p.shardSize = Number(ctx.uint64('shard-size'))
      p.recursive = ctx.bool('recursive')
      p.local = ctx.bool('local')
      p.layout = ctx.string('layout')
      p.chunker = ctx.string('chunker')
      p.rawLeaves = ctx.bool('raw-leaves')
      p.hidden = ctx.bool('hidden')
      p.wrap = ctx.bool('wrap-with-directory') || paths.length > 1
      p.cidVersion = ctx.int('cid-version')
      p.hashFun = ctx.string('hash')
      if (p.hashFun !== 'sha2-256') p.cidVersion = 1
      if (p.cidVersion > 0) p.rawLeaves = true
      p.noCopy = ctx.bool('nocopy')
      if (p.noCopy) p.rawLeaves = true
      p.noPin = ctx.bool('no-pin')
      if (p.format === 'car' && (p.wrap || paths.length > 1)) {
        fail('', new Error('only a single CAR file can be added and wrap-with-directory is not supported'))
      }

      const quieter = ctx.bool('quieter')
      const quiet = ctx.bool('quiet') || quieter
      const noStream = ctx.bool('no-stream')
      const bar = io.stderr.isTTY === true && !quiet ? new ProgressBar(io.stderr) : undefined
      const buffered: AddedOutputJSON[] = []
      let last: AddedOutputJSON | undefined
      let addErr: unknown
      try {
        const items = api().add(paths, p, {
          onUploadProgress: bar == null ? undefined : (prog) => { bar.update(prog, prog.total > 0 && prog.bytes >= prog.total) }
        })
        for await (const item of items) {
          last = item
          if (noStream) {
            buffered.push(item)
            continue
          }
          if (!quieter) {
            bar?.clear()
            print(item, (v) => formatAdded(v, quiet))
          }
        }
      } catch (err) {
        addErr = err
      } finally {
        bar?.clear()
      }
      if (last?.cid != null) {
        if (noStream) {
          const list = quieter ? [last] : buffered
          if (encoding === 'json') printJSON(list)
          else out(list.map((v) => formatAdded(v, quiet)).join(''))
        } else if (quieter) {
          print(last, (v) => formatAdded(v, quiet))
        }
        if (addErr == null && ctx.bool('wait')) {
          let rplMin = p.replicationFactorMin ?? 0
          try {
            rplMin = (await api().allocation(last.cid)).replication_factor_min
          } catch {}
          await waitFor(last.cid, TrackerStatus.Pinned, ctx.duration('wait-timeout'), rplMin)
        }
      }
      if (addErr != null) handleError(addErr)
    })
  }

  const pinCommand: Command = {
    name: 'pin',
    usage: 'Pin and unpin and list items in IPFS Cluster',
    description: 'Pin and unpin and list items in IPFS Cluster',
    subcommands: [
      {
        name: 'add',
        usage: 'Pin an item in the cluster',
        argsUsage: '<CID|Path>',
        description: `
Asks IPFS Cluster to start managing a CID (or the CID an IPFS path resolves
to). It becomes part of the shared pinset ("pin ls") and the allocated peers
pin it in IPFS. Once the request succeeded, the status of the CID in the
cluster is printed.

--replication: -1 means "pin everywhere" and 0 means "use the cluster default"
(replication factors of the configuration). Positive values are the number
of peers that should pin the content.

--allocations: comma-separated peer IDs to allocate the pin to in priority.
Replication factors are still respected.
`,
        flags: [
          { type: 'int', name: 'replication', aliases: ['r'], value: 0, usage: 'Sets a custom replication factor (overrides -rmax and -rmin)' },
          { type: 'int', name: 'replication-min', aliases: ['rmin'], value: 0, usage: 'Sets the minimum replication factor for this pin' },
          { type: 'int', name: 'replication-max', aliases: ['rmax'], value: 0, usage: 'Sets the maximum replication factor for this pin' },
          { type: 'string', name: 'allocations', aliases: ['allocs'], usage: 'Optional comma-separated list of peer IDs' },
          { type: 'string', name: 'name', aliases: ['n'], value: '', usage: 'Sets a name for this pin' },
          { type: 'string', name: 'mode', value: 'recursive', usage: 'Select a way to pin: recursive or direct' },
          { type: 'string', name: 'expire-in', usage: 'Duration after which pin should be unpinned automatically' },
          { type: 'stringSlice', name: 'metadata', usage: 'Pin metadata: key=value. Can be added multiple times' },
          { type: 'bool', name: 'no-status', aliases: ['ns'], usage: 'Prevents fetching pin status after pinning (faster, quieter)' },
          ...waitFlags()
        ],
        action: action(async (ctx) => {
          const arg = ctx.args[0] ?? ''
          let rplMin = ctx.int('replication-min')
          let rplMax = ctx.int('replication-max')
          const rpl = ctx.int('replication')
          if (rpl !== 0) {
            rplMin = rpl
            rplMax = rpl
          }
          let userAllocs: string[] | null = null
          if (ctx.string('allocations') !== '') {
            const allocs = ctx.string('allocations').split(',').map((s) => s.trim())
            const decoded = allocs.map((s) => tryParsePeerId(s)).filter((s): s is string => s != null)
            if (decoded.length !== allocs.length) {
              fail('decoding allocations', new Error('some peer IDs could not be decoded'))
            }
            userAllocs = decoded
          }
          const expireAt = parseExpireIn(ctx)
          const modeStr = ctx.string('mode')
          if (modeStr !== 'direct' && modeStr !== 'recursive' && modeStr !== '') {
            apiLog.warn('unknown pin mode string "%s". Defaulting to recursive', modeStr)
          }
          const pin = await api().pinPath(arg, {
            replicationFactorMin: rplMin,
            replicationFactorMax: rplMax,
            name: ctx.string('name'),
            mode: modeStr === 'direct' ? 'direct' : 'recursive',
            userAllocations: userAllocs,
            expireAt,
            metadata: parseMetadata(ctx.stringSlice('metadata'))
          })
          await afterPinOp(ctx, pin, TrackerStatus.Pinned)
        })
      },
      {
        name: 'rm',
        usage: 'Unpin an item from the cluster',
        argsUsage: '<CID|Path>',
        description: `
Asks IPFS Cluster to stop managing a CID: it is removed from the shared
pinset and the peers holding it unpin it from IPFS. Once the request
succeeded, the status of the CID in the cluster is printed. The CID leaves
"pin ls" right away, although unpinning in IPFS may take longer or fail.
`,
        flags: [
          { type: 'bool', name: 'no-status', aliases: ['ns'], usage: 'Prevents fetching pin status after unpinning (faster, quieter)' },
          ...waitFlags()
        ],
        action: action(async (ctx) => {
          const pin = await api().unpinPath(ctx.args[0] ?? '')
          await afterPinOp(ctx, pin, TrackerStatus.Unpinned)
        })
      },
      {
        name: 'update',
        usage: 'Pin a new item based on an existing one',
        argsUsage: '<existing-CID> <new-CID|Path>',
        description: `
Pins a new CID taking every option of an existing pin, name included: the
new pin skips allocation and goes to the same peers as the existing one.

Peers use "ipfs pin update" to pin the new item, which is efficient when
both DAGs share most of their blocks.

Unlike "ipfs pin update", the existing pin stays in the cluster. Use
"pin rm" to remove it.
`,
        flags: [
          { type: 'string', name: 'name', aliases: ['n'], value: '', usage: 'Sets a name for this updated pin' },
          { type: 'string', name: 'expire-in', usage: 'Duration after which the pin should be unpinned automatically after updating' },
          { type: 'bool', name: 'no-status', aliases: ['ns'], usage: 'Prevents fetching pin status after updating (faster, quieter)' },
          ...waitFlags()
        ],
        action: action(async (ctx) => {
          const from = ctx.args[0] ?? ''
          const to = ctx.args[1] ?? ''
          let fromCid = ''
          try {
            fromCid = cidToString(parseCid(from))
          } catch (err) {
            fail('parsing from Cid', err)
          }
          const expireAt = parseExpireIn(ctx)
          const pin = await api().pinPath(to, { pinUpdate: fromCid, name: ctx.string('name'), expireAt })
          await afterPinOp(ctx, pin, TrackerStatus.Pinned)
        })
      },
      {
        name: 'ls',
        usage: 'List items in the cluster pinset',
        argsUsage: '[CID]',
        description: `
Lists the CIDs in the shared pinset of the cluster and the peers they are
allocated to. This is the pinset only: use "status" to see what the IPFS
daemons actually hold.

--filter applies when listing every pin. Values:
  - all (default)
  - pin (normal pins, recursive or direct)
  - meta-pin (sharded pins)
  - clusterdag-pin (sharding-dag root pins)
  - shard-pin (individual shard pins)
`,
        flags: [
          { type: 'string', name: 'filter', value: 'all', usage: 'Comma separated list of pin types. See help above.' }
        ],
        action: action(async (ctx) => {
          const cidStr = ctx.args[0] ?? ''
          if (cidStr !== '') {
            let c = ''
            try {
              c = cidToString(parseCid(cidStr))
            } catch (err) {
              fail('parsing cid', err)
            }
            print(await api().allocation(c), formatPin)
            return
          }
          let filter = 0
          for (const f of ctx.string('filter').split(',')) {
            filter |= pinTypeFromString(f)
          }
          await streamOut(api().allocations(filter), formatPin)
        })
      }
    ]
  }

  const commands: Command[] = [
    {
      name: 'id',
      usage: 'Retrieve peer information',
      description: `
Shows the information of the peer the tool talks to (usually the local one).
`,
      flags: [],
      action: action(async () => {
        print(await api().id(), formatId)
      })
    },
    {
      name: 'peers',
      usage: 'List and manage IPFS Cluster peers',
      description: 'List and manage IPFS Cluster peers',
      subcommands: [
        {
          name: 'ls',
          usage: 'list the nodes participating in the IPFS Cluster',
          description: `
Lists the ID information of every peer of the cluster.
`,
          flags: [],
          argsUsage: ' ',
          action: action(async () => {
            await streamOut(api().peers(), formatId)
          })
        },
        {
          name: 'rm',
          usage: 'remove a peer from the Cluster',
          description: `
Removes a peer from the cluster. A peer that is online shuts down. Every
other peer should be online, otherwise some of them may keep an outdated
list of cluster peers.
`,
          argsUsage: '<peer ID>',
          flags: [],
          action: action(async (ctx) => {
            let pid = ''
            try {
              pid = parsePeerId(ctx.args[0] ?? '')
            } catch (err) {
              fail('parsing peer ID', err)
            }
            await api().peerRm(pid)
          })
        }
      ]
    },
    addCommand,
    pinCommand,
    {
      name: 'status',
      usage: 'Retrieve the status of tracked items',
      description: `
Shows the status of the CIDs tracked by IPFS Cluster on each peer, errors
included. With CID arguments, only those CIDs are shown. Meta-pins of sharded
content are included.

--local: ask the contacted peer only, instead of every peer.

--filter: only show the peer entries whose status matches one of the given
values (comma-separated). Valid values:

${statusFilterHelp()}`,
      argsUsage: '[CID1] [CID2]...',
      flags: [
        localFlag(),
        { type: 'string', name: 'filter', usage: 'comma-separated list of filters' }
      ],
      action: action(async (ctx) => {
        const cids: string[] = []
        for (const s of ctx.args) {
          try {
            cids.push(cidToString(parseCid(s)))
          } catch (err) {
            fail('parsing cid', err)
          }
        }
        const local = ctx.bool('local')
        if (cids.length === 1) {
          print(await api().status(cids[0], local), formatGlobalPinInfo)
        } else if (cids.length > 1) {
          await streamOut(api().statusCids(cids, local), formatGlobalPinInfo)
        } else {
          const flt = ctx.string('filter')
          const filter = parseTrackerStatusFilter(flt)
          if (filter === 0 && flt !== '') {
            fail('parsing filter flag', new Error('invalid filter name'))
          }
          await streamOut(api().statusAll(filter, local), formatGlobalPinInfo)
        }
      })
    },
    {
      name: 'recover',
      usage: 'Recover tracked items in error state',
      description: `
Asks the peers to retry the pin or unpin operations of CIDs in error state
(usually failed IPFS pins or unpins).

The command waits for the operations and prints the resulting status. Without
a CID argument it works on every tracked CID, which can take a long time.

--local: recover on the contacted peer only, instead of every peer.
`,
      argsUsage: '[CID]',
      flags: [localFlag()],
      action: action(async (ctx) => {
        const cidStr = ctx.args[0] ?? ''
        const local = ctx.bool('local')
        if (cidStr !== '') {
          let c = ''
          try {
            c = cidToString(parseCid(cidStr))
          } catch (err) {
            fail('parsing cid', err)
          }
          print(await api().recover(c, local), formatGlobalPinInfo)
          return
        }
        await streamOut(api().recoverAll(local), formatGlobalPinInfo)
      })
    },
    {
      name: 'version',
      usage: 'Retrieve cluster version',
      description: `
Shows the IPFS Cluster version of the peer, to compare with the version of
this tool (-v).
`,
      argsUsage: ' ',
      flags: [],
      action: action(async () => {
        print(await api().version(), (v) => v.version + '\n')
      })
    },
    {
      name: 'health',
      usage: 'Cluster monitoring information',
      description: 'Cluster monitoring information',
      subcommands: [
        {
          name: 'graph',
          usage: 'create a graph displaying connectivity of cluster peers',
          description: `
Asks every cluster peer and its IPFS daemon for its connections and prints
the connectivity graph as a Graphviz dot file.
`,
          flags: [
            { type: 'string', name: 'file', aliases: ['f'], value: '', usage: 'sets an output dot-file for the connectivity graph' },
            { type: 'bool', name: 'all-ipfs-peers', usage: 'causes the graph to mark nodes for ipfs peers not directly in the cluster' }
          ],
          action: action(async (ctx) => {
            const graph = await api().connectGraph()
            let dot = ''
            try {
              dot = makeDot(graph, ctx.bool('all-ipfs-peers'))
            } catch (err) {
              fail('printing graph', err)
            }
            const file = ctx.string('file')
            if (file === '') {
              out(dot)
              return
            }
            try {
              await writeFile(file, dot)
            } catch (err) {
              const code = (err as NodeJS.ErrnoException).code
              const reason = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : errorMessage(err)
              fail('creating output file', new Error(`open ${file}: ${reason}`))
            }
          })
        },
        {
          name: 'metrics',
          usage: 'List latest metrics logged by this peer',
          description: `
Shows the latest valid metrics of the given type received by this peer, for
every current cluster peer. Without an argument, lists the metric types.

Metric types depend on the informers in use; usually:

- freespace
- ping
`,
          argsUsage: '<metric name>',
          action: action(async (ctx) => {
            const metric = ctx.args[0] ?? ''
            if (metric === '') {
              print(await api().metricNames(), (names) => (names ?? []).map((n) => n + '\n').join(''))
              return
            }
            const nowNs = BigInt(now()) * 1000000n
            print(await api().metrics(metric), (ms) => (ms ?? []).map((m) => formatMetric(m, nowNs)).join(''))
          })
        },
        {
          name: 'alerts',
          usage: 'List the latest expired metric alerts',
          description: `
Lists the "alerts" seen by the cluster. An alert is raised when a metric of a
peer expires and no new metric arrives.

Alerts may trigger actions: for example, ping alerts may trigger repinning
when configured.
`,
          action: action(async () => {
            const nowNs = BigInt(now()) * 1000000n
            print(await api().alerts(), (as) => (as ?? []).map((a) => formatAlert(a, nowNs)).join(''))
          })
        },
        {
          name: 'bandwidth',
          usage: 'Show the libp2p bandwidth used by the peer, per protocol',
          description: `
Shows the totals and rates of the libp2p traffic of the contacted peer, per
protocol.
`,
          action: action(async () => {
            print(await api().bandwidthByProtocol(), formatBandwidth)
          })
        }
      ]
    },
    {
      name: 'ipfs',
      usage: 'Manage IPFS daemon',
      description: 'Manage IPFS daemon',
      subcommands: [
        {
          name: 'gc',
          usage: 'run garbage collection on IPFS repos of cluster peers',
          description: `
Asks the cluster peers to run "repo gc" on their IPFS daemons.

--local: garbage-collect the IPFS daemon of the contacted peer only, instead
of every IPFS daemon.
`,
          flags: [localFlag()],
          action: action(async (ctx) => {
            print(await api().repoGC(ctx.bool('local')), formatRepoGC)
          })
        }
      ]
    },
    {
      name: 'commands',
      usage: 'List all commands',
      argsUsage: ' ',
      hidden: true,
      action: () => {
        out(commandPaths(app).map((l) => l + '\n').join(''))
      }
    }
  ]

  const globalFlags: Flag[] = [
    { type: 'string', name: 'host', aliases: ['l'], value: DEFAULT_HOST, usage: 'API endpoint multiaddresses (comma-separated)' },
    { type: 'string', name: 'secret', value: '', usage: 'cluster secret (32 byte pnet-key) as needed. Only when using the LibP2P endpoint' },
    { type: 'bool', name: 'https', aliases: ['s'], usage: 'use https to connect to the API' },
    { type: 'bool', name: 'no-check-certificate', usage: 'do not verify server TLS certificate. only valid with --https flag' },
    { type: 'string', name: 'encoding', aliases: ['enc'], value: 'text', usage: 'output format encoding [text, json]' },
    { type: 'int', name: 'timeout', aliases: ['t'], value: 0, usage: 'number of seconds to wait before timing out a request' },
    { type: 'bool', name: 'debug', aliases: ['d'], usage: 'set debug log level' },
    {
      type: 'string',
      name: 'basic-auth',
      usage: '<username>[:<password>] specify BasicAuth credentials for server that\nrequires authorization. implies --https, which you can disable with --force-http',
      envVar: 'CLUSTER_CREDENTIALS'
    },
    { type: 'bool', name: 'force-http', aliases: ['f'], usage: 'force HTTP. only valid when using BasicAuth' }
  ]

  const app: App = {
    name: PROGRAM_NAME,
    usage: 'CLI for IPFS Cluster',
    description: DESCRIPTION,
    version: CTL_VERSION,
    flags: globalFlags,
    commands,
    errorExitCode: (err) => {
      if (err instanceof UsageError) return 1
      io.stderr.write(`error : ${errorMessage(err)}\n`)
      return 1
    },
    before: async (ctx) => {
      if (ctx.bool('debug')) {
        const levels = defaultLevels()
        for (const f of ['cluster-ctl', 'apitypes', 'apiclient']) levels.facilities.set(f, 'debug')
        logger.setLevels(levels)
        log.debug('debug level enabled')
      }
      let secret: Uint8Array | undefined
      const hexSecret = ctx.string('secret')
      if (hexSecret !== '') {
        try {
          secret = decodeHex(hexSecret)
        } catch (err) {
          fail('parsing secret', err)
        }
      }
      const timeout = ctx.int('timeout') * 1000
      let ssl = ctx.bool('https')
      const basic = ctx.string('basic-auth')
      const colon = basic.indexOf(':')
      const user = colon < 0 ? basic : basic.slice(0, colon)
      const pass = colon < 0 ? '' : basic.slice(colon + 1)
      if (user !== '' && !ssl && !ctx.bool('force-http')) {
        log.warn('SSL automatically enabled with basic auth credentials. Set "force-http" to disable')
        ssl = true
      }
      encoding = ctx.string('encoding')
      if (encoding !== 'text' && encoding !== 'json') {
        fail('', new Error('unsupported encoding'))
      }
      const addrs: ApiAddress[] = []
      const libp2p: string[] = []
      for (const raw of ctx.string('host').split(',')) {
        const addr = raw.trim()
        let a: ApiAddress | undefined
        try {
          a = parseApiAddress(addr)
        } catch (err) {
          fail('parsing host multiaddress', err)
        }
        const parsed = a as ApiAddress
        if (isLibp2pAddress(addr)) {
          if (ctx.bool('https')) log.warn('Using libp2p-http for %s. The https flag will be ignored for this connection', addr)
          libp2p.push(addr)
          continue
        }
        if (!ssl) {
          try {
            addrs.push(...await resolveApiAddress(parsed))
          } catch (err) {
            fail('creating configs', err)
          }
        } else {
          addrs.push(parsed)
        }
      }
      if (libp2p.length > 0) {
        if (secret != null && secret.length !== 32) {
          fail('creating API client', new Error('length of ProtectorKey should be 32'))
        }
        fail('creating API client', new Error(`libp2p-http API endpoints are not supported by this implementation yet: ${libp2p[0]}`))
      }
      try {
        client = createClient({
          hosts: addrs.map((a) => a.multiaddr),
          ssl,
          noVerifyCert: ctx.bool('no-check-certificate'),
          username: user,
          password: pass,
          forceHttp: true,
          timeout,
          logger
        })
      } catch (err) {
        fail('creating API client', err)
      }
    }
  }

  try {
    return await runApp(app, argv, { stdout: io.stdout, stderr: io.stderr, env })
  } finally {
    client?.close()
  }
}


if (isMainModule(PROGRAM_NAME, import.meta.url)) {
  // `ipfs-cluster-ctl pin ls | head`: a closed stdout ends the program
  // quietly, like the SIGPIPE death of the reference (128 + 13).
  const onPipeError = (err: NodeJS.ErrnoException): void => {
    if (err.code === 'EPIPE') process.exit(141)
    throw err
  }
  process.stdout.on('error', onPipeError)
  process.stderr.on('error', onPipeError)
  const code = await runCtl(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env })
  process.exitCode = code
  // do not wait for lingering sockets or timers
  setTimeout(() => process.exit(code), 50).unref()
}
