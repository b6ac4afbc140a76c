import type pg from 'pg';
import { migrate, type Migration } from '../../infra/postgres/migrations.ts';
import type { Publisher } from '../../producers/publisher.ts';
import { EVENT_ROUTES } from '../../schemas/catalog.ts';
import type { SliceWorker, SliceWorkerContext } from '../../slices/slice.ts';
import type { AtLeastOnceProcessor } from '../runtime/processor.ts';
import { startProcessor } from '../runtime/runner.ts';
import { alertCandidates, alertNotification } from './error-alerts.ts';

const ALERT_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'log error alerts',
    sql: `create table log_error_alerts (
        organization_id text not null,
        window_start timestamptz not null,
        notification_id uuid not null,
        source_event_id uuid not null,
        recorded_at timestamptz not null default now(),
        primary key (organization_id, window_start));`,
  },
];

/**
 * Raises `log_error` for error and crash entries, at most once per organization per window
 * (LOG_ERROR_ALERT_WINDOW_SECONDS of the entries' own time). At-least-once: a window's alert is
 * published, then recorded; a crash in between publishes it again with the same id (derived from
 * the window), and a window on record is never published again, so the topic holds one alert per
 * window and a client sees it once.
 */
export function logErrorAlerts(
  pool: pg.Pool,
  publisher: Publisher,
  options: { schema: string; windowMs: number; name?: string; topics?: readonly string[] },
): AtLeastOnceProcessor {
  const table = `"${options.schema}"."log_error_alerts"`;
  return {
    name: options.name ?? 'log-error-alerts.v1',
    topics: options.topics ?? [EVENT_ROUTES.LogEntry.topic],
    mode: 'at-least-once',
    parkKeys: false,
    async handle(events) {
      const candidates = alertCandidates(events, options.windowMs);
      if (candidates.length === 0) return;
      const { rows } = await pool.query<{ organization_id: string; window_start: Date }>(
        `select organization_id, window_start from ${table}
         where (organization_id, window_start) in (select * from unnest($1::text[], $2::timestamptz[]))`,
        [candidates.map((c) => c.window.organizationId), candidates.map((c) => c.window.start)],
      );
      const raised = new Set(rows.map((r) => `${r.organization_id}\u0000${r.window_start.getTime()}`));
      const fresh = candidates.filter(
        (c) => !raised.has(`${c.window.organizationId}\u0000${c.window.start.getTime()}`),
      );
      if (fresh.length === 0) return;
      const notifications = fresh.map((c) => alertNotification(c.window, c.entry));
      await publisher.publishBatch(notifications);
      await pool.query(
        `insert into ${table} (organization_id, window_start, notification_id, source_event_id)
         select * from unnest($1::text[], $2::timestamptz[], $3::uuid[], $4::uuid[]) on conflict do nothing`,
        [
          fresh.map((c) => c.window.organizationId),
          fresh.map((c) => c.window.start),
          notifications.map((n) => n.metadata.eventId),
          fresh.map((c) => c.entry.metadata.eventId),
        ],
      );
    },
  };
}

/** The alerting processor as a worker of the logs slice: it needs Postgres for its record of windows. */
export function logErrorAlertWorker(
  context: Pick<SliceWorkerContext, 'pool' | 'publisher' | 'config' | 'runtime'>,
  options: { schema?: string; name?: string; topics?: readonly string[] } = {},
): SliceWorker {
  return {
    name: 'log-error-alerts',
    async start() {
      const schema = options.schema ?? 'log_lake';
      await migrate(context.pool, `log-error-alerts:${schema}`, ALERT_MIGRATIONS, { schema });
      return startProcessor(
        logErrorAlerts(context.pool, context.publisher, {
          schema,
          windowMs: context.config.lake.alertWindowMs,
          ...(options.name ? { name: options.name } : {}),
          ...(options.topics ? { topics: options.topics } : {}),
        }),
        context.runtime,
      );
    },
  };
}
