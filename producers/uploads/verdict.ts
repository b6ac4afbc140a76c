import type { UploadSettings } from '../../infra/config/shape.ts';
import type { Attachment } from '../../projections/uploads/queries.ts';
import type { UploadRejectionReason } from '../../schemas/generated/events.ts';
import { contentTypeAllowed, essenceOf } from './content-types.ts';

/** The object as S3 stored it. */
export interface LandedObject {
  readonly sizeBytes: number;
  readonly contentType: string;
  readonly versionId: string | null;
  readonly eTag: string;
  readonly landedAt: Date;
}

export type Verdict =
  | { readonly kind: 'complete' }
  | { readonly kind: 'reject'; readonly reason: UploadRejectionReason; readonly detail: string }
  /** The same object, seen again (a duplicate SQS delivery): nothing to do. */
  | { readonly kind: 'duplicate' };

/**
 * Whether a landed object completes its attachment (seed 000's step 6 and 7), held to the limits
 * the URL was issued under and to the configured ones: S3 already refuses a larger or different
 * file on a URL bound to them, and this holds every object to them whatever URL it came through.
 */
export function judge(
  object: LandedObject,
  attachment: Attachment,
  settings: Pick<UploadSettings, 'allowedContentTypes'>,
): Verdict {
  if (attachment.status === 'uploaded' && sameObject(object, attachment)) return { kind: 'duplicate' };
  if (attachment.status !== 'generated' && attachment.status !== 'expired')
    return {
      kind: 'reject',
      reason: 'unknown_key',
      detail: `attachment ${attachment.attachmentId} is ${attachment.status}; its URL takes one upload`,
    };
  // A multipart upload completes through the API, which checks the expiry there.
  if (attachment.multipartUploadId === null && object.landedAt.getTime() > attachment.expiresAt.getTime())
    return {
      kind: 'reject',
      reason: 'expired',
      detail: `landed at ${object.landedAt.toISOString()}, after the URL expired at ${attachment.expiresAt.toISOString()}`,
    };
  if (object.sizeBytes > attachment.maxSizeBytes)
    return {
      kind: 'reject',
      reason: 'too_large',
      detail: `${object.sizeBytes} bytes; at most ${attachment.maxSizeBytes} were allowed`,
    };
  if (attachment.declaredSizeBytes !== null && object.sizeBytes !== attachment.declaredSizeBytes)
    return {
      kind: 'reject',
      reason: 'size_mismatch',
      detail: `${object.sizeBytes} bytes; ${attachment.declaredSizeBytes} were declared`,
    };
  const stored = essenceOf(object.contentType);
  if (!contentTypeAllowed(stored, settings.allowedContentTypes))
    return {
      kind: 'reject',
      reason: 'content_type_not_allowed',
      detail: `content type ${stored || '(none)'} is not allowed; allowed: ${settings.allowedContentTypes.join(', ')}`,
    };
  if (attachment.contentType !== null && stored !== attachment.contentType)
    return {
      kind: 'reject',
      reason: 'content_type_not_allowed',
      detail: `content type ${stored}; the URL was issued for ${attachment.contentType}`,
    };
  return { kind: 'complete' };
}

function sameObject(object: LandedObject, attachment: Attachment): boolean {
  if (object.versionId !== null || attachment.versionId !== null) return object.versionId === attachment.versionId;
  return object.eTag === attachment.checksum;
}
