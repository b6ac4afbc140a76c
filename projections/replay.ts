import { setTimeout as sleep } from 'node:timers/promises';
import { OperatorError } from '../infra/errors.ts';
import { withKafkaAdmin } from '../infra/kafka/admin.ts';
import type { KafkaConnection } from '../infra/kafka/client.ts';
import { migrate, quoteIdentifier } from '../infra/postgres/migrations.ts';
import { inTransaction } from '../infra/postgres/transaction.ts';
import { groupIdOf } from '../processors/runtime/processor.ts';
import { startProcessor, type RuntimeDependencies } from '../processors/runtime/runner.ts';
import {
  checkpoints,
  forgetMigrations,
  forgetProcessor,
  handOverCheckpoints,
  handOverMigrations,
  lockCheckpoints,
  RUNTIME_MIGRATIONS,
} from '../processors/runtime/store.ts';
import {
  liveProcessorName,
  liveSchema,
  migrationOwner,
  projectionProcessor,
  rebuildProcessorName,
  shadowSchema,
  type Projection,
} from './projection.ts';
import { compareTables, type TableDifference } from './compare.ts';

export interface ReplayProgress {
  readonly applied: number;
  readonly total: number;
  readonly eventsPerSecond: number;
  /** Seconds until the shadow reaches the end, when it can be told. */
  readonly etaSeconds?: number;
}

export interface ReplayOptions {
  /** Keep the replaced tables (in `projection_<name>__old_<time>`) instead of dropping them. */
  readonly keepOld?: boolean;
  /** Build the shadow and compare it with the live tables, without swapping. */
  readonly dryRun?: boolean;
  readonly onProgress?: (progress: ReplayProgress) => void;
  readonly pollMs?: number;
  readonly sessionTimeoutMs?: number;
}

export interface ReplayResult {
  readonly swapped: boolean;
  readonly events: number;
  readonly seconds: number;
  /** Where the replaced tables were kept, with --keep-old. */
  readonly oldSchema?: string;
  /** With --dry-run: how the rebuilt tables differ from the live ones. */
  readonly differences?: readonly TableDifference[];
  /** With --dry-run: the records the rebuild gave up on, which a real rebuild would dead-letter (none sent). */
  readonly wouldDeadLetter?: readonly {
    topic: string;
    partition: number;
    offset: string;
    reason: string;
    error: string;
  }[];
}

/** Another process is rebuilding this projection. */
export class ReplayBusyError extends OperatorError {
  override name = 'ReplayBusyError';
}

/**
 * Rebuilds a projection from the start of its topics into shadow tables while the live ones
 * keep serving and consuming, then swaps them in one transaction (schema renames, checkpoints
 * handed over) and drops the old tables. One rebuild per projection at a time, across processes.
 * After the swap the live runner finds its checkpoint where the shadow stopped and rewinds to
 * it, so events that arrived during the swap are applied to the new tables.
 */
export async function replay(
  projection: Projection,
  deps: RuntimeDependencies,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const { pool } = deps;
  const started = Date.now();
  const lock = await pool.connect();
  try {
    const { rows } = await lock.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtext($1)) as locked', [
      `replay:${projection.name}`,
    ]);
    if (!rows[0]?.locked)
      throw new ReplayBusyError(`projection ${projection.name} is already being rebuilt by another process`);

    await migrate(pool, 'runtime', RUNTIME_MIGRATIONS);
    const rebuild = projectionProcessor(projection, 'shadow');
    const shadow = shadowSchema(projection);
    await clearShadow(projection, deps);
    await migrate(pool, migrationOwner(projection, 'shadow'), projection.migrations, { schema: shadow });

    const targets = await endOffsets(deps, projection.topics);
    const total = targets.reduce((sum, t) => sum + Number(t.high - t.low), 0);
    const wouldDeadLetter: NonNullable<ReplayResult['wouldDeadLetter']>[number][] = [];
    const runner = await startProcessor(
      rebuild,
      { ...deps, kafka: briefFetches(deps.kafka) },
      {
        sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000,
        // A dry run leaves nothing behind: not even a dead letter for a processor that will not run again.
        ...(options.dryRun ? { deadLetters: (record) => wouldDeadLetter.push(record) } : {}),
      },
    );
    let applied = 0;
    try {
      let previous = { at: Date.now(), applied: 0 };
      for (;;) {
        const shadowAt = await checkpoints(pool, rebuild.name);
        const liveAt = await checkpoints(pool, liveProcessorName(projection));
        applied = 0;
        let caughtUp = true;
        for (const target of targets) {
          const reached =
            shadowAt.find((c) => c.topic === target.topic && c.partition === target.partition)?.nextOffset ??
            target.low;
          const live =
            liveAt.find((c) => c.topic === target.topic && c.partition === target.partition)?.nextOffset ?? 0n;
          const goal = target.high > live ? target.high : live;
          applied += Number((reached < target.high ? reached : target.high) - target.low);
          if (target.high > target.low && reached < goal) caughtUp = false;
        }
        const now = Date.now();
        const rate = ((applied - previous.applied) * 1000) / Math.max(1, now - previous.at);
        previous = { at: now, applied };
        options.onProgress?.({
          applied,
          total,
          eventsPerSecond: Math.round(rate),
          ...(rate > 0 ? { etaSeconds: Math.ceil((total - applied) / rate) } : {}),
        });
        if (caughtUp) break;
        await sleep(options.pollMs ?? 1000);
      }
    } finally {
      await runner.stop();
    }

    if (options.dryRun) {
      const differences = await compareTables(pool, liveSchema(projection), shadow, projection.tables);
      await clearShadow(projection, deps);
      return { swapped: false, events: applied, seconds: (Date.now() - started) / 1000, differences, wouldDeadLetter };
    }
    const oldSchema = await swap(projection, deps);
    // Postgres and Kafka, each its own round trips: side by side.
    await Promise.all([
      oldSchema && !options.keepOld
        ? pool.query(`drop schema if exists ${quoteIdentifier(oldSchema)} cascade`)
        : undefined,
      deleteGroup(deps, groupIdOf(rebuild)),
    ]);
    return {
      swapped: true,
      events: applied,
      seconds: (Date.now() - started) / 1000,
      ...(oldSchema && options.keepOld ? { oldSchema } : {}),
    };
  } finally {
    await lock.query('select pg_advisory_unlock(hashtext($1))', [`replay:${projection.name}`]).catch(() => undefined);
    lock.release();
  }
}

