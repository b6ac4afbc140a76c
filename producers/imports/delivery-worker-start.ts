import { ensureDeliveryBucket } from '../../infra/imports/delivery-bucket.ts';
import { importJobOf } from '../../projections/imports/queries.ts';
import type { SliceWorker, SliceWorkerContext } from '../../slices/slice.ts';
import { DeliveryWorker } from './delivery-worker.ts';

/**
 * The delivery worker as a worker of `tributary start`: it sets up the data-delivery bucket and
 * its queue (idempotently), then polls. Tests shorten the long poll.
 */
export function deliveryWorker(
  context: SliceWorkerContext,
  timing: { readonly waitSeconds?: number } = {},
): Omit<SliceWorker, 'start'> & { start(): Promise<DeliveryWorker> } {
  return {
    name: 'data-delivery',
    async start() {
      const { config, aws, pool, publisher, logger } = context;
      const projection = context.projections.jobs;
      if (!projection) throw new Error('the delivery worker needs the jobs projection');
      const queueUrl = await ensureDeliveryBucket(aws, config.imports, config.aws.region, logger);
      return new DeliveryWorker(
        {
          sqs: aws.sqs,
          s3: aws.s3,
          queueUrl,
          slices: context.slices,
          imports: {
            publisher,
            pool,
            config,
            findJob: (organizationId, jobId) => importJobOf(pool, organizationId, jobId, projection),
          },
          logger: logger.child({ worker: 'data-delivery' }),
          ...timing,
        },
        config.imports.visibilitySeconds,
      ).start();
    },
  };
}
