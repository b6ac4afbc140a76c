import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningProcessor } from '../processors/runtime/runner.ts';
import { isolatedBackbone, type Backbone } from '../test/support/backbone.ts';
import { threadCreated } from '../test/support/events.ts';
import { eventually } from '../test/support/eventually.ts';
import { uniqueName } from '../test/support/platform.ts';
import { startProjection } from './live.ts';
import { defineProjection, qualified, type Projection } from './projection.ts';
import { replay, ReplayBusyError } from './replay.ts';
import { discardDeadLetters, redriveDeadLetters } from '../processors/dead-letter-tools.ts';
import { guardedUpsert } from './upsert.ts';

// Each test has topics of its own, and so only its own events.
let backbone: Backbone;
beforeEach(async () => {
  backbone = await isolatedBackbone({ partitions: 3 });
});
afterEach(() => backbone.close());

/** A small projection of thread subjects; v2 adds a column and fills it. */
function threadSubjects(name: string, version: 1 | 2, topic: string): Projection {
  const v1 = {
    version: 1,
    name: 'threads',
    sql: 'create table threads (thread_id text primary key, subject text not null, version bigint not null)',
  };
  const v2 = { version: 2, name: 'subject in capitals', sql: 'alter table threads add column subject_upper text' };
  const projection = defineProjection({
    name,
    handles: ['ThreadCreated'],
    migrations: version === 1 ? [v1] : [v1, v2],
    tables: ['threads'],
    project(events) {
      const statement = guardedUpsert(
        'threads',
        ['thread_id'],
        events.map(({ event }) => ({
          row: {
            thread_id: event.payload.threadId,
            subject: event.payload.subject,
            ...(version === 2 ? { subject_upper: event.payload.subject.toUpperCase() } : {}),
          },
          version: event.metadata.occurredAt,
        })),
      );
      return statement ? [statement] : [];
    },
  });
  return { ...projection, topics: [topic] };
}

/** The projection with a handler that fails on any batch holding a thread whose subject is 'poison'. */
function failingOnPoison(healthy: Projection): Projection {
  return {
    ...healthy,
    project: (events) => {
      if (events.some(({ event }) => event.type === 'ThreadCreated' && event.payload.subject === 'poison'))
        throw new Error('no poison here');
      return healthy.project(events);
    },
  };
}

async function count(projection: Projection, where = 'true'): Promise<number> {
  const { rows } = await backbone.pool.query<{ n: string }>(
    `select count(*) as n from ${qualified(projection, 'threads')} where ${where}`,
  );
  return Number(rows[0]!.n);
}

