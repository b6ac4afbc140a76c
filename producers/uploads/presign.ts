import {
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { UploadLocation } from '../../infra/uploads/layout.ts';

/** A URL the client PUTs the file to, with the headers it must send as given (they are signed). */
export interface SignedPut {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * A single-PUT URL bound to its key and, when known, to the content type and exact size: those
 * headers are signed, so S3 refuses a request whose type or length differs. (A URL issued before
 * the file is chosen can bind neither; the notification bridge holds the landed object to the
 * configured limits.)
 */
export async function signPut(
  presigner: S3Client,
  location: UploadLocation,
  file: { readonly contentType: string | null; readonly sizeBytes: number | null },
  expiresInSeconds: number,
): Promise<SignedPut> {
  const url = await getSignedUrl(
    presigner,
    new PutObjectCommand({
      Bucket: location.bucket,
      Key: location.key,
      ...(file.contentType ? { ContentType: file.contentType } : {}),
      ...(file.sizeBytes !== null ? { ContentLength: file.sizeBytes } : {}),
    }),
    { expiresIn: expiresInSeconds, signableHeaders: new Set(file.contentType ? ['content-type'] : []) },
  );
  return { url, headers: file.contentType ? { 'content-type': file.contentType } : {} };
}

/** The parts of a multipart upload: its S3 upload id and one pre-signed URL per part. */
export interface SignedMultipart {
  readonly uploadId: string;
  readonly partSizeBytes: number;
  readonly parts: readonly { readonly partNumber: number; readonly url: string }[];
}

/** S3 allows at most 10,000 parts: the part size grows when the file needs more. */
const MAX_PARTS = 10_000;

export async function startMultipart(
  s3: S3Client,
  presigner: S3Client,
  location: UploadLocation,
  file: { readonly contentType: string; readonly sizeBytes: number },
  partSizeBytes: number,
  expiresInSeconds: number,
): Promise<SignedMultipart> {
  const partSize = Math.max(partSizeBytes, Math.ceil(file.sizeBytes / MAX_PARTS));
  const started = await s3.send(
    new CreateMultipartUploadCommand({ Bucket: location.bucket, Key: location.key, ContentType: file.contentType }),
  );
  const uploadId = started.UploadId;
  if (!uploadId) throw new Error(`S3 started a multipart upload of ${location.key} without an upload id`);
  const count = Math.max(1, Math.ceil(file.sizeBytes / partSize));
  const parts = await Promise.all(
    Array.from({ length: count }, async (_, i) => ({
      partNumber: i + 1,
      url: await getSignedUrl(
        presigner,
        new UploadPartCommand({ Bucket: location.bucket, Key: location.key, UploadId: uploadId, PartNumber: i + 1 }),
        { expiresIn: expiresInSeconds },
      ),
    })),
  );
  return { uploadId, partSizeBytes: partSize, parts };
}

/** A short-lived download URL that saves the file under its name. */
export async function signGet(
  presigner: S3Client,
  location: UploadLocation & { readonly versionId?: string | null },
  fileName: string | null,
  expiresInSeconds: number,
): Promise<string> {
  return getSignedUrl(
    presigner,
    new GetObjectCommand({
      Bucket: location.bucket,
      Key: location.key,
      ...(location.versionId ? { VersionId: location.versionId } : {}),
      ...(fileName ? { ResponseContentDisposition: contentDisposition(fileName) } : {}),
    }),
    { expiresIn: expiresInSeconds },
  );
}

/** `attachment` with an ASCII fallback name and the UTF-8 one (RFC 6266). */
function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}
