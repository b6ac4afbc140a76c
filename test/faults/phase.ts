import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { mintToken } from '../../api/auth/tokens.ts';
import { openPlatform } from '../../infra/platform.ts';
import { createPublisher } from '../../producers/publisher.ts';
import { ProcessorMetrics } from '../../processors/runtime/metrics.ts';
import { replay } from '../../projections/replay.ts';
import { createCodec } from '../../schemas/index.ts';
import { projectionNamed } from '../../slices/index.ts';
import { runChecks, type CheckResult } from './checks.ts';
import { ResumingClient } from './clients.ts';
import { killCycles, type Component, type CycleReport, type Progress } from './cycles.ts';
import { Load } from './load.ts';
import { RoleProcess } from './roles.ts';
import { killService, restartServices, type FaultStack } from './stack.ts';

/** The processes the load runs through, each its own process; the projections among them are replayed at the end. */
export const PROCESSORS = ['projection-event_counts', 'projection-messaging', 'realtime-relay', 'log-lake'] as const;
const REPLAYED = ['event_counts', 'messaging'] as const;

export interface PhaseOptions {
  readonly cycles: number;
  /** Cycles of the API and each processor (their restarts cost the most). */
  readonly processCycles: number;
  /** Which components to kill: processes (API and processors), infrastructure (Postgres, S3, the broker), or brokers only. */
  readonly kills: 'everything' | 'brokers';
  readonly report: Progress;
}

export interface PhaseReport {
  readonly stack: string;
  readonly cycles: CycleReport[];
  readonly checks: CheckResult[];
  readonly seconds: number;
}

/** One fault run on one stack: up from empty, load, kill cycles, drain, checks, down. */
export async function runPhase(fault: FaultStack, options: PhaseOptions): Promise<PhaseReport> {
  const began = Date.now();
  const { report } = options;
  const { stack, config, env } = fault;
  await stack.reset();
  report(`[${fault.label}] starting the stack in ${stack.layout.root}`);
  await stack
    .up((line) => report(`  ${line}`))
    .catch(async (error: unknown) => {
      // What did start is stopped: a run must not leave services behind on the suite's ports.
      await stack.down().catch(() => undefined);
      throw error;
    });
  const logs = `${stack.layout.root}/logs`;
  const processes = [RoleProcess.api(env, logs), ...PROCESSORS.map((name) => RoleProcess.processor(name, env, logs))];
  const platform = openPlatform(config, pino({ level: 'silent' }));
  const publisher = createPublisher(platform.kafka, createCodec(config.registry), pino({ level: 'silent' }));
  const poisoner = platform.kafka.producer();
  const clients: ResumingClient[] = [];
  // Interrupted (Ctrl-C, CI's timeout): kill what this run started, stop its stack, by pid.
  const interrupted = (signal: NodeJS.Signals) => {
    for (const running of processes) running.killNow();
    void stack.down().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    // The first start provisions (topics, schemas, bucket); the rest then start together.
    await processes[0]!.start();
    await Promise.all(processes.slice(1).map((process) => process.start()));
    report(`[${fault.label}] started ${processes.map((p) => p.name).join(', ')}`);
    await poisoner.connect();
    const organizationId = `faults-${randomUUID().slice(0, 8)}`;
    const load = new Load(publisher, organizationId, Load.threads(8));
    await load.createThreads();
    const token = () =>
      mintToken(config.auth, { organizationId, subject: 'u2', scopes: ['realtime:subscribe'], expiresIn: '3h' });
    const url = `ws://127.0.0.1:${config.api.port}/v1/realtime`;
    for (let i = 0; i < 4; i += 1) {
      const threads = load.threads.slice(i * 2, i * 2 + 2).map((t) => t.threadId);
      clients.push(new ResumingClient(`client-${i + 1}`, url, token, threads));
    }
    await Promise.all(clients.map((client) => client.start()));
    load.start();
    await load.injectPoison(poisoner, 'messages.events');
    await load.injectPoison(poisoner, 'logs.entries');
    report(`[${fault.label}] load flowing for ${organizationId}; ${clients.length} websocket clients subscribed`);

    const measures = measuresOf(platform.pool, organizationId, clients, load);
    const cycles: CycleReport[] = [];
    if (options.kills === 'everything') {
      const drops = setInterval(() => clients[Math.floor(Math.random() * clients.length)]!.drop(), 3000);
      const processComponents = processes.map((process) => processComponent(process, measures));
      cycles.push(...(await Promise.all(processComponents.map((c) => killCycles(c, options.processCycles, report)))));
      clearInterval(drops);
      await load.injectPoison(poisoner, 'messages.events');
      for (const service of ['postgres', 'aws', 'kafka'] as const) {
        cycles.push(await killCycles(serviceComponent(fault, service, measures.all), options.cycles, report));
      }
    } else {
      cycles.push(await killCycles(rotatingBrokers(fault, measures.all), options.cycles, report));
    }
    await load.injectPoison(poisoner, 'logs.entries');
    await load.stop();
    report(
      `[${fault.label}] load stopped: ${load.ledger.acked.size} events acknowledged; waiting for the pipelines to drain`,
    );

    const inputs = {
      kafka: platform.kafka,
      pool: platform.pool,
      s3: platform.s3,
      lakeBucket: config.lake.bucket,
      codec: createCodec(config.registry),
      load,
      clients,
    };
    let checks = await runChecks(inputs);
    for (let deadline = Date.now() + 240_000; checks.some((c) => !c.ok) && Date.now() < deadline;) {
      const open = checks.filter((c) => !c.ok).map((c) => `${c.check} (${c.lost} missing, ${c.duplicated} doubled)`);
      report(`[${fault.label}] not there yet: ${open.join('; ')}`);
      await sleep(5000);
      checks = await runChecks(inputs);
    }
    const runtime = {
      kafka: platform.kafka,
      codec: createCodec(config.registry),
      pool: platform.pool,
      logger: pino({ level: 'silent' }),
      metrics: new ProcessorMetrics(),
    };
    for (const name of REPLAYED) {
      const replayed = await replay(projectionNamed(name), runtime, { dryRun: true });
      const differing = (replayed.differences ?? []).filter((d) => d.onlyLive > 0 || d.onlyRebuilt > 0);
      checks.push({
        check: `replay: ${name}`,
        ok: differing.length === 0,
        lost: differing.reduce((n, d) => n + d.onlyLive, 0),
        duplicated: differing.reduce((n, d) => n + d.onlyRebuilt, 0),
        detail: `rebuilt from ${replayed.events} events; ${differing.length === 0 ? 'equal to the live tables' : differing.map((d) => `${d.table}: ${d.onlyLive} only live, ${d.onlyRebuilt} only rebuilt`).join('; ')}`,
      });
    }
    for (const running of processes) {
      checks.push({
        check: `process: ${running.name}`,
        ok: running.crashes.length === 0,
        lost: 0,
        duplicated: 0,
        detail:
          running.crashes.length === 0
            ? `started ${running.starts} times (${running.failedStarts.length} starts exited before ready and were retried), never died by itself`
            : `died by itself ${running.crashes.length} times: ${running.crashes.slice(0, 3).join('; ')}`,
      });
    }
    return { stack: fault.label, cycles, checks, seconds: (Date.now() - began) / 1000 };
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await Promise.all(clients.map((client) => client.stop()));
    await Promise.all(processes.map((process) => process.stop()));
    await poisoner.disconnect().catch(() => undefined);
    await publisher.close().catch(() => undefined);
    await platform.close().catch(() => undefined);
    await stack.down((line) => report(`  ${line}`));
  }
}

