import type { ConsumedEvent } from '../../processors/runtime/processor.ts';
import type { EventOf } from '../../schemas/generated/events.ts';
import { defineProjection } from '../projection.ts';
import type { Statement } from '../statement.ts';

/**
 * Attachments (seed 000's Attachment records): one row per requested upload slot, its status
 * moving `generated` -> `uploaded` | `rejected`, and `deleted` at the end. A status only moves
 * forward from `generated`, so a late or repeated UploadCompleted or UploadRejected for an
 * attachment that has already settled changes nothing.
 */
export const attachments = defineProjection({
  name: 'attachments',
  handles: [
    'AttachmentRequested',
    'UploadCompleted',
    'UploadRejected',
    'AttachmentDetailsChanged',
    'AttachmentDeleted',
  ] as const,
  tables: ['attachments'],
  migrations: [
    {
      version: 1,
      name: 'attachments',
      sql: `create table attachments (
        attachment_id uuid primary key,
        organization_id text not null,
        bucket text not null,
        object_key text not null,
        status text not null check (status in ('generated', 'uploaded', 'rejected', 'deleted')),
        file_name text,
        declared_content_type text,
        declared_size_bytes bigint,
        max_size_bytes bigint not null,
        expires_at timestamptz not null,
        requested_at timestamptz not null,
        requested_by text,
        case_id text,
        owner_id text,
        tags text[] not null default '{}',
        user_metadata jsonb not null default '{}',
        multipart_upload_id text,
        size_bytes bigint,
        checksum text,
        content_type text,
        version_id text,
        uploaded_at timestamptz,
        rejection_reason text,
        rejection_detail text,
        deleted_at timestamptz,
        updated_at timestamptz not null);
      create index attachments_by_organization on attachments (organization_id, requested_at desc, attachment_id desc);
      create index attachments_by_case on attachments (organization_id, case_id);
      create index attachments_by_tag on attachments using gin (tags);`,
    },
  ],
  project(events) {
    const byType = <T extends (typeof events)[number]['event']['type']>(type: T) =>
      events.filter((c): c is ConsumedEvent<EventOf<T>> => c.event.type === type).map((c) => c.event);
    return [
      ...requested(byType('AttachmentRequested')),
      ...completed(byType('UploadCompleted')),
      ...rejected(byType('UploadRejected')),
      ...detailsChanged(byType('AttachmentDetailsChanged')),
      ...deleted(byType('AttachmentDeleted')),
    ];
  },
});

function requested(events: readonly EventOf<'AttachmentRequested'>[]): Statement[] {
  if (events.length === 0) return [];
  const rows = events.map(({ metadata, payload: p }) => ({
    attachment_id: p.attachmentId,
    organization_id: metadata.organizationId,
    bucket: p.bucket,
    object_key: p.objectKey,
    status: 'generated',
    file_name: p.fileName,
    declared_content_type: p.contentType,
    declared_size_bytes: p.declaredSizeBytes,
    max_size_bytes: p.maxSizeBytes,
    expires_at: p.expiresAt.toISOString(),
    requested_at: metadata.occurredAt.toISOString(),
    requested_by: p.requestedBy,
    case_id: p.caseId,
    owner_id: p.ownerId,
    tags: p.tags,
    user_metadata: p.userMetadata,
    multipart_upload_id: p.multipartUploadId,
    updated_at: metadata.occurredAt.toISOString(),
  }));
  return [
    {
      sql: `insert into attachments (attachment_id, organization_id, bucket, object_key, status, file_name,
          declared_content_type, declared_size_bytes, max_size_bytes, expires_at, requested_at, requested_by,
          case_id, owner_id, tags, user_metadata, multipart_upload_id, updated_at)
        select attachment_id, organization_id, bucket, object_key, status, file_name,
          declared_content_type, declared_size_bytes, max_size_bytes, expires_at, requested_at, requested_by,
          case_id, owner_id, tags, user_metadata, multipart_upload_id, updated_at
        from jsonb_populate_recordset(null::attachments, $1::jsonb)
        on conflict (attachment_id) do nothing`,
      params: [JSON.stringify(rows)],
    },
  ];
}

