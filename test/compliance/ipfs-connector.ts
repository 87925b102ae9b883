/**
 * The IPFSConnector compliance suite, shared by every connector (Kubo RPC
 * against the fake Kubo and the js-ipfs daemon, embedded Helia). It only
 * uses the `IPFSConnector` interface and the setup's `putContent`.
 *
 * The setup must return a started, ready connector whose `pin_timeout` is
 * short (a few seconds at most): one test pins a CID nobody has and waits
 * for the stall timeout.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { base58btc } from 'multiformats/bases/base58'
import { IPFSPinStatus } from '../../src/api/enums.js'
import { parsePeerId } from '../../src/api/encoding.js'
import { defaultPinOptions, newPin } from '../../src/api/json.js'
import { blocksOf, dagPbBlock, randomCid, randomRawBlock, unixfsDirectory, unixfsInlineFile } from '../helpers/dag.js'
import type { IPFSPinInfo, Pin } from '../../src/api/types.js'
import type { IPFSConnector, PinProgress, ProgressEvent } from '../../src/interfaces.js'
import type { CID } from 'multiformats/cid'

export interface ConnectorTestSetup {
  connector: IPFSConnector // started and ready
  /** Makes content available to the daemon without pinning it; returns its root CID. */
  putContent (bytes: Uint8Array): Promise<CID>
  cleanup (): Promise<void>
}

/** Multihash of a CID (daemons may answer CIDv0 for CIDv1 and vice versa). */
function mh (cid: CID): string {
  return base58btc.encode(cid.multihash.bytes)
}

function recursivePin (cid: CID): Pin {
  return newPin(cid, { ...defaultPinOptions(), mode: 'recursive' })
}

function directPin (cid: CID): Pin {
  return newPin(cid, { ...defaultPinOptions(), mode: 'direct' })
}

async function collect (gen: AsyncIterable<IPFSPinInfo>): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for await (const p of gen) out.set(mh(p.cid), p.type)
  return out
}

function random (size: number): Uint8Array {
  return new Uint8Array(randomBytes(size))
}

