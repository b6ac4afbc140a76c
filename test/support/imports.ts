import { createAwsClients, type AwsClients } from '../../infra/aws/clients.ts';
import type { Config } from '../../infra/config/index.ts';
import { deliveryWorker } from '../../producers/imports/delivery-worker-start.ts';
import type { ImportDependencies } from '../../producers/imports/run-import.ts';
import { importJobOf } from '../../projections/imports/queries.ts';
import { startProjection } from '../../projections/live.ts';
import type { Projection } from '../../projections/projection.ts';
import type { RunningProcessor } from '../../processors/runtime/runner.ts';
import { importsSlice } from '../../slices/imports.ts';
import type { Slice } from '../../slices/slice.ts';
import { testApp } from './api.ts';
import type { Backbone } from './backbone.ts';
import { quietLogger, uniqueName } from './platform.ts';
import { isolatedSlices } from './slices.ts';

export interface ImportsPlatform {
  /** The configuration with a data-delivery bucket and queue of the test's own. */
  readonly config: Config;
  readonly aws: AwsClients;
  /** The API serving the import routes (and the importing slices' own). */
  readonly app: Awaited<ReturnType<typeof testApp>>;
  readonly jobs: Projection;
  /** What `tributary import` passes to runImport, over this backbone (the report beside `reportPath`). */
  dependencies(slice: Slice, reportPath: string): ImportDependencies;
  stop(): Promise<void>;
}

/**
 * The imports platform over the test's backbone, as `tributary start` runs it: the jobs
 * projection, the delivery worker on a bucket and queue of the test's own (so no other test's
 * worker takes its files) and an API serving the import routes beside the given slices'.
 */
export async function startImportsPlatform(backbone: Backbone, importing: readonly Slice[]): Promise<ImportsPlatform> {
  const slices = isolatedSlices(backbone, [...importing, importsSlice]);
  const imports = slices.at(-1)!;
  const jobs = imports.projections.jobs!;
  const suffix = uniqueName('imports').replace(/[^a-z0-9-]/g, '-');
  const config: Config = {
    ...backbone.config,
    imports: { ...backbone.config.imports, bucket: suffix, queue: suffix, progressIntervalMs: 50 },
  };
  const runtime = backbone.runtime();
  const aws = createAwsClients(config.aws);
  const running: RunningProcessor = await startProjection(jobs, runtime);
  const worker = await deliveryWorker(
    {
      publisher: backbone.publisher,
      config,
      aws,
      pool: backbone.pool,
      projections: imports.projections,
      logger: quietLogger(),
      runtime,
      slices,
    },
    { waitSeconds: 1 },
  ).start();
  const app = await testApp(backbone, { slices, config });
  return {
    config,
    aws,
    app,
    jobs,
    dependencies: (slice, reportPath) => ({
      publisher: backbone.publisher,
      pool: backbone.pool,
      projections: slices.find((s) => s.name === slice.name)!.projections,
      config,
      logger: quietLogger(),
      findJob: (organizationId, jobId) => importJobOf(backbone.pool, organizationId, jobId, jobs),
      reportDestination: () => ({ kind: 'file', path: reportPath }),
    }),
    async stop() {
      await app.close();
      await worker.stop();
      await running.stop();
      aws.s3.destroy();
      aws.sqs.destroy();
    },
  };
}
