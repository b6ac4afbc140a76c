import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { threadCreated } from '../../test/support/events.ts';
import { eventually } from '../../test/support/eventually.ts';
import { uniqueName } from '../../test/support/platform.ts';
import { createRecordingTable, recorded, recordingProjection } from '../../test/support/recording-projection.ts';
import { crashableKafka } from './crashable-kafka.spec-support.ts';
import { startProcessor, type RunningProcessor } from './runner.ts';

let backbone: Backbone;
let runner: RunningProcessor | undefined;

beforeEach(async () => {
  backbone = await isolatedBackbone({ partitions: 2 });
});
afterEach(async () => {
  await runner?.stop();
  runner = undefined;
  await backbone.close();
});

describe('a consumer kafkajs gives up on', () => {
  it('when kafkajs crashes the consumer without restarting it, then the runner starts it again and it consumes what comes next', async () => {
    const table = uniqueName('crash').replaceAll('-', '_');
    await createRecordingTable(backbone.pool, table);
    const { kafka, crash } = crashableKafka(backbone.kafka);
    const deps = { ...backbone.runtime(), kafka };
    const name = uniqueName('crashing');
    runner = await startProcessor(recordingProjection(name, [backbone.topics['messages.events']], table), deps, {
      sessionTimeoutMs: 6000,
    });
    await runner.joined;
    const before = threadCreated();
    await backbone.publisher.publish(before);
    await eventually(async () => expect((await recorded(backbone.pool, table)).ids).toContain(before.metadata.eventId));

    await crash();
    const running = async () =>
      (await deps.metrics.running.get()).values.find((v) => v.labels.processor === name)?.value;
    expect(await running()).toBe(0);

    const after = threadCreated();
    await backbone.publisher.publish(after);
    await eventually(async () => expect((await recorded(backbone.pool, table)).ids).toContain(after.metadata.eventId), {
      timeoutMs: 30_000,
    });
    expect(await running()).toBe(1);
  }, 60_000);
});
