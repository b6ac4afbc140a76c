import type { Command } from 'commander';
import { buildApp } from '../api/app.ts';
import { listenOps } from '../api/ops.ts';
import { createTokenVerifier } from '../api/auth/tokens.ts';
import { devTokensServed } from '../api/dashboard/dev-tokens.ts';
import { NotificationFeed } from '../api/realtime/feed.ts';
import { ensureBucket } from '../infra/aws/buckets.ts';
import { loadConfig, type Config } from '../infra/config/index.ts';
import { isLocalEnvironment } from '../infra/config/variables.ts';
import { InstanceHeartbeat } from '../infra/instances/heartbeat.ts';
import { processingReport, type ProcessingReport } from '../infra/instances/processing.ts';
import { withKafkaAdmin } from '../infra/kafka/admin.ts';
import { allTopicDeclarations } from '../infra/kafka/topics.ts';
import { shutdownOnSignals } from '../infra/lifecycle.ts';
import { createRootLogger, type Logger } from '../infra/logging/logger.ts';
import { openPlatform, type Platform } from '../infra/platform.ts';
import { catalogueOf, processorNamesOf } from '../infra/roles/catalogue.ts';
import { runnablePartsOf, selectedParts } from '../infra/roles/parts.ts';
import { parseRole, selectParts, type Selection } from '../infra/roles/selection.ts';
import { Stack } from '../infra/stack/supervisor.ts';
import { PartFailedError, Startup } from '../infra/startup.ts';
import { runDemo } from '../producers/demo.ts';
import type { LogShipper } from '../producers/logs/log-shipper.ts';
import { ownLogShipper } from '../producers/logs/own-logs.ts';
import { createPublisher, type Publisher } from '../producers/publisher.ts';
import { realtimeRelay } from '../processors/realtime-relay/processor.ts';
import { LagSampler } from '../processors/runtime/lag-sampler.ts';
import { eventDefinitions } from '../schemas/catalog.ts';
import type { EventCodec } from '../schemas/codec.ts';
import { createCodec } from '../schemas/index.ts';
import { RegistryClient } from '../schemas/registry-client.ts';
import { registerSchemas } from '../schemas/registration.ts';
import { realtimeTopicsOf, SLICES } from '../slices/index.ts';
import { print, printError } from './output.ts';
import { DEMO_ORGANIZATION, printStartReport } from './start-report.ts';

interface StartOptions {
  readonly stack: boolean;
  readonly provision?: boolean;
  readonly demo: boolean;
  readonly role: string;
  readonly processors?: readonly string[];
}

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description(
      'run Tributary: the API, every slice’s projections and processors, and the realtime relay; in the local and test environments it first starts the local stack and provisions topics, schemas and the bucket. Ctrl-C stops Tributary, the stack keeps running. --role and --processors run a part of it (README: Running in production)',
    )
    .option('--no-stack', 'do not start the local stack; use the configured services as they are')
    .option('--provision', 'create topics, register schemas and create the bucket (the default in local and test)')
    .option(
      '--no-demo',
      `do not publish the slices' demo events for ${DEMO_ORGANIZATION} (published only in the local environment)`,
    )
    .option(
      '--role <role>',
      'api: the API and the realtime feed only; processors: the projections, processors and workers only; all: both',
      parseRole,
      'all',
    )
    .option(
      '--processors <names...>',
      'run only these projections, processors and workers, by the names start prints (a space may be a dash: projection-import_jobs)',
    )
    .action(async (options: StartOptions) => {
      const { config } = await loadConfig();
      // Before anything connects: a misspelt processor name stops here, naming the known ones.
      const selection = selectParts(options, processorNamesOf(SLICES, config));
      const shipper = ownLogShipper(config);
      const logger = createRootLogger(config.log, 'tributary', shipper?.write);
      const startup = new Startup(logger);
      try {
        await start(config, options, selection, logger, startup, shipper);
      } catch (error) {
        const failure = error instanceof PartFailedError ? error : new PartFailedError('tributary', error);
        logger.error({ err: error, part: failure.part }, 'start failed; stopping what did start');
        await startup.stopAll();
        printError(`\n${failure.message}`);
        logger.flush();
        // kafkajs and pg may hold handles that would keep a half-started process alive: exit for sure.
        process.exit(1);
      }
    });
}

