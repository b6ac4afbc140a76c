import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withKafkaAdmin } from '../../infra/kafka/admin.ts';
import { frame } from '../../schemas/wire.ts';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { messageSent, threadCreated } from '../../test/support/events.ts';
import { eventually } from '../../test/support/eventually.ts';
import { untilCaughtUp } from '../../test/support/kafka-caught-up.ts';
import { uniqueName } from '../../test/support/platform.ts';
import { createRecordingTable, recorded, recordingProjection } from '../../test/support/recording-projection.ts';
import { listDeadLetters, redriveDeadLetters } from '../dead-letter-tools.ts';
import { groupIdOf } from './processor.ts';
import { startProcessor, type RunningProcessor } from './runner.ts';
import { checkpoints, parkedKeys, saveCheckpoint } from './store.ts';

// Every test has topics of its own: it sees only its own events and dead letters.
let backbone: Backbone;
let running: RunningProcessor[] = [];
/** Child processes a test started: a failed test must not leave one consuming for ever. */
let children: ChildProcess[] = [];
let topic: string;

beforeEach(async () => {
  backbone = await isolatedBackbone({ partitions: 3 });
  topic = backbone.topics['messages.events'];
});
afterEach(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children = [];
  await Promise.all(running.map((r) => r.stop()));
  running = [];
  await backbone.close();
});

async function start(
  processor: Parameters<typeof startProcessor>[0],
  options: Parameters<typeof startProcessor>[2] = {},
) {
  const runner = await startProcessor(processor, backbone.runtime(), { sessionTimeoutMs: 6000, ...options });
  running.push(runner);
  await runner.joined;
  return runner;
}

async function stop(runner: RunningProcessor) {
  await runner.stop();
  running = running.filter((r) => r !== runner);
}

async function freshTable() {
  const table = uniqueName('applied').replaceAll('-', '_');
  await createRecordingTable(backbone.pool, table);
  return table;
}

/** What the table holds once `done` passes (it uses expect). */
function recordedOnce(table: string, done: (r: Awaited<ReturnType<typeof recorded>>) => void, timeoutMs?: number) {
  return eventually(
    async () => {
      const r = await recorded(backbone.pool, table);
      done(r);
      return r;
    },
    { timeoutMs },
  );
}

const committedOffsets = (name: string) =>
  withKafkaAdmin(backbone.kafka, (admin) => admin.committedOffsets(groupIdOf({ name }), topic));

async function sendRaw(value: Buffer, key: string) {
  const producer = backbone.kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: [{ key, value }] });
  await producer.disconnect();
}