export function ipfsConnectorCompliance (name: string, setup: () => Promise<ConnectorTestSetup>, opts?: { pinUpdate?: boolean, pinProgress?: boolean }): void {
  const withPinUpdate = opts?.pinUpdate ?? true
  const withPinProgress = opts?.pinProgress ?? false

  describe(`IPFSConnector compliance: ${name}`, () => {
    let s: ConnectorTestSetup
    let c: IPFSConnector

    before(async () => {
      s = await setup()
      c = s.connector
    })

    after(async () => {
      await s?.cleanup()
    })

    it('id returns the daemon peer ID and addresses', async () => {
      const id = await c.id()
      assert.equal(id.error, '')
      assert.ok(id.id.length > 0)
      assert.equal(parsePeerId(id.id), id.id, 'peer ID in canonical form')
      assert.ok(Array.isArray(id.addresses))
      for (const a of id.addresses ?? []) {
        assert.match(a, /^\//)
      }
    })

    it('pins recursively, then pinLsCid reports recursive', async () => {
      const cid = await s.putContent(random(2000))
      assert.equal(await c.pinLsCid(recursivePin(cid)), IPFSPinStatus.Unpinned)
      await c.pin(recursivePin(cid))
      assert.equal(await c.pinLsCid(recursivePin(cid)), IPFSPinStatus.Recursive)
      // Pinning again is a no-op success.
      await c.pin(recursivePin(cid))
      assert.equal(await c.pinLsCid(recursivePin(cid)), IPFSPinStatus.Recursive)
    })

    it('pins directly, then pinLsCid reports direct', async () => {
      const cid = await s.putContent(random(1500))
      await c.pin(directPin(cid))
      assert.equal(await c.pinLsCid(directPin(cid)), IPFSPinStatus.Direct)
      assert.notEqual(await c.pinLsCid(recursivePin(cid)), IPFSPinStatus.Recursive)
    })

    it('pins multi-block content the daemon has', async () => {
      const cid = await s.putContent(random(700 * 1024))
      const events: Array<ProgressEvent<PinProgress>> = []
      // Unreachable origins must not make the pin fail.
      const pin = recursivePin(cid)
      pin.origins = ['/ip4/127.0.0.1/tcp/1/p2p/12D3KooWRCFvsq8QTi1FeiUao5kvH87GNmqyTgPAc9rJW8Pk6Q3K']
      await c.pin(pin, { onProgress: (e) => { events.push(e) } })
      assert.equal(await c.pinLsCid(recursivePin(cid)), IPFSPinStatus.Recursive)
      if (withPinProgress) {
        assert.ok(events.length > 0, 'progress events')
        const last = events[events.length - 1]
        assert.ok(last.detail.blocks > 0)
        for (let i = 1; i < events.length; i++) {
          assert.ok(events[i].detail.blocks > events[i - 1].detail.blocks, 'progress increases')
        }
      }
    })

    it('pinLs streams pins filtered by type', async () => {
      const rec = await Promise.all([1, 2, 3].map(async () => await s.putContent(random(600))))
      const dir = await Promise.all([1, 2].map(async () => await s.putContent(random(600))))
      for (const cid of rec) await c.pin(recursivePin(cid))
      for (const cid of dir) await c.pin(directPin(cid))

      const recursive = await collect(c.pinLs(['recursive']))
      for (const cid of rec) assert.equal(recursive.get(mh(cid)), IPFSPinStatus.Recursive, `recursive ${cid.toString()}`)
      for (const cid of dir) assert.equal(recursive.has(mh(cid)), false, `direct ${cid.toString()} not listed as recursive`)
      for (const t of recursive.values()) assert.equal(t, IPFSPinStatus.Recursive)

      const direct = await collect(c.pinLs(['direct']))
      for (const cid of dir) assert.equal(direct.get(mh(cid)), IPFSPinStatus.Direct, `direct ${cid.toString()}`)
      for (const cid of rec) assert.equal(direct.has(mh(cid)), false)
      for (const t of direct.values()) assert.equal(t, IPFSPinStatus.Direct)

      const both = await collect(c.pinLs(['recursive', 'direct']))
      for (const cid of rec) assert.equal(both.get(mh(cid)), IPFSPinStatus.Recursive)
      for (const cid of dir) assert.equal(both.get(mh(cid)), IPFSPinStatus.Direct)
      assert.equal(both.size, recursive.size + direct.size)

      // A consumer may stop early; the connector keeps working.
      const gen = c.pinLs(['recursive', 'direct'])
      const first = await gen.next()
      assert.equal(first.done, false)
      await gen.return(undefined)
      assert.equal((await collect(c.pinLs(['direct']))).size, direct.size)
    })

    it('unpins, and unpinning something not pinned succeeds', async () => {
      const cid = await s.putContent(random(800))
      await c.pin(recursivePin(cid))
      await c.unpin(cid)
      assert.equal(await c.pinLsCid(recursivePin(cid)), IPFSPinStatus.Unpinned)
      await c.unpin(cid)
      const direct = await s.putContent(random(800))
      await c.pin(directPin(direct))
      await c.unpin(direct)
      assert.equal(await c.pinLsCid(directPin(direct)), IPFSPinStatus.Unpinned)
      // Never seen by the daemon at all.
      await c.unpin(await randomCid())
    })

    it('repoStat reports sizes', async () => {
      await c.pin(recursivePin(await s.putContent(random(50 * 1024))))
      const st = await c.repoStat()
      assert.equal(typeof st.repoSize, 'bigint')
      assert.equal(typeof st.storageMax, 'bigint')
      assert.ok(st.repoSize > 0n, `repoSize ${st.repoSize}`)
      assert.ok(st.storageMax > 0n, `storageMax ${st.storageMax}`)
    })

    it('resolves /ipfs/<cid> and sub-paths', async () => {
      const cid = await s.putContent(random(300))
      assert.equal((await c.resolve(`/ipfs/${cid.toString()}`)).toString(), cid.toString())
      assert.equal((await c.resolve(cid.toString())).toString(), cid.toString())

      const file = await randomRawBlock(300)
      const inner = await unixfsInlineFile(random(100))
      const sub = await unixfsDirectory([{ name: 'inner.txt', cid: inner.cid, size: inner.bytes.length }])
      const root = await unixfsDirectory([
        { name: 'hello.txt', cid: file.cid, size: file.bytes.length },
        { name: 'sub', cid: sub.cid, size: sub.bytes.length + inner.bytes.length }
      ])
      await c.blockStream(blocksOf([file]))
      await c.blockStream(blocksOf([inner, sub, root]))
      assert.equal((await c.resolve(`/ipfs/${root.cid.toString()}/hello.txt`)).toString(), file.cid.toString())
      assert.equal((await c.resolve(`/ipfs/${root.cid.toString()}/sub/inner.txt`)).toString(), inner.cid.toString())
      assert.equal((await c.resolve(`/ipfs/${root.cid.toString()}/sub`)).toString(), sub.cid.toString())
      await assert.rejects(c.resolve(`/ipfs/${root.cid.toString()}/missing.txt`))
    })

    it('blockStream stores raw and dag-pb blocks that blockGet returns', async () => {
      const raw = await Promise.all([100, 2000, 300 * 1024].map(async (n) => await randomRawBlock(n)))
      await c.blockStream(blocksOf(raw))
      for (const b of raw) {
        assert.deepEqual(new Uint8Array(await c.blockGet(b.cid)), b.bytes, `raw ${b.cid.toString()}`)
      }
      const pb = await Promise.all([10, 5000].map(async (n) => await unixfsInlineFile(random(n))))
      await c.blockStream(blocksOf(pb))
      for (const b of pb) {
        assert.deepEqual(new Uint8Array(await c.blockGet(b.cid)), b.bytes, `dag-pb ${b.cid.toString()}`)
      }
      const v0 = await Promise.all([1, 2].map(async () => await dagPbBlock({ Data: random(64), Links: [] }, 0)))
      await c.blockStream(blocksOf(v0))
      for (const b of v0) {
        assert.equal(b.cid.version, 0)
        assert.deepEqual(new Uint8Array(await c.blockGet(b.cid)), b.bytes, `dag-pb v0 ${b.cid.toString()}`)
      }
      // Blocks put by blockStream can be pinned.
      await c.pin(directPin(pb[0].cid))
      assert.equal(await c.pinLsCid(directPin(pb[0].cid)), IPFSPinStatus.Direct)
      await assert.rejects(c.blockStream(blocksOf([])))
    })

    it('repoGC removes unpinned blocks and yields their keys', async () => {
      const kept = await randomRawBlock(4000)
      const dropped = await randomRawBlock(4000)
      await c.blockStream(blocksOf([kept, dropped]))
      await c.pin(directPin(kept.cid))
      const removed = new Set<string>()
      for await (const r of c.repoGC()) {
        if (r.key != null) removed.add(mh(r.key))
      }
      assert.ok(removed.has(mh(dropped.cid)), 'the unpinned block was collected')
      assert.equal(removed.has(mh(kept.cid)), false, 'the pinned block was kept')
      assert.deepEqual(new Uint8Array(await c.blockGet(kept.cid)), kept.bytes)
    })

    it('swarmPeers returns peer IDs', async () => {
      const peers = await c.swarmPeers()
      assert.ok(Array.isArray(peers))
      for (const p of peers) assert.equal(parsePeerId(p), p)
    })

    if (withPinUpdate) {
      it('pins with pinUpdate from an existing pin, keeping the old one', async () => {
        const from = await s.putContent(random(1000))
        const to = await s.putContent(random(1000))
        await c.pin(recursivePin(from))
        const pin = recursivePin(to)
        pin.pinUpdate = from
        await c.pin(pin)
        assert.equal(await c.pinLsCid(recursivePin(to)), IPFSPinStatus.Recursive)
        assert.equal(await c.pinLsCid(recursivePin(from)), IPFSPinStatus.Recursive)
      })
    }

    it('a pin of a CID nobody has fails after the stall timeout', async () => {
      const cid = await randomCid()
      const started = Date.now()
      await assert.rejects(c.pin(recursivePin(cid)), (err: Error) => {
        assert.equal(err.name, 'TimeoutError', err.message)
        return true
      })
      assert.ok(Date.now() - started < 60000)
      assert.equal(await c.pinLsCid(recursivePin(cid)), IPFSPinStatus.Unpinned)
    })

    it('abort signals cancel operations', async () => {
      const cid = await randomCid()
      const ctl = new AbortController()
      const started = Date.now()
      setTimeout(() => { ctl.abort() }, 100)
      await assert.rejects(c.pin(recursivePin(cid), { signal: ctl.signal }), { name: 'AbortError' })
      assert.ok(Date.now() - started < 5000, 'aborted promptly')

      const aborted = AbortSignal.abort()
      await assert.rejects(c.pin(recursivePin(cid), { signal: aborted }), { name: 'AbortError' })
      await assert.rejects(c.repoStat({ signal: aborted }), { name: 'AbortError' })
      await assert.rejects(c.blockGet(cid, { signal: aborted }), { name: 'AbortError' })
      await assert.rejects(async () => {
        for await (const p of c.pinLs(['recursive'], { signal: aborted })) void p
      }, { name: 'AbortError' })
      await assert.rejects(c.unpin(cid, { signal: aborted }), { name: 'AbortError' })

      // Still usable afterwards.
      assert.equal((await c.id()).error, '')
    })
  })
}
