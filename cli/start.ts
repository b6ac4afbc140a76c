import type { Command } from 'commander';
import { buildApp } from '../api/app.ts';
import { NotificationFeed } from '../api/realtime/feed.ts';
import { createTokenVerifier } from '../api/auth/tokens.ts';
import { createPublisher } from '../producers/publisher.ts';
import { ensureBucket } from '../infra/aws/buckets.ts';
import { loadConfig } from '../infra/config/index.ts';
import { isLocalEnvironment } from '../infra/config/variables.ts';
import { applyTopics } from '../infra/kafka/apply-topics.ts';
import { allTopicDeclarations } from '../infra/kafka/topics.ts';
import { shutdownOnSignals } from '../infra/lifecycle.ts';
import { createRootLogger } from '../infra/logging/logger.ts';
import { openPlatform } from '../infra/platform.ts';
import { Stack } from '../infra/stack/supervisor.ts';
import { PROJECTIONS } from '../projections/index.ts';
import { startProjection } from '../projections/live.ts';
import { realtimeRelay } from '../processors/realtime-relay/processor.ts';
import { startProcessor } from '../processors/runtime/runner.ts';
import { eventDefinitions } from '../schemas/catalog.ts';
import { createCodec } from '../schemas/index.ts';
import { RegistryClient } from '../schemas/registry-client.ts';
import { registerSchemas } from '../schemas/registration.ts';
import { print, table } from './output.ts';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description(
      'run Tributary: the API and the projections; in the local and test environments it first starts the local stack and provisions topics, schemas and the bucket. Ctrl-C stops Tributary, the stack keeps running',
    )
    .option('--no-stack', 'do not start the local stack; use the configured services as they are')
    .option('--provision', 'create topics, register schemas and create the bucket (the default in local and test)')
    .action(async (options: { stack: boolean; provision?: boolean }) => {
      const { config } = await loadConfig();
      const logger = createRootLogger(config.log);
      const local = isLocalEnvironment({ ENVIRONMENT: config.environment });
      const useStack = options.stack && local;

      if (useStack) {
        print('starting the local stack...');
        await new Stack(config.stack).up(print);
      }

      const platform = openPlatform(config, logger);
      if (options.provision ?? local) {
        const admin = platform.kafka.admin();
        await admin.connect();
        const topics = await applyTopics(admin, allTopicDeclarations());
        await admin.disconnect();
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

      const codec = createCodec(config.registry);
      const publisher = createPublisher(platform.kafka, codec, logger);
      const runtime = { kafka: platform.kafka, codec, pool: platform.pool, logger, metrics: platform.metrics };
      const processors = await Promise.all([
        ...PROJECTIONS.map((projection) => startProjection(projection, runtime)),
        startProcessor(realtimeRelay(publisher), runtime),
      ]);
      const feed = new NotificationFeed(
        platform.kafka,
        codec,
        'realtime.notifications',
        config.realtime.resumeBuffer,
        logger,
      );
      await feed.start();
      const app = await buildApp({
        logger,
        api: config.api,
        environment: config.environment,
        verify: await createTokenVerifier(config.auth),
        readiness: () => platform.readiness(),
        metrics: platform.metrics.registry,
        publisher,
        codec,
        pool: platform.pool,
        auth: config.auth,
        realtime: config.realtime,
        feed,
        devTokens: local,
      });
      const address = await app.listen({ host: config.api.host, port: config.api.port });

      const checks = await platform.readiness();
      print('');
      print(
        table(
          ['WHAT', 'WHERE'],
          [
            ['API', address],
            ['dashboard', `${address}/`],
            ['health', `${address}/health/live  ${address}/health/ready`],
            ['metrics', `${address}/metrics`],
            ['API docs (OpenAPI)', `${address}/docs`],
            ['realtime websocket', `${address.replace(/^http/, 'ws')}/v1/realtime`],
            ['kafka', config.kafka.brokers.join(',')],
            ['schema registry', config.registry.url],
            ['postgres', config.database.url.replace(/:[^:@/]*@/, ':****@')],
            ['aws (s3, sqs, ssm, athena)', config.aws.endpoint ?? `AWS ${config.aws.region}`],
            ['lake bucket', `s3://${config.lake.bucket}`],
            ['processors', [...PROJECTIONS.map((p) => `projection ${p.name}`), 'realtime relay'].join(', ')],
          ],
        ),
      );
      print('');
      print(
        table(
          ['CHECK', 'READY', 'LATENCY'],
          checks.map((c) => [c.name, c.ok ? 'yes' : `no: ${c.error}`, `${c.latencyMs} ms`]),
        ),
      );
      print('');
      print(
        useStack
          ? 'Ctrl-C stops Tributary; the stack keeps running until `tributary stack down`.'
          : 'Ctrl-C stops Tributary.',
      );

      shutdownOnSignals(
        [
          { name: 'api', run: () => app.close() },
          { name: 'realtime feed', run: () => feed.stop() },
          { name: 'processors', run: async () => void (await Promise.all(processors.map((p) => p.stop()))) },
          { name: 'publisher', run: () => publisher.close() },
          { name: 'connections', run: () => platform.close() },
        ],
        logger,
      );
    });
}
