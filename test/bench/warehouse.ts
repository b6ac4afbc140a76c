/**
 * The transaction warehouse's figures for `npm run bench`, or on its own:
 *
 *   node --import tsx test/bench/warehouse.ts            # 20 000 events, paging over 100 000 rows
 *   node --import tsx test/bench/warehouse.ts --large    # paging over 1 000 000 rows
 *
 * 1. The warehouse projection (decode, statements, checkpoint in one transaction, Kafka commit)
 *    against its ceiling: a raw COPY of the same rows into the same table, same run.
 * 2. Paging: p50/p99 of a page read (GET /v1/accounts/{id}/transactions through the real app,
 *    token check and serialization included) on one account with many transactions, following
 *    cursors, while new transactions for that account keep landing through the live projection.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { from as copyFrom } from 'pg-copy-streams';
import { loadConfig } from '../../infra/config/index.ts';
import { migrate } from '../../infra/postgres/migrations.ts';
import { Stack } from '../../infra/stack/supervisor.ts';
import { checkpoints } from '../../processors/runtime/store.ts';
import { startProjection } from '../../projections/live.ts';
import {
  liveProcessorName,
  liveSchema,
  migrationOwner,
  qualified,
  type Projection,
} from '../../projections/projection.ts';
import type { Position } from '../../producers/publisher.ts';
import type { TransactionCleansed } from '../../schemas/generated/events.ts';
import { transactionsSlice } from '../../slices/transactions.ts';
import { bearer, testApp } from '../support/api.ts';
import { isolatedBackbone, type Backbone } from '../support/backbone.ts';
import { isolatedSlices } from '../support/slices.ts';

export interface WarehouseOptions {
  /** Events the projection applies (and rows the ceiling copies). */
  readonly events: number;
  /** Transactions of the one account paged through. */
  readonly pagingRows: number;
  /** Page reads timed. */
  readonly pageReads: number;
}

export const WAREHOUSE_DEFAULTS: WarehouseOptions = { events: 200_000, pagingRows: 100_000, pageReads: 1000 };

export interface WarehouseFigures {
  readonly options: WarehouseOptions;
  readonly copyPerSecond: number;
  readonly projectionPerSecond: number;
  readonly pageP50Ms: number;
  readonly pageP99Ms: number;
  /** Transactions that landed on the paged account while it was read. */
  readonly insertedWhilePaging: number;
}

const BATCH = 500;
const PAGE = 50;
export const ORG = 'org-bench';

/** A realistic TransactionCleansed (the bench workload of the warehouse, publish, consume and replay measures). */
export function cleansed(accountId: string, n: number): TransactionCleansed {
  const postedOn = new Date(Date.UTC(2020, 0, 1) + (n % 2000) * 86_400_000).toISOString().slice(0, 10);
  return {
    type: 'TransactionCleansed',
    metadata: {
      eventId: randomUUID(),
      occurredAt: new Date(),
      organizationId: ORG,
      environment: 'test',
      correlationId: randomUUID(),
      causationId: null,
      actor: 'transactions-cleanser',
    },
    payload: {
      transactionId: randomUUID(),
      accountId,
      amountMinor: ((n * 7919) % 200_000) - 100_000,
      currency: 'USD',
      postedOn,
      description: `POS PURCHASE SHOP ${n % 977} #${n % 100}`,
      merchant: `Shop ${n % 977}`,
      category: ['dining', 'groceries', 'fuel', 'shopping', null][n % 5]!,
      externalTransactionId: null,
      reference: `ref-${n}`,
      sourceFile: 'nightly.csv',
      lineNumber: n + 2,
      sourceEventId: randomUUID(),
    },
  };
}

/** The row the projection writes for an event, as a line of COPY's text format. */
export function copyLine(event: TransactionCleansed): string {
  const p = event.payload;
  const text = (value: string | number | null) => (value === null ? '\\N' : String(value));
  return `${[
    p.transactionId,
    event.metadata.organizationId,
    p.accountId,
    p.amountMinor,
    p.currency,
    p.postedOn,
    p.description,
    p.merchant,
    p.category,
    p.externalTransactionId,
    p.reference,
    p.sourceFile,
    p.lineNumber,
    p.sourceEventId,
    event.metadata.occurredAt.toISOString(),
  ]
    .map(text)
    .join('\t')}\n`;
}

