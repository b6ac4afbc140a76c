import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { ApiError, problemRef } from '../errors.ts';
import { encodePosition } from '../positions.ts';
import { principalOf } from '../auth/plugin.ts';
import { uploadError } from '../../producers/uploads/errors.ts';
import { changeDetails, deleteAttachment } from '../../producers/uploads/manage-attachments.ts';
import { signGet } from '../../producers/uploads/presign.ts';
import { attachmentOf, attachmentsOf, type AttachmentCursor } from '../../projections/uploads/queries.ts';
import { requesterOf, type UploadsContext } from './context.ts';
import {
  Accepted,
  AttachmentJson,
  attachmentJson,
  AttachmentPage,
  AttachmentParams,
  DetailsBody,
  READ_ATTACHMENTS_SCOPE,
  ReadAfter,
  UPLOAD_SCOPE,
} from './schemas.ts';

/** The attachments read model (seed 000's Attachments, seed 003's search wish list) and what can be done to one. */
export const attachmentRoutes: FastifyPluginAsync<{ context: UploadsContext }> = async (instance, { context }) => {
  const { options, projection } = context;
  const { config, aws, publisher, pool, api } = options;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const limit = { max: api.rateLimitPerMinute, timeWindow: 60_000 };
  const caughtUp = async (query: { after?: string; wait?: number }) => {
    if (query.after === undefined) return;
    await app.readPositions.waitFor(projection, query.after, Math.min(query.wait ?? api.readWaitMs, api.readWaitMs));
  };

  app.get(
    '/v1/attachments',
    {
      config: { scope: READ_ATTACHMENTS_SCOPE, rateLimit: limit },
      schema: {
        summary: 'The organization’s attachments, newest first',
        tags: ['uploads'],
        querystring: Type.Object(
          {
            caseId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            ownerId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            status: Type.Optional(
              Type.Union(['generated', 'expired', 'uploaded', 'rejected', 'deleted'].map((s) => Type.Literal(s))),
            ),
            tag: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            q: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 200,
                description: 'Words to find in the file name or the metadata.',
              }),
            ),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
            cursor: Type.Optional(Type.String({ maxLength: 500, description: 'The nextCursor of the previous page.' })),
            ...ReadAfter,
          },
          { additionalProperties: false },
        ),
        response: { 200: AttachmentPage, 400: problemRef, 503: problemRef },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { caseId, ownerId, status, tag, q, limit: size, cursor } = request.query;
      await caughtUp(request.query);
      const page = await attachmentsOf(
        pool,
        principal.organizationId,
        {
          ...(caseId !== undefined ? { caseId } : {}),
          ...(ownerId !== undefined ? { ownerId } : {}),
          ...(status !== undefined ? { status: status as never } : {}),
          ...(tag !== undefined ? { tag } : {}),
          ...(q !== undefined ? { text: q } : {}),
        },
        { limit: size ?? 50, ...(cursor !== undefined ? { after: decodeCursor(cursor) } : {}) },
        projection,
      );
      return {
        items: page.items.map(attachmentJson),
        ...(page.next ? { nextCursor: encodeCursor(page.next) } : {}),
      };
    },
  );

  app.get(
    '/v1/attachments/:attachmentId',
    {
      config: { scope: READ_ATTACHMENTS_SCOPE, rateLimit: limit },
      schema: {
        summary: 'One attachment',
        tags: ['uploads'],
        params: AttachmentParams,
        querystring: Type.Object(ReadAfter, { additionalProperties: false }),
        response: { 200: AttachmentJson, 400: problemRef, 404: problemRef, 503: problemRef },
      },
    },
    async (request) => {
      await caughtUp(request.query);
      const { attachmentId } = request.params;
      const attachment = await attachmentOf(pool, principalOf(request).organizationId, attachmentId, projection);
      if (!attachment) throw uploadError.notFound(attachmentId);
      return attachmentJson(attachment);
    },
  );

  app.get(
    '/v1/attachments/:attachmentId/download',
    {
      config: { scope: READ_ATTACHMENTS_SCOPE, rateLimit: limit },
      schema: {
        summary: 'Download an attachment',
        description: `Answers 302 to a pre-signed GET that works for UPLOADS_DOWNLOAD_TTL_SECONDS (${config.uploads.downloadTtlSeconds} s here).`,
        tags: ['uploads'],
        params: AttachmentParams,
        response: { 302: Type.Null(), 404: problemRef, 409: problemRef },
      },
    },
    async (request, reply) => {
      const { attachmentId } = request.params;
      const attachment = await attachmentOf(pool, principalOf(request).organizationId, attachmentId, projection);
      if (!attachment) throw uploadError.notFound(attachmentId);
      if (attachment.status !== 'uploaded') throw uploadError.notUploaded(attachmentId, attachment.status);
      const url = await signGet(
        aws.presigner,
        { bucket: attachment.bucket, key: attachment.objectKey, versionId: attachment.versionId },
        attachment.fileName,
        config.uploads.downloadTtlSeconds,
      );
      return reply.header('cache-control', 'no-store').redirect(url, 302);
    },
  );

  app.patch(
    '/v1/attachments/:attachmentId',
    {
      config: { scope: UPLOAD_SCOPE, rateLimit: limit },
      schema: {
        summary: 'Rename or re-tag an attachment',
        tags: ['uploads'],
        params: AttachmentParams,
        body: DetailsBody,
        response: { 202: Accepted, 400: problemRef, 404: problemRef, 409: problemRef },
      },
    },
    async (request, reply) => {
      const requester = requesterOf(request);
      const { attachmentId } = request.params;
      const attachment = await attachmentOf(pool, requester.organizationId, attachmentId, projection);
      const position = await changeDetails(
        publisher,
        options.environment,
        requester,
        attachment,
        attachmentId,
        request.body,
      );
      reply.code(202);
      return { attachmentId, position: encodePosition([position]) };
    },
  );

  app.delete(
    '/v1/attachments/:attachmentId',
    {
      config: { scope: UPLOAD_SCOPE, rateLimit: limit },
      schema: {
        summary: 'Delete an attachment',
        description: 'The object is deleted from the bucket; the events about the attachment are kept.',
        tags: ['uploads'],
        params: AttachmentParams,
        response: { 202: Accepted, 404: problemRef, 409: problemRef },
      },
    },
    async (request, reply) => {
      const requester = requesterOf(request);
      const { attachmentId } = request.params;
      const attachment = await attachmentOf(pool, requester.organizationId, attachmentId, projection);
      const position = await deleteAttachment(
        aws.s3,
        publisher,
        options.environment,
        requester,
        attachment,
        attachmentId,
      );
      reply.code(202);
      return { attachmentId, position: encodePosition([position]) };
    },
  );
};

/** Cursors are opaque to clients: base64url of the last row's sort key (seed 004's paging tokens). */
export function encodeCursor(cursor: AttachmentCursor): string {
  return Buffer.from(JSON.stringify([cursor.requestedAt, cursor.attachmentId])).toString('base64url');
}

export function decodeCursor(token: string): AttachmentCursor {
  try {
    const [requestedAt, attachmentId] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[];
    if (
      typeof requestedAt === 'string' &&
      // Postgres's own text form of the timestamp, e.g. 2026-11-22 16:58:00.123+00.
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/.test(requestedAt) &&
      !Number.isNaN(Date.parse(requestedAt.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00'))) &&
      typeof attachmentId === 'string' &&
      /^[0-9a-f-]{36}$/.test(attachmentId)
    )
      return { requestedAt, attachmentId };
  } catch {
    // falls through to the error below
  }
  throw new ApiError(
    400,
    'invalid_cursor',
    'The cursor is not one this API gave',
    'pass the nextCursor of a page as it is',
    [{ field: 'querystring.cursor', problem: 'not a cursor from GET /v1/attachments' }],
  );
}
