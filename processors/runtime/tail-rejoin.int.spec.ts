import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { threadCreated } from '../../test/support/events.ts';
import { eventually } from '../../test/support/eventually.ts';
import { crashableKafka } from './crashable-kafka.spec-support.ts';
import { tailTopic, type Tail } from './tail.ts';

let backbone: Backbone;
let tail: Tail | undefined;

beforeEach(async () => {
  backbone = await isolatedBackbone({ partitions: 2 });
});
afterEach(async () => {
  await tail?.stop();
  tail = undefined;
  await backbone.close();
});

describe('a tail whose consumer starts again', () => {
  it('when kafkajs gives up on its consumer and the group re-reads from before what was handed on, then the tail starts again and hands on each offset once, per partition', async () => {
    const topic = backbone.topics['messages.events'];
    // No commits at all: the restarted consumer re-reads every partition from its start.
    const { kafka, crash } = crashableKafka(backbone.kafka, { autoCommit: false });
    const seen: string[] = [];
    await backbone.publisher.publishBatch([threadCreated(), threadCreated(), threadCreated(), threadCreated()]);
    tail = await tailTopic(kafka, {
      topic,
      group: 'tributary.tail-rejoin-test',
      onRecord: ({ partition, offset }) => {
        seen.push(`${partition}-${offset}`);
      },
    });
    await tail.ready;
    await eventually(() => expect(seen).toHaveLength(4));

    await crash();
    await backbone.publisher.publishBatch([threadCreated(), threadCreated()]);
    await eventually(() => expect(seen).toHaveLength(6), { timeoutMs: 30_000 });
    // Long enough for a re-read of the first four to have arrived, had it not been skipped.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(6);
  }, 60_000);
});
