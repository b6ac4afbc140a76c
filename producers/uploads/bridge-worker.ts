import { UploadBuckets } from '../../infra/uploads/bucket-setup.ts';
import { UploadLayout } from '../../infra/uploads/layout.ts';
import { attachmentOf } from '../../projections/uploads/queries.ts';
import type { SliceWorker, SliceWorkerContext } from '../../slices/slice.ts';
import { UploadNotificationBridge, type BridgeDependencies } from './notification-bridge.ts';

/**
 * The S3-notification bridge as a worker of `tributary start`: it makes sure its queue exists, then
 * polls it. Tests shorten the long poll and the retry delay.
 */
export function notificationBridgeWorker(
  context: SliceWorkerContext,
  timing: Pick<BridgeDependencies, 'waitSeconds' | 'retryDelaySeconds'> = {},
): Omit<SliceWorker, 'start'> & { start(): Promise<UploadNotificationBridge> } {
  return {
    name: 's3-notification-bridge',
    async start() {
      const { config, aws, pool, publisher, logger } = context;
      const projection = context.projections.attachments;
      if (!projection) throw new Error('the notification bridge needs the attachments projection');
      const layout = new UploadLayout(config.uploads, config.environment);
      const queue = await new UploadBuckets(aws, config.uploads, layout, logger).ensureQueue();
      const bridge = new UploadNotificationBridge({
        sqs: aws.sqs,
        s3: aws.s3,
        queueUrl: queue.url,
        layout,
        settings: config.uploads,
        publisher,
        environment: config.environment,
        findAttachment: (organizationId, attachmentId) => attachmentOf(pool, organizationId, attachmentId, projection),
        logger: logger.child({ worker: 's3-notification-bridge' }),
        ...timing,
      });
      bridge.start();
      return bridge;
    },
  };
}
