import { tableOf } from './athena-ddl.ts';
import { LOG_TYPES, type LogQuery } from './log-query.ts';
import { hourOf } from './layout.ts';

const pad = (n: number) => String(n).padStart(2, '0');
/** Athena's execution parameters are SQL literals: a string goes in quotes. */
const quoted = (value: string) => `'${value.replace(/'/g, "''")}'`;
const athenaTime = (time: Date) => time.toISOString().replace('T', ' ').replace('Z', '');

/**
 * A structured log query as one Athena statement with `?` parameters: a UNION ALL over the asked
 * types' tables, each restricted to the organization, the environment and the range's hours by
 * partition columns, so partition projection computes only those locations (Athena reads no other
 * organization's objects), then the same conditions as DuckDB's, in Athena's functions.
 */
export function athenaLogQuery(query: LogQuery, database: string): { sql: string; parameters: string[] } {
  const parameters: string[] = [];
  const param = (value: string) => {
    parameters.push(quoted(value));
    return '?';
  };
  const days = new Map<string, string[]>();
  for (let hour = hourOf(query.from); hour < query.to; hour = new Date(hour.getTime() + 3_600_000)) {
    const day = `${hour.getUTCFullYear()}-${pad(hour.getUTCMonth() + 1)}-${pad(hour.getUTCDate())}`;
    days.set(day, [...(days.get(day) ?? []), pad(hour.getUTCHours())]);
  }
  const selects = (query.logTypes ?? LOG_TYPES).map((logType) => {
    const conditions = [`environment = ${param(query.environment)}`, `organization = ${param(query.organizationId)}`];
    conditions.push(
      `(${[...days]
        .map(([day, hours]) => {
          const [year, month, dd] = day.split('-') as [string, string, string];
          return `(year = ${param(year)} and month = ${param(month)} and day = ${param(dd)} and hour in (${hours.map((h) => param(h)).join(', ')}))`;
        })
        .join(' or ')})`,
    );
    conditions.push(`occurred_at >= cast(${param(athenaTime(query.from))} as timestamp)`);
    conditions.push(`occurred_at < cast(${param(athenaTime(query.to))} as timestamp)`);
    if (query.transactionId !== undefined) {
      const a = param(query.transactionId);
      const b = param(query.transactionId);
      conditions.push(`(correlation_id = ${a} or any_match(events, e -> e.transaction_id = ${b}))`);
    }
    if (query.success !== undefined)
      conditions.push(`${query.success ? '' : 'not '}coalesce(all_match(events, e -> e.success), true)`);
    for (const word of (query.text ?? '').toLowerCase().split(/\s+/).filter(Boolean)) {
      const a = param(word);
      const b = param(word);
      conditions.push(
        `(strpos(lower(coalesce(message, '')), ${a}) > 0 or any_match(events, e -> strpos(lower(e.description), ${b}) > 0))`,
      );
    }
    return `select event_id, occurred_at, server, level, message, correlation_id, json_format(cast(events as json)) as events,
  kafka_topic, kafka_partition, kafka_offset, '${logType}' as logtype, year, month, day, hour
from ${tableOf(database, logType)}
where ${conditions.join('\n  and ')}`;
  });
  return {
    sql: `${selects.join('\nunion all\n')}\norder by occurred_at, kafka_offset\nlimit ${Math.trunc(query.limit)}`,
    parameters,
  };
}
