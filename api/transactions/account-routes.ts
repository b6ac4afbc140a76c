import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Projection } from '../../projections/projection.ts';
import { accountOf, transactionsOf } from '../../projections/transactions/queries.ts';
import type { SliceRouteOptions } from '../../slices/slice.ts';
import { principalOf } from '../auth/plugin.ts';
import type { FieldProblem } from '../../infra/errors.ts';
import { ApiError, problem, problemRef } from '../errors.ts';
import { CursorCodec } from '../paging/cursor.ts';
import { encodePosition } from '../positions.ts';
import {
  AccountJson,
  accountJson,
  AccountParams,
  NicknameAccepted,
  NicknameBody,
  READ_ACCOUNTS_SCOPE,
  ReadAfter,
  TAGS,
  TransactionPage,
  TransactionQuery,
  WRITE_ACCOUNTS_SCOPE,
} from './schemas.ts';

const LISTING = 'GET /v1/accounts/{id}/transactions';

/** Accounts (balance, nickname) and their transactions, newest posted first, with cursor paging. */
export const accountRoutes: FastifyPluginAsync<{ options: SliceRouteOptions; warehouse: Projection }> = async (
  instance,
  { options, warehouse },
) => {
  const { pool, publisher, api, environment } = options;
  const cursors = CursorCodec.fromConfig(options.config);
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const rateLimit = { max: api.rateLimitPerMinute, timeWindow: 60_000 };
  const caughtUp = async (query: { after?: string; wait?: number }) => {
    if (query.after === undefined) return;
    await app.readPositions.waitFor(warehouse, query.after, Math.min(query.wait ?? api.readWaitMs, api.readWaitMs));
  };
  // Another organization's account answers as an unknown one: 404, never 403.
  const accountFor = async (request: FastifyRequest, accountId: string) => {
    const account = await accountOf(pool, principalOf(request).organizationId, accountId, warehouse);
    if (!account) throw problem.notFound(`no account ${accountId}`);
    return account;
  };

  app.get(
    '/v1/accounts/:accountId',
    {
      config: { scope: READ_ACCOUNTS_SCOPE, rateLimit },
      schema: {
        summary: 'An account: its balance and nickname',
        tags: TAGS,
        params: AccountParams,
        querystring: Type.Object(ReadAfter, { additionalProperties: false }),
        response: { 200: AccountJson, 400: problemRef, 404: problemRef, 503: problemRef },
      },
    },
    async (request) => {
      await caughtUp(request.query);
      return accountJson(await accountFor(request, request.params.accountId));
    },
  );

  app.patch(
    '/v1/accounts/:accountId',
    {
      config: { scope: WRITE_ACCOUNTS_SCOPE, rateLimit },
      schema: {
        summary: 'Rename an account (its nickname)',
        description:
          'Publishes AccountNicknameUpdated (realtime `account_nicknameupdated`). 202 with a position: `GET /v1/accounts/{id}?after=<position>` shows the new nickname.',
        tags: TAGS,
        params: AccountParams,
        body: NicknameBody,
        response: { 202: NicknameAccepted, 400: problemRef, 404: problemRef },
      },
    },
    async (request, reply) => {
      const nickname = request.body.nickname.trim();
      const account = await accountFor(request, request.params.accountId);
      const principal = principalOf(request);
      const position = await publisher.publish({
        type: 'AccountNicknameUpdated',
        metadata: {
          eventId: crypto.randomUUID(),
          occurredAt: new Date(),
          organizationId: principal.organizationId,
          environment,
          correlationId: request.id,
          causationId: null,
          actor: principal.subject,
        },
        payload: {
          accountId: account.accountId,
          nickname,
          previousNickname: account.nickname,
        },
      });
      reply.code(202);
      return { accountId: account.accountId, position: encodePosition([position]) };
    },
  );

  app.get(
    '/v1/accounts/:accountId/transactions',
    {
      config: { scope: READ_ACCOUNTS_SCOPE, rateLimit },
      schema: {
        summary: "An account's transactions, newest posted first",
        description:
          'Ordered by posted date, then transaction id, both descending. Follow `nextCursor` (with the same filters) for the next page: pages are cut by place in that order, so transactions arriving meanwhile never repeat or hide a row. A cursor altered, or from another account, organization or set of filters, is refused with 400 invalid_cursor.',
        tags: TAGS,
        params: AccountParams,
        querystring: TransactionQuery,
        response: { 200: TransactionPage, 400: problemRef, 404: problemRef, 503: problemRef },
      },
    },
    async (request) => {
      const { accountId } = request.params;
      const { from, to, category, minAmountMinor, maxAmountMinor, q, limit, cursor } = request.query;
      // A range that can hold nothing is a mistake to name, not an empty page to serve.
      const empty: FieldProblem[] = [];
      if (from !== undefined && to !== undefined && from > to)
        empty.push({ field: 'querystring.to', problem: `must not be before from (${from})` });
      if (minAmountMinor !== undefined && maxAmountMinor !== undefined && minAmountMinor > maxAmountMinor)
        empty.push({
          field: 'querystring.maxAmountMinor',
          problem: `must not be below minAmountMinor (${minAmountMinor})`,
        });
      if (empty.length > 0)
        throw new ApiError(400, 'validation_failed', 'The request is invalid', `${empty.length} problem(s)`, empty);
      const filters = {
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
        ...(category !== undefined ? { category } : {}),
        ...(minAmountMinor !== undefined ? { minAmountMinor } : {}),
        ...(maxAmountMinor !== undefined ? { maxAmountMinor } : {}),
        ...(q !== undefined ? { text: q } : {}),
      };
      const scope = {
        listing: LISTING,
        organizationId: principalOf(request).organizationId,
        parent: accountId,
        filters,
      };
      const after = cursor === undefined ? undefined : cursors.decode(scope, cursor, ['string', 'string']);
      await caughtUp(request.query);
      await accountFor(request, accountId);
      const page = await transactionsOf(
        pool,
        scope.organizationId,
        accountId,
        {
          filters,
          limit: limit ?? 50,
          ...(after ? { after: { postedOn: after[0], transactionId: after[1] } } : {}),
        },
        warehouse,
      );
      return {
        items: page.items,
        ...(page.next ? { nextCursor: cursors.encode(scope, [page.next.postedOn, page.next.transactionId]) } : {}),
      };
    },
  );
};
