import { onTransactionClient } from '../../infra/postgres/transaction.ts';
import type { BatchContext, PartitionBatch } from './batch-context.ts';
import type { Item } from './batch-items.ts';
import { CheckpointGap } from './checkpoint-gap.ts';
import type { CheckpointedProcessor, ConsumedEvent } from './processor.ts';
import { firstSightings } from './store.ts';
import { beginUnit, commitUnit } from './unit-transaction.ts';

/**
 * Applies items as one unit, in order: for a checkpointed processor, the handler and the
 * checkpoint in one Postgres transaction (skipping what is at or below the checkpoint), then
 * the Kafka commit; for an at-least-once processor, the handler, then the Kafka commit.
 */
export async function applyUnit(context: BatchContext, batch: PartitionBatch, items: readonly Item[]): Promise<void> {
  const { processor } = context;
  const { metrics } = context.deps;
  const { topic } = batch;
  const last = items.at(-1)!.message.offset;
  const events = items.flatMap((item) => (item.consumed ? [item.consumed] : []));
  if (processor.mode === 'checkpointed') {
    const fresh = await applyInCheckpointTransaction(context, processor, batch, items, events);
    metrics.events.inc({ processor: processor.name, topic, outcome: 'applied' }, fresh.length);
    metrics.events.inc({ processor: processor.name, topic, outcome: 'skipped' }, items.length - fresh.length);
    await context.options.afterPostgresCommit?.();
  } else {
    if (events.length > 0) await processor.handle(events, { processor: processor.name, logger: batch.log });
    metrics.events.inc({ processor: processor.name, topic, outcome: 'applied' }, events.length);
    metrics.events.inc({ processor: processor.name, topic, outcome: 'skipped' }, items.length - events.length);
  }
  await batch.commitKafka(last);
}

/** Runs the handler on the events past the checkpoint and advances it, in one transaction; returns the events applied. */
async function applyInCheckpointTransaction(
  context: BatchContext,
  processor: CheckpointedProcessor,
  batch: PartitionBatch,
  items: readonly Item[],
  events: readonly ConsumedEvent[],
): Promise<readonly ConsumedEvent[]> {
  const { name } = processor;
  const { topic, partition, log } = batch;
  const last = items.at(-1)!.message.offset;
  return onTransactionClient(context.deps.pool, async (tx) => {
    // One round trip before the handler's statements and one after them (BEGIN to the checkpoint's
    // lock, then the checkpoint and COMMIT): a unit's Postgres work is mostly its own statements.
    const { next, stored } = await beginUnit(tx, name, topic, partition, processor);
    if (stored && BigInt(items[0]!.message.offset) > next) throw new CheckpointGap(next);
    // Offsets grow through a unit: all of it is past the checkpoint when its first event is (the
    // usual case), which spares parsing each event's offset.
    let fresh =
      events.length === 0 || BigInt(events[0]!.offset) >= next
        ? events
        : events.filter((e) => BigInt(e.offset) >= next);
    if (processor.dedupeByEventId && fresh.length > 0) {
      const unseen = await firstSightings(
        tx,
        name,
        fresh.map((e) => e.event.metadata.eventId),
      );
      // A set also drops a repeat within this very batch: the first occurrence is applied.
      fresh = fresh.filter((e) => unseen.delete(e.event.metadata.eventId));
    }
    if (fresh.length > 0) await processor.handle(fresh, { processor: name, logger: log, tx });
    const moved = BigInt(last) + 1n > next ? BigInt(last) + 1n : undefined;
    await commitUnit(tx, { processor: name, topic, partition, nextOffset: moved });
    return fresh;
  });
}
