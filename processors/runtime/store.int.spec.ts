import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../infra/postgres/migrations.ts';
import { inTransaction } from '../../infra/postgres/transaction.ts';
import { eventually } from '../../test/support/eventually.ts';
import { testConfig, uniqueName } from '../../test/support/platform.ts';
import {
  checkpoints,
  checkpointsReached,
  forgetProcessor,
  handOverCheckpoints,
  lockCheckpoint,
  lockCheckpoints,
  parkedKeys,
  parkKey,
  RUNTIME_MIGRATIONS,
  saveCheckpoint,
} from './store.ts';

let pool: pg.Pool;
beforeAll(async () => {
  pool = new pg.Pool({ connectionString: (await testConfig()).database.url, max: 4 });
  await migrate(pool, 'runtime', RUNTIME_MIGRATIONS);
});
afterAll(() => pool.end());

describe("the runtime's store", () => {
  it('when a unit waits on checkpoints that a swap hands over, then it reads the handed-over checkpoint, never an empty one', async () => {
    const live = uniqueName('live');
    const rebuild = uniqueName('rebuild');
    await saveCheckpoint(pool, live, 'a', 0, 10n);
    await saveCheckpoint(pool, rebuild, 'a', 0, 25n);

    const swap = await pool.connect();
    await swap.query('begin');
    await lockCheckpoints(swap, live);
    // The live runner's unit starts while the swap holds the lock, and waits on it...
    const runner = await pool.connect();
    const { rows } = await runner.query<{ pid: number }>('select pg_backend_pid() as pid');
    await runner.query('begin');
    const unit = lockCheckpoint(runner, live, 'a', 0);
    await eventually(async () => {
      const activity = await pool.query('select wait_event_type from pg_stat_activity where pid = $1', [rows[0]!.pid]);
      expect(activity.rows[0]?.wait_event_type).toBe('Lock');
    });
    await handOverCheckpoints(swap, rebuild, live);
    await swap.query('commit');
    swap.release();

    // ...and, once the swap commits, reads where the rebuild stopped.
    const read = await unit;
    await runner.query('commit');
    runner.release();
    expect(read).toEqual({ next: 25n, stored: true });
  });

  it('when a position is asked for, then it is reached only once every partition named is checkpointed past it', async () => {
    const processor = uniqueName('reached');
    await saveCheckpoint(pool, processor, 'a', 0, 5n);
    await saveCheckpoint(pool, processor, 'a', 1, 3n);

    expect(await checkpointsReached(pool, processor, { a: { '0': '4' } })).toBe(true);
    expect(await checkpointsReached(pool, processor, { a: { '0': '4', '1': '3' } })).toBe(false);
    expect(await checkpointsReached(pool, processor, { a: { '2': '0' } })).toBe(false);
    expect(await checkpointsReached(pool, processor, { b: { '0': '0' } })).toBe(false);
    expect(await checkpointsReached(pool, processor, {})).toBe(true);
  });

  it('when checkpoints are handed over, then the receiver has exactly the checkpoints of the giver, and the giver none', async () => {
    const from = uniqueName('shadow');
    const to = uniqueName('live');
    await saveCheckpoint(pool, to, 'a', 0, 100n);
    await saveCheckpoint(pool, to, 'a', 1, 100n);
    await saveCheckpoint(pool, from, 'a', 0, 40n);

    await inTransaction(pool, (tx) => handOverCheckpoints(tx, from, to));

    expect(await checkpoints(pool, to)).toEqual([{ topic: 'a', partition: 0, nextOffset: 40n }]);
    expect(await checkpoints(pool, from)).toEqual([]);
  });

  it('when a processor is forgotten, then its checkpoints and parked keys are gone and other processors keep theirs', async () => {
    const forgotten = uniqueName('forgotten');
    const kept = uniqueName('kept');
    for (const processor of [forgotten, kept]) {
      await saveCheckpoint(pool, processor, 'a', 0, 7n);
      await parkKey(pool, { processor, topic: 'a', key: 'k', partition: 0, deadLetterOffset: '0', reason: 'test' });
    }

    await forgetProcessor(pool, forgotten);

    expect(await checkpoints(pool, forgotten)).toEqual([]);
    expect(await parkedKeys(pool, forgotten, 'a')).toEqual(new Set());
    expect(await checkpoints(pool, kept)).toHaveLength(1);
    expect(await parkedKeys(pool, kept, 'a')).toEqual(new Set(['k']));
  });
});
