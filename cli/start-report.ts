import type { Config } from '../infra/config/index.ts';
import type { Platform } from '../infra/platform.ts';
import type { Selection } from '../infra/roles/selection.ts';
import { SLICES } from '../slices/index.ts';
import { print, table } from './output.ts';

/** The organization the local demo publishes for, and the dashboard shows by default. */
export const DEMO_ORGANIZATION = 'org-1';

/** What `start` prints once everything runs: where each thing is served, and the readiness checks. */
export async function printStartReport(
  config: Config,
  platform: Platform,
  address: string | undefined,
  useStack: boolean,
  demo: boolean,
  selection: Selection,
  ops?: string,
) {
  const checks = await platform.readiness();
  const served: string[][] = address
    ? [
        ['API', address],
        [
          'dashboard',
          `${address}/${demo ? `  (demo events for ${DEMO_ORGANIZATION} every 2 s; --no-demo to stop them)` : ''}`,
        ],
        ['health', `${address}/health/live  ${address}/health/ready`],
        ['metrics', `${address}/metrics`],
        ['API docs (OpenAPI)', `${address}/docs`],
        ['realtime websocket', `${address.replace(/^http/, 'ws')}/v1/realtime`],
      ]
    : [
        ['API', 'not in this process (--role processors)'],
        ['health', `${ops}/health/live  ${ops}/health/ready`],
        ['metrics', `${ops}/metrics`],
      ];
  print('');
  print(
    table(
      ['WHAT', 'WHERE'],
      [
        ['role', selection.role],
        ...served,
        ['kafka', config.kafka.brokers.join(',')],
        ['schema registry', config.registry.url],
        ['postgres', config.database.url.replace(/:[^:@/]*@/, ':****@')],
        ['aws (s3, sqs, ssm, athena)', config.aws.endpoint ?? `AWS ${config.aws.region}`],
        [
          'log lake',
          config.lake.target === 'directory'
            ? `${config.lake.directory}  (Parquet, Hive layout)`
            : `s3://${config.lake.bucket}`,
        ],
        [
          'upload bucket',
          config.uploads.bucketStrategy === 'shared'
            ? `s3://${config.uploads.bucket}  (queue ${config.uploads.queue})`
            : `one per organization: ${config.uploads.bucketTemplate}  (queue ${config.uploads.queue})`,
        ],
        ['slices', SLICES.map((slice) => slice.name).join(', ')],
        ['processors', selection.processors.join(', ') || 'none in this process (--role api)'],
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
}
