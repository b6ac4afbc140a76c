import type { Attachment } from '../../projections/uploads/queries.ts';
import { uploadError } from './errors.ts';

/**
 * The attachment a read or command of one attachment acts on: 404 when there is none, 410 once it
 * is deleted (GET, PATCH, DELETE, download, complete and abort alike).
 */
export function presentAttachment(attachment: Attachment | undefined, attachmentId: string): Attachment {
  if (!attachment) throw uploadError.notFound(attachmentId);
  if (attachment.status === 'deleted') throw uploadError.deleted(attachmentId, attachment.deletedAt);
  return attachment;
}
