import type { Command } from 'commander';
import { commandLogger } from './logger.ts';
import { loadConfig } from '../infra/config/index.ts';
import { openPlatform } from '../infra/platform.ts';
import { listDeadLetters, redriveDeadLetters } from '../processors/dead-letter-tools.ts';
import { print, table } from './output.ts';

export function registerDeadLetterCommands(program: Command): void {
  const dlq = program.command('dlq').description('inspect and re-drive the dead letters of a topic (<topic>.dlq)');

  dlq
    .command('list')
    .description('show the dead letters of a topic with where they came from and why they failed')
    .argument('<topic>', 'the source topic, e.g. messages.events')
    .option('--json', 'one JSON object per line instead of a table')
    .action(async (topic: string, options: { json?: boolean }) => {
      const { config } = await loadConfig();
      const platform = openPlatform(config, commandLogger(config));
      try {
        const letters = await listDeadLetters(platform.kafka, topic);
        if (options.json) {
          for (const { value: _value, headers: _headers, ...letter } of letters) print(JSON.stringify(letter));
          return;
        }
        print(
          table(
            [
              'DLQ OFFSET',
              'FAILED AT',
              'PROCESSOR',
              'REASON',
              'TYPE',
              'KEY',
              'SOURCE',
              'ATTEMPTS',
              'REDRIVEN',
              'ERROR',
            ],
            letters.map((l) => [
              l.offset,
              l.failedAt,
              l.processor,
              l.reason,
              l.type ?? '?',
              l.key ?? '',
              `${l.sourceTopic}/${l.sourcePartition}@${l.sourceOffset}`,
              String(l.attempts),
              l.redriven ? 'yes' : 'no',
              l.error.length > 80 ? `${l.error.slice(0, 77)}...` : l.error,
            ]),
          ),
        );
        print(`${letters.length} dead letter(s), ${letters.filter((l) => !l.redriven).length} not yet redriven`);
      } finally {
        await platform.close();
      }
    });

  dlq
    .command('redrive')
    .description(
      'send the dead letters not yet redriven back to the topic, in order, each to the processor that failed on it; unparks their keys',
    )
    .argument('<topic>', 'the source topic, e.g. messages.events')
    .action(async (topic: string) => {
      const { config } = await loadConfig();
      const platform = openPlatform(config, commandLogger(config));
      try {
        const { sent, unparked } = await redriveDeadLetters(platform.kafka, platform.pool, topic);
        print(`redrove ${sent} dead letter(s) to ${topic}; unparked ${unparked} key(s)`);
      } finally {
        await platform.close();
      }
    });
}
