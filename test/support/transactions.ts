import { randomUUID } from 'node:crypto';
import { NotificationFeed } from '../../api/realtime/feed.ts';
import { realtimeRelay } from '../../processors/realtime-relay/processor.ts';
import type { CheckpointedProcessor } from '../../processors/runtime/processor.ts';
import { startProcessor, type RunningProcessor } from '../../processors/runtime/runner.ts';
import { transactionsCleanser } from '../../processors/transactions/cleanser.ts';
import { LOADER_SCHEMA, transactionsLoader } from '../../processors/transactions/loader.ts';
import { CLEANSER_SCHEMA } from '../../processors/transactions/state.ts';
import { migrateCleanser } from '../../processors/transactions/workers.ts';
import { migrate } from '../../infra/postgres/migrations.ts';
import { LOADER_MIGRATIONS } from '../../processors/transactions/loader.ts';
import { startProjection } from '../../projections/live.ts';
import type { Projection } from '../../projections/projection.ts';
import type { TransactionIngested, TributaryEvent } from '../../schemas/generated/events.ts';
import { realtimeTopicsOf } from '../../slices/index.ts';
import { transactionsSlice } from '../../slices/transactions.ts';
import { bearer, testApp } from './api.ts';
import type { Backbone } from './backbone.ts';
import { quietLogger, uniqueName } from './platform.ts';
import { isolatedSlices } from './slices.ts';

export const ACCOUNT_SCOPES = ['accounts:read', 'accounts:write', 'cleansing-rules:admin', 'realtime:subscribe'];

/** An answer's JSON, read by tests as they expect it to be (the routes' schemas check its shape). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test asserts on the shape itself
type Json = any;

export interface TransactionsFlow {
  readonly app: Awaited<ReturnType<typeof testApp>>;
  /** ws://127.0.0.1:<port>/v1/realtime of the listening API. */
  readonly realtimeUrl: string;
  readonly warehouse: Projection;
  /** A call to the API as `organizationId` with every transactions scope. */
  call(
    organizationId: string,
    method: 'GET' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    payload?: object,
  ): Promise<{ status: number; body: Json }>;
  stop(): Promise<void>;
}

/**
 * The transactions slice over the test's backbone, as `tributary start` runs it: the cleanser and
 * the loader (their tables are the shared ones, every row keyed by organization, and the tests use
 * organizations of their own), the warehouse, the realtime relay and feed, and the listening API,
 * all under test names.
 */
export async function startTransactionsFlow(backbone: Backbone): Promise<TransactionsFlow> {
  const [slice] = isolatedSlices(backbone, [transactionsSlice]);
  const warehouse = slice!.projections.warehouse!;
  const runtime = backbone.runtime();
  await migrateCleanser(backbone.pool);
  await migrate(backbone.pool, `transactions-loader:${LOADER_SCHEMA}`, LOADER_MIGRATIONS, { schema: LOADER_SCHEMA });
  const options = { sessionTimeoutMs: 6000 };
  const cleanser = transactionsCleanser(backbone.publisher, {
    name: uniqueName('cleanser'),
    topics: [backbone.topics['transactions.raw']],
    schema: CLEANSER_SCHEMA,
  });
  const running: RunningProcessor[] = await Promise.all([
    startProjection(warehouse, runtime, options),
    startProcessor(crashingOnce(cleanser), runtime, options),
    startProcessor(
      transactionsLoader(backbone.publisher, {
        name: uniqueName('loader'),
        topics: [backbone.topics['transactions.cleansed']],
        schema: LOADER_SCHEMA,
        warehouse,
        waitMs: 3000,
      }),
      runtime,
      options,
    ),
    startProcessor(
      {
        ...realtimeRelay(backbone.publisher, realtimeTopicsOf([transactionsSlice]), [
          backbone.topics['transactions.cleansed'],
        ]),
        name: uniqueName('relay'),
      },
      runtime,
      options,
    ),
  ]);
  const feed = new NotificationFeed(
    backbone.kafka,
    backbone.codec,
    backbone.topics['realtime.notifications'],
    1000,
    quietLogger(),
  );
  await feed.start();
  const app = await testApp(backbone, { slices: [slice!], feed });
  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    realtimeUrl: `${baseUrl.replace(/^http/, 'ws')}/v1/realtime`,
    warehouse,
    async call(organizationId, method, url, payload) {
      const response = await app.inject({
        method,
        url,
        headers: await bearer(backbone, { organizationId, scopes: ACCOUNT_SCOPES, subject: 'teller-1' }),
        ...(payload ? { payload } : {}),
      });
      return { status: response.statusCode, body: response.body ? response.json() : undefined };
    },
    async stop() {
      await app.close();
      await feed.stop();
      await Promise.all(running.map((r) => r.stop()));
    },
  };
}

/** Organizations whose next cleanser batch fails after it has published, before its commit (once each). */
export const CRASH_AFTER_PUBLISHING = new Set<string>();

function crashingOnce(processor: CheckpointedProcessor): CheckpointedProcessor {
  return {
    ...processor,
    async handle(events, context) {
      await processor.handle(events, context);
      const victim = events.find((e) => CRASH_AFTER_PUBLISHING.delete(e.event.metadata.organizationId));
      if (victim) throw new Error('injected: the process died after publishing, before the commit');
    },
  };
}

/** A raw transaction as the importer publishes it: a CSV line of `sourceFile`, everything as text. */
export function ingested(
  organizationId: string,
  accountId: string,
  raw: { amount: string | null; date: string | null; description: string | null; currency?: string | null },
  line = 2,
  other: Record<string, string> = {},
): TransactionIngested {
  return {
    type: 'TransactionIngested',
    metadata: {
      eventId: randomUUID(),
      occurredAt: new Date(),
      organizationId,
      environment: 'test',
      correlationId: randomUUID(),
      causationId: null,
      actor: 'test-importer',
    },
    payload: {
      accountId,
      source: 'csv',
      sourceFile: 'nightly.csv',
      lineNumber: line,
      rawAmount: raw.amount,
      rawDate: raw.date,
      rawDescription: raw.description,
      rawCurrency: raw.currency === undefined ? 'USD' : raw.currency,
      externalTransactionId: null,
      rawOtherColumns: other,
    },
  };
}

/** A connector's notice that `accountIds` have new transactions. */
export function connectorNotice(organizationId: string, accountIds: string[], count: number | null): TributaryEvent {
  return {
    type: 'AccountTransactionsAdded',
    metadata: {
      eventId: randomUUID(),
      occurredAt: new Date(),
      organizationId,
      environment: 'test',
      correlationId: randomUUID(),
      causationId: null,
      actor: 'cdp-transfer',
    },
    payload: { batchId: randomUUID(), accountIds, count, sourceSystem: 'cdp-transfer' },
  };
}