describe('the consumer runtime', () => {
  it('when a poison record (random bytes, an unknown schema id) arrives, then it is dead-lettered with its reason and the records after it are applied', async () => {
    const table = await freshTable();
    const name = uniqueName('poison');
    const before = threadCreated();
    const after = threadCreated();
    await backbone.publisher.publish(before);
    await sendRaw(Buffer.from('certainly not avro'), randomUUID());
    await sendRaw(frame(987_654, Buffer.from([1, 2, 3])), randomUUID());
    await backbone.publisher.publish(after);

    await start(recordingProjection(name, [topic], table));

    const applied = await recordedOnce(table, (r) => expect(r.total).toBeGreaterThanOrEqual(2));
    expect(applied.ids.sort()).toEqual([before.metadata.eventId, after.metadata.eventId].sort());
    const letters = await eventually(async () => {
      const ours = (await listDeadLetters(backbone.kafka, topic)).filter((e) => e.processor === name);
      expect(ours.length).toBeGreaterThanOrEqual(2);
      return ours;
    });
    expect(letters.map((l) => [l.reason, l.error])).toEqual(
      expect.arrayContaining([
        ['undecodable', "the value starts with byte 99, not the wire format's magic byte 0"],
        ['undecodable', 'schema id 987654 is not in the registry'],
      ]),
    );
    expect(letters.every((l) => l.sourceTopic === topic && l.sourceOffset !== '-1')).toBe(true);
    const deadLetters = await backbone.metrics.deadLetters.get();
    const ours = deadLetters.values.filter((v) => v.labels.processor === name && v.labels.reason === 'undecodable');
    expect(ours.reduce((sum, v) => sum + v.value, 0)).toBe(2);
    const appliedMetric = (await backbone.metrics.events.get()).values.find(
      (v) => v.labels.processor === name && v.labels.outcome === 'applied',
    );
    expect(appliedMetric?.value).toBeGreaterThanOrEqual(2);
  });

  it('when the handler throws once, then the event is retried and applied exactly once', async () => {
    const table = await freshTable();
    const event = threadCreated();
    let failures = 0;
    await backbone.publisher.publish(event);
    await start(
      recordingProjection(uniqueName('flaky'), [topic], table, (c) =>
        c.event.metadata.eventId === event.metadata.eventId && failures++ === 0
          ? new Error('database hiccup')
          : undefined,
      ),
    );
    const applied = await recordedOnce(table, (r) => expect(r.ids).toContain(event.metadata.eventId));
    expect(failures).toBe(2);
    expect(applied.ids.filter((id) => id === event.metadata.eventId)).toHaveLength(1);
  });

  it('when a handed-off apply fails past its retries (Kafka reports the membership lost) on the last batch, then the partition goes back to it and every event is applied exactly once', async () => {
    const table = await freshTable();
    const name = uniqueName('handed-off');
    // One key: every event in one partition, the last of them published alone, so its batch is the
    // partition's last and no later batch's checkpoint gap could bring it back.
    const threadId = randomUUID();
    const events = Array.from({ length: 20 }, () => threadCreated(threadId));
    await backbone.publisher.publishBatch(events.slice(0, -1));
    const last = events.at(-1)!;
    let failures = 0;
    await start(
      recordingProjection(name, [topic], table, (c) =>
        c.event.metadata.eventId === last.metadata.eventId && failures++ === 0
          ? Object.assign(new Error('The coordinator is not aware of this member'), { type: 'UNKNOWN_MEMBER_ID' })
          : undefined,
      ),
    );
    await recordedOnce(table, (r) => expect(r.total).toBe(19));
    await backbone.publisher.publish(last);

    const applied = await recordedOnce(table, (r) => expect(r.ids).toContain(last.metadata.eventId));
    expect(failures).toBe(2);
    expect(applied.total).toBe(20);
    expect(applied.distinct).toBe(20);
    await eventually(async () => {
      const committed = (await committedOffsets(name)).filter((c) => c.offset !== null);
      expect(committed.reduce((sum, c) => sum + Number(c.offset), 0)).toBe(20);
    });
  });

  it('when retention deleted the records past a checkpoint, then the processor moves on from the first record Kafka keeps and applies each kept record once', async () => {
    const table = await freshTable();
    const name = uniqueName('retention');
    const threadId = randomUUID();
    await backbone.publisher.publishBatch(Array.from({ length: 10 }, () => threadCreated(threadId)));
    const ranges = await withKafkaAdmin(backbone.kafka, (admin) => admin.topicOffsets(topic));
    const { partition } = ranges.find((range) => range.high === 10n)!;
    const admin = backbone.kafka.admin();
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: [topic] }); // kafkajs finds the partition's leader from it
    await admin.deleteTopicRecords({ topic, partitions: [{ partition, offset: '6' }] });
    await admin.disconnect();
    // A checkpoint at 3: the records 3 to 5 it would resume from are gone.
    await saveCheckpoint(backbone.pool, name, topic, partition, 3n);

    await start(recordingProjection(name, [topic], table));
    await eventually(async () => {
      const stored = await checkpoints(backbone.pool, name);
      expect(stored.find((c) => c.partition === partition)?.nextOffset).toBe(10n);
    });
    const { rows } = await backbone.pool.query<{ offset: string }>(`select "offset" from ${table} order by "offset"`);
    expect(rows.map((row) => Number(row.offset))).toEqual([6, 7, 8, 9]);
  });

  it('when the same records are delivered again (offsets reset), then the checkpoint skips them and nothing is applied twice', async () => {
    const table = await freshTable();
    const name = uniqueName('twice');
    const events = Array.from({ length: 12 }, () => threadCreated());
    await backbone.publisher.publishBatch(events);
    const first = await start(recordingProjection(name, [topic], table));
    const { total } = await recordedOnce(table, (r) =>
      expect(r.ids).toEqual(expect.arrayContaining(events.map((e) => e.metadata.eventId))),
    );
    await stop(first);

    // Kafka forgets how far the group got: every record is delivered again.
    await withKafkaAdmin(backbone.kafka, (admin) => admin.rewindGroup(groupIdOf({ name }), topic));

    const marker = threadCreated();
    await backbone.publisher.publish(marker);
    await start(recordingProjection(name, [topic], table));
    await untilCaughtUp(backbone, name, topic);
    const after = await recorded(backbone.pool, table);
    expect(after.ids).toContain(marker.metadata.eventId);
    expect(after.total).toBe(total + 1);
    expect(after.distinct).toBe(after.total);
  });

  it('when the process is killed between the Postgres commit and the Kafka commit, then a restart applies every event exactly once', async () => {
    const table = await freshTable();
    const name = uniqueName('killed');
    const events = Array.from({ length: 30 }, () => threadCreated());
    await backbone.publisher.publishBatch(events);

    // node --import tsx, not the tsx CLI: the CLI runs the script in a child and would hide the signal.
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'test/support/projection-process.ts',
        backbone.suffix,
        name,
        table,
        'crash-after-postgres-commit',
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, sig) => resolve(sig)),
    );
    expect(signal, stderr).toBe('SIGKILL');

    // The first batch is in Postgres, but Kafka never heard that it was consumed.
    const committedBeforeRestart = (await recorded(backbone.pool, table)).total;
    expect(committedBeforeRestart).toBeGreaterThan(0);
    const offsets = await committedOffsets(name);
    // For the partition it died on, Kafka's committed offset is behind the checkpoint.
    const stored = await checkpoints(backbone.pool, name);
    const behind = stored.filter((c) => {
      const committed = offsets.find((p) => p.partition === c.partition)?.offset ?? null;
      return committed === null || committed < c.nextOffset;
    });
    expect(behind.length).toBeGreaterThan(0);

    await start(recordingProjection(name, [topic], table));
    await untilCaughtUp(backbone, name, topic);
    const applied = await recorded(backbone.pool, table);
    const ours = applied.ids.filter((id) => events.some((e) => e.metadata.eventId === id));
    expect(ours).toHaveLength(events.length);
    expect(new Set(ours).size).toBe(events.length);
    expect(applied.distinct).toBe(applied.total);
  });

  it('when the process gets SIGTERM mid-stream, then it finishes its batch, commits to Kafka what Postgres holds, and exits 0', async () => {
    const table = await freshTable();
    const name = uniqueName('sigterm');
    await backbone.publisher.publishBatch(Array.from({ length: 60 }, () => threadCreated()));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/support/projection-process.ts', backbone.suffix, name, table, 'until-signal'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // A hang guard, not a speed check: a child starting tsx and joining its group on a loaded
    // machine has taken over 30 s.
    await recordedOnce(table, (r) => expect(r.total).toBeGreaterThan(0), 120_000);
    child.kill('SIGTERM');
    expect(await exited, stderr).toBe(0);

    const offsets = await committedOffsets(name);
    const stored = await checkpoints(backbone.pool, name);
    expect(stored.length).toBeGreaterThan(0);
    for (const checkpoint of stored) {
      const committed = offsets.find((p) => p.partition === checkpoint.partition)?.offset;
      expect(committed).toBe(checkpoint.nextOffset);
    }
  }, 180_000);

  it('when one event keeps failing, then it is dead-lettered, later events of its key are parked behind it, other keys go on, and a redrive applies them in order', async () => {
    const table = await freshTable();
    const name = uniqueName('parking');
    const threadId = randomUUID();
    const broken = threadCreated(threadId, 'breaks the handler');
    const follower = messageSent(threadId, 'after the broken one');
    const bystander = threadCreated();
    let fixed = false;
    const projection = recordingProjection(name, [topic], table, (c) =>
      !fixed && c.event.metadata.eventId === broken.metadata.eventId
        ? new Error('cannot apply this thread')
        : undefined,
    );
    await backbone.publisher.publish(broken);
    await backbone.publisher.publish(follower);
    await backbone.publisher.publish(bystander);
    await start(projection);

    await recordedOnce(table, (r) => expect(r.ids).toContain(bystander.metadata.eventId));
    const letters = await eventually(async () => {
      const all = await listDeadLetters(backbone.kafka, topic);
      expect(all.length).toBeGreaterThanOrEqual(2);
      return all;
    });
    expect(letters.map((l) => [l.processor, l.eventId, l.reason, l.attempts])).toEqual([
      [name, broken.metadata.eventId, 'failed', 3],
      [name, follower.metadata.eventId, 'parked', 0],
    ]);
    expect((await recorded(backbone.pool, table)).ids).not.toContain(follower.metadata.eventId);

    fixed = true;
    const result = await redriveDeadLetters(backbone.kafka, backbone.pool, topic);
    expect(result).toEqual({ sent: 2, unparked: 1, skipped: 0 });
    expect((await parkedKeys(backbone.pool, name, topic)).has(threadId)).toBe(false);
    const applied = await recordedOnce(table, (r) => expect(r.ids).toContain(follower.metadata.eventId));
    const order = applied.ids.filter((id) => id === broken.metadata.eventId || id === follower.metadata.eventId);
    expect(order).toEqual([broken.metadata.eventId, follower.metadata.eventId]);
    // Nothing is left waiting for a redrive.
    const waiting = (await listDeadLetters(backbone.kafka, topic)).filter((l) => !l.redriven);
    expect(waiting).toEqual([]);
  });

  it('when a second instance joins and the first leaves mid-stream, then every event is applied exactly once', async () => {
    const table = await freshTable();
    const name = uniqueName('rebalance');
    const events = Array.from({ length: 150 }, () => threadCreated());
    const first = await start(recordingProjection(name, [topic], table));
    await backbone.publisher.publishBatch(events.slice(0, 50));
    await recordedOnce(table, (r) => expect(r.total).toBeGreaterThanOrEqual(20));

    await start(recordingProjection(name, [topic], table));
    await backbone.publisher.publishBatch(events.slice(50, 100));
    await stop(first);
    await backbone.publisher.publishBatch(events.slice(100));

    await untilCaughtUp(backbone, name, topic, { timeoutMs: 60_000 });
    const applied = await recorded(backbone.pool, table);
    const ours = applied.ids.filter((id) => events.some((e) => e.metadata.eventId === id));
    expect(ours).toHaveLength(events.length);
    expect(new Set(ours).size).toBe(events.length);
    expect(applied.distinct).toBe(applied.total);
  });
});
