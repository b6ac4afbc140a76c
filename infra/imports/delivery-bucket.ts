import {
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { ensureBucket } from '../aws/buckets.ts';
import { createQueue, findQueue, setQueuePolicy } from '../aws/queue.ts';
import type { ImportSettings } from '../config/shape.ts';
import type { Logger } from '../logging/logger.ts';
import { compareQueuePolicy, intendedQueuePolicy } from '../uploads/bucket-settings.ts';
import { INCOMING_PREFIX } from './delivery-layout.ts';

const NOTIFICATION_ID = 'tributary-imports';

/**
 * Sets up the data-delivery bucket (public access blocked, encrypted, versioned, as every bucket
 * Tributary creates) and its queue, whose policy lets that bucket alone send, and points the
 * bucket's object-created notifications for `incoming/` at the queue. Idempotent: each part is
 * read first and written only when it differs. Returns the queue's URL.
 */
export async function ensureDeliveryBucket(
  clients: { readonly s3: S3Client; readonly sqs: SQSClient },
  settings: ImportSettings,
  region: string,
  logger?: Logger,
): Promise<string> {
  const { s3, sqs } = clients;
  const found = await findQueue(sqs, settings.queue);
  const queue = found ?? (await createQueue(sqs, settings.queue));
  const policy = intendedQueuePolicy(queue.arn, `arn:aws:s3:::${settings.bucket}`);
  const policyChanged = compareQueuePolicy(settings.queue, policy, queue.policy).length > 0;
  if (policyChanged) await setQueuePolicy(sqs, queue.url, policy);
  const created = await ensureBucket(s3, settings.bucket, region);
  const notified = await ensureNotification(s3, settings.bucket, queue.arn);
  if (!found || policyChanged || created || notified)
    logger?.info({ bucket: settings.bucket, queue: settings.queue }, 'data-delivery bucket set up');
  return queue.url;
}

async function ensureNotification(s3: S3Client, bucket: string, queueArn: string): Promise<boolean> {
  const { $metadata: _, ...current } = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
  const ours = current.QueueConfigurations?.find((q) => q.Id === NOTIFICATION_ID);
  const prefix = ours?.Filter?.Key?.FilterRules?.find((r) => r.Name?.toLowerCase() === 'prefix')?.Value;
  if (ours?.QueueArn === queueArn && prefix === INCOMING_PREFIX && ours.Events?.includes('s3:ObjectCreated:*'))
    return false;
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: {
        ...current,
        QueueConfigurations: [
          ...(current.QueueConfigurations ?? []).filter((q) => q.Id !== NOTIFICATION_ID),
          {
            Id: NOTIFICATION_ID,
            QueueArn: queueArn,
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: INCOMING_PREFIX }] } },
          },
        ],
      },
    }),
  );
  return true;
}
