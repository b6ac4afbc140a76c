import { WRITE_LOGS_SCOPE } from '../api/logs/ingest-routes.ts';
import { logRoutes, READ_LOGS_SCOPE } from '../api/logs/routes.ts';
import { logErrorAlertWorker } from '../processors/logs/error-alert-worker.ts';
import { LOG_ERROR_TOPIC } from '../processors/logs/error-alerts.ts';
import { logLakeWorker } from '../processors/logs/lake-worker.ts';
import { demoLogEntries, shipDemoContainerLogs } from '../producers/logs/demo.ts';
import { defineSlice } from './slice.ts';

/**
 * Log entries (seeds 001, 004): shipped by the pino transport or `POST /v1/logs`, partitioned
 * into the lake, queried with DuckDB or Athena, and alerting dashboards on errors and crashes.
 */
export const logsSlice = defineSlice({
  name: 'logs',
  doc: 'Log entries with their timeline, partitioned into the lake (seeds 001 and 004).',
  workers: (context) => [logLakeWorker(context), logErrorAlertWorker(context)],
  routes: logRoutes,
  scopes: [
    { name: READ_LOGS_SCOPE, doc: "Query the organization's logs in the lake." },
    { name: WRITE_LOGS_SCOPE, doc: 'Ship log entries of the organization to the lake (POST /v1/logs).' },
  ],
  realtime: [
    {
      name: LOG_ERROR_TOPIC,
      doc: 'An entry of the organization was logged at error or fatal, or reported a crash: the first of its window (LOG_ERROR_ALERT_WINDOW_SECONDS), so an incident alerts once, not once per line.',
      filterKeys: ['logType', 'server'],
      // Not made by the relay from each entry: the log-error-alerts worker publishes one per
      // organization and window (processors/logs/error-alert-worker.ts), with an id of the window.
      from: {},
    },
  ],
  demo: demoLogEntries,
  demoActions: shipDemoContainerLogs,
});
