import type { BatchContext, PartitionBatch } from './batch-context.ts';
import type { Item } from './batch-items.ts';
import { applyUnit } from './apply-unit.ts';
import { deadLetterRecord } from './dead-letter-record.ts';
import { retryWithBackoff, type Outcome, type RetryLoop } from './retry-loop.ts';
import { parkedKeys } from './store.ts';

/**
 * Applies the pending items of a batch in as large units as succeed: all of them in one unit
 * (with retries) unless one's key is parked; otherwise, or when that unit still fails, one at
 * a time, dead-lettering an item whose key is parked and an item that keeps failing (parking
 * its key, so the later events of that aggregate follow it rather than overtake it).
 */
export async function flushItems(context: BatchContext, batch: PartitionBatch, items: readonly Item[]): Promise<void> {
  if (items.length === 0) return;
  const { name } = context.processor;
  const parked = await parkedKeysWaiting(context, batch);
  const blocked = (item: Item) =>
    item.consumed !== undefined && !item.redriven && item.consumed.key !== null && parked.has(item.consumed.key);
  const attempt = (unit: readonly Item[]) =>
    retryWithBackoff(() => applyUnit(context, batch, unit), retryLoopOf(context, batch, 'handler failed; retrying'));

  let known: Outcome | undefined;
  if (!items.some(blocked)) {
    known = await attempt(items);
    if (known.ok) return;
    if (items.length > 1) known = undefined; // find the culprit one event at a time
  }
  for (const item of items) {
    if (blocked(item)) {
      const key = item.consumed!.key;
      await deadLetterRecord(context, batch, {
        message: item.message,
        reason: 'parked',
        error: new Error(`key ${key} is parked behind an earlier dead letter of ${name}`),
        attempts: 0,
        park: false,
      });
      continue;
    }
    const outcome = known ?? (await attempt([item]));
    if (!outcome.ok) {
      const sent = await deadLetterRecord(context, batch, {
        message: item.message,
        reason: 'failed',
        error: outcome.error,
        attempts: outcome.attempts,
        park: context.processor.parkKeys !== false,
      });
      if (sent && item.consumed?.key && context.processor.parkKeys !== false) parked.add(item.consumed.key);
    }
  }
}

/**
 * The partition's parked keys, read before the batch's units: Postgres being down or starting up is
 * waited out, as it is for the units themselves, where it used to fail the batch (and so restart the
 * consumer, or seek a handed-off apply back) at once. A failure retrying cannot help, or one that
 * outlasts the policy's attempts, is thrown.
 */
async function parkedKeysWaiting(context: BatchContext, batch: PartitionBatch): Promise<Set<string>> {
  let parked = new Set<string>();
  const read = await retryWithBackoff(
    async () => {
      parked = await parkedKeys(context.deps.pool, context.processor.name, batch.topic);
    },
    retryLoopOf(context, batch, 'reading the parked keys failed; retrying'),
  );
  if (!read.ok) throw read.error;
  return parked;
}

/** The batch's retry loop: the processor's policy, the partition's liveness, each retry counted and logged. */
function retryLoopOf(context: BatchContext, batch: PartitionBatch, message: string): RetryLoop {
  return {
    policy: context.policy,
    isRunning: batch.isRunning,
    heartbeat: batch.heartbeat,
    onRetry(error, tries) {
      context.deps.metrics.retries.inc({ processor: context.processor.name, topic: batch.topic });
      batch.log.warn({ err: error, attempt: tries }, message);
    },
  };
}
