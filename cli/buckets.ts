import type { Command } from 'commander';
import { createS3Client, createSqsClient } from '../infra/aws/clients.ts';
import { loadConfig, type Config } from '../infra/config/index.ts';
import { UploadBuckets } from '../infra/uploads/bucket-setup.ts';
import { UploadLayout } from '../infra/uploads/layout.ts';
import { commandLogger } from './logger.ts';
import { print, table } from './output.ts';

/** `--check` found drift: distinct from 1 (could not check), as `terraform plan -detailed-exitcode` does. */
export const DRIFT_EXIT_CODE = 2;

interface EnsureOptions {
  readonly organization?: readonly string[];
  readonly check?: boolean;
  readonly json?: boolean;
}

export function registerBucketCommands(program: Command): void {
  const buckets = program.command('buckets').description('the upload buckets and their notification queue (seed 000)');

  buckets
    .command('ensure')
    .description(
      'create the upload queue and buckets when missing and apply every setting that differs (public access blocks, CORS, encryption, versioning, replication, lifecycle, notification); idempotent',
    )
    .option(
      '--organization <id...>',
      'per-organization strategy: only these organizations\u2019 buckets (default: every existing upload bucket)',
    )
    .option('--check', `change nothing; print the drift and exit ${DRIFT_EXIT_CODE} when there is any`)
    .option('--json', 'print JSON instead of a table')
    .action(async (options: EnsureOptions) => {
      const { config } = await loadConfig();
      const clients = { s3: createS3Client(config.aws), sqs: createSqsClient(config.aws) };
      const layout = new UploadLayout(config.uploads, config.environment);
      const uploads = new UploadBuckets(clients, config.uploads, layout, commandLogger(config));
      try {
        const names = await targetBuckets(config, layout, uploads, options.organization ?? []);
        if (options.check) await check(uploads, names, options.json === true);
        else await ensure(uploads, config, names, options.json === true);
      } finally {
        clients.s3.destroy();
        clients.sqs.destroy();
      }
    });
}

/** The shared bucket; or the named organizations' buckets; or every existing per-organization bucket. */
async function targetBuckets(
  config: Config,
  layout: UploadLayout,
  uploads: UploadBuckets,
  organizations: readonly string[],
): Promise<string[]> {
  if (config.uploads.bucketStrategy === 'shared') return [config.uploads.bucket];
  if (organizations.length > 0) return [...new Set(organizations.map((id) => layout.bucketOf(id)))];
  return uploads.existingBuckets();
}

async function ensure(uploads: UploadBuckets, config: Config, names: readonly string[], json: boolean): Promise<void> {
  const queue = await uploads.ensureQueue();
  const queueChanges = [...(queue.created ? ['queue'] : []), ...(queue.policyChanged ? ['queue-policy'] : [])];
  const results: { bucket: string; changed: readonly string[] }[] = [];
  for (const bucket of names) results.push({ bucket, changed: await uploads.ensure(bucket) });
  if (json) {
    print(JSON.stringify({ queue: { name: config.uploads.queue, ...queue, changed: queueChanges }, buckets: results }));
    return;
  }
  const changes = (changed: readonly string[]) => (changed.length > 0 ? changed.join(', ') : 'unchanged');
  print(
    table(
      ['RESOURCE', 'CHANGED'],
      [
        [`queue ${config.uploads.queue}`, changes(queueChanges)],
        ...results.map((r) => [`bucket ${r.bucket}`, changes(r.changed)]),
      ],
    ),
  );
  if (names.length === 0) print('no upload bucket exists yet: each is created on its organization\u2019s first upload');
}

async function check(uploads: UploadBuckets, names: readonly string[], json: boolean): Promise<void> {
  const drift = (await uploads.checkQueue()).map((d) => ({ resource: 'queue', ...d }));
  for (const bucket of names) drift.push(...(await uploads.check(bucket)).map((d) => ({ resource: 'bucket', ...d })));
  if (json) print(JSON.stringify({ drift }));
  else if (drift.length === 0) print(`no drift (the queue and ${names.length} bucket(s) checked)`);
  else {
    print(
      table(
        ['RESOURCE', 'SETTING', 'EXPECTED', 'ACTUAL'],
        drift.map((d) => [`${d.resource} ${d.bucket}`, d.setting, d.expected, d.actual]),
      ),
    );
    print(`${drift.length} setting(s) drifted; 'tributary buckets ensure' applies the intended ones`);
  }
  if (drift.length > 0) process.exitCode = DRIFT_EXIT_CODE;
}
