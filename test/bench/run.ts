/**
 * `npm run bench`: Tributary's publishing and consuming throughput, each as a ratio against a
 * ceiling measured in the same run on the same stack (raw kafkajs with pre-encoded records), and
 * HTTP ingest against the same server's /health/live. Absolute numbers vary with the machine;
 * the ratios say what Tributary's layers cost; then each slice's own figures (imports, warehouse,
 * lake, groups), each against its ceiling. `npm run bench -- ingest lake` runs only those.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../infra/config/index.ts';
import { createIdempotentProducer } from '../../infra/kafka/client.ts';
import { Stack } from '../../infra/stack/supervisor.ts';
import { startProcessor } from '../../processors/runtime/runner.ts';
import { isolatedBackbone } from '../support/backbone.ts';
import { threadCreated } from '../support/events.ts';
import { uniqueName } from '../support/platform.ts';
import { createRecordingTable, recorded, recordingProjection } from '../support/recording-projection.ts';
import { SAMPLE_GROUPS_BENCH_DEFAULT_LINES, groupsImportTable, measureGroupsImport } from './groups.ts';
import { IMPORT_BENCH_DEFAULT_LINES, importTable, measureTransactionsImport } from './imports.ts';
import { INGEST_LOAD, measureIngest } from './ingest.ts';
import { lakeTable, measureLake } from './lake.ts';
import { measureWarehouse, warehouseTable } from './warehouse.ts';
import type { LoadResult } from './load.ts';

const EVENTS = 20_000;
const BATCH = 500;
const out = (line: string) => process.stdout.write(`${line}\n`);

function rate(count: number, ms: number): number {
  return Math.round((count * 1000) / ms);
}

async function timed(label: string, work: (progress: (done: number) => void) => Promise<void>): Promise<number> {
  const started = performance.now();
  let last = 0;
  await work((done) => {
    if (performance.now() - last > 1000) {
      process.stderr.write(`  ${label}: ${done} / ${EVENTS}\r`);
      last = performance.now();
    }
  });
  const ms = performance.now() - started;
  process.stderr.write(`  ${label}: ${EVENTS} / ${EVENTS}, ${(ms / 1000).toFixed(1)} s\n`);
  return ms;
}

const { config } = await loadConfig();
await new Stack(config.stack).up((line) => process.stderr.write(`[stack] ${line}\n`));
const backbone = await isolatedBackbone({ partitions: 3 });
const say = (label: string) => (line: string) => process.stderr.write(`  ${label}: ${line}\n`);

/** Every measure, by the name `npm run bench -- <name>...` picks it with; each prints its own table. */
const MEASURES: Record<string, () => Promise<string>> = {
  throughput: measureThroughput,
  ingest: async () => ingestTable(await measureIngest(backbone, say('ingest'))),
  imports: async () =>
    importTable(await measureTransactionsImport(backbone, IMPORT_BENCH_DEFAULT_LINES, say('import'))),
  warehouse: async () => warehouseTable(await measureWarehouse(backbone, say('warehouse'))).join('\n'),
  lake: async () => lakeTable(await measureLake(backbone, say('lake'))),
  groups: async () =>
    groupsImportTable(await measureGroupsImport(backbone, SAMPLE_GROUPS_BENCH_DEFAULT_LINES, say('groups'))),
};
const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !(name in MEASURES));
if (unknown.length > 0)
  throw new Error(`unknown measure ${unknown.join(', ')}: ${Object.keys(MEASURES).join(', ')}, or none for all`);
const tables: string[] = [];
for (const name of chosen.length > 0 ? chosen : Object.keys(MEASURES)) {
  process.stderr.write(`${name}\n`);
  tables.push(await MEASURES[name]!());
}
await backbone.close();
for (const table of tables) out(`\n${table}`);

function ingestTable({ live, ingest: posted }: Awaited<ReturnType<typeof measureIngest>>): string {
  const figure = (r: LoadResult) =>
    `${r.requestsPerSecond} requests/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms${Object.keys(r.statuses).length > 1 || r.errors > 0 ? ` (${JSON.stringify(r.statuses)}, ${r.errors} errors)` : ''}`;
  return [
    `| measure | ceiling (GET /health/live, same server) | Tributary | ratio |`,
    `| --- | --- | --- | --- |`,
    `| HTTP ingest, one event per POST, ${INGEST_LOAD.connections} connections, ${INGEST_LOAD.tokens} tokens, median of ${INGEST_LOAD.rounds} rounds of ${INGEST_LOAD.seconds} s | ${figure(live)} | ${figure(posted)} | ${(posted.requestsPerSecond / live.requestsPerSecond).toFixed(3)} |`,
  ].join('\n');
}

async function measureThroughput(): Promise<string> {
  const topic = backbone.topics['messages.events'];
  const events = Array.from({ length: EVENTS }, () => threadCreated());

  // Ceiling: the same records, encoded beforehand, sent by a bare idempotent producer.
  const encoded = await Promise.all(events.map((event) => backbone.codec.encode(event)));
  const raw = createIdempotentProducer(backbone.kafka);
  await raw.connect();
  const rawPublishMs = await timed('raw kafkajs sendBatch', async (progress) => {
    for (let i = 0; i < encoded.length; i += BATCH) {
      await raw.sendBatch({
        acks: -1,
        topicMessages: [{ topic, messages: encoded.slice(i, i + BATCH).map(({ key, value }) => ({ key, value })) }],
      });
      progress(i + BATCH);
    }
  });
  await raw.disconnect();

  const publishMs = await timed('publisher.publishBatch (validate, encode, partition)', async (progress) => {
    for (let i = 0; i < events.length; i += BATCH) {
      await backbone.publisher.publishBatch(events.slice(i, i + BATCH));
      progress(i + BATCH);
    }
  });

  // Ceiling: a bare consumer reading every record of the topic (2 * EVENTS now) without decoding.
  const total = EVENTS * 2;
  const rawConsumer = backbone.kafka.consumer({ groupId: uniqueName('bench-raw') });
  await rawConsumer.connect();
  await rawConsumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  const rawConsumeStarted = performance.now();
  await new Promise<void>((resolve, reject) => {
    rawConsumer
      .run({
        eachBatch: async ({ batch }) => {
          seen += batch.messages.length;
          if (seen >= total) resolve();
        },
      })
      .catch(reject);
  });
  const rawConsumeMs = performance.now() - rawConsumeStarted;
  await rawConsumer.disconnect();

  // Tributary: decode, apply in Postgres with the checkpoint in the same transaction, commit.
  const table = uniqueName('bench').replaceAll('-', '_');
  await createRecordingTable(backbone.pool, table);
  const consumeStarted = performance.now();
  const runner = await startProcessor(recordingProjection(uniqueName('bench'), [topic], table), backbone.runtime());
  while ((await recorded(backbone.pool, table)).total < total) await sleep(200);
  const consumeMs = performance.now() - consumeStarted;
  await runner.stop();

  return [
    `| measure | ceiling (raw kafkajs) | Tributary | ratio |`,
    `| --- | --- | --- | --- |`,
    `| publish ${EVENTS} events, batches of ${BATCH}, acks=all | ${rate(EVENTS, rawPublishMs)} events/s | ${rate(EVENTS, publishMs)} events/s | ${(rawPublishMs / publishMs).toFixed(2)} |`,
    `| consume ${total} events (checkpointed, one Postgres row each) | ${rate(total, rawConsumeMs)} events/s | ${rate(total, consumeMs)} events/s | ${(rawConsumeMs / consumeMs).toFixed(2)} |`,
  ].join('\n');
}
