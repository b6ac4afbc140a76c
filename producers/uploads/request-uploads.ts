import { randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import type { UploadSettings } from '../../infra/config/shape.ts';
import type { FieldProblem } from '../../infra/errors.ts';
import type { UploadLayout } from '../../infra/uploads/layout.ts';
import type { EventMetadata, EventOf } from '../../schemas/generated/events.ts';
import type { Position, Publisher } from '../publisher.ts';
import { contentTypeAllowed, essenceOf } from './content-types.ts';
import { uploadError } from './errors.ts';
import { signPut, startMultipart, type SignedMultipart } from './presign.ts';

/** A file the client already knows: its URL can be bound to the type and the exact size. */
export interface DeclaredFile {
  readonly name: string;
  readonly contentType: string;
  readonly sizeBytes: number;
  readonly tags?: readonly string[];
  readonly metadata?: Readonly<Record<string, string>>;
}

/** `count` blank URLs for files not chosen yet (seed 000's pool), or one URL per declared file. */
export interface UploadRequest {
  readonly count?: number;
  readonly files?: readonly DeclaredFile[];
  readonly caseId?: string;
  readonly ownerId?: string;
  /** Tags and metadata every attachment of the request gets (a file's own are added). */
  readonly tags?: readonly string[];
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface IssuedUpload {
  readonly attachmentId: string;
  readonly objectKey: string;
  readonly fileName: string | null;
  readonly contentType: string | null;
  readonly maxSizeBytes: number;
  readonly expiresAt: Date;
  /** A single PUT: send exactly these headers. Absent for a multipart upload. */
  readonly put?: { readonly url: string; readonly headers: Readonly<Record<string, string>> };
  readonly multipart?: SignedMultipart;
}

export interface IssuedUploads {
  readonly uploads: readonly IssuedUpload[];
  /** Ask for more when fewer than this many URLs are left unused (seed 000: 5). */
  readonly refillBelow: number;
  readonly expiresAt: Date;
  readonly positions: readonly Position[];
}

export interface UploadRequestDependencies {
  readonly s3: S3Client;
  readonly presigner: S3Client;
  /** Creates the organization's bucket, with every setting, the first time it is needed. */
  readonly ensureBucket: (bucket: string) => Promise<void>;
  readonly layout: UploadLayout;
  readonly settings: UploadSettings;
  readonly publisher: Publisher;
  readonly environment: string;
  readonly now?: () => Date;
}

export interface Requester {
  readonly organizationId: string;
  readonly subject: string;
  readonly correlationId: string;
}

/**
 * Seed 000's step 1 to 4: make sure the bucket exists, reserve one attachment per URL (an
 * AttachmentRequested each, status `generated`), and hand back the pre-signed URLs. The events are
 * published before any URL leaves, so every object that can land has a request on record.
 */
export async function requestUploads(
  deps: UploadRequestDependencies,
  requester: Requester,
  request: UploadRequest,
): Promise<IssuedUploads> {
  const { settings } = deps;
  const files = request.files ?? [];
  checkFiles(files, settings);
  if (request.count !== undefined && request.count > settings.urlMaxBatch)
    throw uploadError.tooManyUrls(request.count, settings.urlMaxBatch);
  const count = request.files ? files.length : (request.count ?? settings.urlBatch);
  if (count > settings.urlMaxBatch) throw uploadError.tooManyUrls(count, settings.urlMaxBatch, 'body.files');

  const bucket = deps.layout.bucketOf(requester.organizationId);
  await deps.ensureBucket(bucket);
  const now = deps.now?.() ?? new Date();
  const expiresAt = new Date(now.getTime() + settings.urlTtlSeconds * 1000);
  const slots: (DeclaredFile | undefined)[] = request.files
    ? [...files]
    : Array.from({ length: count }, () => undefined);

  const issued = await Promise.all(
    slots.map(async (file): Promise<IssuedUpload> => {
      const attachmentId = randomUUID();
      const location = deps.layout.locationOf(requester.organizationId, attachmentId);
      const contentType = file ? essenceOf(file.contentType) : null;
      const common = {
        attachmentId,
        objectKey: location.key,
        fileName: file?.name ?? null,
        contentType,
        maxSizeBytes: file ? file.sizeBytes : settings.maxSizeBytes,
        expiresAt,
      };
      if (file && contentType && file.sizeBytes > settings.multipartThresholdBytes) {
        const multipart = await startMultipart(
          deps.s3,
          deps.presigner,
          location,
          { contentType, sizeBytes: file.sizeBytes },
          settings.multipartPartBytes,
          settings.urlTtlSeconds,
        );
        return { ...common, multipart };
      }
      const put = await signPut(
        deps.presigner,
        location,
        { contentType, sizeBytes: file?.sizeBytes ?? null },
        settings.urlTtlSeconds,
      );
      return { ...common, put };
    }),
  );

  const events = issued.map((upload, i): EventOf<'AttachmentRequested'> => {
    const file = slots[i];
    return {
      type: 'AttachmentRequested',
      metadata: metadataOf(requester, deps.environment, now),
      payload: {
        attachmentId: upload.attachmentId,
        bucket,
        objectKey: upload.objectKey,
        contentType: upload.contentType,
        maxSizeBytes: upload.maxSizeBytes,
        expiresAt,
        requestedBy: requester.subject,
        caseId: request.caseId ?? null,
        ownerId: request.ownerId ?? null,
        fileName: upload.fileName,
        declaredSizeBytes: file?.sizeBytes ?? null,
        tags: [...new Set([...(request.tags ?? []), ...(file?.tags ?? [])])],
        userMetadata: { ...request.metadata, ...file?.metadata },
        multipartUploadId: upload.multipart?.uploadId ?? null,
      },
    };
  });
  const positions = await deps.publisher.publishBatch(events);
  return { uploads: issued, refillBelow: settings.refillThreshold, expiresAt, positions };
}

function checkFiles(files: readonly DeclaredFile[], settings: UploadSettings): void {
  const problems: FieldProblem[] = [];
  files.forEach((file, i) => {
    if (!contentTypeAllowed(file.contentType, settings.allowedContentTypes))
      problems.push({
        field: `body.files[${i}].contentType`,
        problem: `content type ${file.contentType} is not allowed; allowed: ${settings.allowedContentTypes.join(', ')}`,
      });
    if (file.sizeBytes > settings.maxSizeBytes)
      problems.push({
        field: `body.files[${i}].sizeBytes`,
        problem: `${file.sizeBytes} bytes is larger than the largest upload, ${settings.maxSizeBytes} bytes`,
      });
  });
  if (problems.length > 0) throw uploadError.invalid(problems);
}

export function metadataOf(requester: Requester, environment: string, now: Date): EventMetadata {
  return {
    eventId: randomUUID(),
    occurredAt: now,
    organizationId: requester.organizationId,
    environment,
    correlationId: requester.correlationId,
    causationId: null,
    actor: requester.subject,
  };
}
