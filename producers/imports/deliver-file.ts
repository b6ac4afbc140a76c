import { createHash } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ImportSettings } from '../../infra/config/shape.ts';
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
  s3: S3Client,
  settings: ImportSettings,
  file: {
    readonly organizationId: string;
    readonly kind: string;
    readonly fileName: string | null;
    readonly requestedBy: string;
    readonly body: Buffer;
  },
): Promise<DeliveredFile> {
  const sha256 = createHash('sha256').update(file.body).digest('hex');
  const jobId = importJobIdOf(file.organizationId, file.kind, sha256);
  const objectKey = incomingKey(file.organizationId, file.kind, `${jobId}.csv`);
  await s3.send(
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
