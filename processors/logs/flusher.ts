import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { objectKey } from '../../infra/lake/layout.ts';
import type { LakeStore } from '../../infra/lake/store.ts';
import type { Logger } from '../../infra/logging/logger.ts';
import { inTransaction } from '../../infra/postgres/transaction.ts';
import { batchesOf, inParallel, type Claim } from './flush-batches.ts';
import type { ParquetWriter } from './parquet-writer.ts';

/** When a partition's staged entries become a file: whichever comes first. */
export interface FileLimits {
  readonly maxRows: number;
  readonly maxBytes: number;
  /** The oldest staged entry's age: an idle partition closes on this alone, no newer entry needed. */
  readonly maxAgeMs: number;
}

/** Objects stored at once: S3 puts are round trips, and a cycle may close a file per partition. */
const PUTS_AT_ONCE = 8;

/** A claimed range's entries: the staged segments of its partition and Kafka partition starting within its offsets. */
const IN_RANGE = `s.environment = r.environment and s.organization_id = r.organization_id and s.log_type = r.log_type
  and s.hour = r.hour and s.topic = r.topic and s.partition = r.partition
  and s.first_offset between r.first_offset and r.last_offset`;

/** NDJSON `lines` with each entry's `lake_file` set to `n` (lines are JSON objects, one a line). */
function numbered(lines: string, n: number): string {
  const prefix = `{"lake_file":${n},`;
  return prefix + lines.slice(1).replaceAll('\n{', `\n${prefix}`);
}

interface ClaimedRange {
  environment: string;
  organization_id: string;
  log_type: string;
  hour: Date;
  topic: string;
  partition: number;
  first: string;
  last: string;
  rows: string;
  bytes: string;
}

