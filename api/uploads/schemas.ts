import { Type, type Static } from '@fastify/type-provider-typebox';
import type { Attachment } from '../../projections/uploads/queries.ts';

export const UPLOAD_SCOPE = 'uploads:write';
export const READ_ATTACHMENTS_SCOPE = 'attachments:read';

const Tag = Type.String({ minLength: 1, maxLength: 100 });
const Metadata = Type.Record(Type.String({ minLength: 1, maxLength: 100 }), Type.String({ maxLength: 1000 }), {
  maxProperties: 50,
  description: 'Free key-value metadata, searched by GET /v1/attachments?q=.',
});
const GroupingId = Type.String({ minLength: 1, maxLength: 200 });

export const UploadRequestBody = Type.Object(
  {
    count: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          'How many blank URLs, for files not chosen yet (default UPLOADS_URL_BATCH, at most UPLOADS_URL_MAX_BATCH). Leave out when giving `files`.',
      }),
    ),
    files: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 500 }),
            contentType: Type.String({ minLength: 3, maxLength: 200 }),
            sizeBytes: Type.Integer({ minimum: 0 }),
            tags: Type.Optional(Type.Array(Tag, { maxItems: 50 })),
            metadata: Type.Optional(Metadata),
          },
          { additionalProperties: false },
        ),
        {
          minItems: 1,
          description:
            'Files the client already has: each URL is bound to the file’s type and exact size; files above UPLOADS_MULTIPART_THRESHOLD_BYTES get multipart URLs.',
        },
      ),
    ),
    caseId: Type.Optional(GroupingId),
    ownerId: Type.Optional(GroupingId),
    tags: Type.Optional(Type.Array(Tag, { maxItems: 50 })),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);

/**
 * The request body as the document states it, with this deployment's limits: the allowed content
 * types as a pattern, the largest size and batch. The handler checks the same limits itself, to
 * say which file broke which rule in words.
 */