interface Measures {
  readonly counted: () => Promise<number>;
  readonly messages: () => Promise<number>;
  readonly delivered: () => Promise<number>;
  readonly lake: () => Promise<number>;
  /** Moves only when publishing, the projections and the websocket all move. */
  readonly all: () => Promise<number>;
}

function measuresOf(
  pool: import('pg').Pool,
  organizationId: string,
  clients: readonly ResumingClient[],
  load: Load,
): Measures {
  const one = async (sql: string) => Number((await pool.query<{ n: string }>(sql, [organizationId])).rows[0]!.n);
  const counted = () =>
    one('select coalesce(sum(events), 0) as n from projection_event_counts.event_counts where organization_id = $1');
  const messages = () => one('select count(*) as n from projection_messaging.messages where organization_id = $1');
  const delivered = async () => clients.reduce((n, client) => n + client.seen.length, 0);
  const lake = () =>
    one(`select count(*) as n from log_lake.log_lake_flushes where state = 'stored' and $1::text is not null`);
  // A generation that grows each time every measure has grown since the last generation.
  let floor = { acked: 0, counted: 0, delivered: 0, lake: 0 };
  let generation = 0;
  const all = async () => {
    const now = {
      acked: load.ledger.acked.size,
      counted: await counted(),
      delivered: await delivered(),
      lake: await lake(),
    };
    if (Object.entries(now).every(([key, value]) => value > floor[key as keyof typeof floor])) {
      floor = now;
      generation += 1;
    }
    return generation;
  };
  return { counted, messages, delivered, lake, all };
}

function processComponent(process: RoleProcess, measures: Measures): Component {
  const progress = {
    api: measures.delivered,
    'projection-event_counts': measures.counted,
    'projection-messaging': measures.messages,
    'realtime-relay': measures.delivered,
    'log-lake': measures.lake,
  }[process.name]!;
  return { name: process.name, kill: () => process.kill(), restart: () => process.start(), progress };
}

function serviceComponent(
  fault: FaultStack,
  service: 'postgres' | 'aws' | 'kafka',
  all: () => Promise<number>,
): Component {
  const name = { postgres: 'postgres', aws: 's3 (moto)', kafka: 'kafka (single broker)' }[service];
  return {
    name,
    kill: () => killService(fault.stack, service),
    restart: () => restartServices(fault.stack),
    progress: all,
  };
}

/** One broker of three at a time, in turn; the other two keep acks=all writes going (min ISR 2). */
function rotatingBrokers(fault: FaultStack, all: () => Promise<number>): Component {
  let turn = 0;
  return {
    name: 'kafka (one of three brokers)',
    kill: () => killService(fault.stack, fault.kafkaNodes[turn++ % fault.kafkaNodes.length]!),
    restart: () => restartServices(fault.stack),
    progress: all,
  };
}
