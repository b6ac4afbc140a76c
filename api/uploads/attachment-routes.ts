import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { problemRef } from '../errors.ts';
import { CursorCodec } from '../paging/cursor.ts';
import { encodePosition } from '../positions.ts';
import { principalOf } from '../auth/plugin.ts';
import { uploadError } from '../../producers/uploads/errors.ts';
import { changeDetails, deleteAttachment } from '../../producers/uploads/manage-attachments.ts';
import { presentAttachment } from '../../producers/uploads/present-attachment.ts';
import { signGet } from '../../producers/uploads/presign.ts';
import { attachmentOf, attachmentsOf } from '../../projections/uploads/queries.ts';
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
  const cursors = CursorCodec.fromConfig(config);
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
            cursor: Type.Optional(
              Type.String({
                maxLength: 1000,
                description: 'The nextCursor of the previous page, with the same filters.',
              }),
            ),
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
      const filters = {
        ...(caseId !== undefined ? { caseId } : {}),
        ...(ownerId !== undefined ? { ownerId } : {}),
        ...(status !== undefined ? { status: status as never } : {}),
        ...(tag !== undefined ? { tag } : {}),
        ...(q !== undefined ? { text: q } : {}),
      };
      // Bound to the organization and the filters: a cursor carried elsewhere is 400 invalid_cursor.
      const scope = { listing: 'GET /v1/attachments', organizationId: principal.organizationId, filters };
      const after = cursor === undefined ? undefined : cursors.decode(scope, cursor, ['string', 'string']);
      await caughtUp(request.query);
      const page = await attachmentsOf(
        pool,
        principal.organizationId,
        filters,
        { limit: size ?? 50, ...(after ? { after: { requestedAt: after[0], attachmentId: after[1] } } : {}) },
        projection,
      );
      return {
        items: page.items.map(attachmentJson),
        ...(page.next ? { nextCursor: cursors.encode(scope, [page.next.requestedAt, page.next.attachmentId]) } : {}),
      };
    },
  );

  app.get(
    '/v1/attachments/:attachmentId',
    {
      config: { scope: READ_ATTACHMENTS_SCOPE, rateLimit: limit },
      schema: {
        summary: 'One attachment',
        description: 'A deleted attachment is 410 Gone; `GET /v1/attachments?status=deleted` still lists it.',
        tags: ['uploads'],
        params: AttachmentParams,
        querystring: Type.Object(ReadAfter, { additionalProperties: false }),
        response: { 200: AttachmentJson, 400: problemRef, 404: problemRef, 410: problemRef, 503: problemRef },
      },
    },
    async (request) => {
      await caughtUp(request.query);
      const { attachmentId } = request.params;
      const found = await attachmentOf(pool, principalOf(request).organizationId, attachmentId, projection);
      return attachmentJson(presentAttachment(found, attachmentId));
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
        response: { 302: Type.Null(), 404: problemRef, 409: problemRef, 410: problemRef },
      },
    },
    async (request, reply) => {
      const { attachmentId } = request.params;
      const found = await attachmentOf(pool, principalOf(request).organizationId, attachmentId, projection);
      const attachment = presentAttachment(found, attachmentId);
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
        response: { 202: Accepted, 400: problemRef, 404: problemRef, 409: problemRef, 410: problemRef },
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
        description:
          'The object is deleted from the bucket; the events about the attachment are kept. Answers once the read model shows the deletion (bounded by API_READ_WAIT_MS), so a read right after it is 410.',
        tags: ['uploads'],
        params: AttachmentParams,
        response: { 202: Accepted, 404: problemRef, 409: problemRef, 410: problemRef },
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
      const token = encodePosition([position]);
      // A read or a second DELETE right after this one must find the attachment deleted: answer
      // once the read model has it. Late is not wrong, though: the object is already gone.
      try {
        await app.readPositions.waitFor(projection, token, api.readWaitMs);
      } catch (error) {
        request.log.warn({ err: error }, 'the attachments read model is behind the deletion just made');
      }
      reply.code(202);
      return { attachmentId, position: token };
    },
  );
};
