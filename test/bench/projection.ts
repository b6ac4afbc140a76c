/**
 * The projection platform's two figures, on the transaction warehouse (a real checkpointed
 * projection: decode, set-based statements, the checkpoint in the same transaction, Kafka commit):
 *
 * - projection: events/s applied from Kafka with checkpoints, against a raw COPY of the same rows
 *   into the same table (each repetition a fresh copy of the projection over the same events);
 * - replay: events/s rebuilding the warehouse into shadow tables from offset zero and swapping
 *   them in (what `tributary replay` does), against the live projection's rate over the same
 *   events (both from the start of the consumer, group join included).
 */
import { randomUUID } from 'node:crypto';
import { migrate } from '../../infra/postgres/migrations.ts';
import { startProcessor } from '../../processors/runtime/runner.ts';
import { startProjection } from '../../projections/live.ts';
import { liveSchema, migrationOwner, qualified, shadowSchema, type Projection } from '../../projections/projection.ts';
import { replay } from '../../projections/replay.ts';
import type { Position } from '../../producers/publisher.ts';
import { transactionsSlice } from '../../slices/transactions.ts';
import type { Backbone } from '../support/backbone.ts';
import { isolatedSlices } from '../support/slices.ts';
import { median, ratioFigure, repeat, type BenchOptions, type Figure, type Progress } from './harness.ts';
import { caughtUp, cleansed, copyCeiling, copyLine } from './warehouse.ts';

export const PROJECTION_DEFAULT_EVENTS = 200_000;
export const REPLAY_DEFAULT_EVENTS = 200_000;
const BATCH = 500;

function freshWarehouse(backbone: Backbone): Projection {
  const [slice] = isolatedSlices(backbone, [transactionsSlice]);
  return slice!.projections.warehouse!;
}

async function dropWarehouse(backbone: Backbone, warehouse: Projection): Promise<void> {
  for (const schema of [liveSchema(warehouse), shadowSchema(warehouse)])
    await backbone.pool.query(`drop schema if exists "${schema}" cascade`);
}

/** Publishes events n = from..to-1 of the workload, from 4 callers at once; returns their positions. */
async function publishRange(backbone: Backbone, from: number, to: number, progress: Progress): Promise<Position[]> {
  const written: Position[] = [];
  let next = from;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < to) {
        const start = next;
        next = Math.min(to, next + BATCH);
        const events = Array.from({ length: next - start }, (_, n) => cleansed(`acc-${(start + n) % 500}`, start + n));
        written.push(...(await backbone.publisher.publishBatch(events)));
        progress(`  published ${next.toLocaleString('en')} / ${to.toLocaleString('en')}`);
      }
    }),
  );
  return written;
}

/** The live projection from offset zero to `written`: seconds, group join included. */
async function liveRun(backbone: Backbone, warehouse: Projection, written: readonly Position[]) {
  await migrate(backbone.pool, migrationOwner(warehouse, 'live'), warehouse.migrations, {
    schema: liveSchema(warehouse),
  });
  const started = performance.now();
  const live = await startProjection(warehouse, backbone.runtime(), { sessionTimeoutMs: 6000 });
  await caughtUp(backbone, warehouse, written);
  return { live, seconds: (performance.now() - started) / 1000 };
}

/**
 * The runtime reading the same events with a handler that does nothing (decode, batch loop, Kafka
 * commit; no Postgres), from the group's join: what the projection's Postgres work comes on top of.
 */
async function decodeOnly(backbone: Backbone, topics: readonly string[], events: number): Promise<number> {
  let seen = 0;
  let allSeen: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allSeen = resolve));
  const consumer = await startProcessor(
    {
      name: `bench.decode-only.${randomUUID()}`,
      topics,
      mode: 'at-least-once',
      async handle(batch) {
        seen += batch.length;
        if (seen >= events) allSeen();
      },
    },
    backbone.runtime(),
    { sessionTimeoutMs: 6000 },
  );
  try {
    await consumer.joined;
    const started = performance.now();
    await done;
    return events / ((performance.now() - started) / 1000);
  } finally {
    await consumer.stop();
  }
}

/**
 * On a backbone of its own: each repetition's projection reads transactions.cleansed from offset
 * zero. Two figures: the projection against COPY, and (no target) the runtime decoding the same
 * events with no Postgres against the same COPY: the part of the gap that is decoding, not writing.
 */
