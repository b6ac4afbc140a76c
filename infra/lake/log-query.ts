import { hourOf, partitionPath } from './layout.ts';

export const LOG_TYPES = ['web', 'app', 'agw', 'hub', 'connector', 'container', 'crash'] as const;
export type LogTypeName = (typeof LOG_TYPES)[number];

/** A structured question about one organization's logs (seed 004's Athena searches). */
export interface LogQuery {
  readonly environment: string;
  readonly organizationId: string;
  /** Every type when absent. */
  readonly logTypes?: readonly LogTypeName[];
  readonly from: Date;
  /** Exclusive. */
  readonly to: Date;
  readonly transactionId?: string;
  /** Only entries whose timeline has a failed step (false), or none (true). */
  readonly success?: boolean;
  /** Words that must all appear in the message or a step's description, case-insensitively. */
  readonly text?: string;
  readonly limit: number;
}

/**
 * The columns of a structured query's rows, in this order whatever engine answers: DuckDB's
 * `hive_partitioning` would put the partition columns in its own order, Athena in the SELECT's.
 */
export const LOG_ROW_COLUMNS = [
  'event_id',
  'occurred_at',
  'server',
  'level',
  'message',
  'correlation_id',
  'events',
  'kafka_topic',
  'kafka_partition',
  'kafka_offset',
  'logtype',
  'year',
  'month',
  'day',
  'hour',
] as const;

/** The longest time range one query may span: the partitions it names stay countable. */
export const MAX_QUERY_HOURS = 24 * 31;

/**
 * The Hive partitions (path prefixes, one per log type and hour) a query can find rows in: the
 * query reads only files under them, never the rest of the lake.
 */
export function partitionsOf(query: LogQuery): string[] {
  const hours: Date[] = [];
  for (let hour = hourOf(query.from); hour < query.to; hour = new Date(hour.getTime() + 3_600_000)) hours.push(hour);
  return (query.logTypes ?? LOG_TYPES).flatMap((logType) =>
    hours.map(
      (hour) =>
        `${partitionPath({ environment: query.environment, organizationId: query.organizationId, logType, hour })}/`,
    ),
  );
}

/** The conditions of the query on a file's rows, in DuckDB's SQL, with named parameters. */
export function conditionsOf(query: LogQuery): { where: string; params: Record<string, string> } {
  const conditions = ['occurred_at >= $from::TIMESTAMP', 'occurred_at < $to::TIMESTAMP'];
  // The files hold UTC instants without a zone: compare them with UTC wall-clock times.
  const params: Record<string, string> = {
    from: query.from.toISOString().replace('Z', ''),
    to: query.to.toISOString().replace('Z', ''),
  };
  if (query.transactionId !== undefined) {
    conditions.push(
      '(correlation_id = $transaction or list_contains(list_transform(events, e -> e.transaction_id), $transaction))',
    );
    params.transaction = query.transactionId;
  }
  if (query.success !== undefined)
    conditions.push(
      `${query.success ? '' : 'not '}coalesce(list_bool_and(list_transform(events, e -> e.success)), true)`,
    );
  (query.text ?? '')
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .forEach((word, i) => {
      conditions.push(
        `(contains(lower(coalesce(message, '')), $word${i}) or list_bool_or(list_transform(events, e -> contains(lower(e.description), $word${i}))))`,
      );
      params[`word${i}`] = word;
    });
  return { where: conditions.join(' and '), params };
}
