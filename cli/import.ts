import { createReadStream, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../infra/config/index.ts';
import { OperatorError } from '../infra/errors.ts';
import { isOrganizationId, ORGANIZATION_ID_RULE } from '../infra/organization-id.ts';
import { openPlatform } from '../infra/platform.ts';
import { runImport, type ImportOutcome } from '../producers/imports/run-import.ts';
import { createPublisher } from '../producers/publisher.ts';
import { importJobOf } from '../projections/imports/queries.ts';
import { createCodec } from '../schemas/index.ts';
import { importerOf, SLICES } from '../slices/index.ts';
import { commandLogger } from './logger.ts';
import { print, printError, table } from './output.ts';

interface ImportOptions {
  readonly organization: string;
  readonly requestedBy: string;
}

export function registerImportCommand(program: Command): void {
  const kinds = SLICES.flatMap((slice) => slice.importers.map((importer) => `${importer.kind} (${importer.doc})`));
  program
    .command('import')
    .description(`import a CSV file as a job: ${kinds.join('; ')}`)
    .argument('<kind>', 'what the file holds')
    .argument('<file>', 'the CSV file')
    .requiredOption('--organization <id>', 'the organization the file belongs to')
    .option('--requested-by <who>', 'who asks for the import (recorded on every event)', 'cli')
    .action(async (kind: string, file: string, options: ImportOptions) => {
      if (!isOrganizationId(options.organization))
        throw new OperatorError(
          `--organization: '${options.organization}' is not an organization id (${ORGANIZATION_ID_RULE})`,
        );
      const found = importerOf(kind);
      const path = resolve(file);
      let sizeBytes: number;
      try {
        sizeBytes = statSync(path).size;
      } catch {
        throw new OperatorError(`cannot read ${file}: no such file`);
      }
      const { config } = await loadConfig();
      const logger = commandLogger(config);
      const platform = openPlatform(config, logger);
      const publisher = createPublisher(platform.kafka, createCodec(config.registry), logger, config.publisher);
      const bar = progressBar(sizeBytes);
      try {
        const outcome = await runImport(
          found.importer,
          {
            source: 'cli',
            organizationId: options.organization,
            requestedBy: options.requestedBy,
            fileName: basename(path),
            objectKey: null,
            sizeBytes,
            open: () => createReadStream(path),
          },
          {
            publisher,
            pool: platform.pool,
            projections: found.slice.projections,
            config,
            logger,
            findJob: (organizationId, jobId) =>
              importJobOf(platform.pool, organizationId, jobId).catch(() => undefined),
            reportDestination: () => ({ kind: 'file', path: `${path}.rejected.csv` }),
            onProgress: bar.update,
            onJob: (jobId) => printError(`job ${jobId}`),
          },
        );
        bar.done();
        printOutcome(outcome);
        if (outcome.kind === 'refused') process.exitCode = 1;
      } finally {
        await publisher.close();
        await platform.close();
      }
    });
}

function printOutcome(outcome: ImportOutcome): void {
  if (outcome.kind === 'refused') {
    printError(`refused: ${outcome.reason}`);
    return;
  }
  if (outcome.kind === 'already-imported') {
    print(
      `already imported as job ${outcome.jobId} (${outcome.job.finishedAt?.toISOString() ?? ''}); nothing published`,
    );
    print(
      table(
        ['', 'count'],
        outcome.job.counts.map((c) => [c.name, c.value.toLocaleString('en')]),
      ),
    );
    return;
  }
  print(
    table(
      ['', 'count'],
      outcome.summary.counts.map((c) => [c.name, c.value.toLocaleString('en')]),
    ),
  );
  if (outcome.reportLocation) print(`rejected lines: ${outcome.reportLocation}`);
}

/** Bytes read against the file's size: redrawn in place on a terminal, a line every few seconds otherwise. */
function progressBar(totalBytes: number) {
  const tty = process.stderr.isTTY === true;
  const started = Date.now();
  let lastLine = 0;
  let drawn = false;
  return {
    update: ({ linesRead, bytesRead }: { linesRead: number; bytesRead: number }) => {
      const fraction = totalBytes > 0 ? Math.min(1, bytesRead / totalBytes) : 1;
      const seconds = (Date.now() - started) / 1000;
      const rate = seconds > 0 ? Math.round(linesRead / seconds) : 0;
      const width = 30;
      const filled = Math.round(fraction * width);
      const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(1)}%  ${linesRead.toLocaleString('en')} lines, ${rate.toLocaleString('en')} lines/s`;
      if (tty) {
        process.stderr.write(`\r\x1b[2K${line}`);
        drawn = true;
      } else if (Date.now() - lastLine >= 5000) {
        process.stderr.write(`${line}\n`);
        lastLine = Date.now();
      }
    },
    done: () => {
      if (drawn) process.stderr.write('\n');
    },
  };
}
