import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { messagingError } from '../../producers/messaging/errors.ts';
import { markRead, readerOf, sendMessage } from '../../producers/messaging/commands.ts';
import { messageOf, messagesOf, threadView } from '../../projections/messaging/queries.ts';
import { problemRef } from '../errors.ts';
import { encodePosition } from '../positions.ts';
import type { MessagingContext } from './context.ts';
import { messagingCursors } from './cursors.ts';
import {
  Accepted,
  MarkReadBody,
  MessageAccepted,
  MessageCursor,
  MessageJson,
  messageJson,
  MessagePage,
  MessageParams,
  READ_MESSAGES_SCOPE,
  ReadAfter,
  sendMessageBody,
  ThreadParams,
  WRITE_MESSAGES_SCOPE,
} from './schemas.ts';

const TAGS = ['messaging'];
const AfterOnly = Type.Object(ReadAfter, { additionalProperties: false });

/** A thread's messages (seed 002): send and reply, page through them both ways, read one, mark read. */
export const messageRoutes: FastifyPluginAsync<{ context: MessagingContext }> = async (instance, { context }) => {
  const { projection, rules, rateLimit } = context;
  const { pool } = context.options;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const cursors = messagingCursors(context.options.config);
  const viewFor = async (request: FastifyRequest, threadId: string) => {
    const { organizationId, subject } = context.requester(request);
    return threadView(pool, organizationId, threadId, subject, projection);
  };
  const visible = (threadId: string, caller: string) => (messageId: string) =>
    messageOf(pool, threadId, messageId, caller, projection);

  app.post(
    '/v1/threads/:threadId/messages',
    {
      config: { scope: WRITE_MESSAGES_SCOPE, rateLimit },
      preValidation: context.checkBodyFirst,
      schema: {
        summary: 'Send a message to a thread, or reply to one of its messages',
        description:
          'Only participants post. When MESSAGING_REPLY_SCOPES is set, the caller needs one of those scopes, and one of the thread’s own scopes when it has any. `replyToMessageId` must be a message the sender can see.',
        tags: TAGS,
        params: ThreadParams,
        querystring: AfterOnly,
        body: sendMessageBody(rules.maxBodyBytes),
        response: {
          202: MessageAccepted,
          400: problemRef,
          403: problemRef,
          404: problemRef,
          413: problemRef,
          503: problemRef,
        },
      },
    },
    async (request, reply) => {
      await context.caughtUp(request.query);
      const { threadId } = request.params;
      const caller = context.requester(request).subject;
      const sent = await sendMessage(
        context.command(request),
        rules,
        await viewFor(request, threadId),
        threadId,
        request.body,
        visible(threadId, caller),
      );
      reply.code(202);
      return { messageId: sent.messageId, position: encodePosition(sent.positions) };
    },
  );

  app.get(
    '/v1/threads/:threadId/messages',
    {
      config: { scope: READ_MESSAGES_SCOPE, rateLimit },
      schema: {
        summary: 'A page of the thread’s messages, oldest first',
        description:
          'Only the messages sent while the caller took part. Without a cursor: the newest page (`direction=older`, the default) or the oldest (`direction=newer`). With one: the page just before it (older) or just after it (newer). Follow `newerCursor` with `direction=newer` to get what arrives, none missed or repeated.',
        tags: TAGS,
        params: ThreadParams,
        querystring: Type.Object(
          {
            cursor: Type.Optional(MessageCursor),
            direction: Type.Optional(Type.Union([Type.Literal('older'), Type.Literal('newer')], { default: 'older' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
            ...ReadAfter,
          },
          { additionalProperties: false },
        ),
        response: { 200: MessagePage, 400: problemRef, 403: problemRef, 404: problemRef, 503: problemRef },
      },
    },
    async (request) => {
      await context.caughtUp(request.query);
      const { threadId } = request.params;
      const me = readerOf(await viewFor(request, threadId), threadId);
      const { direction = 'older', limit = 50 } = request.query;
      const { organizationId } = context.requester(request);
      const cursor =
        request.query.cursor === undefined
          ? undefined
          : cursors.decodeMessage(organizationId, threadId, request.query.cursor);
      const page = await messagesOf(
        pool,
        threadId,
        me.participantId,
        { direction, limit, ...(cursor !== undefined ? { cursor } : {}) },
        projection,
      );
      const first = page.items[0]?.seq;
      const last = page.items.at(-1)?.seq;
      const newer = last ?? (direction === 'newer' ? (cursor ?? 0n) : cursor === undefined ? 0n : undefined);
      const older = page.hasOlder ? (first ?? cursor) : undefined;
      return {
        items: page.items.map(messageJson),
        ...(older !== undefined ? { olderCursor: cursors.encodeMessage(organizationId, threadId, older) } : {}),
        ...(newer !== undefined ? { newerCursor: cursors.encodeMessage(organizationId, threadId, newer) } : {}),
      };
    },
  );

  app.get(
    '/v1/threads/:threadId/messages/:messageId',
    {
      config: { scope: READ_MESSAGES_SCOPE, rateLimit },
      schema: {
        summary: 'One message',
        description: '404 for a message sent while the caller did not take part.',
        tags: TAGS,
        params: MessageParams,
        querystring: AfterOnly,
        response: { 200: MessageJson, 400: problemRef, 403: problemRef, 404: problemRef, 503: problemRef },
      },
    },
    async (request) => {
      await context.caughtUp(request.query);
      const { threadId, messageId } = request.params;
      const me = readerOf(await viewFor(request, threadId), threadId);
      const message = await messageOf(pool, threadId, messageId, me.participantId, projection);
      if (!message) throw messagingError.messageNotFound(messageId);
      return messageJson(message);
    },
  );

  app.post(
    '/v1/threads/:threadId/read',
    {
      config: { scope: READ_MESSAGES_SCOPE, rateLimit },
      schema: {
        summary: 'Mark the thread read up to a message',
        description: 'The message and every earlier one count as read; the unread count follows.',
        tags: TAGS,
        params: ThreadParams,
        querystring: AfterOnly,
        body: MarkReadBody,
        response: { 202: Accepted, 400: problemRef, 403: problemRef, 404: problemRef, 503: problemRef },
      },
    },
    async (request, reply) => {
      await context.caughtUp(request.query);
      const { threadId } = request.params;
      const { messageId } = request.body;
      const view = await viewFor(request, threadId);
      const caller = context.requester(request).subject;
      const message = view?.me ? await messageOf(pool, threadId, messageId, caller, projection) : undefined;
      const result = await markRead(context.command(request), view, threadId, message, messageId);
      reply.code(202);
      return { position: encodePosition(result.positions) };
    },
  );
};
