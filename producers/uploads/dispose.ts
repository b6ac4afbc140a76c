import { CopyObjectCommand, DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { UploadLayout } from '../../infra/uploads/layout.ts';

export interface StoredObject {
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string | null;
}

/**
 * Removes a rejected object from where uploads live: moved under `quarantine/` (kept for a look,
 * and outside the notification's prefix) or deleted. Only the offending version goes: an earlier
 * accepted upload under the same key stays.
 */
export async function disposeOf(
  s3: S3Client,
  layout: UploadLayout,
  object: StoredObject,
  how: 'quarantine' | 'delete',
): Promise<'quarantined' | 'deleted'> {
  const version = object.versionId ? { VersionId: object.versionId } : {};
  if (how === 'quarantine') {
    const source = `${object.bucket}/${object.key.split('/').map(encodeURIComponent).join('/')}`;
    await s3.send(
      new CopyObjectCommand({
        Bucket: object.bucket,
        Key: layout.quarantineKeyOf(object.key),
        CopySource: object.versionId ? `${source}?versionId=${encodeURIComponent(object.versionId)}` : source,
      }),
    );
  }
  await s3.send(new DeleteObjectCommand({ Bucket: object.bucket, Key: object.key, ...version }));
  return how === 'quarantine' ? 'quarantined' : 'deleted';
}
