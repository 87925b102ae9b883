import { describe, it, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { repeatingTask } from '../../src/utils/repeating-task.js'
import { waitFor } from '../helpers/wait-for.js'
import type { RepeatingTask } from '../../src/utils/repeating-task.js'

describe('repeatingTask', () => {
  let task: RepeatingTask | undefined
  afterEach(async () => { await task?.stop() })

  it('runs every interval', async () => {
    const runs: number[] = []
    task = repeatingTask(() => { runs.push(performance.now()) }, 30, { runImmediately: true })
    task.start()
    await waitFor(() => runs.length >= 3)
    for (let i = 1; i < runs.length; i++) assert.ok(runs[i] - runs[i - 1] >= 25)
  })

  it('waits the number of ms the run resolves to before the next run', async () => {
    const runs: number[] = []
    task = repeatingTask(async () => {
      runs.push(performance.now())
      return runs.length === 1 ? 5 : 1000
    }, 10_000, { runImmediately: true })
    task.start()
    await waitFor(() => runs.length >= 3, { timeout: 5000 })
    assert.ok(runs[1] - runs[0] < 800, `short delay ${runs[1] - runs[0]}`)
    assert.ok(runs[2] - runs[1] >= 990, `long delay ${runs[2] - runs[1]}`)
  })

  it('falls back to the interval after an error', async () => {
    const runs: number[] = []
    const errors: unknown[] = []
    task = repeatingTask(async () => {
      runs.push(performance.now())
      throw new Error('boom')
    }, 20, { runImmediately: true, onError: (e) => errors.push(e) })
    task.start()
    await waitFor(() => runs.length >= 2)
    assert.equal((errors[0] as Error).message, 'boom')
  })
})
