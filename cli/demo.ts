import { createWriteStream, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { loadConfig } from '../infra/config/index.ts';
import { OperatorError } from '../infra/errors.ts';
import { openPlatform } from '../infra/platform.ts';
import { runDemo } from '../producers/demo.ts';
import { createPublisher } from '../producers/publisher.ts';
import { createCodec } from '../schemas/index.ts';
import { importerOf, SLICES } from '../slices/index.ts';
import { commandLogger } from './logger.ts';
import { print } from './output.ts';

interface DemoOptions {
  readonly org: string;
  readonly rounds: string;
  readonly interval: string;
  readonly slice?: string[];
  readonly generate?: string;
  readonly lines: string;
  readonly out: string;
  readonly seed: string;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description("publish every slice's demo events for an organization, a round at a time (what `start` does locally)")
    .option('--org <id>', 'organization the events belong to', 'org-1')
    .option('--rounds <count>', 'how many rounds', '10')
    .option('--interval <ms>', 'pause between rounds', '1000')
    .option('--slice <name...>', 'only these slices')
    .option(
      '--generate <kind>',
      'instead: write a realistic file of this import kind (see `tributary import`) and exit',
    )
    .option('--lines <count>', 'with --generate: how many lines', '10000')
    .option('--out <file>', 'with --generate: where to write it', 'sample.csv')
    .option('--seed <number>', 'with --generate: another seed, another file', '1')
    .action(async (options: DemoOptions) => {
      if (options.generate !== undefined) {
        await generate(options.generate, options);
        return;
      }
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

/** `demo --generate <kind>`: the importer's sample file, streamed to disk with its size and speed. */
async function generate(kind: string, options: DemoOptions): Promise<void> {
  const lines = Number(options.lines);
  const seed = Number(options.seed);
  if (!Number.isInteger(lines) || lines < 1)
    throw new OperatorError(`--lines must be a whole number above 0, not ${options.lines}`);
  if (!Number.isInteger(seed)) throw new OperatorError(`--seed must be a whole number, not ${options.seed}`);
  const { importer } = importerOf(kind);
  if (!importer.sample) throw new OperatorError(`the ${kind} importer has no sample file to generate`);
  const started = Date.now();
  await pipeline(importer.sample(lines, seed), createWriteStream(options.out));
  const { size } = statSync(options.out);
  print(
    `wrote ${options.out}: ${lines.toLocaleString('en')} lines, ${(size / 1024 / 1024).toFixed(1)} MiB in ${((Date.now() - started) / 1000).toFixed(1)} s; import it with: tributary import ${kind} ${options.out} --organization <id>`,
  );
}