export async function measureProjection(
  backbone: Backbone,
  options: BenchOptions & { readonly events: number },
  progress: Progress,
): Promise<Figure[]> {
  const written = await publishRange(backbone, 0, options.events, progress);
  const lines = Array.from({ length: options.events }, (_, n) => copyLine(cleansed(`acc-${n % 500}`, n)));
  const decoded: { value: number; ceiling: number }[] = [];
  const measured = await repeat(options, progress, async ({ warmUp }) => {
    const warehouse = freshWarehouse(backbone);
    try {
      await migrate(backbone.pool, migrationOwner(warehouse, 'live'), warehouse.migrations, {
        schema: liveSchema(warehouse),
      });
      const table = qualified(warehouse, 'transactions');
      const ceiling = await copyCeiling(backbone, table, lines);
      // The clock starts at the join here: this is the steady rate, as COPY's is.
      const live = await startProjection(warehouse, backbone.runtime(), { sessionTimeoutMs: 6000 });
      await live.joined;
      const joined = performance.now();
      await caughtUp(backbone, warehouse, written);
      const seconds = (performance.now() - joined) / 1000;
      await live.stop();
      const decodePerSecond = await decodeOnly(backbone, warehouse.topics, options.events);
      progress(`  decoding alone: ${Math.round(decodePerSecond)} events/s`);
      if (!warmUp) decoded.push({ value: decodePerSecond, ceiling });
      return { value: options.events / seconds, ceiling };
    } finally {
      await dropWarehouse(backbone, warehouse);
    }
  });
  return [
    ratioFigure(
      {
        id: 'projection',
        group: 'platform',
        label: `${options.events.toLocaleString('en')} TransactionCleansed events applied by the warehouse projection, checkpoint in the same transaction`,
        unit: 'events/s',
        ceiling: { unit: 'rows/s', label: 'raw COPY of the same rows into the same emptied table, fastest of 3' },
        target: { of: 'ratio', op: '>=', value: 0.5 },
      },
      measured,
    ),
    ratioFigure(
      {
        id: 'projection-decode',
        group: 'platform',
        label: `the same events read by the runtime with a handler that does nothing (decode, batch loop, Kafka commit; no Postgres): the projection's rate can be no higher (no target; where the time goes)`,
        unit: 'events/s',
        ceiling: { unit: 'rows/s', label: 'the same COPY ceiling' },
      },
      {
        value: median(decoded.map((d) => d.value)),
        ceiling: median(decoded.map((d) => d.ceiling)),
        ratio: median(decoded.map((d) => d.value / d.ceiling)),
        samples: decoded,
      },
    ),
  ];
}

/** Each partition's first and next offsets of `topic`, with the events between them. */
async function topicEnds(backbone: Backbone, topic: string) {
  const admin = backbone.kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return { offsets, total: offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0) };
  } finally {
    await admin.disconnect();
  }
}

/**
 * Replay over `events` events on the backbone's transactions.cleansed (those already there count,
 * and only the rest are published: give it a backbone of its own). Single run by default: at 1M events one run is minutes.
 */
export async function measureReplay(
  backbone: Backbone,
  options: BenchOptions & { readonly events: number },
  progress: Progress,
): Promise<Figure> {
  const topic = backbone.topics['transactions.cleansed'];
  const before = await topicEnds(backbone, topic);
  if (before.total < options.events) await publishRange(backbone, before.total, options.events, progress);
  const { offsets, total } = await topicEnds(backbone, topic);
  const written: Position[] = offsets.map((o) => ({
    topic,
    partition: o.partition,
    offset: String(Number(o.high) - 1),
  }));
  const measured = await repeat({ ...options, warmUps: 0 }, progress, async () => {
    const warehouse = freshWarehouse(backbone);
    try {
      progress(`live projection over ${total.toLocaleString('en')} events`);
      const { live, seconds: liveSeconds } = await liveRun(backbone, warehouse, written);
      progress(`  ${Math.round(total / liveSeconds)} events/s; replaying`);
      try {
        const result = await replay(warehouse, backbone.runtime(), {
          sessionTimeoutMs: 6000,
          pollMs: 250,
          onProgress: ({ applied }) =>
            progress(`  replayed ${applied.toLocaleString('en')} / ${total.toLocaleString('en')}`),
        });
        if (result.events !== total) throw new Error(`replay applied ${result.events} of ${total} events`);
        return { value: total / result.seconds, ceiling: total / liveSeconds };
      } finally {
        await live.stop();
      }
    } finally {
      await dropWarehouse(backbone, warehouse);
    }
  });
  return ratioFigure(
    {
      id: 'replay',
      group: 'platform',
      label: `rebuilding the warehouse from ${total.toLocaleString('en')} events into shadow tables and swapping them in`,
      unit: 'events/s',
      ceiling: { unit: 'events/s', label: 'the live projection over the same events' },
      target: { of: 'ratio', op: '>=', value: 1 },
    },
    measured,
  );
}
