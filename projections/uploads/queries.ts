import type pg from 'pg';
import { qualified, type Projection } from '../projection.ts';
import { attachments } from './projection.ts';

/** `generated` past its URL's expiry reads as `expired`: nothing can land in it any more. */
export type AttachmentStatus = 'generated' | 'expired' | 'uploaded' | 'rejected' | 'deleted';

export interface Attachment {
  readonly attachmentId: string;
  readonly organizationId: string;
  readonly status: AttachmentStatus;
  readonly bucket: string;
  readonly objectKey: string;
  readonly fileName: string | null;
  readonly caseId: string | null;
  readonly ownerId: string | null;
  readonly requestedBy: string | null;
  /** What S3 stored when uploaded, else what the URL was signed for. */
  readonly contentType: string | null;
  readonly declaredSizeBytes: number | null;
  readonly maxSizeBytes: number;
  readonly sizeBytes: number | null;
  readonly checksum: string | null;
  readonly versionId: string | null;
  readonly multipartUploadId: string | null;
  readonly tags: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
  readonly requestedAt: Date;
  readonly expiresAt: Date;
  readonly uploadedAt: Date | null;
  readonly rejection: { readonly reason: string; readonly detail: string | null } | null;
  readonly deletedAt: Date | null;
  readonly updatedAt: Date;
}

export interface AttachmentFilter {
  readonly caseId?: string;
  readonly ownerId?: string;
  readonly status?: AttachmentStatus;
  readonly tag?: string;
  /** Words searched in the file name and the metadata's keys and values, case-insensitively. */
  readonly text?: string;
}

/** Where a page ends: the sort key of its last row (newest first). */
export interface AttachmentCursor {
  readonly requestedAt: string;
  readonly attachmentId: string;
}

interface Row {
  attachment_id: string;
  organization_id: string;
  status: 'generated' | 'uploaded' | 'rejected' | 'deleted';
  bucket: string;
  object_key: string;
  file_name: string | null;
  case_id: string | null;
  owner_id: string | null;
  requested_by: string | null;
  declared_content_type: string | null;
  content_type: string | null;
  declared_size_bytes: string | null;
  max_size_bytes: string;
  size_bytes: string | null;
  checksum: string | null;
  version_id: string | null;
  multipart_upload_id: string | null;
  tags: string[];
  user_metadata: Record<string, string>;
  requested_at: Date;
  requested_at_text: string;
  expires_at: Date;
  uploaded_at: Date | null;
  rejection_reason: string | null;
  rejection_detail: string | null;
  deleted_at: Date | null;
  updated_at: Date;
}

const COLUMNS = `*, requested_at::text as requested_at_text`;
const STATUS = `case when status = 'generated' and expires_at < now() then 'expired' else status end`;

/** One attachment of the organization; undefined when it does not exist or is another organization's. */
export async function attachmentOf(
  db: Pick<pg.Pool, 'query'>,
  organizationId: string,
  attachmentId: string,
  projection: Pick<Projection, 'name'> = attachments,
): Promise<Attachment | undefined> {
  const { rows } = await db.query<Row>(
    `select ${COLUMNS} from ${qualified(projection, 'attachments')} where organization_id = $1 and attachment_id = $2`,
    [organizationId, attachmentId],
  );
  return rows[0] && toAttachment(rows[0]);
}

/** A page of the organization's attachments, newest first, after `cursor`; `next` is set when more follow. */
export async function attachmentsOf(
  db: Pick<pg.Pool, 'query'>,
  organizationId: string,
  filter: AttachmentFilter,
  page: { readonly limit: number; readonly after?: AttachmentCursor },
  projection: Pick<Projection, 'name'> = attachments,
): Promise<{ items: Attachment[]; next?: AttachmentCursor }> {
  const where = ['organization_id = $1'];
  const params: unknown[] = [organizationId];
  const add = (sql: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (filter.caseId !== undefined) add((n) => `case_id = ${n}`, filter.caseId);
  if (filter.ownerId !== undefined) add((n) => `owner_id = ${n}`, filter.ownerId);
  if (filter.status !== undefined) add((n) => `${STATUS} = ${n}`, filter.status);
  if (filter.tag !== undefined) add((n) => `tags @> array[${n}::text]`, filter.tag);
  for (const word of (filter.text ?? '').split(/\s+/).filter(Boolean))
    add(
      (n) => `(coalesce(file_name, '') ilike ${n} escape '\\' or user_metadata::text ilike ${n} escape '\\')`,
      `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
    );
  if (page.after) {
    params.push(page.after.requestedAt, page.after.attachmentId);
    where.push(`(requested_at, attachment_id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(page.limit + 1);
  const { rows } = await db.query<Row>(
    `select ${COLUMNS} from ${qualified(projection, 'attachments')} where ${where.join(' and ')}
     order by requested_at desc, attachment_id desc limit $${params.length}`,
    params,
  );
  const items = rows.slice(0, page.limit);
  const last = rows.length > page.limit ? items.at(-1) : undefined;
  return {
    items: items.map(toAttachment),
    ...(last ? { next: { requestedAt: last.requested_at_text, attachmentId: last.attachment_id } } : {}),
  };
}

const count = (value: string | null) => (value === null ? null : Number(value));

function toAttachment(row: Row): Attachment {
  return {
    attachmentId: row.attachment_id,
    organizationId: row.organization_id,
    status: row.status === 'generated' && row.expires_at.getTime() < Date.now() ? 'expired' : row.status,
    bucket: row.bucket,
    objectKey: row.object_key,
    fileName: row.file_name,
    caseId: row.case_id,
    ownerId: row.owner_id,
    requestedBy: row.requested_by,
    contentType: row.content_type ?? row.declared_content_type,
    declaredSizeBytes: count(row.declared_size_bytes),
    maxSizeBytes: Number(row.max_size_bytes),
    sizeBytes: count(row.size_bytes),
    checksum: row.checksum,
    versionId: row.version_id,
    multipartUploadId: row.multipart_upload_id,
    tags: row.tags,
    metadata: row.user_metadata,
    requestedAt: row.requested_at,
    expiresAt: row.expires_at,
    uploadedAt: row.uploaded_at,
    rejection: row.rejection_reason ? { reason: row.rejection_reason, detail: row.rejection_detail } : null,
    deletedAt: row.deleted_at,
    updatedAt: row.updated_at,
  };
}