/**
 * The swap, in one transaction: lock the live checkpoints (the live runner waits), rename the
 * live schema away and the shadow into its place, and hand the shadow's checkpoints and
 * migration records to the live runner. Returns the old schema's new name.
 */
async function swap(projection: Projection, { pool }: RuntimeDependencies): Promise<string | undefined> {
  const live = liveSchema(projection);
  const old = `${live}__old_${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}`;
  return inTransaction(pool, async (tx) => {
    await lockCheckpoints(tx, liveProcessorName(projection));
    const exists = await tx.query('select 1 from pg_namespace where nspname = $1', [live]);
    if (exists.rowCount) await tx.query(`alter schema ${quoteIdentifier(live)} rename to ${quoteIdentifier(old)}`);
    await tx.query(`alter schema ${quoteIdentifier(shadowSchema(projection))} rename to ${quoteIdentifier(live)}`);
    await handOverCheckpoints(tx, rebuildProcessorName(projection), liveProcessorName(projection));
    await handOverMigrations(tx, migrationOwner(projection, 'shadow'), migrationOwner(projection, 'live'));
    return exists.rowCount ? old : undefined;
  });
}

/** Removes what an earlier, interrupted rebuild left: shadow tables, checkpoints, group, migration records. */
async function clearShadow(projection: Projection, deps: RuntimeDependencies): Promise<void> {
  const { pool } = deps;
  await Promise.all([
    (async () => {
      await pool.query(`drop schema if exists ${quoteIdentifier(shadowSchema(projection))} cascade`);
      await forgetProcessor(pool, rebuildProcessorName(projection));
      await forgetMigrations(pool, migrationOwner(projection, 'shadow')).catch(() => undefined);
    })(),
    deleteGroup(deps, groupIdOf({ name: rebuildProcessorName(projection) })),
  ]);
}

async function deleteGroup({ kafka }: RuntimeDependencies, groupId: string): Promise<void> {
  await withKafkaAdmin(kafka, (admin) => admin.deleteGroup(groupId));
}

/** How long the rebuild's fetches wait on the broker for records that are not there yet. */
const REBUILD_FETCH_WAIT_MS = 250;

/**
 * The connection with the rebuild's consumers waiting at most REBUILD_FETCH_WAIT_MS per fetch.
 * Stopping a kafkajs consumer waits out its fetch in flight, and a rebuild is stopped the moment
 * it has caught up, that is while it waits for records: with kafkajs's 5 s it spent about 4.5 s of
 * every replay there (a fifth of rebuilding 200,000 events). The runner's own setting, for every
 * processor's stop, is the runtime's to change (processors/runtime/runner.ts).
 */
function briefFetches(kafka: KafkaConnection): KafkaConnection {
  return Object.create(kafka, {
    consumer: {
      value: (config: Parameters<KafkaConnection['consumer']>[0]) =>
        kafka.consumer({ maxWaitTimeInMs: REBUILD_FETCH_WAIT_MS, ...config }),
    },
  }) as KafkaConnection;
}

/** Each partition of the topics with its first and next offsets: how far a rebuild has to go. */
async function endOffsets({ kafka }: RuntimeDependencies, topics: readonly string[]) {
  return withKafkaAdmin(kafka, async (admin) => {
    const targets: { topic: string; partition: number; low: bigint; high: bigint }[] = [];
    for (const topic of topics) {
      for (const { partition, low, high } of await admin.topicOffsets(topic))
        targets.push({ topic, partition, low, high });
    }
    return targets;
  });
}