async function start(
  config: Config,
  options: StartOptions,
  selection: Selection,
  logger: Logger,
  startup: Startup,
  shipper?: LogShipper,
): Promise<void> {
  const local = isLocalEnvironment({ ENVIRONMENT: config.environment });
  const useStack = options.stack && local;
  if (useStack) {
    print('starting the local stack...');
    await startup.part({
      name: 'the local stack',
      start: () => new Stack(config.stack).up(print),
      stop: async () => undefined, // the stack outlives Tributary: `tributary stack down` stops it
    });
  }
  const platform = await startup.part<Platform>({
    name: 'connections',
    start: async () => openPlatform(config, logger),
    stop: (opened) => opened.close(),
  });
  if (options.provision ?? local)
    await startup.part({
      name: 'provisioning',
      start: () => provision(config, platform, logger),
      stop: async () => undefined,
    });

  const codec = createCodec(config.registry);
  const publisher = await startup.part<Publisher>({
    name: 'publisher',
    start: async () =>
      createPublisher(platform.kafka, codec, logger, { ...config.publisher, metrics: platform.metrics.registry }),
    stop: (opened) => opened.close(),
  });
  if (shipper)
    await startup.part<LogShipper>({
      name: 'log shipping',
      start: async () => {
        shipper.attach(publisher);
        return shipper;
      },
      stop: (running) => running.close(),
    });
  const runtime = {
    kafka: platform.kafka,
    codec,
    pool: platform.pool,
    logger,
    metrics: platform.metrics,
    sessionTimeoutMs: config.kafka.sessionTimeoutMs,
  };
  const topics = realtimeTopicsOf(SLICES);
  const catalogue = catalogueOf(SLICES, { publisher, config, aws: platform.aws, pool: platform.pool, logger, runtime });
  const parts = runnablePartsOf(catalogue, realtimeRelay(publisher, topics), runtime);
  const selected = selectedParts(parts, selection.processors).map(({ part }) => part);
  let started = false;
  const processing = selected.length > 0 ? () => processingReport(platform.metrics, started) : undefined;
  const instance = { role: selection.role, processors: selection.processors };
  if (!selection.api) {
    // Before the parts, so probes get an answer (unready, still starting) while they join their groups.
    const ops = await startup.part({
      name: `operations listener on ${config.ops.host}:${config.ops.port}`,
      start: () =>
        listenOps(config.ops, {
          logger,
          readiness: () => platform.readiness(),
          instance,
          processing: processing ?? (async () => processingReport(platform.metrics, started)),
          metrics: platform.metrics.registry,
        }),
      stop: ({ app }) => app.close(),
    });
    if (selected.length > 0) await startup.together(selected);
    started = true;
    await heartbeat(startup, platform, instance, ops.url, processing, logger);
    await printStartReport(config, platform, undefined, useStack, false, selection, ops.url);
    shutdownOnSignals(startup.steps(), logger);
    return;
  }
  if (selected.length > 0) await startup.together(selected);
  started = true;
  const feed = await startup.part<NotificationFeed>({
    name: 'realtime feed',
    start: async () => {
      const started = new NotificationFeed(
        platform.kafka,
        codec,
        'realtime.notifications',
        config.realtime.resumeBuffer,
        logger,
      );
      await started.start();
      return started;
    },
    stop: (started) => started.stop(),
  });
  const address = await startup.part({
    name: `API on ${config.api.host}:${config.api.port}`,
    start: () => listen(config, platform, publisher, codec, feed, logger, selection, processing),
    stop: ({ app }) => app.close(),
  });
  await heartbeat(startup, platform, instance, address.url, processing, logger);
  const demo = options.demo && selection.demo && config.environment === 'local';
  if (demo) {
    await startup.part({
      name: 'demo',
      start: async () =>
        runDemo(
          publisher,
          SLICES,
          {
            organizationId: DEMO_ORGANIZATION,
            environment: config.environment,
            intervalMs: 2000,
            clients: { config, aws: platform.aws },
          },
          logger,
        ),
      stop: (running) => running.stop(),
    });
  }

  await printStartReport(config, platform, address.url, useStack, demo, selection);
  shutdownOnSignals(startup.steps(), logger);
}

/** Registers this instance for `projections status` and beats until it stops (stopped before the parts). */
async function heartbeat(
  startup: Startup,
  platform: Platform,
  instance: { role: string; processors: readonly string[] },
  address: string,
  processing: (() => Promise<ProcessingReport>) | undefined,
  logger: Logger,
): Promise<void> {
  await startup.part<{ beating: InstanceHeartbeat; sampler: LagSampler }>({
    name: 'instance heartbeat',
    start: async () => {
      const sampler = new LagSampler(platform.kafka, platform.metrics, logger);
      const report = processing
        ? async () => {
            await sampler.sample();
            return processing();
          }
        : async () => ({ started: true, lag: 0, processors: [] });
      const beating = new InstanceHeartbeat(platform.pool, { ...instance, address }, report, logger, {
        intervalMs: platform.config.ops.heartbeatMs,
      });
      await beating.start();
      return { beating, sampler };
    },
    stop: async ({ beating, sampler }) => {
      await beating.stop();
      await sampler.close();
    },
  });
}

async function provision(config: Config, platform: Platform, logger: Logger): Promise<void> {
  const topics = await withKafkaAdmin(platform.kafka, (admin) => admin.applyTopics(allTopicDeclarations()));
  const schemas = await registerSchemas(new RegistryClient(config.registry), eventDefinitions());
  const bucketCreated = await ensureBucket(platform.s3, config.lake.bucket, config.aws.region);
  logger.info(
    {
      topicsCreated: topics.filter((t) => t.change === 'created').length,
      topicsChanged: topics.filter((t) => t.change === 'partitions' || t.change === 'config').length,
      schemasRegistered: schemas.filter((s) => s.change === 'registered').length,
      bucketCreated,
    },
    'provisioned',
  );
}

async function listen(
  config: Config,
  platform: Platform,
  publisher: Publisher,
  codec: EventCodec,
  feed: NotificationFeed,
  logger: Logger,
  selection: Selection,
  processing?: () => Promise<ProcessingReport>,
) {
  const devTokens = devTokensServed(config.environment, config.api.host);
  const app = await buildApp({
    logger,
    api: config.api,
    environment: config.environment,
    verify: await createTokenVerifier(config.auth),
    readiness: () => platform.readiness(),
    instance: { role: selection.role, processors: selection.processors },
    ...(processing ? { processing } : {}),
    metrics: platform.metrics.registry,
    publisher,
    codec,
    pool: platform.pool,
    kafka: platform.kafka,
    auth: config.auth,
    realtime: config.realtime,
    feed,
    devTokens,
    slices: SLICES,
    config,
    aws: platform.aws,
  });
  if (devTokens)
    logger.warn(
      { route: 'POST /v1/dev/tokens', host: config.api.host, environment: config.environment },
      'DEVELOPMENT TOKENS ARE ON: anyone who can reach this API can mint a token for any organization (served only in the local and test environments on a loopback address)',
    );
  try {
    return { app, url: await app.listen({ host: config.api.host, port: config.api.port }) };
  } catch (error) {
    await app.close();
    throw error;
  }
}
