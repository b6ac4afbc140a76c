import type { Command } from 'commander';
import { pino } from 'pino';
import { loadConfig } from '../infra/config/index.ts';
import { applyTopics } from '../infra/kafka/apply-topics.ts';
import { createKafka } from '../infra/kafka/client.ts';
import { allTopicDeclarations } from '../infra/kafka/topics.ts';
import { createRootLogger } from '../infra/logging/logger.ts';
import { print, table } from './output.ts';

export function registerTopicCommands(program: Command): void {
  const topics = program.command('topics').description('Kafka topics declared in infra/kafka/topics.ts');

  topics
    .command('apply')
    .description('create or update every topic and its <topic>.dlq (partitions, retention, cleanup policy); idempotent')
    .action(async () => {
      const { config } = await loadConfig();
      const logger = config.log.level === 'silent' ? pino({ level: 'silent' }) : createRootLogger(config.log);
      const admin = createKafka(config.kafka, logger).admin();
      await admin.connect();
      try {
        const changes = await applyTopics(admin, allTopicDeclarations());
        print(
          table(
            ['TOPIC', 'CHANGE', 'DETAIL'],
            changes.map((c) => [c.topic, c.change, c.detail]),
          ),
        );
      } finally {
        await admin.disconnect();
      }
    });
}
