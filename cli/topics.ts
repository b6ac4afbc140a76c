import type { Command } from 'commander';
import { loadConfig } from '../infra/config/index.ts';
import { withKafkaAdmin } from '../infra/kafka/admin.ts';
import { commandLogger } from './logger.ts';
import { createKafka } from '../infra/kafka/client.ts';
import { allTopicDeclarations } from '../infra/kafka/topics.ts';
import { print, table } from './output.ts';

export function registerTopicCommands(program: Command): void {
  const topics = program.command('topics').description('Kafka topics declared in infra/kafka/topics.ts');

  topics
    .command('apply')
    .description('create or update every topic and its <topic>.dlq (partitions, retention, cleanup policy); idempotent')
    .action(async () => {
      const { config } = await loadConfig();
      const logger = commandLogger(config);
      const changes = await withKafkaAdmin(createKafka(config.kafka, logger), (admin) =>
        admin.applyTopics(allTopicDeclarations()),
      );
      print(
        table(
          ['TOPIC', 'CHANGE', 'DETAIL'],
          changes.map((c) => [c.topic, c.change, c.detail]),
        ),
      );
    });
}
