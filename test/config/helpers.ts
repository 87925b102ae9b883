/**
 * Shared helpers of the config tests.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** test/config/fixtures (the sources, not the compiled copy). */
export const FIXTURES = join(process.env.CLUSTER_TEST_ROOT ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'), 'test', 'config', 'fixtures')

export const SECRET = '84399cd0be811c2ca372d6ca473ffd73c09034f991c5e306fe9ada6c5fcfb641'

export const RSA_PEER_ID = 'QmdEtBsfumeH2V6dnx1fgn8zuW7XYjWdgJF4NEYpEBcTsg'

/** Temporary folders removed by `cleanup()`. */
export class TempDirs {
  private readonly dirs: string[] = []

  async make (prefix = 'cfg-'): Promise<string> {
    const d = await mkdtemp(join(tmpdir(), prefix))
    this.dirs.push(d)
    return d
  }

  async cleanup (): Promise<void> {
    await Promise.all(this.dirs.splice(0).map(async (d) => { await rm(d, { recursive: true, force: true }) }))
  }
}
