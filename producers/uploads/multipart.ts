import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  NoSuchUpload,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Attachment } from '../../projections/uploads/queries.ts';
import type { Position, Publisher } from '../publisher.ts';
import { uploadError } from './errors.ts';
import { presentAttachment } from './present-attachment.ts';
import { metadataOf, type Requester } from './request-uploads.ts';

/** The attachment as a multipart upload still waiting for its parts, or the error that says why not. */
function waitingMultipart(found: Attachment | undefined, attachmentId: string, now: Date) {
  const attachment = presentAttachment(found, attachmentId);
  if (attachment.multipartUploadId === null) throw uploadError.notMultipart(attachmentId);
  if (attachment.status === 'expired' || (attachment.status === 'generated' && attachment.expiresAt < now))
    throw uploadError.expired(attachmentId, attachment.expiresAt);
  if (attachment.status !== 'generated') throw uploadError.notWaiting(attachmentId, attachment.status);
  return { ...attachment, multipartUploadId: attachment.multipartUploadId };
}

/**
 * Asks S3 to assemble the parts. The attachment becomes `uploaded` the way a single PUT does:
 * through S3's notification and the bridge, so there is one path to `uploaded`.
 */
export async function completeMultipart(
  s3: S3Client,
  attachment: Attachment | undefined,
  attachmentId: string,
  parts: readonly { partNumber: number; etag: string }[],
  now = new Date(),
): Promise<void> {
  const waiting = waitingMultipart(attachment, attachmentId, now);
  try {
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: waiting.bucket,
        Key: waiting.objectKey,
        UploadId: waiting.multipartUploadId,
        MultipartUpload: {
          Parts: [...parts]
            .sort((a, b) => a.partNumber - b.partNumber)
            .map((p) => ({ PartNumber: p.partNumber, ETag: p.etag.startsWith('"') ? p.etag : `"${p.etag}"` })),
        },
      }),
    );
  } catch (error) {
    throw storageRefusal(error, attachmentId);
  }
}

/** Gives a multipart upload up: S3 drops the parts, and the attachment is rejected as aborted. */
export async function abortMultipart(
  s3: S3Client,
  publisher: Publisher,
  environment: string,
  requester: Requester,
  attachment: Attachment | undefined,
  attachmentId: string,
  now = new Date(),
): Promise<Position> {
  const waiting = waitingMultipart(attachment, attachmentId, new Date(0));
  try {
    await s3.send(
      new AbortMultipartUploadCommand({
        Bucket: waiting.bucket,
        Key: waiting.objectKey,
        UploadId: waiting.multipartUploadId,
      }),
    );
  } catch (error) {
    // Already aborted (or removed by the lifecycle rule): the rejection below is still owed.
    if (!(error instanceof NoSuchUpload)) throw storageRefusal(error, attachmentId);
  }
  return publisher.publish({
    type: 'UploadRejected',
    metadata: metadataOf(requester, environment, now),
    payload: {
      attachmentId,
      reason: 'aborted',
      detail: `aborted by ${requester.subject}`,
      bucket: waiting.bucket,
      objectKey: waiting.objectKey,
      objectDisposition: 'none',
    },
  });
}

function storageRefusal(error: unknown, attachmentId: string): Error {
  if (error instanceof S3ServiceException && error.$fault === 'client')
    return uploadError.refusedByStorage(attachmentId, error.name, error.message);
  return error as Error;
}
