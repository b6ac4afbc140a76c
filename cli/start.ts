import type { Command } from 'commander';
import { buildApp } from '../api/app.ts';
import { ensureBucket } from '../infra/aws/buckets.ts';
import { loadConfig } from '../infra/config/index.ts';
import { shutdownOnSignals } from '../infra/lifecycle.ts';
import { isLocalEnvironment } from '../infra/config/variables.ts';
import { createRootLogger } from '../infra/logging/logger.ts';
import { openPlatform } from '../infra/platform.ts';
import { Stack } from '../infra/stack/supervisor.ts';
import { print, table } from './output.ts';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description(
      'start the local stack (in the local and test environments) and run Tributary; Ctrl-C stops Tributary, the stack keeps running',
    )
    .option('--no-stack', 'do not start the local stack; use the configured services as they are')
    .action(async (options: { stack: boolean }) => {
      const { config } = await loadConfig();
      const logger = createRootLogger(config.log);
      const useStack = options.stack && isLocalEnvironment({ ENVIRONMENT: config.environment });

      if (useStack) {
        print('starting the local stack...');
        await new Stack(config.stack).up(print);
      }

      const platform = openPlatform(config, logger);
      if (await ensureBucket(platform.s3, config.lake.bucket, config.aws.region)) {
        logger.info({ bucket: config.lake.bucket }, 'created the lake bucket');
      }
      const app = await buildApp({ logger, readiness: () => platform.readiness() });
      const address = await app.listen({ host: config.api.host, port: config.api.port });

      const checks = await platform.readiness();
      print('');
      print(
        table(
          ['WHAT', 'WHERE'],
          [
            ['API', address],
            ['health', `${address}/health/live  ${address}/health/ready`],
            ['kafka', config.kafka.brokers.join(',')],
            ['schema registry', config.registry.url],
            ['postgres', config.database.url.replace(/:[^:@/]*@/, ':****@')],
            ['aws (s3, sqs, ssm, athena)', config.aws.endpoint ?? `AWS ${config.aws.region}`],
            ['lake bucket', `s3://${config.lake.bucket}`],
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
          { name: 'connections', run: () => platform.close() },
        ],
        logger,
      );
    });
}
