import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { threadCreated } from '../../test/support/events.ts';
import { untilCaughtUp } from '../../test/support/kafka-caught-up.ts';
import { uniqueName } from '../../test/support/platform.ts';
import type { CheckpointedProcessor } from './processor.ts';
import { startProcessor } from './runner.ts';

let backbone: Backbone;
beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 1 });
});
afterAll(() => backbone.close());

/** Records each event applied, with the unit's synchronous_commit, and no uniqueness: duplicates show. */
function recorder(table: string): CheckpointedProcessor {
  return {
    name: uniqueName('async-commit'),
    topics: [backbone.topics['messages.events']],
    mode: 'checkpointed',
    asynchronousCommit: true,
    async handle(events, { tx }) {
      await tx.query(
        `insert into ${table} (event_id, "offset", synchronous_commit)
         select unnest($1::text[]), unnest($2::bigint[]), current_setting('synchronous_commit')`,
        [events.map((e) => e.event.metadata.eventId), events.map((e) => e.offset)],
      );
    },
  };
}

describe('a checkpointed processor committing asynchronously', () => {
  it('when Postgres loses its last units (rows and checkpoint), then the runner rewinds to the checkpoint and applies each event exactly once', async () => {
    const topic = backbone.topics['messages.events'];
    const table = uniqueName('async_commit').replaceAll('-', '_');
    await backbone.pool.query(
      `create table ${table} (event_id text not null, "offset" bigint not null, synchronous_commit text not null)`,
    );
    const processor = recorder(table);
    const running = await startProcessor(processor, backbone.runtime(), { sessionTimeoutMs: 6000 });
    try {
      const first = [threadCreated(), threadCreated()];
      await backbone.publisher.publishBatch(first);
      await untilCaughtUp(backbone, processor.name, topic);
      const later = [threadCreated(), threadCreated(), threadCreated()];
      for (const event of later) {
        await backbone.publisher.publish(event);
        await untilCaughtUp(backbone, processor.name, topic);
      }
      const settings = await backbone.pool.query<{ offset: string; synchronous_commit: string }>(
        `select "offset", synchronous_commit from ${table} order by "offset"`,
      );
      // The partition's first checkpoint is durable; the units after it are not waited for.
      expect(settings.rows[0]!.synchronous_commit).toBe('on');
      expect(settings.rows.at(-1)!.synchronous_commit).toBe('off');

      // What a crash losing the last two units leaves: their rows and the checkpoint both gone.
      await backbone.pool.query(`delete from ${table} where "offset" >= 3`);
      await backbone.pool.query(
        'update public.tributary_checkpoints set next_offset = 3 where processor = $1 and topic = $2',
        [processor.name, topic],
      );
      const after = threadCreated();
      await backbone.publisher.publish(after);
      await untilCaughtUp(backbone, processor.name, topic);

      const applied = await backbone.pool.query<{ event_id: string }>(
        `select event_id from ${table} order by "offset"`,
      );
      expect(applied.rows.map((r) => r.event_id)).toEqual([...first, ...later, after].map((e) => e.metadata.eventId));
    } finally {
      await running.stop();
    }
  });
});
