import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import websocket from '@fastify/websocket';
import fp from 'fastify-plugin';
import type { RealtimeSettings } from '../../infra/config/index.ts';
import type { AuthSettings } from '../../infra/config/index.ts';
import { principalOf } from '../auth/plugin.ts';
import { SCOPES, type Principal } from '../auth/principal.ts';
import { createTicketVerifier, mintTicket, TICKET_SECONDS } from '../auth/tickets.ts';
import type { TokenVerifier } from '../auth/tokens.ts';
import { ApiError, problemResponses } from '../errors.ts';
import { RealtimeConnection } from './connection.ts';
import type { NotificationFeed } from './feed.ts';
import { clientMessageSchema, PROTOCOL } from './protocol.ts';
import type { RealtimeTopics } from '../../processors/realtime-relay/topics.ts';
import { spendTicket, SPENT_TICKET_MIGRATIONS } from './spent-tickets.ts';
import { socketRouteSchema, upgradeCheck } from './upgrade.ts';
import {
  removeSubscriptions,
  saveSubscriptions,
  storedSubscriptions,
  SUBSCRIPTION_MIGRATIONS,
  SUBSCRIPTIONS_CHANGED,
  type SubscriptionOwner,
} from './subscriptions.ts';
import pg from 'pg';
import type { Registry } from 'prom-client';
import { realtimeMetrics } from './metrics.ts';
import { migrate } from '../../infra/postgres/migrations.ts';

interface RealtimeOptions {
  readonly feed: NotificationFeed;
  readonly pool: pg.Pool;
  readonly verify: TokenVerifier;
  readonly auth: AuthSettings;
  readonly settings: RealtimeSettings;
  /** The slices' realtime topics: what clients may subscribe to and filter on. */
  readonly topics: RealtimeTopics;
  /** The process's registry: open connections and deliveries by topic. */
  readonly metrics?: Registry;
  /** Per caller and route, like every other guarded route (API_RATE_LIMIT_PER_MINUTE). */
  readonly rateLimitPerMinute: number;
}

const SubscriptionList = Type.Object({
  subscriptions: Type.Array(
    Type.Object({
      topic: Type.String(),
      filters: Type.Record(Type.String(), Type.Immutable(Type.Array(Type.String()))),
    }),
  ),
});

declare module 'fastify' {
  interface FastifyRequest {
    realtimePrincipal?: Principal;
  }
}

/**
 * GET /v1/realtime upgrades to a websocket. Browsers cannot set Authorization on a websocket,
 * so the token travels as a subprotocol (`bearer.<jwt>` beside `tributary.v1`) or as a
 * single-use ticket from POST /v1/realtime/tickets (`?ticket=` or `ticket.<ticket>`). The Origin
 * must be allowed; connections per token are capped; everything is checked before the upgrade
 * (upgrade.ts).
 */
