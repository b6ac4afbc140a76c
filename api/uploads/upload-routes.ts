import { type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { encodePosition } from '../positions.ts';
import { problemRef } from '../errors.ts';
import { abortMultipart, completeMultipart } from '../../producers/uploads/multipart.ts';
import { requestUploads } from '../../producers/uploads/request-uploads.ts';
import { attachmentOf } from '../../projections/uploads/queries.ts';
import { requesterOf, type UploadsContext } from './context.ts';
import {
  Accepted,
  AttachmentParams,
  CompleteBody,
  Completing,
  IssuedUploadsResponse,
  documentedUploadRequest,
  UploadRequestBody,
  UPLOAD_SCOPE,
} from './schemas.ts';

/** Seed 000's upload procedure: batches of pre-signed URLs, and the multipart complete and abort. */
export const uploadRoutes: FastifyPluginAsync<{ context: UploadsContext }> = async (instance, { context }) => {
  const { options, projection, layout, buckets } = context;
  const { config, aws, publisher, pool, api } = options;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const limit = { max: api.rateLimitPerMinute, timeWindow: 60_000 };

  app.post(
    '/v1/uploads/urls',
    {
      config: { scope: UPLOAD_SCOPE, rateLimit: limit, documentedBody: documentedUploadRequest(config.uploads) },
      schema: {
        summary: 'A batch of pre-signed upload URLs',
        description:
          'Each URL reserves one attachment (status `generated`) under the caller’s organization. Without `files`, `count` blank URLs for files not chosen yet (seed 000’s pool: ask again when fewer than `refillBelow` are left, after an upload fails as expired, or once `expiresAt` has passed). With `files`, one URL per file, bound to its content type and exact size; large files get multipart URLs.',
        tags: ['uploads'],
        body: UploadRequestBody,
        response: { 201: IssuedUploadsResponse, 400: problemRef },
      },
    },
    async (request, reply) => {
      const issued = await requestUploads(
        {
          s3: aws.s3,
          presigner: aws.presigner,
          ensureBucket: (bucket) => buckets.ensureOnce(bucket),
          layout,
          settings: config.uploads,
          publisher,
          environment: options.environment,
        },
        requesterOf(request),
        request.body,
      );
      const position = encodePosition(issued.positions);
      // Commands on these attachments (complete, abort, PATCH) and the bridge read the read model:
      // answer once it has them, so a client acting at once finds them. Late is not wrong, though.
      try {
        await app.readPositions.waitFor(projection, position, api.readWaitMs);
      } catch (error) {
        request.log.warn({ err: error }, 'the attachments read model is behind the URLs just issued');
      }
      reply.code(201).header('cache-control', 'no-store');
      return {
        uploads: issued.uploads.map((u) => ({
          attachmentId: u.attachmentId,
          objectKey: u.objectKey,
          fileName: u.fileName,
          contentType: u.contentType,
          maxSizeBytes: u.maxSizeBytes,
          expiresAt: u.expiresAt.toISOString(),
          ...(u.put ? { put: { method: 'PUT' as const, url: u.put.url, headers: { ...u.put.headers } } } : {}),
          ...(u.multipart
            ? {
                multipart: {
                  uploadId: u.multipart.uploadId,
                  partSizeBytes: u.multipart.partSizeBytes,
                  parts: [...u.multipart.parts],
                  complete: `/v1/uploads/${u.attachmentId}/complete`,
                  abort: `/v1/uploads/${u.attachmentId}/abort`,
                },
              }
            : {}),
        })),
        refillBelow: issued.refillBelow,
        expiresAt: issued.expiresAt.toISOString(),
        position,
      };
    },
  );

  app.post(
    '/v1/uploads/:attachmentId/complete',
    {
      config: { scope: UPLOAD_SCOPE, rateLimit: limit },
      schema: {
        summary: 'Assemble a multipart upload from its parts',
        description:
          'Send each part’s ETag (the PUT’s response header). S3 assembles the object; the attachment becomes `uploaded` through its notification, as a single PUT does.',
        tags: ['uploads'],
        params: AttachmentParams,
        body: CompleteBody,
        response: { 202: Completing, 400: problemRef, 404: problemRef, 409: problemRef, 410: problemRef },
      },
    },
    async (request, reply) => {
      const requester = requesterOf(request);
      const { attachmentId } = request.params;
      const attachment = await attachmentOf(pool, requester.organizationId, attachmentId, projection);
      await completeMultipart(aws.s3, attachment, attachmentId, request.body.parts);
      reply.code(202);
      return { attachmentId, status: 'completing' as const };
    },
  );

  app.post(
    '/v1/uploads/:attachmentId/abort',
    {
      config: { scope: UPLOAD_SCOPE, rateLimit: limit },
      schema: {
        summary: 'Give a multipart upload up',
        description: 'S3 drops the parts; the attachment is rejected as `aborted`.',
        tags: ['uploads'],
        params: AttachmentParams,
        response: { 202: Accepted, 400: problemRef, 404: problemRef, 409: problemRef, 410: problemRef },
      },
    },
    async (request, reply) => {
      const requester = requesterOf(request);
      const { attachmentId } = request.params;
      const attachment = await attachmentOf(pool, requester.organizationId, attachmentId, projection);
      const position = await abortMultipart(
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
