import { logRoutes, READ_LOGS_SCOPE } from '../api/logs/routes.ts';
import { logLakeWorker } from '../processors/logs/lake-worker.ts';
import { defineSlice } from './slice.ts';
import { demoMetadata } from './demo-metadata.ts';

/** Log entries (seeds 001, 004): the partitioner into the lake and the realtime failure topic so far; queries come next. */
export const logsSlice = defineSlice({
  name: 'logs',
  doc: 'Log entries with their timeline, partitioned into the lake (seeds 001 and 004).',
  workers: (context) => [logLakeWorker(context)],
  routes: logRoutes,
  scopes: [{ name: READ_LOGS_SCOPE, doc: "Query the organization's logs in the lake." }],
  realtime: [
    {
      name: 'log_error',
      doc: 'A log entry reported a crash, an error level or a failed step.',
      filterKeys: ['logType', 'server'],
      from: {
        LogEntry: (e) => {
          const failed =
            e.payload.logType === 'crash' ||
            e.payload.level === 'error' ||
            e.payload.level === 'fatal' ||
            e.payload.events.some((step) => !step.success);
          return failed ? { logType: e.payload.logType, server: e.payload.server } : undefined;
        },
      },
    },
  ],
  demo(context) {
    const failed = context.round % 5 === 0;
    const transactionId = crypto.randomUUID();
    return [
      {
        type: 'LogEntry',
        metadata: demoMetadata(context, 'dspagw', transactionId),
        payload: {
          organizationId: context.organizationId,
          logType: 'agw',
          environment: context.environment,
          server: 'dspagw-1',
          level: failed ? 'error' : 'info',
          message: failed ? 'connector timed out' : 'request served',
          events: [
            {
              action: 'call',
              description: failed ? 'bank connector timed out after 30 s' : 'bank connector answered',
              detail: null,
              caller: 'dspweb',
              server: 'dspagw-1',
              success: !failed,
              time: context.now,
              transactionId,
              type: 'request',
            },
          ],
        },
      },
    ];
  },
});