const realtimePlugin: FastifyPluginAsync<RealtimeOptions> = async (instance, options) => {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const { feed, verify, settings, pool, topics } = options;
  const protocol = clientMessageSchema(topics);
  const open = new Map<string, number>();
  const sessions = new Map<string, Set<RealtimeConnection>>();
  const keyOf = (owner: SubscriptionOwner) => `${owner.organizationId}/${owner.subject}`;
  const rateLimit = { max: options.rateLimitPerMinute, timeWindow: 60_000 };
  const metrics = options.metrics ? realtimeMetrics(options.metrics) : undefined;

  await migrate(pool, 'realtime', SUBSCRIPTION_MIGRATIONS);
  await migrate(pool, 'realtime-tickets', SPENT_TICKET_MIGRATIONS);
  // Every instance hears when a user's REST subscriptions change, and updates that user's sessions here.
  // A connection of its own, not one of the pool's: LISTEN holds it for the life of the API.
  const listener = new pg.Client(pool.options);
  await listener.connect();
  listener.on('error', (error) =>
    app.log.warn({ err: error }, 'the realtime subscription listener lost its connection'),
  );
  listener.on('notification', (message) => {
    if (message.channel !== SUBSCRIPTIONS_CHANGED || !message.payload) return;
    const owner = JSON.parse(message.payload) as SubscriptionOwner;
    const local = sessions.get(keyOf(owner));
    if (!local?.size) return;
    void storedSubscriptions(pool, owner).then(
      (stored) => local.forEach((connection) => connection.applyStored(stored)),
      (error: unknown) => app.log.warn({ err: error }, 'could not reload realtime subscriptions'),
    );
  });
  await listener.query(`listen ${SUBSCRIPTIONS_CHANGED}`);
  app.addHook('onClose', async () => {
    await listener.end().catch(() => undefined);
  });

  // Built here, not at module level: the topics a client may name are the slices' of this app.
  const Topics = Type.Array(Type.Enum(topics.names, { type: 'string' }), { minItems: 1, maxItems: 100 });
  const SubscribeBody = Type.Object(
    {
      topics: Topics,
      filters: Type.Optional(
        Type.Partial(
          Type.Object(
            Object.fromEntries(
              [...new Set(topics.all.flatMap((topic) => topic.filterKeys))].map((key) => [
                key,
                Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 1000 }),
              ]),
            ),
            { additionalProperties: false },
          ),
          {
            description:
              'Filter key to the values that pass, e.g. { "accountId": ["acc-1"] }; each key must be one of every listed topic\'s filter keys.',
            additionalProperties: false,
          },
        ),
      ),
    },
    { additionalProperties: false },
  );
  const UnsubscribeBody = Type.Object({ topics: Topics }, { additionalProperties: false });
  // The handler says which topic lacks which key; the document states the same rule in schema
  // terms (OpenAPI 3.0 has no if/then): a filter key present means every listed topic carries it.
  const documentedSubscribeBody = {
    ...SubscribeBody,
    allOf: [...new Set(topics.all.flatMap((topic) => topic.filterKeys))].flatMap((key) => {
      const carrying = topics.all.filter((topic) => topic.filterKeys.includes(key)).map((topic) => topic.name);
      if (carrying.length === topics.names.length) return [];
      return [
        {
          anyOf: [
            { properties: { filters: { not: { required: [key] } } } },
            { properties: { topics: { items: { type: 'string', enum: carrying } } } },
          ],
        },
      ];
    }),
  };

  app.get(
    '/v1/realtime/subscriptions',
    {
      config: { scope: SCOPES.subscribeRealtime, rateLimit },
      schema: {
        summary: "The caller's subscriptions for all their sessions",
        tags: ['realtime'],
        response: { 200: SubscriptionList, ...problemResponses },
      },
    },
    async (request) => ({ subscriptions: await storedSubscriptions(pool, principalOf(request)) }),
  );

  app.post(
    '/v1/realtime/subscriptions',
    {
      config: { scope: SCOPES.subscribeRealtime, rateLimit, documentedBody: documentedSubscribeBody },
      schema: {
        summary: "Subscribe all of the caller's sessions to topics (seed 004's REST subscribe)",
        tags: ['realtime'],
        body: SubscribeBody,
        response: { 200: SubscriptionList, ...problemResponses },
      },
    },
    async (request) => {
      const owner = principalOf(request);
      const filters = (request.body.filters ?? {}) as Record<string, string[]>;
      const problems = topics.problemsWith(request.body.topics, Object.keys(filters));
      if (problems.length > 0)
        throw new ApiError(
          400,
          'validation_failed',
          'The request is invalid',
          `${problems.length} problem(s)`,
          problems.map((problem) => ({ field: 'body.filters', problem })),
        );
      await saveSubscriptions(pool, owner, request.body.topics, filters);
      return { subscriptions: await storedSubscriptions(pool, owner) };
    },
  );

  app.delete(
    '/v1/realtime/subscriptions',
    {
      config: { scope: SCOPES.subscribeRealtime, rateLimit },
      schema: {
        summary: "Unsubscribe all of the caller's sessions from topics",
        tags: ['realtime'],
        body: UnsubscribeBody,
        response: { 200: SubscriptionList, ...problemResponses },
      },
    },
    async (request) => {
      const owner = principalOf(request);
      await removeSubscriptions(pool, owner, request.body.topics);
      return { subscriptions: await storedSubscriptions(pool, owner) };
    },
  );

  await app.register(websocket, {
    // What a client does wrong on the wire (a frame over maxPayload, a bad opcode: ws closes with
    // 1009 or 1002 and says so) or a dropped connection is the client's, not a fault of ours.
    errorHandler: (error, socket, request) => {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (code.startsWith('WS_ERR_') || code === 'ECONNRESET' || code === 'EPIPE')
        request.log.info({ code }, `the realtime client's connection ended: ${error.message}`);
      else request.log.error({ err: error }, 'a realtime connection failed');
      socket.terminate();
    },
    options: {
      maxPayload: 64 * 1024,
      handleProtocols: (protocols) => (protocols.has(PROTOCOL) ? PROTOCOL : false),
    },
  });

  app.post(
    '/v1/realtime/tickets',
    {
      config: { scope: SCOPES.subscribeRealtime, rateLimit },
      schema: {
        summary: `A ticket to open the realtime websocket from a browser: one upgrade, within ${TICKET_SECONDS} s`,
        description:
          'Taken with a bearer token (a ticket is not one, so a ticket cannot take another). The socket it opens closes when the bearer token expires.',
        tags: ['realtime'],
        response: {
          201: Type.Object({ ticket: Type.String(), expiresInSeconds: Type.Integer() }),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => reply.code(201).send(await mintTicket(options.auth, principalOf(request))),
  );

  const checkUpgrade = upgradeCheck({
    verify,
    verifyTicket: await createTicketVerifier(options.auth),
    spendTicket: (ticket) => spendTicket(pool, ticket.id, ticket.expiresAt),
    allowedOrigins: settings.allowedOrigins,
    maxConnectionsPerToken: settings.maxConnectionsPerToken,
    openConnections: (principal) => open.get(keyOf(principal)) ?? 0,
  });

  app.route({
    method: 'GET',
    url: '/v1/realtime',
    config: { public: true }, // authenticated by upgradeCheck, from the subprotocol or ticket
    schema: socketRouteSchema,
    preValidation: async (request) => {
      request.realtimePrincipal = await checkUpgrade(request);
    },
    // Only reached by a plain GET, which upgradeCheck refuses with 426.
    handler: async () => undefined,
    wsHandler: async (socket, request) => {
      const principal = request.realtimePrincipal!;
      const key = keyOf(principal);
      open.set(key, (open.get(key) ?? 0) + 1);
      metrics?.connections.inc();
      const connection = new RealtimeConnection(
        socket,
        principal,
        feed,
        protocol,
        { maxBufferedBytes: settings.maxBufferedBytes, heartbeatMs: settings.heartbeatMs },
        request.log.child({ subject: principal.subject, organizationId: principal.organizationId }),
        () => {
          open.set(key, (open.get(key) ?? 1) - 1);
          metrics?.connections.dec();
          sessions.get(key)?.delete(connection);
        },
        (topic) => metrics?.deliveries.inc({ topic }),
      );
      sessions.set(key, (sessions.get(key) ?? new Set()).add(connection));
      connection.applyStored(await storedSubscriptions(pool, principal));
    },
  });
};

/** Not encapsulated: the websocket server it adds (`app.websocketServer`) is the app's, for shutdown and tests. */
export const realtimeRoutes = fp(realtimePlugin, { name: 'tributary-realtime' });
