import { lakeStoreOf, type LakeStore } from '../../infra/lake/store.ts';
import { migrate } from '../../infra/postgres/migrations.ts';
import { NOT_SHIPPED } from '../../producers/logs/pino-record.ts';
import { EVENT_ROUTES } from '../../schemas/catalog.ts';
import type { SliceWorker, SliceWorkerContext } from '../../slices/slice.ts';
import type { RunOptions } from '../runtime/dependencies.ts';
import { startProcessor } from '../runtime/runner.ts';
import { LakeFlusher } from './flusher.ts';
import { LAKE_MIGRATION_OWNER, LAKE_MIGRATIONS } from './lake-tables.ts';
import { ParquetWriter } from './parquet-writer.ts';
import { lakeStager } from './stager.ts';

export interface LakeWorkerOptions {
  /** The Postgres schema of the staging tables (tests use their own). */
  readonly schema?: string;
  /** The stager's name, naming its consumer group and checkpoints (tests use their own). */
  readonly stagerName?: string;
  readonly topics?: readonly string[];
  /** Where the files go (default: the configured target). */
  readonly store?: LakeStore;
  /** The stager's consumer options (tests shorten the session, so a killed member's partitions move fast). */
  readonly run?: RunOptions;
}

/**
 * The log lake's partitioner, run by `tributary start`: the stager (a checkpointed consumer of
 * logs.entries) and the flusher that turns staged entries into Parquet files.
 */
export function logLakeWorker(
  context: SliceWorkerContext,
  options: LakeWorkerOptions = {},
): Omit<SliceWorker, 'start'> & { start(): Promise<{ flusher: LakeFlusher; stop(): Promise<void> }> } {
  return {
    name: 'log-lake',
    async start() {
      const { config, aws, pool, logger, runtime } = context;
      const schema = options.schema ?? 'log_lake';
      await migrate(pool, `${LAKE_MIGRATION_OWNER}:${schema}`, LAKE_MIGRATIONS, { schema });
      const store = options.store ?? lakeStoreOf(config.lake, aws.s3);
      const writer = new ParquetWriter();
      // The lake's own logs never ship to the lake: each file stored would log an entry that
      // makes another file, for ever.
      const flusher = new LakeFlusher(
        pool,
        schema,
        store,
        writer,
        config.lake,
        logger.child({ worker: 'log-lake', ...NOT_SHIPPED }),
      );
      const stager = await startProcessor(
        lakeStager(options.stagerName ?? 'log-lake.stage.v1', options.topics ?? [EVENT_ROUTES.LogEntry.topic], schema),
        { ...runtime, logger: runtime.logger.child(NOT_SHIPPED) },
        options.run,
      );
      flusher.start(config.lake.flushIntervalMs);
      return {
        flusher,
        async stop() {
          await stager.stop();
          await flusher.stop();
          writer.close();
        },
      };
    },
  };
}
