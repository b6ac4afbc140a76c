import type { Command } from 'commander';
import { loadConfig } from '../infra/config/index.ts';
import { openPlatform } from '../infra/platform.ts';
import { instancesOf } from '../infra/instances/heartbeat.ts';
import type { InstanceRecord } from '../infra/instances/registry.ts';
import { ProcessorMetrics } from '../processors/runtime/metrics.ts';
import { projectionNamed, projectionsOf } from '../slices/index.ts';
import { commandLogger } from './logger.ts';
import { replay } from '../projections/replay.ts';
import { projectionStatus } from '../projections/status.ts';
import { createCodec } from '../schemas/index.ts';
import { print, table } from './output.ts';
import { progressPrinter } from './progress.ts';

export function registerProjectionCommands(program: Command): void {
  program
    .command('projections')
    .description('Postgres read models')
    .command('status')
    .description(
      "each projection's position against the end of its topics, its lag and its last error; then every running instance (all machines) with its role, processors and lag, stale ones marked",
    )
    .option('--partitions', 'one line per topic partition')
    .action(async (options: { partitions?: boolean }) => {
      const { config } = await loadConfig();
      const platform = openPlatform(config, commandLogger(config));
      try {
        const statuses = await projectionStatus(platform.kafka, platform.pool, projectionsOf());
        const instances = await instancesOf(platform.pool, config.ops.heartbeatMs);
        if (options.partitions) {
          print(
            table(
              ['PROJECTION', 'TOPIC', 'PARTITION', 'POSITION', 'END', 'LAG'],
              statuses.flatMap((s) =>
                s.partitions.map((p) => [s.projection, p.topic, String(p.partition), p.position, p.end, String(p.lag)]),
              ),
            ),
          );
          print('');
          print(instancesTable(instances, true));
          return;
        }
        print(
          table(
            ['PROJECTION', 'LAG', 'LAST ERROR'],
            statuses.map((s) => [
              s.projection,
              String(s.lag),
              s.lastError ? `${s.lastError.occurredAt.toISOString()} ${s.lastError.error}` : '-',
            ]),
          ),
        );
        print('');
        print(instancesTable(instances, false));
      } finally {
        await platform.close();
      }
    });

  program
    .command('replay')
    .description('rebuild a projection from the start of its topics into shadow tables, then swap it in atomically')
    .argument(
      '<projection>',
      projectionsOf()
        .map((p) => p.name)
        .join(', '),
    )
    .option('--keep-old', 'keep the replaced tables (schema projection_<name>__old_<time>)')
    .option('--dry-run', 'build and compare with the live tables, without swapping')
    .action(async (name: string, options: { keepOld?: boolean; dryRun?: boolean }) => {
      const projection = projectionNamed(name);
      const { config } = await loadConfig();
      const logger = commandLogger(config);
      const platform = openPlatform(config, logger);
      const progress = progressPrinter(`replay ${name}`);
      try {
        const result = await replay(
          projection,
          {
            kafka: platform.kafka,
            pool: platform.pool,
            codec: createCodec(config.registry),
            logger,
            metrics: new ProcessorMetrics(),
          },
          { keepOld: options.keepOld === true, dryRun: options.dryRun === true, onProgress: (p) => progress.update(p) },
        );
        progress.done();
        if (result.differences) {
          print(
            table(
              ['TABLE', 'LIVE ROWS', 'REBUILT ROWS', 'ONLY LIVE', 'ONLY REBUILT'],
              result.differences.map((d) => [
                d.table,
                String(d.liveRows),
                String(d.rebuiltRows),
                String(d.onlyLive),
                String(d.onlyRebuilt),
              ]),
            ),
          );
        }
        for (const record of result.wouldDeadLetter ?? [])
          print(
            `would dead-letter ${record.topic} partition ${record.partition} offset ${record.offset} (${record.reason}): ${record.error}`,
          );
        print(
          result.swapped
            ? `rebuilt ${name} from ${result.events} events in ${result.seconds.toFixed(1)} s and swapped it in${result.oldSchema ? `; old tables kept in ${result.oldSchema}` : ''}`
            : `dry run: rebuilt ${name} from ${result.events} events in ${result.seconds.toFixed(1)} s; live tables untouched, no dead letter sent${result.wouldDeadLetter?.length ? ` (${result.wouldDeadLetter.length} would have been)` : ''}`,
        );
      } finally {
        await platform.close();
      }
    });
}

/** One line per instance, or with `partitions`, one per consumer partition each instance holds. */
function instancesTable(instances: readonly InstanceRecord[], partitions: boolean): string {
  if (instances.length === 0) return 'no instance registered: none is running (or none has reached Postgres)';
  const state = (i: InstanceRecord) => (i.stale ? `STALE (last seen ${i.lastSeen.toISOString()})` : 'live');
  if (partitions)
    return table(
      ['INSTANCE', 'STATE', 'PROCESSOR', 'RUNNING', 'TOPIC', 'PARTITION', 'LAG'],
      instances.flatMap((i) =>
        i.consumers.flatMap((c) =>
          c.partitions.map((p) => [
            i.id,
            state(i),
            c.processor,
            c.running ? 'yes' : 'no',
            p.topic,
            String(p.partition),
            String(p.lag),
          ]),
        ),
      ),
    );
  return table(
    ['INSTANCE', 'STATE', 'ROLE', 'HOST', 'PID', 'ADDRESS', 'STARTED', 'LAST SEEN', 'LAG', 'PROCESSORS'],
    instances.map((i) => [
      i.id,
      state(i),
      i.role,
      i.host,
      String(i.pid),
      i.address ?? '-',
      i.startedAt.toISOString(),
      `${Math.round((Date.now() - i.lastSeen.getTime()) / 1000)} s ago`,
      String(i.lag),
      i.processors.join(', ') || '-',
    ]),
  );
}
