import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { loadConfig } from '../infra/config/index.ts';
import { processorNamesOf } from '../infra/roles/catalogue.ts';
import { procfile, servicesToRun, systemdUnits, TARGET } from '../infra/roles/services.ts';
import { OperatorError } from '../infra/errors.ts';
import { SLICES } from '../slices/index.ts';
import { makeOutDirectory } from './out-directory.ts';
import { print, table } from './output.ts';

/** The checkout this CLI runs from: the units start its `bin/tributary`. */
const CHECKOUT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');

interface SystemdOptions {
  readonly out: string;
  readonly perProcessor?: boolean;
  readonly user: string;
  readonly workingDirectory: string;
  readonly environmentFile: string;
  readonly stopTimeout: string;
}

interface ProcfileOptions {
  readonly out?: string;
  readonly perProcessor?: boolean;
}

export function registerExportCommands(program: Command): void {
  const exporting = program
    .command('export')
    .description('write the process definitions a supervisor runs: systemd units or a Procfile (seed 000)');

  exporting
    .command('systemd')
    .description(
      `write tributary-api.service, tributary-processors.service (and one unit per processor with --per-processor) and ${TARGET}, which starts them together`,
    )
    .requiredOption('--out <dir>', 'the directory to write the units into (e.g. /etc/systemd/system)')
    .option('--per-processor', 'the target runs one unit per processor instead of one processors unit')
    .option('--user <name>', 'the user the services run as', 'tributary')
    .option('--working-directory <dir>', 'the checkout whose bin/tributary the units run', CHECKOUT)
    .option(
      '--environment-file <file>',
      'the NAME=value file with the configuration (README: Configuration)',
      '/etc/tributary/tributary.env',
    )
    .option('--stop-timeout <seconds>', 'how long SIGTERM may drain before systemd kills', '60')
    .action(async (options: SystemdOptions) => {
      const stopTimeoutSeconds = Number(options.stopTimeout);
      if (!Number.isInteger(stopTimeoutSeconds) || stopTimeoutSeconds <= 0)
        throw new OperatorError(`--stop-timeout '${options.stopTimeout}' must be a whole number of seconds above 0`);
      const units = systemdUnits({
        services: servicesToRun(options.perProcessor ? await processorNames() : undefined),
        workingDirectory: resolve(options.workingDirectory),
        user: options.user,
        environmentFile: resolve(options.environmentFile),
        stopTimeoutSeconds,
      });
      makeOutDirectory(options.out);
      for (const unit of units) await writeOut(join(options.out, unit.file), unit.text);
      print(
        table(
          ['WROTE'],
          units.map((unit) => [join(options.out, unit.file)]),
        ),
      );
      print('');
      print(
        `then: systemctl daemon-reload && systemctl enable --now ${TARGET}  (logs: journalctl -u 'tributary-*' -f)`,
      );
    });

  exporting
    .command('procfile')
    .description('write the same processes as a Procfile (foreman, honcho, overmind), to standard output by default')
    .option('--out <file>', 'the file to write')
    .option('--per-processor', 'one process per processor instead of one processors process')
    .action(async (options: ProcfileOptions) => {
      const text = procfile(servicesToRun(options.perProcessor ? await processorNames() : undefined));
      if (!options.out) return void process.stdout.write(text);
      makeOutDirectory(dirname(resolve(options.out)));
      await writeOut(options.out, text);
      print(`wrote ${options.out}`);
    });
}

/** The processors this configuration runs (a disabled one, e.g. push without a URL, gets no unit). */
async function processorNames(): Promise<string[]> {
  const { config } = await loadConfig();
  return processorNamesOf(SLICES, config);
}

/** Writes a file an `--out` option asked for, saying in one line why it cannot. */
async function writeOut(file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text);
  } catch (error) {
    throw new OperatorError(`--out: cannot write ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}