function completed(events: readonly EventOf<'UploadCompleted'>[]): Statement[] {
  const rows = firstPerAttachment(events).map(({ metadata, payload: p }) => ({
    attachment_id: p.attachmentId,
    organization_id: metadata.organizationId,
    size_bytes: p.sizeBytes,
    checksum: p.checksum,
    content_type: p.contentType,
    version_id: p.versionId,
    uploaded_at: p.uploadedAt.toISOString(),
    updated_at: metadata.occurredAt.toISOString(),
  }));
  if (rows.length === 0) return [];
  return [
    {
      sql: `update attachments a set status = 'uploaded', size_bytes = r.size_bytes, checksum = r.checksum,
          content_type = r.content_type, version_id = r.version_id, uploaded_at = r.uploaded_at, updated_at = r.updated_at
        from jsonb_populate_recordset(null::attachments, $1::jsonb) r
        where a.attachment_id = r.attachment_id and a.organization_id = r.organization_id and a.status = 'generated'`,
      params: [JSON.stringify(rows)],
    },
  ];
}

function rejected(events: readonly EventOf<'UploadRejected'>[]): Statement[] {
  const rows = firstPerAttachment(events).map(({ metadata, payload: p }) => ({
    attachment_id: p.attachmentId,
    organization_id: metadata.organizationId,
    rejection_reason: p.reason,
    rejection_detail: p.detail,
    updated_at: metadata.occurredAt.toISOString(),
  }));
  if (rows.length === 0) return [];
  return [
    {
      sql: `update attachments a set status = 'rejected', rejection_reason = r.rejection_reason,
          rejection_detail = r.rejection_detail, updated_at = r.updated_at
        from jsonb_populate_recordset(null::attachments, $1::jsonb) r
        where a.attachment_id = r.attachment_id and a.organization_id = r.organization_id and a.status = 'generated'`,
      params: [JSON.stringify(rows)],
    },
  ];
}

/** Several changes to one attachment in a batch fold into one row: a later non-null value wins. */
function detailsChanged(events: readonly EventOf<'AttachmentDetailsChanged'>[]): Statement[] {
  const folded = new Map<
    string,
    { organization_id: string; file_name: string | null; tags: readonly string[] | null; updated_at: string }
  >();
  for (const { metadata, payload: p } of events) {
    const key = p.attachmentId;
    const before = folded.get(key);
    folded.set(key, {
      organization_id: metadata.organizationId,
      file_name: p.fileName ?? before?.file_name ?? null,
      tags: p.tags ?? before?.tags ?? null,
      updated_at: metadata.occurredAt.toISOString(),
    });
  }
  if (folded.size === 0) return [];
  const rows = [...folded].map(([attachmentId, row]) => ({
    attachment_id: attachmentId,
    ...row,
    // jsonb_populate_recordset cannot tell an absent array from an empty one: carry "unchanged" apart.
    tags_changed: row.tags !== null,
  }));
  return [
    {
      sql: `update attachments a set file_name = coalesce(r.file_name, a.file_name),
          tags = case when r.tags_changed then coalesce(r.tags, '{}') else a.tags end, updated_at = r.updated_at
        from jsonb_to_recordset($1::jsonb) as r(attachment_id uuid, organization_id text, file_name text, tags text[],
          tags_changed boolean, updated_at timestamptz)
        where a.attachment_id = r.attachment_id and a.organization_id = r.organization_id and a.status <> 'deleted'`,
      params: [JSON.stringify(rows)],
    },
  ];
}

function deleted(events: readonly EventOf<'AttachmentDeleted'>[]): Statement[] {
  const rows = firstPerAttachment(events).map(({ metadata, payload: p }) => ({
    attachment_id: p.attachmentId,
    organization_id: metadata.organizationId,
    deleted_at: metadata.occurredAt.toISOString(),
    updated_at: metadata.occurredAt.toISOString(),
  }));
  if (rows.length === 0) return [];
  return [
    {
      sql: `update attachments a set status = 'deleted', deleted_at = r.deleted_at, updated_at = r.updated_at
        from jsonb_populate_recordset(null::attachments, $1::jsonb) r
        where a.attachment_id = r.attachment_id and a.organization_id = r.organization_id and a.status <> 'deleted'`,
      params: [JSON.stringify(rows)],
    },
  ];
}

/** The first event per attachment: a status settles once, so later ones in the batch cannot apply. */
function firstPerAttachment<E extends { payload: { attachmentId: string } }>(events: readonly E[]): E[] {
  const seen = new Map<string, E>();
  for (const event of events) if (!seen.has(event.payload.attachmentId)) seen.set(event.payload.attachmentId, event);
  return [...seen.values()];
}