describe('tributary replay', () => {
  it('when a projection is rebuilt after a handler change, then reads never fail during the swap and every row has the new shape', async () => {
    const name = uniqueName('subjects').replaceAll('-', '_');
    const topic = backbone.topics['messages.events'];
    const before = Array.from({ length: 200 }, (_, i) => threadCreated(undefined, `thread ${i}`));
    await backbone.publisher.publishBatch(before);

    let live: RunningProcessor = await startProjection(threadSubjects(name, 1, topic), backbone.runtime(), {
      sessionTimeoutMs: 6000,
    });
    await eventually(async () => expect(await count(threadSubjects(name, 1, topic))).toBe(200), { timeoutMs: 60_000 });
    await live.stop();
    // The new code is deployed: its migration adds the column, but old rows lack the value.
    const v2 = threadSubjects(name, 2, topic);
    live = await startProjection(v2, backbone.runtime(), { sessionTimeoutMs: 6000 });
    expect(await count(v2, 'subject_upper is null')).toBe(200);

    const seen: number[] = [];
    const readErrors: string[] = [];
    let reading = true;
    const reader = (async () => {
      while (reading) {
        try {
          seen.push(await count(v2));
        } catch (error) {
          readErrors.push((error as Error).message);
        }
        await sleep(5);
      }
    })();

    const progress: number[] = [];
    const rebuilt = replay(v2, backbone.runtime(), {
      pollMs: 100,
      sessionTimeoutMs: 6000,
      onProgress: (p) => progress.push(p.applied),
    });
    const during = Array.from({ length: 50 }, (_, i) => threadCreated(undefined, `during ${i}`));
    await backbone.publisher.publishBatch(during);
    const result = await rebuilt;
    await eventually(async () => expect(await count(v2)).toBe(250), { timeoutMs: 60_000 });
    reading = false;
    await reader;
    await live.stop();

    expect(result.swapped).toBe(true);
    expect(readErrors).toEqual([]);
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(200);
    expect(await count(v2, 'subject_upper = upper(subject)')).toBe(250);
    expect(progress.at(-1)).toBeGreaterThanOrEqual(200);
    const { rows } = await backbone.pool.query('select nspname from pg_namespace where nspname like $1', [
      `projection_${name}%`,
    ]);
    expect(rows.map((r) => r.nspname)).toEqual([`projection_${name}`]);
  });

  it('when run with --dry-run, then it compares without swapping and leaves no shadow behind', async () => {
    const name = uniqueName('dry').replaceAll('-', '_');
    const topic = backbone.topics['messages.events'];
    const projection = threadSubjects(name, 1, topic);
    const total = 40;
    await backbone.publisher.publishBatch(
      Array.from({ length: total }, (_, i) => threadCreated(undefined, `dry ${i}`)),
    );
    const live = await startProjection(projection, backbone.runtime(), { sessionTimeoutMs: 6000 });
    await eventually(async () => expect(await count(projection)).toBe(total), { timeoutMs: 60_000 });
    await live.stop();

    const result = await replay(projection, backbone.runtime(), { dryRun: true, pollMs: 100, sessionTimeoutMs: 6000 });
    expect(result.swapped).toBe(false);
    expect(result.differences).toEqual([
      { table: 'threads', liveRows: total, rebuiltRows: total, onlyLive: 0, onlyRebuilt: 0 },
    ]);
    const { rows } = await backbone.pool.query('select nspname from pg_namespace where nspname like $1', [
      `projection_${name}%`,
    ]);
    expect(rows.map((r) => r.nspname)).toEqual([`projection_${name}`]);
  });

  it('when a dry run meets a record the handler fails on, then it reports it and sends no dead letter', async () => {
    const name = uniqueName('drypoison').replaceAll('-', '_');
    const topic = backbone.topics['messages.events'];
    const failing = failingOnPoison(threadSubjects(name, 1, topic));
    const poison = threadCreated(undefined, 'poison');
    const [, written] = await Promise.all([
      backbone.publisher.publish(threadCreated(undefined, 'fine')),
      backbone.publisher.publish(poison),
    ]);
    // A later event of the poisoned thread waits behind it (parked), in a live run as in a rebuild.
    const follower = await backbone.publisher.publish(
      threadCreated(poison.payload.threadId as ReturnType<typeof crypto.randomUUID>, 'after the poison'),
    );
    const dlq = `${topic}.dlq`;
    // The live projection dead-letters both, as it should.
    const live = await startProjection(failing, backbone.runtime(), { sessionTimeoutMs: 6000 });
    await eventually(async () => expect(await deadLetterCount(dlq)).toBe(2), { timeoutMs: 60_000 });
    await eventually(async () => expect(await count(failing)).toBe(1));
    await live.stop();
    const before = await deadLetterCount(dlq);

    const result = await replay(failing, backbone.runtime(), { dryRun: true, pollMs: 100, sessionTimeoutMs: 6000 });

    expect(result.wouldDeadLetter).toEqual([
      expect.objectContaining({ partition: written.partition, offset: written.offset, reason: 'failed' }),
      expect.objectContaining({ partition: follower.partition, offset: follower.offset, reason: 'parked' }),
    ]);
    expect(result.differences).toEqual([
      { table: 'threads', liveRows: 1, rebuiltRows: 1, onlyLive: 0, onlyRebuilt: 0 },
    ]);
    expect(await deadLetterCount(dlq)).toBe(before);
  });

  it('when the live projection’s operator discarded a poison record and redrove what it held back, then a rebuild holds the same rows', async () => {
    const name = uniqueName('discarded').replaceAll('-', '_');
    const topic = backbone.topics['messages.events'];
    const failing = failingOnPoison(threadSubjects(name, 1, topic));
    const poison = threadCreated(undefined, 'poison');
    await backbone.publisher.publish(threadCreated(undefined, 'fine'));
    const written = await backbone.publisher.publish(poison);
    await backbone.publisher.publish(
      threadCreated(poison.payload.threadId as ReturnType<typeof crypto.randomUUID>, 'after the poison'),
    );
    const live = await startProjection(failing, backbone.runtime(), { sessionTimeoutMs: 6000 });
    try {
      await eventually(async () => expect(await deadLetterCount(`${topic}.dlq`)).toBe(2), { timeoutMs: 60_000 });
      // The operator sets the poison aside for good and sends back what waited behind it.
      const discarded = await discardDeadLetters(
        backbone.kafka,
        backbone.pool,
        topic,
        (entry) => entry.sourceOffset === written.offset && entry.sourcePartition === written.partition,
        'a poison record',
        'operator',
      );
      expect(discarded.discarded).toBe(1);
      await redriveDeadLetters(backbone.kafka, backbone.pool, topic);
      await eventually(async () => expect(await count(failing)).toBe(2), { timeoutMs: 60_000 });
    } finally {
      await live.stop();
    }
    const subjects = async () =>
      (await backbone.pool.query(`select subject from ${qualified(failing, 'threads')} order by subject`)).rows;
    const before = await subjects();

    const result = await replay(failing, backbone.runtime(), { pollMs: 100, sessionTimeoutMs: 6000 });

    expect(result.swapped).toBe(true);
    expect(await subjects()).toEqual(before);
    expect(before).toEqual([{ subject: 'after the poison' }, { subject: 'fine' }]);
  });

  it('when a rebuild is already running, then a second one is refused; with --keep-old the old tables stay', async () => {
    const name = uniqueName('busy').replaceAll('-', '_');
    const projection = threadSubjects(name, 1, backbone.topics['messages.events']);
    await backbone.publisher.publishBatch(Array.from({ length: 100 }, (_, i) => threadCreated(undefined, `busy ${i}`)));
    const first = replay(projection, backbone.runtime(), { keepOld: true, pollMs: 100, sessionTimeoutMs: 6000 });
    await eventually(async () => {
      const shadow = await backbone.pool.query('select 1 from pg_namespace where nspname = $1', [
        `projection_${name}__shadow`,
      ]);
      expect(shadow.rowCount).toBe(1);
    });
    await expect(replay(projection, backbone.runtime(), { pollMs: 100 })).rejects.toBeInstanceOf(ReplayBusyError);
    const result = await first;
    expect(result.swapped).toBe(true);

    const again = await replay(projection, backbone.runtime(), { keepOld: true, pollMs: 100, sessionTimeoutMs: 6000 });
    expect(again.oldSchema).toMatch(new RegExp(`^projection_${name}__old_\\d{14}$`));
    const { rows } = await backbone.pool.query('select 1 from pg_namespace where nspname = $1', [again.oldSchema]);
    expect(rows).toHaveLength(1);
  });
});

async function deadLetterCount(topic: string): Promise<number> {
  const admin = backbone.kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}
