import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Attachment } from '../../projections/uploads/queries.ts';
import type { Position, Publisher } from '../publisher.ts';
import { presentAttachment } from './present-attachment.ts';
import { metadataOf, type Requester } from './request-uploads.ts';

/** Renames or re-tags an attachment; the read model follows the AttachmentDetailsChanged. */
export async function changeDetails(
  publisher: Publisher,
  environment: string,
  requester: Requester,
  attachment: Attachment | undefined,
  attachmentId: string,
  change: { readonly fileName?: string; readonly tags?: readonly string[] },
): Promise<Position> {
  presentAttachment(attachment, attachmentId);
  return publisher.publish({
    type: 'AttachmentDetailsChanged',
    metadata: metadataOf(requester, environment, new Date()),
    payload: {
      attachmentId,
      fileName: change.fileName ?? null,
      tags: change.tags ? [...new Set(change.tags)] : null,
      changedBy: requester.subject,
    },
  });
}

/**
 * Deletes the attachment's object (the version that was uploaded, so it is gone, not hidden
 * behind a delete marker) and records AttachmentDeleted; the events about it stay in Kafka.
 */
export async function deleteAttachment(
  s3: S3Client,
  publisher: Publisher,
  environment: string,
  requester: Requester,
  found: Attachment | undefined,
  attachmentId: string,
): Promise<Position> {
  const attachment = presentAttachment(found, attachmentId);
  await s3.send(
    new DeleteObjectCommand({
      Bucket: attachment.bucket,
      Key: attachment.objectKey,
      ...(attachment.versionId ? { VersionId: attachment.versionId } : {}),
    }),
  );
  return publisher.publish({
    type: 'AttachmentDeleted',
    metadata: metadataOf(requester, environment, new Date()),
    payload: { attachmentId, bucket: attachment.bucket, objectKey: attachment.objectKey, deletedBy: requester.subject },
  });
}
