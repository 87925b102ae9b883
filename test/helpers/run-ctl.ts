/**
 * Runs ipfs-cluster-ctl in-process with captured stdout/stderr.
 */
import { runCtl } from '../../src/cmd/ctl.js'
import type { CtlIO } from '../../src/cmd/ctl.js'

export interface CtlResult {
  code: number
  stdout: string
  stderr: string
}

export class Capture {
  text = ''
  isTTY?: boolean
  write (chunk: string): boolean {
    this.text += chunk
    return true
  }
}

export async function ctl (argv: string[], opts: Partial<CtlIO> & { stderrTTY?: boolean } = {}): Promise<CtlResult> {
  const stdout = new Capture()
  const stderr = new Capture()
  if (opts.stderrTTY === true) stderr.isTTY = true
  const code = await runCtl(argv, {
    env: {},
    waitCheckFreq: 20,
    statusDelay: 0,
    ...opts,
    stdout,
    stderr
  })
  return { code, stdout: stdout.text, stderr: stderr.text }
}

/** `jq -n '[inputs]'`: the concatenated JSON documents of an output. */
export function jsonDocuments (text: string): unknown[] {
  const out: unknown[] = []
  let i = 0
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i])) i++
    if (i >= text.length) break
    // find the end of one value by trying growing prefixes at closing braces
    let parsed = false
    for (let j = i + 1; j <= text.length; j++) {
      const c = text[j - 1]
      if (c !== '}' && c !== ']' && c !== '"' && !/[0-9el]/.test(c)) continue
      try {
        out.push(JSON.parse(text.slice(i, j)))
        i = j
        parsed = true
        break
      } catch {}
    }
    if (!parsed) throw new Error(`invalid JSON at offset ${i}`)
  }
  return out
}
