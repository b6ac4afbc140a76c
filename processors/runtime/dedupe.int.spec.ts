import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ThreadArchived } from '../../schemas/generated/events.ts';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { threadCreated } from '../../test/support/events.ts';
import { quietLogger, uniqueName } from '../../test/support/platform.ts';
import { createRecordingTable, recorded, recordingProjection } from '../../test/support/recording-projection.ts';
import { derivedEventId } from './derived-id.ts';
import type { AtLeastOnceProcessor } from './processor.ts';
import { startProcessor, type RunningProcessor } from './runner.ts';

let backbone: Backbone;
beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 2 });
});
afterAll(() => backbone.close());

describe('a publishing processor redelivered, and a deduplicating sink', () => {
  it('when a processor handles the same input twice, then it republishes the same event ids and the sink applies each once', async () => {
    const topic = backbone.topics['messages.events'];
    const deps = {
      kafka: backbone.kafka,
      codec: backbone.codec,
      pool: backbone.pool,
      logger: quietLogger(),
      metrics: backbone.metrics,
    };
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
            payload: { threadId: event.payload.threadId, archivedBy: 'archiver', reason: null },
          };
          await backbone.publisher.publish(archived);
        }
      },
    };
    const archivedCount = async () => {
      const admin = backbone.kafka.admin();
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets(topic);
      await admin.disconnect();
      return offsets.reduce((sum, p) => sum + Number(p.high), 0) - inputs.length;
    };
    const runTwice = async () => {
      for (let round = 1; round <= 2; round += 1) {
        const runner: RunningProcessor = await startProcessor(archiver, deps, { sessionTimeoutMs: 6000 });
        await runner.joined;
        while ((await archivedCount()) < inputs.length * round) await sleep(100);
        await runner.stop();
        const admin = backbone.kafka.admin();
        await admin.connect();
        await admin.resetOffsets({ groupId: `tributary.${archiver.name}`, topic, earliest: true });
        await admin.disconnect();
      }
    };
    await runTwice();
    expect(await archivedCount()).toBe(10); // each ThreadArchived is in the topic twice, with the same id

    const table = uniqueName('archived').replaceAll('-', '_');
    await createRecordingTable(backbone.pool, table);
    const sink = { ...recordingProjection(uniqueName('sink'), [topic], table), dedupeByEventId: true };
    const running = await startProcessor(sink, deps, { sessionTimeoutMs: 6000 });
    const deadline = Date.now() + 30_000;
    while ((await recorded(backbone.pool, table)).total < inputs.length * 2 && Date.now() < deadline) await sleep(100);
    await sleep(500);
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
