import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { messageSent, threadCreated } from '../../test/support/events.ts';
import { eventually } from '../../test/support/eventually.ts';
import { untilCaughtUp } from '../../test/support/kafka-caught-up.ts';
import { uniqueName } from '../../test/support/platform.ts';
import { createRecordingTable, recorded, recordingProjection } from '../../test/support/recording-projection.ts';
import { listDeadLetters } from '../dead-letter-tools.ts';
import { startProcessor } from './runner.ts';

let backbone: Backbone;
beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 1 });
});
afterAll(() => backbone.close());

describe('a checkpointed processor applying its batches in units (unitSize)', () => {
  it('when an event of a later unit keeps failing, then the units before it are applied once in order, it is dead-lettered, and the events of its key in the units after it are parked', async () => {
    const topic = backbone.topics['messages.events'];
    const table = uniqueName('units').replaceAll('-', '_');
    await createRecordingTable(backbone.pool, table);
    const threadId = randomUUID();
    // One key, so one partition and one batch: units of 3 split it into four.
    const events = [
      threadCreated(threadId),
      ...Array.from({ length: 9 }, (_, n) => messageSent(threadId, `message ${n}`)),
    ];
    const broken = events[4]!;
    const processor = {
      ...recordingProjection(uniqueName('units'), [topic], table, (c) =>
        c.event.metadata.eventId === broken.metadata.eventId ? new Error('cannot apply this one') : undefined,
      ),
      unitSize: 3,
    };
    await backbone.publisher.publishBatch(events);
    const running = await startProcessor(processor, backbone.runtime(), { sessionTimeoutMs: 6000 });
    try {
      await untilCaughtUp(backbone, processor.name, topic);
      const letters = await eventually(async () => {
        const all = await listDeadLetters(backbone.kafka, topic);
        expect(all).toHaveLength(6);
        return all;
      });
      expect(letters.map((l) => [l.eventId, l.reason])).toEqual([
        [broken.metadata.eventId, 'failed'],
        ...events.slice(5).map((e) => [e.metadata.eventId, 'parked']),
      ]);
      const applied = await recorded(backbone.pool, table);
      expect(applied.ids).toEqual(events.slice(0, 4).map((e) => e.metadata.eventId));
    } finally {
      await running.stop();
    }
  });
});
