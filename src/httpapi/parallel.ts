/**
 * Runs one task per input with bounded concurrency and yields the outcomes
 * in completion order (`GET /pins?cids=`, pinsvc list by CID).
 */
export type Settled<R> = { ok: true, value: R } | { ok: false, error: unknown }

export async function * inCompletionOrder<T, R> (inputs: T[], concurrency: number, fn: (input: T) => Promise<R>): AsyncGenerator<Settled<R>> {
  const running = new Map<number, Promise<{ id: number, result: Settled<R> }>>()
  let next = 0
  const launch = (): void => {
    const id = next++
    const p = fn(inputs[id]).then(
      (value) => ({ id, result: { ok: true as const, value } }),
      (error: unknown) => ({ id, result: { ok: false as const, error } })
    )
    running.set(id, p)
  }
  while (next < inputs.length && running.size < concurrency) launch()
  while (running.size > 0) {
    const { id, result } = await Promise.race(running.values())
    running.delete(id)
    if (next < inputs.length) launch()
    yield result
  }
}
