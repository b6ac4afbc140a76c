import type { Command } from 'commander';
import { loadConfig } from '../infra/config/index.ts';
import { OperatorError } from '../infra/errors.ts';
import { openPlatform } from '../infra/platform.ts';
import { runDemo } from '../producers/demo.ts';
import { createPublisher } from '../producers/publisher.ts';
import { createCodec } from '../schemas/index.ts';
import { SLICES } from '../slices/index.ts';
import { commandLogger } from './logger.ts';
import { print } from './output.ts';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description("publish every slice's demo events for an organization, a round at a time (what `start` does locally)")
    .option('--org <id>', 'organization the events belong to', 'org-1')
    .option('--rounds <count>', 'how many rounds', '10')
    .option('--interval <ms>', 'pause between rounds', '1000')
    .option('--slice <name...>', 'only these slices')
    .action(async (options: { org: string; rounds: string; interval: string; slice?: string[] }) => {
      const rounds = Number(options.rounds);
      const intervalMs = Number(options.interval);
      if (!Number.isInteger(rounds) || rounds < 1)
        throw new OperatorError(`--rounds must be a whole number above 0, not ${options.rounds}`);
      if (!Number.isInteger(intervalMs) || intervalMs < 0)
        throw new OperatorError(`--interval must be milliseconds, not ${options.interval}`);
      const unknown = (options.slice ?? []).filter((name) => !SLICES.some((slice) => slice.name === name));
      if (unknown.length > 0)
        throw new OperatorError(
          `no slice named ${unknown.join(', ')}; there are: ${SLICES.map((s) => s.name).join(', ')}`,
        );
      const slices = options.slice ? SLICES.filter((slice) => options.slice!.includes(slice.name)) : SLICES;

      const { config } = await loadConfig();
      const logger = commandLogger(config);
      const platform = openPlatform(config, logger);
      const publisher = createPublisher(platform.kafka, createCodec(config.registry), logger, config.publisher);
      let total = 0;
      try {
        const demo = runDemo(
          publisher,
          slices,
          {
            organizationId: options.org,
            environment: config.environment,
            intervalMs,
            rounds,
            clients: { config, aws: platform.aws },
            onRound: (round, published) => {
              total += published;
              print(`round ${round}/${rounds}: ${published} events`);
            },
          },
          logger,
        );
        await demo.done;
        print(`published ${total} demo events for ${options.org}`);
      } finally {
        await publisher.close();
        await platform.close();
      }
    });
}
