import type pg from 'pg';
import { identifier } from '../../projections/statement.ts';

/**
 * Reads the scale-out test's read model (rows of applicationsProjection, in `schema`): who held
 * which partition when, when partitions applied again, and how often each event was applied.
 */
export function scaleOutReadModel(pool: pg.Pool, schema: string) {
  const table = `${identifier(schema)}.applications`;
  return {
    /** Which instances applied something on each partition since `since`. */
    async recentlyApplying(since: Date): Promise<Map<number, string[]>> {
      const { rows } = await pool.query<{ partition: number; instances: string[] }>(
        `select partition, array_agg(distinct instance order by instance) as instances from ${table}
         where applied_at > $1 group by partition order by partition`,
        [since],
      );
      return new Map(rows.map((r) => [r.partition, r.instances]));
    },

    /** The partitions whose last application before `at` was `instance`'s: the ones it held then. */
    async heldBy(instance: string, at: Date): Promise<number[]> {
      const { rows } = await pool.query<{ partition: number }>(
        `select partition from (
           select distinct on (partition) partition, instance from ${table}
           where applied_at <= $1 order by partition, applied_at desc, "offset" desc) last
         where instance = $2 order by partition`,
        [at, instance],
      );
      return rows.map((r) => r.partition);
    },

    /**
     * Per partition, the first application after `after` (by any instance but `except`, or only by
     * `by`); partitions with none are absent.
     */
    async firstApplied(
      after: Date,
      who: { except?: string; by?: string } = {},
    ): Promise<Map<number, { at: Date; instance: string }>> {
      const { rows } = await pool.query<{ partition: number; at: Date; instance: string }>(
        `select partition, min(applied_at) as at, (array_agg(instance order by applied_at))[1] as instance
         from ${table}
         where applied_at > $1 and ($2::text is null or instance <> $2) and ($3::text is null or instance = $3)
         group by partition`,
        [after, who.except ?? null, who.by ?? null],
      );
      return new Map(rows.map((r) => [r.partition, { at: r.at, instance: r.instance }]));
    },

    /** The longest time any partition went without an application between `from` and `to`, and which. */
    async longestPause(from: Date, to: Date): Promise<{ partition: number; ms: number }> {
      const { rows } = await pool.query<{ partition: number; ms: number }>(
        `select partition, extract(epoch from max(gap)) * 1000 as ms from (
           select partition, applied_at - lag(applied_at) over (partition by partition order by applied_at) as gap
           from ${table} where applied_at between $1 and $2) gaps
         group by partition order by ms desc nulls last limit 1`,
        [from, to],
      );
      return { partition: rows[0]?.partition ?? -1, ms: Math.round(Number(rows[0]?.ms ?? 0)) };
    },

    /** How many times each event id was applied. */
    async applicationsPerEvent(): Promise<Map<string, number>> {
      const { rows } = await pool.query<{ event_id: string; times: number }>(
        `select event_id, count(*)::int as times from ${table} group by event_id`,
      );
      return new Map(rows.map((r) => [r.event_id, r.times]));
    },
  };
}

/** Published ids against the read model: each must be there once, nothing else may be. */
export function exactlyOnceReport(published: readonly string[], applied: ReadonlyMap<string, number>) {
  const ids = new Set(published);
  return {
    published: published.length,
    distinctPublished: ids.size,
    lost: [...ids].filter((id) => !applied.has(id)),
    duplicated: [...applied].filter(([, times]) => times > 1).map(([id, times]) => `${id} ×${times}`),
    unexpected: [...applied.keys()].filter((id) => !ids.has(id)),
  };
}
