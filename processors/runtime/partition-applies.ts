/**
 * The applies a checkpointed processor has handed off, one at most per partition, running while
 * the consumer fetches and decodes that partition's next batch (and the other partitions').
 *
 * Each partition has an epoch: an apply that fails, and a new group generation, end it. A batch
 * decoded under an epoch that has since ended is dropped rather than applied: it was fetched
 * before the seek that the failure (or the join) made, and is fetched again from there.
 */
export class PartitionApplies {
  private readonly running = new Map<string, Promise<void>>();
  private readonly epochs = new Map<string, number>();
  /** Bumped by a new group generation: ends every partition's epoch at once. */
  private generation = 0;
  /** The failure of a partition's last apply, for its next batch to raise (see `take`). */
  private readonly failures = new Map<string, unknown>();

  epochOf(partition: string): string {
    return `${this.generation}.${this.epochs.get(partition) ?? 0}`;
  }

  /** Ends the epoch of every partition: what a batch decoded before it is dropped. */
  endEveryEpoch(): void {
    this.generation += 1;
  }

  /** Resolves once the partition's apply in hand (if any) has ended; never rejects. */
  settled(partition: string): Promise<void> {
    return this.running.get(partition) ?? Promise.resolve();
  }

  /**
   * Starts `apply` for the partition, which must have none running (await `settled` first). When
   * it fails, the partition's epoch ends and `onFailure` runs (it seeks back); what it returns is
   * kept for `take`.
   */
  start(partition: string, apply: () => Promise<void>, onFailure: (error: unknown) => Promise<unknown>): void {
    if (this.running.has(partition)) throw new Error(`an apply of ${partition} is still running`);
    const run: Promise<void> = (async () => {
      try {
        await apply();
      } catch (error) {
        this.epochs.set(partition, (this.epochs.get(partition) ?? 0) + 1);
        const raised = await onFailure(error).catch((failure: unknown) => failure);
        if (raised !== undefined) this.failures.set(partition, raised);
      } finally {
        this.running.delete(partition);
      }
    })().catch(() => undefined);
    this.running.set(partition, run);
  }

  /** The failure of the partition's last apply, once: its next batch throws it, as a batch of its own would have. */
  take(partition: string): unknown {
    const error = this.failures.get(partition);
    this.failures.delete(partition);
    return error;
  }

  /** Resolves once no apply is running. */
  async drained(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }
}
