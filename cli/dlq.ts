import type { Command } from 'commander';
import { commandLogger } from './logger.ts';
import { loadConfig } from '../infra/config/index.ts';
import { openPlatform } from '../infra/platform.ts';
import { userInfo } from 'node:os';
import { OperatorError } from '../infra/errors.ts';
import {
  discardDeadLetters,
  isPending,
  listDeadLetters,
  redriveDeadLetters,
  type DeadLetterEntry,
} from '../processors/dead-letter-tools.ts';
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
        const letters = await listDeadLetters(platform.kafka, topic, platform.pool);
        if (options.json) {
          for (const { value: _value, headers: _headers, ...letter } of letters) print(JSON.stringify(letter));
          return;
        }
        print(
          table(
            ['DLQ OFFSET', 'FAILED AT', 'PROCESSOR', 'REASON', 'TYPE', 'KEY', 'SOURCE', 'ATTEMPTS', 'STATUS', 'ERROR'],
            letters.map((l) => [
              l.offset,
              l.failedAt,
              l.processor,
              l.reason,
              l.type ?? '?',
              l.key ?? '',
              `${l.sourceTopic}/${l.sourcePartition}@${l.sourceOffset}`,
              String(l.attempts),
              statusOf(l),
              l.error.length > 80 ? `${l.error.slice(0, 77)}...` : l.error,
            ]),
          ),
        );
        print(
          `${letters.length} dead letter(s), ${letters.filter(isPending).length} pending (neither redriven nor discarded)`,
        );
      } finally {
        await platform.close();
      }
    });

  dlq
    .command('redrive')
    .description(
      'send the pending dead letters back to the topic, in order, each to the processor that failed on it; unparks their keys',
    )
    .argument('<topic>', 'the source topic, e.g. messages.events')
    .option(
      '--skip-undecodable',
      'discard undecodable dead letters (they would only fail again) instead of sending them',
    )
    .action(async (topic: string, options: { skipUndecodable?: boolean }) => {
      const { config } = await loadConfig();
      const platform = openPlatform(config, commandLogger(config));
      try {
        const { sent, unparked, skipped } = await redriveDeadLetters(platform.kafka, platform.pool, topic, {
          ...(options.skipUndecodable ? { skipUndecodable: { discardedBy: operator() } } : {}),
        });
        print(
          `redrove ${sent} dead letter(s) to ${topic}; unparked ${unparked} key(s)${options.skipUndecodable ? `; discarded ${skipped} undecodable` : ''}`,
        );
      } finally {
        await platform.close();
      }
    });

  dlq
    .command('discard')
    .description(
      'set pending dead letters aside for good, with a reason kept in an audit table; releases the keys they were blocking',
    )
    .argument('<topic>', 'the source topic, e.g. messages.events')
    .requiredOption('--reason <text>', 'why: kept with the discard, with who ran it')
    .option('--offset <offset...>', 'the dead letters to discard, by their DLQ offset (see dlq list)')
    .option('--undecodable', 'every pending undecodable dead letter')
    .action(async (topic: string, options: { reason: string; offset?: string[]; undecodable?: boolean }) => {
      if (!options.offset && !options.undecodable)
        throw new OperatorError('name the dead letters to discard: --offset <dlq offset>... or --undecodable');
      // Both at once discarded every undecodable one besides the offsets named: one or the other.
      if (options.offset && options.undecodable)
        throw new OperatorError(
          '--offset and --undecodable are alternatives: name the offsets, or take every undecodable one',
        );
      const offsets = new Set(options.offset ?? []);
      for (const offset of offsets)
        if (!/^\d+$/.test(offset)) throw new OperatorError(`--offset takes DLQ offsets (see dlq list), not ${offset}`);
      const { config } = await loadConfig();
      const platform = openPlatform(config, commandLogger(config));
      try {
        const letters = await listDeadLetters(platform.kafka, topic, platform.pool);
        const unknown = [...offsets].filter((offset) => !letters.some((l) => l.offset === offset && isPending(l)));
        if (unknown.length > 0)
          throw new OperatorError(
            `no pending dead letter of ${topic} at DLQ offset ${unknown.join(', ')} (see dlq list)`,
          );
        const { discarded, unparked } = await discardDeadLetters(
          platform.kafka,
          platform.pool,
          topic,
          (entry) => offsets.has(entry.offset) || (options.undecodable === true && entry.reason === 'undecodable'),
          options.reason,
          operator(),
        );
        print(`discarded ${discarded} dead letter(s) of ${topic}; released ${unparked} key(s)`);
      } finally {
        await platform.close();
      }
    });
}

function statusOf(letter: DeadLetterEntry): string {
  if (letter.discarded) return `discarded (${letter.discarded.reason}, by ${letter.discarded.discardedBy})`;
  return letter.redriven ? 'redriven' : 'pending';
}

/** Who runs the command, for the audit table. */
function operator(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
