import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { objectKey, type LakePartition } from '../../infra/lake/layout.ts';
import type { LakeStore } from '../../infra/lake/store.ts';
import type { Logger } from '../../infra/logging/logger.ts';
import { inTransaction } from '../../infra/postgres/transaction.ts';
import type { LakeRow, ParquetWriter } from './parquet-writer.ts';

/** When a partition's staged entries become a file: whichever comes first. */
export interface FileLimits {
  readonly maxRows: number;
  readonly maxBytes: number;
  /** The oldest staged entry's age: an idle partition closes on this alone, no newer entry needed. */
  readonly maxAgeMs: number;
}

interface Claim {
  readonly flushId: string;
  readonly key: string;
}

/**
 * Turns staged entries into Parquet objects, exactly once. A flush is three steps:
 *   1. claim: in one transaction, mark the partition's waiting entries with a flush id and record
 *      the flush (`writing`) with its object key, named from the topic, partition and offset range;
 *   2. write the marked entries to that key (an existing object under it is replaced);
 *   3. in one transaction, delete the marked entries and record the flush `stored`.
 * A crash after 1 or 2 leaves a `writing` flush whose entries are still staged and marked: `recover`
 * does 2 and 3 again with the same entries under the same key, so no row is lost or doubled.
 */
export class LakeFlusher {
  private stopping = false;
  private loop?: Promise<void>;
  private wake: () => void = () => undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
    private readonly store: LakeStore,
    private readonly writer: ParquetWriter,
    private readonly limits: FileLimits,
    private readonly logger: Logger,
  ) {}

  /** Flushes what is due every `intervalMs`, finishing interrupted flushes first. */
  start(intervalMs: number): void {
    this.loop = (async () => {
      while (!this.stopping) {
        try {
          await this.recover();
          await this.flushDue();
        } catch (error) {
          this.logger.warn({ err: error }, 'lake flush failed; trying again');
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, intervalMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
  }

  /** Flushes every partition that is due (or every partition with `all`); the keys written. */
  async flushDue(options: { all?: boolean } = {}): Promise<string[]> {
    const written: string[] = [];
    for (const partition of await this.duePartitions(options.all ?? false)) {
      const claim = await this.claim(partition);
      if (!claim) continue;
      await this.complete(claim);
      written.push(claim.key);
    }
    return written;
  }

  /** Finishes the flushes a crash (or a failed write) left `writing`; the keys written. */
  async recover(): Promise<string[]> {
    const { rows } = await this.pool.query<{ flush_id: string; object_key: string }>(
      `select flush_id, object_key from ${this.table('log_lake_flushes')} where state = 'writing' order by claimed_at`,
    );
    for (const row of rows) await this.complete({ flushId: row.flush_id, key: row.object_key });
    return rows.map((row) => row.object_key);
  }

  private async duePartitions(all: boolean): Promise<LakePartition[]> {
    const { rows } = await this.pool.query<{
      environment: string;
      organization_id: string;
      log_type: string;
      hour: Date;
    }>(
      `select environment, organization_id, log_type, hour from ${this.table('log_lake_staged')}
       where flush_id is null
       group by environment, organization_id, log_type, hour
       having $1 or count(*) >= $2 or sum(row_bytes) >= $3 or min(staged_at) <= now() - make_interval(secs => $4)`,
      [all, this.limits.maxRows, this.limits.maxBytes, this.limits.maxAgeMs / 1000],
    );
    return rows.map((r) => ({
      environment: r.environment,
      organizationId: r.organization_id,
      logType: r.log_type,
      hour: r.hour,
    }));
  }

  /** Step 1: the partition's waiting entries (at most maxRows, oldest first) marked, and the flush on record. */
  private async claim(partition: LakePartition): Promise<Claim | undefined> {
    const flushId = randomUUID();
    return inTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query<{ topic: string; partition: number; first: string; last: string; rows: string }>(
        `with chosen as (
           select topic, partition, kafka_offset from ${this.table('log_lake_staged')}
           where flush_id is null and environment = $2 and organization_id = $3 and log_type = $4 and hour = $5
           order by topic, partition, kafka_offset limit $6 for update skip locked),
         marked as (
           update ${this.table('log_lake_staged')} s set flush_id = $1 from chosen c
           where s.topic = c.topic and s.partition = c.partition and s.kafka_offset = c.kafka_offset
           returning s.topic, s.partition, s.kafka_offset)
         select topic, partition, min(kafka_offset)::text as first, max(kafka_offset)::text as last, count(*)::text as rows
         from marked group by topic, partition`,
        [
          flushId,
          partition.environment,
          partition.organizationId,
          partition.logType,
          partition.hour,
          this.limits.maxRows,
        ],
      );
      if (rows.length === 0) return undefined;
      // An organization's entries share one Kafka partition (they are keyed by it), so one source names the file.
      const source = rows[0]!;
      const key = objectKey(partition, {
        topic: source.topic,
        partition: source.partition,
        firstOffset: source.first,
        lastOffset: source.last,
      });
      const count = rows.reduce((sum, r) => sum + Number(r.rows), 0);
      await tx.query(
        `insert into ${this.table('log_lake_flushes')} (flush_id, object_key, rows, state) values ($1, $2, $3, 'writing')`,
        [flushId, key, count],
      );
      return { flushId, key };
    });
  }

  /** Steps 2 and 3. */
  private async complete(claim: Claim): Promise<void> {
    const { rows } = await this.pool.query<{ row: LakeRow }>(
      `select row from ${this.table('log_lake_staged')} where flush_id = $1 order by topic, partition, kafka_offset`,
      [claim.flushId],
    );
    const directory = await mkdtemp(join(tmpdir(), 'tributary-lake-'));
    try {
      const file = join(directory, 'entries.parquet');
      if (rows.length > 0) {
        await this.writer.write(
          rows.map((r) => r.row),
          file,
        );
        await this.store.put(claim.key, file);
      }
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
    await inTransaction(this.pool, async (tx) => {
      await tx.query(`delete from ${this.table('log_lake_staged')} where flush_id = $1`, [claim.flushId]);
      await tx.query(
        `update ${this.table('log_lake_flushes')} set state = 'stored', stored_at = now() where flush_id = $1`,
        [claim.flushId],
      );
    });
    this.logger.info({ key: claim.key, rows: rows.length, lake: this.store.location }, 'lake file stored');
  }

  private table(name: string): string {
    return `"${this.schema}"."${name}"`;
  }
}
