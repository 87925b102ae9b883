/**
 * Consensus writes without batching: group commit.
 *
 * Without `crdt.batching`, a `logPin`/`logUnpin` resolves once its
 * operation is merged locally in a DAG node and that node was broadcast,
 * as in the reference. The reference publishes one DAG node per operation,
 * serialised by a lock: each costs a delta, a block, a signed pubsub
 * message and a full merge. Here operations that arrive while a node is
 * being published wait together and go out in the next node (one node,
 * one broadcast for all of them). Each caller still resolves only when its
 * own operation is merged and broadcast, so the guarantees are the same;
 * a lone operation is published at once, with no added delay.
 *
 * Within a group, operations on the same key apply in arrival order (the
 * last one wins, like consecutive nodes would). A node never exceeds the
 * delta size cap: a larger group is split.
 */
import { DeltaBuilder } from './delta-builder.js'
import type { PendingOp } from './delta-builder.js'
import type { MerkleCRDT } from './merkle-crdt.js'

interface Waiting {
  op: PendingOp
  resolve: () => void
  reject: (err: unknown) => void
}

export class GroupPublisher {
  private waiting: Waiting[] = []
  private running: Promise<void> | undefined

  constructor (private readonly engine: MerkleCRDT, private readonly maxDeltaSize: number) {}

  /** Resolves once `op` is merged and broadcast (in a node with the operations that waited with it). */
  async publish (op: PendingOp): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.waiting.push({ op, resolve, reject })
      this.running ??= this.run().finally(() => { this.running = undefined })
    })
  }

  /** Resolves when nothing is being published. */
  async idle (): Promise<void> {
    while (this.running != null) await this.running
  }

  private async run (): Promise<void> {
    while (this.waiting.length > 0) {
      const all = this.waiting
      let taken = 0
      const builder = new DeltaBuilder()
      while (taken < all.length) {
        const op = all[taken].op
        if (!builder.isEmpty && builder.size + DeltaBuilder.estimate(op) > this.maxDeltaSize) break
        builder.apply(op)
        taken++
      }
      const group = taken === all.length ? all : all.slice(0, taken)
      this.waiting = taken === all.length ? [] : all.slice(taken)
      try {
        await this.engine.publish(builder)
        for (const w of group) w.resolve()
      } catch (err) {
        for (const w of group) w.reject(err)
      }
    }
  }
}