export function documentedUploadRequest(settings: {
  readonly allowedContentTypes: readonly string[];
  readonly maxSizeBytes: number;
  readonly urlMaxBatch: number;
}): Record<string, unknown> {
  const body = JSON.parse(JSON.stringify(UploadRequestBody)) as {
    properties: {
      count: Record<string, unknown>;
      files: { items: { properties: Record<string, Record<string, unknown>> } };
    };
  };
  const types = settings.allowedContentTypes.map((type) =>
    type.endsWith('/*') ? `${escapeRegExp(type.slice(0, -1))}[a-z0-9!#$&^_.+-]+` : escapeRegExp(type),
  );
  body.properties.count.maximum = settings.urlMaxBatch;
  (body.properties.files as Record<string, unknown>).maxItems = settings.urlMaxBatch;
  const file = body.properties.files.items.properties;
  file.contentType!.pattern = `^(${types.join('|')})$`;
  file.sizeBytes!.maximum = settings.maxSizeBytes;
  return body;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

const IssuedUpload = Type.Object({
  attachmentId: Type.String({ format: 'uuid' }),
  objectKey: Type.String(),
  fileName: Type.Union([Type.String(), Type.Null()]),
  contentType: Type.Union([Type.String(), Type.Null()], {
    description: 'The type the URL is bound to; null: any allowed type.',
  }),
  maxSizeBytes: Type.Integer(),
  expiresAt: Type.String({ format: 'date-time' }),
  put: Type.Optional(
    Type.Object({
      method: Type.Literal('PUT'),
      url: Type.String(),
      headers: Type.Record(Type.String(), Type.String(), {
        description: 'Send exactly these headers: they are signed.',
      }),
    }),
  ),
  multipart: Type.Optional(
    Type.Object({
      uploadId: Type.String(),
      partSizeBytes: Type.Integer(),
      parts: Type.Array(Type.Object({ partNumber: Type.Integer(), url: Type.String() })),
      complete: Type.String({ description: 'POST here with each part’s ETag when every part is up.' }),
      abort: Type.String({ description: 'POST here to give the upload up.' }),
    }),
  ),
});

export const IssuedUploadsResponse = Type.Object({
  uploads: Type.Array(IssuedUpload),
  refillBelow: Type.Integer({ description: 'Ask for more URLs when fewer than this many are left unused.' }),
  expiresAt: Type.String({ format: 'date-time' }),
  position: Type.String({ description: 'Pass as ?after= to a read to see these attachments.' }),
});

export const CompleteBody = Type.Object(
  {
    parts: Type.Array(
      Type.Object(
        {
          partNumber: Type.Integer({ minimum: 1, maximum: 10_000 }),
          etag: Type.String({ minLength: 1, maxLength: 200 }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 10_000 },
    ),
  },
  { additionalProperties: false },
);

export const AttachmentJson = Type.Object({
  attachmentId: Type.String({ format: 'uuid' }),
  status: Type.Union([
    Type.Literal('generated'),
    Type.Literal('expired'),
    Type.Literal('uploaded'),
    Type.Literal('rejected'),
    Type.Literal('deleted'),
  ]),
  fileName: Type.Union([Type.String(), Type.Null()]),
  caseId: Type.Union([Type.String(), Type.Null()]),
  ownerId: Type.Union([Type.String(), Type.Null()]),
  requestedBy: Type.Union([Type.String(), Type.Null()]),
  contentType: Type.Union([Type.String(), Type.Null()]),
  sizeBytes: Type.Union([Type.Integer(), Type.Null()]),
  maxSizeBytes: Type.Integer(),
  checksum: Type.Union([Type.String(), Type.Null()]),
  tags: Type.Array(Type.String()),
  metadata: Type.Record(Type.String(), Type.String()),
  multipart: Type.Boolean(),
  requestedAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time' }),
  uploadedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  rejection: Type.Union([
    Type.Object({ reason: Type.String(), detail: Type.Union([Type.String(), Type.Null()]) }),
    Type.Null(),
  ]),
  deletedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const AttachmentPage = Type.Object({
  items: Type.Array(AttachmentJson),
  nextCursor: Type.Optional(Type.String({ description: 'Pass as ?cursor= for the next page; absent on the last.' })),
});

export const DetailsBody = Type.Object(
  {
    fileName: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    tags: Type.Optional(Type.Array(Tag, { maxItems: 50, description: 'The whole new tag list.' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const Accepted = Type.Object({
  attachmentId: Type.String({ format: 'uuid' }),
  position: Type.String({ description: 'Pass as ?after= to a read to see the change applied.' }),
});

export const Completing = Type.Object({
  attachmentId: Type.String({ format: 'uuid' }),
  status: Type.Literal('completing', {
    description: 'S3 assembled the object; the attachment turns `uploaded` when its notification has been handled.',
  }),
});

export const ReadAfter = {
  after: Type.Optional(
    Type.String({ description: 'A position a command returned: wait until the read model has applied it.' }),
  ),
  wait: Type.Optional(
    Type.Integer({ minimum: 0, description: 'Longest wait for `after`, in ms (capped by API_READ_WAIT_MS).' }),
  ),
};

export const AttachmentParams = Type.Object({ attachmentId: Type.String({ format: 'uuid' }) });

export function attachmentJson(a: Attachment): Static<typeof AttachmentJson> {
  return {
    attachmentId: a.attachmentId,
    status: a.status,
    fileName: a.fileName,
    caseId: a.caseId,
    ownerId: a.ownerId,
    requestedBy: a.requestedBy,
    contentType: a.contentType,
    sizeBytes: a.sizeBytes,
    maxSizeBytes: a.maxSizeBytes,
    checksum: a.checksum,
    tags: [...a.tags],
    metadata: { ...a.metadata },
    multipart: a.multipartUploadId !== null,
    requestedAt: a.requestedAt.toISOString(),
    expiresAt: a.expiresAt.toISOString(),
    uploadedAt: a.uploadedAt?.toISOString() ?? null,
    rejection: a.rejection,
    deletedAt: a.deletedAt?.toISOString() ?? null,
  };
}
