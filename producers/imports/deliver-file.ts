import { createHash } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { AwsClients } from '../../infra/aws/clients.ts';
import type { Config } from '../../infra/config/index.ts';
import { ensureDeliveryBucket } from '../../infra/imports/delivery-bucket.ts';
import { incomingKey } from '../../infra/imports/delivery-layout.ts';
import { importJobIdOf } from './job-id.ts';

export interface DeliveredFile {
  readonly jobId: string;
  readonly bucket: string;
  readonly objectKey: string;
}

/**
 * Puts a file received over HTTP into the data-delivery bucket, where its notification makes the
 * delivery worker import it as a background job, exactly as a file a partner drops there. The
 * job id is known at once (it follows from the content), so the caller can answer 202 with it.
 */
export async function deliverFile(
  aws: Pick<AwsClients, 's3' | 'sqs'>,
  config: Pick<Config, 'imports' | 'aws'>,
  file: {
    readonly organizationId: string;
    readonly kind: string;
    readonly fileName: string | null;
    readonly requestedBy: string;
    readonly body: Buffer;
  },
): Promise<DeliveredFile> {
  const settings = config.imports;
  // The first delivery of a process makes sure the bucket and its queue exist: an API instance
  // runs no delivery worker to set them up. A failure is forgotten, so the next delivery tries again.
  const key = `${settings.bucket}/${settings.queue}`;
  let ready = bucketsReady.get(key);
  if (!ready) {
    ready = ensureDeliveryBucket(aws, settings, config.aws.region);
    bucketsReady.set(key, ready);
    ready.catch(() => bucketsReady.delete(key));
  }
  await ready;
  const sha256 = createHash('sha256').update(file.body).digest('hex');
  const jobId = importJobIdOf(file.organizationId, file.kind, sha256);
  const objectKey = incomingKey(file.organizationId, file.kind, `${jobId}.csv`);
  await aws.s3.send(
    new PutObjectCommand({
      Bucket: settings.bucket,
      Key: objectKey,
      Body: file.body,
      ContentType: 'text/csv',
      // S3 metadata is ASCII: the name is URI-encoded and decoded by the worker.
      Metadata: {
        'requested-by': encodeURIComponent(file.requestedBy),
        ...(file.fileName ? { 'file-name': encodeURIComponent(file.fileName) } : {}),
      },
    }),
  );
  return { jobId, bucket: settings.bucket, objectKey };
}

const bucketsReady = new Map<string, Promise<unknown>>();
