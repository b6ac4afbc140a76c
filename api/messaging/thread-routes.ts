import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import {
  addParticipants,
  createThread,
  readerOf,
  removeParticipant,
  setArchived,
} from '../../producers/messaging/commands.ts';
import { inboxOf, threadView } from '../../projections/messaging/queries.ts';
import { problemRef } from '../errors.ts';
import { encodePosition } from '../positions.ts';
import type { MessagingContext } from './context.ts';
import { messagingCursors } from './cursors.ts';
import {
  Accepted,
  AddParticipantsBody,
  createThreadBody,
  inboxEntryJson,
  InboxCursor,
  InboxPage,
  ParticipantParams,
  ParticipantsAdded,
  READ_MESSAGES_SCOPE,
  ReadAfter,
  ThreadCreated,
  ThreadJson,
  ThreadParams,
  threadJson,
  WRITE_MESSAGES_SCOPE,
} from './schemas.ts';

const TAGS = ['messaging'];
const AfterOnly = Type.Object(ReadAfter, { additionalProperties: false });

/** Threads (seed 002): create one, list mine, read one, change who takes part, archive for me. */
export const threadRoutes: FastifyPluginAsync<{ context: MessagingContext }> = async (instance, { context }) => {
  const { projection, rules, rateLimit } = context;
  const { pool } = context.options;
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const cursors = messagingCursors(context.options.config);
  const viewFor = async (request: Parameters<MessagingContext['requester']>[0], threadId: string) => {
    const { organizationId, subject } = context.requester(request);
    return threadView(pool, organizationId, threadId, subject, projection);
  };

  app.post(
    '/v1/threads',
    {
      config: { scope: WRITE_MESSAGES_SCOPE, rateLimit },
      preValidation: context.checkBodyFirst,
      schema: {
        summary: 'Create a thread',
        description:
          'The creator always takes part. With `body`, the thread starts with that message, which needs one of the thread’s `scopes` when it names any (as every post in it does). When MESSAGING_CREATE_THREAD_SCOPES is set, the caller needs one of those scopes too.',
        tags: TAGS,
        body: createThreadBody(rules.maxBodyBytes),
        response: { 202: ThreadCreated, 400: problemRef, 403: problemRef, 413: problemRef },
      },
    },
    async (request, reply) => {
      const created = await createThread(context.command(request), rules, request.body);
      reply.code(202);
      return {
        threadId: created.threadId,
        ...(created.messageId ? { messageId: created.messageId } : {}),
        position: encodePosition(created.positions),
      };
    },
  );

  app.get(
    '/v1/threads',
    {
      config: { scope: READ_MESSAGES_SCOPE, rateLimit },
      schema: {
        summary: 'My threads, newest activity first',
        description:
          'Each with my unread count and the last message I can see. `status`: `inbox` (not archived, the default), `archived` or `all`. Threads I left stay, as they were when I left.',
        tags: TAGS,
        querystring: Type.Object(
          {
            status: Type.Optional(
              Type.Union([Type.Literal('inbox'), Type.Literal('archived'), Type.Literal('all')], { default: 'inbox' }),
            ),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
            cursor: Type.Optional(InboxCursor),
            ...ReadAfter,
          },
          { additionalProperties: false },
        ),
        response: { 200: InboxPage, 400: problemRef, 503: problemRef },
      },
    },
    async (request) => {
      await context.caughtUp(request.query);
      const { organizationId, subject } = context.requester(request);
      const { status = 'inbox', limit = 50, cursor } = request.query;
      const page = await inboxOf(
        pool,
        organizationId,
        subject,
        {
          archived: status === 'all' ? undefined : status === 'archived',
          limit,
          ...(cursor !== undefined ? { after: cursors.decodeInbox(organizationId, subject, status, cursor) } : {}),
        },
        projection,
      );
      return {
        items: page.items.map(inboxEntryJson),
        ...(page.next ? { nextCursor: cursors.encodeInbox(organizationId, subject, status, page.next) } : {}),
      };
    },
  );

  app.get(
    '/v1/threads/:threadId',
    {
      config: { scope: READ_MESSAGES_SCOPE, rateLimit },
      schema: {
        summary: 'One thread: its subject, my part in it and who takes part with their read receipts',
        tags: TAGS,
        params: ThreadParams,
        querystring: AfterOnly,
        response: { 200: ThreadJson, 400: problemRef, 403: problemRef, 404: problemRef, 503: problemRef },
      },
    },
    async (request) => {
      await context.caughtUp(request.query);
      const view = await viewFor(request, request.params.threadId);
      const me = readerOf(view, request.params.threadId);
      return threadJson(view!, me);
    },
  );

  app.post(
    '/v1/threads/:threadId/participants',
    {
      config: { scope: WRITE_MESSAGES_SCOPE, rateLimit },
      schema: {
        summary: 'Add participants',
        description: 'Any participant may add people; those already taking part are left as they are.',
        tags: TAGS,
        params: ThreadParams,
        querystring: AfterOnly,
        body: AddParticipantsBody,
        response: { 202: ParticipantsAdded, 400: problemRef, 403: problemRef, 404: problemRef, 503: problemRef },
      },
    },
    async (request, reply) => {
      await context.caughtUp(request.query);
      const { threadId } = request.params;
      const view = await viewFor(request, threadId);
      const result = await addParticipants(context.command(request), view, threadId, request.body.participants);
      reply.code(202);
      return { added: result.added, position: encodePosition(result.positions) };
    },
  );

  app.delete(
    '/v1/threads/:threadId/participants/:participantId',
    {
      config: { scope: WRITE_MESSAGES_SCOPE, rateLimit },
      schema: {
        summary: 'Remove a participant, or leave',
        description:
          'A participant may remove themself; only the creator may remove someone else. A removed participant keeps what was sent while they took part and sees nothing after.',
        tags: TAGS,
        params: ParticipantParams,
        querystring: AfterOnly,
        response: { 202: Accepted, 400: problemRef, 403: problemRef, 404: problemRef, 503: problemRef },
      },
    },
    async (request, reply) => {
      await context.caughtUp(request.query);
      const { threadId, participantId } = request.params;
      const view = await viewFor(request, threadId);
      const result = await removeParticipant(context.command(request), view, threadId, participantId);
      reply.code(202);
      return { position: encodePosition(result.positions) };
    },
  );

  for (const archived of [true, false]) {
    app.post(
      `/v1/threads/:threadId/${archived ? 'archive' : 'unarchive'}`,
      {
        config: { scope: READ_MESSAGES_SCOPE, rateLimit },
        schema: {
          summary: archived ? 'Archive a thread for me' : 'Bring an archived thread back to my inbox',
          description: 'For the caller only; the other participants’ inboxes do not change.',
          tags: TAGS,
          params: ThreadParams,
          querystring: AfterOnly,
          response: { 202: Accepted, 400: problemRef, 403: problemRef, 404: problemRef, 503: problemRef },
        },
      },
      async (request, reply) => {
        await context.caughtUp(request.query);
        const { threadId } = request.params;
        const view = await viewFor(request, threadId);
        const result = await setArchived(context.command(request), view, threadId, archived);
        reply.code(202);
        return { position: encodePosition(result.positions) };
      },
    );
  }
};
