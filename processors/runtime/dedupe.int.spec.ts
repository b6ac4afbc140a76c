import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withKafkaAdmin } from '../../infra/kafka/admin.ts';
import type { ThreadArchived } from '../../schemas/generated/events.ts';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { threadCreated } from '../../test/support/events.ts';
import { eventually } from '../../test/support/eventually.ts';
import { untilCaughtUp } from '../../test/support/kafka-caught-up.ts';
import { uniqueName } from '../../test/support/platform.ts';
import { createRecordingTable, recorded, recordingProjection } from '../../test/support/recording-projection.ts';
import { derivedEventId } from './derived-id.ts';
import { groupIdOf, type AtLeastOnceProcessor } from './processor.ts';
import { startProcessor, type RunningProcessor } from './runner.ts';

let backbone: Backbone;
beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 2 });
});
afterAll(() => backbone.close());

describe('a publishing processor redelivered, and a deduplicating sink', () => {
  it('when a processor handles the same input twice, then it republishes the same event ids and the sink applies each once', async () => {
    const topic = backbone.topics['messages.events'];
    const deps = backbone.runtime();
    const inputs = Array.from({ length: 5 }, () => threadCreated());
    await backbone.publisher.publishBatch(inputs);

    // Archives every thread it sees: an at-least-once processor that publishes.
    const archiver: AtLeastOnceProcessor = {
      name: uniqueName('archiver'),
      topics: [topic],
      mode: 'at-least-once',
      async handle(events) {
        for (const { event } of events) {
          if (event.type !== 'ThreadCreated') continue;
          const archived: ThreadArchived = {
            type: 'ThreadArchived',
            metadata: {
              ...event.metadata,
              eventId: derivedEventId(event.metadata.eventId, 'archived'),
              causationId: event.metadata.eventId,
            },
            payload: { threadId: event.payload.threadId, archivedBy: 'archiver', reason: null, participantId: null },
          };
          await backbone.publisher.publish(archived);
        }
      },
    };
    const archivedCount = async () => {
      const offsets = await withKafkaAdmin(backbone.kafka, (admin) => admin.topicOffsets(topic));
      return offsets.reduce((sum, p) => sum + Number(p.high), 0) - inputs.length;
    };
    const runTwice = async () => {
      for (let round = 1; round <= 2; round += 1) {
        const runner: RunningProcessor = await startProcessor(archiver, deps, { sessionTimeoutMs: 6000 });
        await runner.joined;
        await eventually(async () => expect(await archivedCount()).toBeGreaterThanOrEqual(inputs.length * round));
        await runner.stop();
        await withKafkaAdmin(backbone.kafka, (admin) => admin.rewindGroup(groupIdOf(archiver), topic));
      }
    };
    await runTwice();
    expect(await archivedCount()).toBe(10); // each ThreadArchived is in the topic twice, with the same id

    const table = uniqueName('archived').replaceAll('-', '_');
    await createRecordingTable(backbone.pool, table);
    const sink = { ...recordingProjection(uniqueName('sink'), [topic], table), dedupeByEventId: true };
    const running = await startProcessor(sink, deps, { sessionTimeoutMs: 6000 });
    // Every record handled, the republished copies included: only then is "each once" proven.
    await untilCaughtUp(backbone, sink.name, topic);
    await running.stop();

    const applied = await recorded(backbone.pool, table);
    expect(applied.total).toBe(inputs.length * 2); // five inputs, five archives: each once
    expect(applied.distinct).toBe(applied.total);
    expect(new Set(applied.ids)).toEqual(
      new Set([
        ...inputs.map((e) => e.metadata.eventId),
        ...inputs.map((e) => derivedEventId(e.metadata.eventId, 'archived')),
      ]),
    );
  });
});
