import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import { patchXSalsa20, XSALSA20_CHUNK } from '../../src/host/xsalsa20-patch.js'

type Cipher = { update: (input: Uint8Array, output?: Uint8Array) => Uint8Array, _xor?: { _memory?: Uint8Array } }
const xsalsa20 = createRequire(import.meta.resolve('@libp2p/pnet'))('xsalsa20') as (nonce: Uint8Array, key: Uint8Array) => Cipher

const KEY = new Uint8Array(32).map((_, i) => i * 7)
const NONCE = new Uint8Array(24).map((_, i) => 200 - i)

/** Deterministic input of n bytes. */
function input (n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n)
  let x = seed
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    b[i] = x >>> 24
  }
  return b
}

function digest (parts: Uint8Array[]): string {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest('hex')
}

describe('xsalsa20 patch (pnet cipher)', () => {
  it('is applied to the copy @libp2p/pnet uses', () => {
    assert.equal(patchXSalsa20(), true)
    assert.equal(patchXSalsa20(), true)
  })

  it('encrypts exactly as the unpatched module, whatever the chunk sizes', () => {
    patchXSalsa20()
    const sizes = [0, 1, 63, 64, 65, XSALSA20_CHUNK - 1, XSALSA20_CHUNK, XSALSA20_CHUNK + 1, 3 * XSALSA20_CHUNK + 17, 2 * 1024 * 1024 + 5]
    const c = xsalsa20(NONCE, KEY)
    const outs = sizes.map((n, i) => c.update(input(n, i + 1)))
    // reference: a fresh process with the module as published (no patch)
    const script = `
      const { createRequire } = require('node:module')
      const x = createRequire(${JSON.stringify(import.meta.resolve('@libp2p/pnet'))})('xsalsa20')
      const { createHash } = require('node:crypto')
      const input = ${input.toString()}
      const c = x(new Uint8Array(${JSON.stringify([...NONCE])}), new Uint8Array(${JSON.stringify([...KEY])}));
      const h = createHash('sha256');
      const sizes = ${JSON.stringify(sizes)};
      sizes.forEach((n, i) => h.update(c.update(input(n, i + 1))));
      process.stdout.write(h.digest('hex'))`
    const ref = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' })
    assert.equal(ref.status, 0, ref.stderr)
    assert.equal(digest(outs), ref.stdout)
    // and it round-trips, fed differently
    const d = xsalsa20(NONCE, KEY)
    const plain = sizes.map((n, i) => input(n, i + 1))
    const all = Buffer.concat(outs)
    const back: Uint8Array[] = []
    for (let off = 0; off < all.length; off += 100_003) back.push(d.update(all.subarray(off, off + 100_003)))
    assert.equal(digest(back), digest(plain))
  })

  it('keeps the shared WASM memory small with several connections passing MiB-sized chunks', () => {
    patchXSalsa20()
    const ciphers = Array.from({ length: 6 }, () => xsalsa20(NONCE, KEY))
    for (let round = 0; round < 40; round++) {
      for (const [i, c] of ciphers.entries()) c.update(input(i === round % 6 ? 4 * 1024 * 1024 : 1000, round))
    }
    const view = ciphers[0]._xor?._memory
    if (view == null) return // the JS fallback: no WASM memory at all
    assert.ok(view.buffer.byteLength <= 2 * 1024 * 1024, `WASM memory ${view.buffer.byteLength} bytes`)
  })
})