/** COPYs the lines into `table` in one stream, joined into large writes as a loader would send them. */
export async function copyRows(backbone: Backbone, table: string, lines: Iterable<string>): Promise<void> {
  const client = await backbone.pool.connect();
  try {
    await pipeline(Readable.from(joined(lines)), client.query(copyFrom(`copy ${table} from stdin`)));
  } finally {
    client.release();
  }
}

const COPY_WRITE_BYTES = 1 << 20;

function* joined(lines: Iterable<string>): Generator<string> {
  let chunk = '';
  for (const line of lines) {
    chunk += line;
    if (chunk.length >= COPY_WRITE_BYTES) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/** Rounds of COPY the ceiling is the fastest of. */
const CEILING_ROUNDS = 3;

/**
 * The ceiling of a projection into `table`: raw COPY of the same rows (rendered beforehand, as the
 * projection's events are published beforehand) into the same table state, the emptied table the
 * projection then starts from. The fastest of three rounds: the first pays for a cold connection,
 * relation cache and code, and a ceiling is the best COPY does, not its first try. Leaves `table` empty.
 */
export async function copyCeiling(backbone: Backbone, table: string, lines: readonly string[]): Promise<number> {
  let fastest = Infinity;
  for (let round = 0; round < CEILING_ROUNDS; round += 1) {
    await backbone.pool.query(`truncate ${table}`);
    const started = performance.now();
    await copyRows(backbone, table, lines);
    fastest = Math.min(fastest, performance.now() - started);
  }
  await backbone.pool.query(`truncate ${table}`);
  return (lines.length * 1000) / fastest;
}

export async function caughtUp(
  backbone: Backbone,
  projection: Projection,
  written: readonly Position[],
): Promise<void> {
  const last = new Map<number, bigint>();
  for (const p of written)
    last.set(
      p.partition,
      BigInt(p.offset) > (last.get(p.partition) ?? -1n) ? BigInt(p.offset) : last.get(p.partition)!,
    );
  for (;;) {
    const stored = await checkpoints(backbone.pool, liveProcessorName(projection));
    if (
      [...last].every(
        ([partition, offset]) => (stored.find((c) => c.partition === partition)?.nextOffset ?? 0n) > offset,
      )
    )
      return;
    await sleep(50);
  }
}

export async function measureWarehouse(
  backbone: Backbone,
  progress: (line: string) => void,
  options: WarehouseOptions = WAREHOUSE_DEFAULTS,
): Promise<WarehouseFigures> {
  const [slice] = isolatedSlices(backbone, [transactionsSlice]);
  const warehouse = slice!.projections.warehouse!;
  await migrate(backbone.pool, migrationOwner(warehouse, 'live'), warehouse.migrations, {
    schema: liveSchema(warehouse),
  });
  const table = qualified(warehouse, 'transactions');

  // 1. The same rows: the COPY ceiling first (leaving the table empty), then the projection from Kafka.
  const events = Array.from({ length: options.events }, (_, n) => cleansed(`acc-${n % 500}`, n));
  const copyPerSecond = await copyCeiling(backbone, table, events.map(copyLine));
  progress(`COPY of ${events.length} rows: ${Math.round(copyPerSecond)} rows/s, the best of 3`);
  const written: Position[] = [];
  for (let i = 0; i < events.length; i += BATCH)
    written.push(...(await backbone.publisher.publishBatch(events.slice(i, i + BATCH))));
  const live = await startProjection(warehouse, backbone.runtime(), { sessionTimeoutMs: 6000 });
  await live.joined;
  const started = performance.now();
  await caughtUp(backbone, warehouse, written);
  const projectionMs = performance.now() - started;
  progress(`projection of ${events.length} events: ${(projectionMs / 1000).toFixed(2)} s`);

  // 2. Paging on one large account, loaded by COPY, while the live projection adds to it.
  const account = 'acc-large';
  const chunk = 50_000;
  for (let done = 0; done < options.pagingRows; done += chunk) {
    const size = Math.min(chunk, options.pagingRows - done);
    await copyRows(
      backbone,
      table,
      Array.from({ length: size }, (_, i) => copyLine(cleansed(account, done + i))),
    );
    progress(`loaded ${done + size} / ${options.pagingRows} rows of ${account}`);
  }
  await backbone.pool.query(`analyze ${table}`);
  await backbone.publisher.publish({
    type: 'AccountBalanceUpdated',
    metadata: { ...cleansed(account, 0).metadata },
    payload: { accountId: account, balanceMinor: 0, availableBalanceMinor: null, currency: 'USD', asOf: new Date() },
  });
  // A limit the reads never reach: the bench measures reads, not the rate limiter's 429s.
  const app = await testApp(backbone, { slices: [slice!], api: { rateLimitPerMinute: 1_000_000 } });
  const headers = await bearer(backbone, { organizationId: ORG, scopes: ['accounts:read'] });
  let inserting = true;
  let inserted = 0;
  const inserts = (async () => {
    for (let n = options.pagingRows; inserting; n += 20) {
      await backbone.publisher.publishBatch(Array.from({ length: 20 }, (_, i) => cleansed(account, n + i)));
      inserted += 20;
      await sleep(50);
    }
  })();
  const latencies: number[] = [];
  let cursor: string | undefined;
  try {
    while (latencies.length < options.pageReads) {
      const url = `/v1/accounts/${account}/transactions?limit=${PAGE}${cursor ? `&cursor=${cursor}` : ''}`;
      const begun = performance.now();
      const response = await app.inject({ method: 'GET', url, headers });
      latencies.push(performance.now() - begun);
      if (response.statusCode !== 200) throw new Error(`page read answered ${response.statusCode}: ${response.body}`);
      cursor = (response.json() as { nextCursor?: string }).nextCursor;
    }
  } finally {
    inserting = false;
    await inserts;
    await app.close();
    await live.stop();
    // A million rows of a throwaway copy: not left behind in the shared database.
    await backbone.pool.query(`drop schema if exists "${liveSchema(warehouse)}" cascade`);
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! * 10) / 10;
  return {
    options,
    copyPerSecond: Math.round(copyPerSecond),
    projectionPerSecond: Math.round((events.length * 1000) / projectionMs),
    pageP50Ms: at(0.5),
    pageP99Ms: at(0.99),
    insertedWhilePaging: inserted,
  };
}

export function warehouseTable(figures: WarehouseFigures): string[] {
  const { options } = figures;
  return [
    `| measure | ceiling | Tributary | ratio |`,
    `| --- | --- | --- | --- |`,
    `| warehouse: ${options.events} TransactionCleansed events (checkpointed projection vs raw COPY of the same rows into the same table) | ${figures.copyPerSecond} rows/s | ${figures.projectionPerSecond} events/s | ${(figures.projectionPerSecond / figures.copyPerSecond).toFixed(2)} |`,
    `| paging: ${options.pageReads} page reads of ${PAGE} on an account of ${options.pagingRows} transactions, ${figures.insertedWhilePaging} inserted meanwhile | | p50 ${figures.pageP50Ms} ms, p99 ${figures.pageP99Ms} ms | |`,
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const large = process.argv.includes('--large');
  const { config } = await loadConfig();
  await new Stack(config.stack).up((line) => process.stderr.write(`[stack] ${line}\n`));
  const backbone = await isolatedBackbone({ partitions: 3 });
  try {
    const figures = await measureWarehouse(
      backbone,
      (line) => process.stderr.write(`  warehouse: ${line}\n`),
      large ? { ...WAREHOUSE_DEFAULTS, pagingRows: 1_000_000 } : WAREHOUSE_DEFAULTS,
    );
    process.stdout.write(`\n${warehouseTable(figures).join('\n')}\n`);
  } finally {
    await backbone.close();
  }
}