/**
 * Turns staged entries into Parquet objects, exactly once. A flush is three steps:
 *   1. claim: in one transaction, record the flush (`writing`) of each due partition with its
 *      object key and, per Kafka partition, the offset range of the entries it takes (the key is
 *      named from the topic, partition and offset range);
 *   2. write those entries to that key (an existing object under it is replaced);
 *   3. in one transaction, delete the entries and the ranges and record the flush `stored`.
 * Entries of one Kafka partition are staged in offset order, so none can join a range after its
 * claim. A crash after 1 or 2 leaves a `writing` flush whose entries are still staged: `recover`
 * does 2 and 3 again with the same entries under the same key, so no row is lost or doubled.
 * A cycle claims every due partition at once and writes the files of many flushes with one
 * DuckDB statement: the per-file round trips, not the rows, were the cost of small partitions.
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
    const claims = await this.claim(options.all ?? false);
    for (const batch of batchesOf(claims)) await this.complete(batch);
    return claims.map((claim) => claim.key);
  }

  /** Finishes the flushes a crash (or a failed write) left `writing`; the keys written. */
  async recover(): Promise<string[]> {
    const { rows } = await this.pool.query<{ flush_id: string; object_key: string; bytes: string }>(
      `select f.flush_id, f.object_key,
         (select coalesce(sum(s.bytes), 0) from ${this.table('log_lake_flush_ranges')} r
          join ${this.table('log_lake_segments')} s on ${IN_RANGE} where r.flush_id = f.flush_id)::text as bytes
       from ${this.table('log_lake_flushes')} f where f.state = 'writing' order by f.claimed_at`,
    );
    const claims = rows.map((r) => ({ flushId: r.flush_id, key: r.object_key, bytes: Number(r.bytes) }));
    for (const batch of batchesOf(claims)) await this.complete(batch);
    return claims.map((claim) => claim.key);
  }

  /**
   * Step 1 for every due partition, in one transaction: the waiting segments (those in no writing
   * flush's range) of each partition that is due, oldest first, up to maxRows entries and maxBytes
   * (the segment crossing either included: a file may pass them by the rest of one consumer
   * batch), as one flush per partition.
   */
  private async claim(all: boolean): Promise<Claim[]> {
    return inTransaction(this.pool, async (tx) => {
      // Two partitioners claiming at once would compute the same ranges: claims take turns.
      await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`log-lake-claim:${this.schema}`]);
      const { rows } = await tx.query<ClaimedRange>(
        `with waiting as (
           select s.* from ${this.table('log_lake_segments')} s
           where not exists (select 1 from ${this.table('log_lake_flush_ranges')} r where ${IN_RANGE})),
         due as (
           select environment, organization_id, log_type, hour from waiting
           group by environment, organization_id, log_type, hour
           having $1 or sum(entries) >= $2 or sum(bytes) >= $3 or min(staged_at) <= now() - make_interval(secs => $4)),
         ranked as (
           select w.environment, w.organization_id, w.log_type, w.hour, w.topic, w.partition, w.first_offset,
             w.last_offset, w.entries, w.bytes,
             sum(w.entries) over p - w.entries as entries_before, sum(w.bytes) over p - w.bytes as bytes_before
           from waiting w join due using (environment, organization_id, log_type, hour)
           window p as (partition by w.environment, w.organization_id, w.log_type, w.hour
             order by w.topic, w.partition, w.first_offset))
         select environment, organization_id, log_type, hour, topic, partition,
           min(first_offset)::text as first, max(last_offset)::text as last, sum(entries)::text as rows,
           sum(bytes)::text as bytes
         from ranked where entries_before < $2 and bytes_before < $3
         group by environment, organization_id, log_type, hour, topic, partition
         order by environment, organization_id, log_type, hour, topic, partition`,
        [all, this.limits.maxRows, this.limits.maxBytes, this.limits.maxAgeMs / 1000],
      );
      const flushes = new Map<string, { claim: Claim; rows: number; ranges: ClaimedRange[] }>();
      for (const range of rows) {
        const partition = `${range.environment}\n${range.organization_id}\n${range.log_type}\n${range.hour.toISOString()}`;
        const flush = flushes.get(partition);
        if (flush) {
          flush.ranges.push(range);
          flush.rows += Number(range.rows);
          flush.claim = { ...flush.claim, bytes: flush.claim.bytes + Number(range.bytes) };
          continue;
        }
        // An organization's entries share one Kafka partition (they are keyed by it), so one source names the file.
        const key = objectKey(
          {
            environment: range.environment,
            organizationId: range.organization_id,
            logType: range.log_type,
            hour: range.hour,
          },
          { topic: range.topic, partition: range.partition, firstOffset: range.first, lastOffset: range.last },
        );
        const claim = { flushId: randomUUID(), key, bytes: Number(range.bytes) };
        flushes.set(partition, { claim, rows: Number(range.rows), ranges: [range] });
      }
      if (flushes.size === 0) return [];
      const claimed = [...flushes.values()];
      await tx.query(
        `insert into ${this.table('log_lake_flushes')} (flush_id, object_key, rows, state)
         select id, key, n, 'writing' from unnest($1::uuid[], $2::text[], $3::int[]) as f(id, key, n)`,
        [claimed.map((f) => f.claim.flushId), claimed.map((f) => f.claim.key), claimed.map((f) => f.rows)],
      );
      const ranges = claimed.flatMap((f) => f.ranges.map((range) => ({ flushId: f.claim.flushId, ...range })));
      const column = <K extends keyof (typeof ranges)[number]>(name: K) => ranges.map((r) => r[name]);
      await tx.query(
        `insert into ${this.table('log_lake_flush_ranges')}
           (flush_id, environment, organization_id, log_type, hour, topic, partition, first_offset, last_offset)
         select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::int[],
           $8::bigint[], $9::bigint[])`,
        [
          column('flushId'),
          column('environment'),
          column('organization_id'),
          column('log_type'),
          column('hour'),
          column('topic'),
          column('partition'),
          column('first'),
          column('last'),
        ],
      );
      return claimed.map((f) => f.claim);
    });
  }

  /**
   * Steps 2 and 3 for several flushes at once: their entries leave Postgres as one NDJSON file
   * (each flush's segments inflated in order, each line given its flush's number), DuckDB writes one Parquet
   * file per flush in one statement, the objects are stored side by side, and one transaction
   * records them all.
   */
  private async complete(claims: readonly Claim[]): Promise<void> {
    const directory = await mkdtemp(join(tmpdir(), 'tributary-lake-'));
    try {
      const ids = claims.map((c) => c.flushId);
      // Per flush (lateral), so each sorts its own segments rather than all of them at once.
      const { rows: segments } = await this.pool.query<{ n: number; lines: string; deflated: boolean }>(
        `select (f.ordinal - 1)::int as n, x.lines, x.deflated
         from unnest($1::uuid[]) with ordinality as f(flush_id, ordinal)
         cross join lateral (
           select s.lines, s.deflated, s.topic, s.partition, s.first_offset
           from ${this.table('log_lake_flush_ranges')} r join ${this.table('log_lake_segments')} s on ${IN_RANGE}
           where r.flush_id = f.flush_id) x
         order by f.ordinal, x.topic, x.partition, x.first_offset`,
        [ids],
      );
      // Inflated in place: a call on libuv's threads costs more than a segment's inflate (see the stager).
      const texts = segments.map(({ n, lines, deflated }) =>
        numbered(deflated ? inflateRawSync(Buffer.from(lines, 'base64')).toString() : lines, n),
      );
      const rows = [...new Set(segments.map((s) => s.n))].map((n) => ({ n }));
      // A flush whose entries are gone (another partitioner finished it) only needs recording.
      if (rows.length > 0) {
        const input = join(directory, 'entries.ndjson');
        await writeFile(input, texts.join('\n'));
        const numbers = rows.map((r) => r.n);
        const files = await this.writer.writeNumbered(input, numbers, join(directory, 'parquet'));
        await inParallel(
          numbers.map((n, i) => () => this.store.put(claims[n]!.key, files[i]!)),
          PUTS_AT_ONCE,
        );
      }
      await inTransaction(this.pool, async (tx) => {
        await tx.query(
          `delete from ${this.table('log_lake_segments')} s using ${this.table('log_lake_flush_ranges')} r
           where r.flush_id = any($1::uuid[]) and ${IN_RANGE}`,
          [ids],
        );
        await tx.query(`delete from ${this.table('log_lake_flush_ranges')} where flush_id = any($1::uuid[])`, [ids]);
        await tx.query(
          `update ${this.table('log_lake_flushes')} set state = 'stored', stored_at = now() where flush_id = any($1::uuid[])`,
          [ids],
        );
      });
      for (const { n } of rows)
        this.logger.info({ key: claims[n]!.key, lake: this.store.location }, 'lake file stored');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }

  private table(name: string): string {
    return `"${this.schema}"."${name}"`;
  }
}
