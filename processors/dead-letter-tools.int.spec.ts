import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isolatedBackbone, type Backbone } from '../test/support/backbone.ts';
import { threadCreated } from '../test/support/events.ts';
import { eventually } from '../test/support/eventually.ts';
import { uniqueName } from '../test/support/platform.ts';
import { createRecordingTable, recorded, recordingProjection } from '../test/support/recording-projection.ts';
import { discardDeadLetters, isPending, listDeadLetters, redriveDeadLetters } from './dead-letter-tools.ts';
import { startProcessor, type RunningProcessor } from './runtime/runner.ts';
import { parkedKeys } from './runtime/store.ts';

let backbone: Backbone;
let runner: RunningProcessor | undefined;
let topic: string;

beforeEach(async () => {
  backbone = await isolatedBackbone({ partitions: 1 });
  topic = backbone.topics['messages.events'];
});
afterEach(async () => {
  await runner?.stop();
  runner = undefined;
  await backbone.close();
});

/** A poison record (not the wire format) keyed like a thread, then a good event of that thread parked behind it. */
async function poisonThenParked(name: string, table: string) {
  const threadId = randomUUID();
  const producer = backbone.kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: [{ key: threadId, value: Buffer.from('garbage, not avro') }] });
  await producer.disconnect();
  const follower = threadCreated(threadId, 'waits behind the poison');
  await backbone.publisher.publish(follower);
  runner = await startProcessor(recordingProjection(name, [topic], table), backbone.runtime(), {
    sessionTimeoutMs: 6000,
  });
  const letters = await eventually(async () => {
    const all = await listDeadLetters(backbone.kafka, topic, backbone.pool);
    expect(all.map((l) => l.reason)).toEqual(['undecodable', 'parked']);
    return all;
  });
  expect((await parkedKeys(backbone.pool, name, topic)).has(threadId)).toBe(true);
  return { threadId, follower, poison: letters[0]!, parked: letters[1]! };
}

describe('discarding dead letters', () => {
  it('when the poison record that blocks a key is discarded with a reason, then the key is released, a redrive applies what was parked, and the audit keeps why and by whom', async () => {
    const name = uniqueName('discard');
    const table = uniqueName('applied').replaceAll('-', '_');
    await createRecordingTable(backbone.pool, table);
    const { threadId, follower, poison } = await poisonThenParked(name, table);

    const discarded = await discardDeadLetters(
      backbone.kafka,
      backbone.pool,
      topic,
      (entry) => entry.offset === poison.offset,
      'garbage from a misconfigured producer',
      'ops-alice',
    );
    expect(discarded).toEqual({ discarded: 1, unparked: 1 });
    expect((await parkedKeys(backbone.pool, name, topic)).has(threadId)).toBe(false);

    const redriven = await redriveDeadLetters(backbone.kafka, backbone.pool, topic);
    expect(redriven).toEqual({ sent: 1, unparked: 0, skipped: 0 });
    await eventually(async () =>
      expect((await recorded(backbone.pool, table)).ids).toEqual([follower.metadata.eventId]),
    );

    const after = await listDeadLetters(backbone.kafka, topic, backbone.pool);
    expect(after.filter(isPending)).toEqual([]);
    expect(after[0]!.discarded).toMatchObject({
      reason: 'garbage from a misconfigured producer',
      discardedBy: 'ops-alice',
    });
    const { rows } = await backbone.pool.query(
      'select processor, key, source_offset::text, reason from public.tributary_dead_letter_discards where topic = $1',
      [topic],
    );
    expect(rows).toEqual([
      {
        processor: name,
        key: threadId,
        source_offset: poison.sourceOffset,
        reason: 'garbage from a misconfigured producer',
      },
    ]);
  });

  it('when a redrive skips the undecodable, then they are discarded instead of sent back to fail again, and the rest is applied', async () => {
    const name = uniqueName('skip');
    const table = uniqueName('applied').replaceAll('-', '_');
    await createRecordingTable(backbone.pool, table);
    const { follower } = await poisonThenParked(name, table);

    const result = await redriveDeadLetters(backbone.kafka, backbone.pool, topic, {
      skipUndecodable: { discardedBy: 'ops-bob' },
    });
    expect(result).toEqual({ sent: 1, unparked: 1, skipped: 1 });
    await eventually(async () =>
      expect((await recorded(backbone.pool, table)).ids).toEqual([follower.metadata.eventId]),
    );
    const letters = await listDeadLetters(backbone.kafka, topic, backbone.pool);
    expect(letters.map((l) => [l.reason, l.discarded?.discardedBy ?? null, l.redriven])).toEqual([
      ['undecodable', 'ops-bob', false],
      ['parked', null, true],
    ]);
  });

  it('when a discard has no reason, then it is refused', async () => {
    await expect(discardDeadLetters(backbone.kafka, backbone.pool, topic, () => true, '  ', 'ops')).rejects.toThrow(
      'a discard needs a reason',
    );
  });

  it('when the topic has no dead-letter topic, then listing, redriving and discarding each say so rather than fail in Kafka', async () => {
    const missing = `${topic}-nosuch`;
    const said = `no dead-letter topic ${missing}.dlq: ${missing} is not a topic of this cluster`;

    await expect(listDeadLetters(backbone.kafka, missing)).rejects.toThrow(said);
    await expect(redriveDeadLetters(backbone.kafka, backbone.pool, missing)).rejects.toThrow(said);
    await expect(discardDeadLetters(backbone.kafka, backbone.pool, missing, () => true, 'why', 'ops')).rejects.toThrow(
      said,
    );
  });
});
