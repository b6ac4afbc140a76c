import AjvCompiler from '@fastify/ajv-compiler';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import type { Config } from '../infra/config/index.ts';
import type { CheckResult } from '../infra/health/checks.ts';
import { KafkaAdmin } from '../infra/kafka/admin.ts';
import type { KafkaConnection } from '../infra/kafka/client.ts';
import type { ProcessingReport } from '../infra/instances/processing.ts';
import type { Logger } from '../infra/logging/logger.ts';
import type { Publisher } from '../producers/publisher.ts';
import type { EventCodec } from '../schemas/codec.ts';
import { migrateLive } from '../projections/live.ts';
import { realtimeTopicsOf, scopesOf } from '../slices/index.ts';
import type { Slice } from '../slices/slice.ts';
import type { AwsClients } from '../infra/aws/clients.ts';
import { authentication } from './auth/plugin.ts';
import type { TokenVerifier } from './auth/tokens.ts';
import { correlationIdOf, registerCorrelationCheck } from './correlation.ts';
import { registerJsonDepthLimit } from './json-depth.ts';
import { registerNulGuard } from './nul-guard.ts';
import { clientErrorHandler, frameworkErrors, problem, registerProblemHandling } from './errors.ts';
import { dashboardRoutes } from './dashboard/routes.ts';
import { eventRoutes } from './events/routes.ts';
import { healthRoutes, type InstanceRole } from './health/routes.ts';
import { recordHttpLatency } from './metrics/http-metrics.ts';
import { metricsRoutes } from './metrics/routes.ts';
import { openapiOptions } from './openapi/document.ts';
import { PartitionCounts, ReadPositions } from './positions.ts';
import type { NotificationFeed } from './realtime/feed.ts';
import { realtimeRoutes } from './realtime/routes.ts';

export interface AppDependencies {
  readonly logger: Logger;
  readonly api: Config['api'];
  readonly environment: string;
  readonly verify: TokenVerifier;
  readonly readiness: () => Promise<CheckResult[]>;
  /** The role `start` runs this process in, reported by /health/ready. */
  readonly instance?: InstanceRole;
  /** The consumers this process runs (role all), reported with their lag by /health/ready. */
  readonly processing?: () => Promise<ProcessingReport>;
  readonly metrics: Registry;
  readonly publisher: Publisher;
  readonly codec: EventCodec;
  readonly pool: pg.Pool;
  /** The cluster, asked how many partitions a topic has (a `?after=` naming one that does not exist is 400). */
  readonly kafka: KafkaConnection;
  readonly auth: Config['auth'];
  readonly realtime: Config['realtime'];
  readonly feed: NotificationFeed;
  /** Serve POST /v1/dev/tokens for the dashboard: only in the local and test environments. */
  readonly devTokens: boolean;
  /** The domain slices whose routes, scopes and realtime topics the API serves (tests pass renamed copies). */
  readonly slices: readonly Slice[];
  /** The whole configuration and the AWS clients, for the slices' routes. */
  readonly config: Config;
  readonly aws: AwsClients;
}

const MAX_PARAM_LENGTH = 1000;

/**
 * Query strings, path parameters and headers arrive as text, so they are coerced to their
 * schemas' types (`?wait=200` is an integer); a JSON body has types of its own and is not
 * (`"subject": false` is not the string "false").
 */
function coercingAllButBodies(): AjvCompiler.BuildCompilerFromPool {
  const fromPool = AjvCompiler() as unknown as (external: unknown, options: object) => Validate;
  const build = (external: unknown, options: { customOptions?: object }) => {
    const withCoercion = (coerceTypes: 'array' | false) =>
      fromPool(external, { ...options, customOptions: { ...options.customOptions, coerceTypes } });
    const coercing = withCoercion('array');
    const exact = withCoercion(false);
    return (route: AjvCompiler.RouteDefinition) => (route.httpPart === 'body' ? exact : coercing)(route);
  };
  return build as unknown as AjvCompiler.BuildCompilerFromPool;
}

type Validate = (route: AjvCompiler.RouteDefinition) => unknown;

/** Builds the API without listening, so tests drive it with `inject()`. */
export async function buildApp(deps: AppDependencies) {
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: 'api' }) as FastifyBaseLogger,
    logController: new LogController({ requestIdLogLabel: 'correlationId' }),
    bodyLimit: deps.api.bodyLimitBytes,
    // A caller's valid correlation id is kept (and logged on every line of the request); otherwise
    // one is made. An invalid one is refused by registerCorrelationCheck, under a fresh id.
    requestIdHeader: false,
    genReqId: correlationIdOf,
    ajv: { customOptions: { allErrors: true, removeAdditional: false } },
    schemaController: { compilersFactory: { buildValidator: coercingAllButBodies() } },
    // Errors Fastify's router and Node's HTTP parser answer themselves are problem+json too.
    frameworkErrors,
    clientErrorHandler,
    // Path parameters are bounded by their schemas (e.g. 200 characters); this only has to be
    // above that, counted after decoding in UTF-16 units, so a valid value is never 414.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
  });
  registerProblemHandling(app);
  registerCorrelationCheck(app);
  registerJsonDepthLimit(app);
  registerNulGuard(app);
  recordHttpLatency(app, deps.metrics);
  // Bodies are JSON: anything else (text/plain included, which Fastify parses by default) is 415.
  app.removeContentTypeParser('text/plain');
  const scopes = scopesOf(deps.slices);
  const topics = realtimeTopicsOf(deps.slices);

  const admin = new KafkaAdmin(deps.kafka);
  app.addHook('onClose', () => admin.close());
  app.decorate(
    'readPositions',
    new ReadPositions(
      deps.pool,
      new PartitionCounts((topic) => admin.partitionCount(topic)),
      deps.logger.child({ component: 'api' }),
      (topic) => admin.topicOffsets(topic),
    ),
  );

  await app.register(
    swagger,
    openapiOptions(
      scopes,
      deps.slices.map((slice) => ({ name: slice.name, description: slice.doc })),
    ),
  );
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(authentication, { verify: deps.verify, scopes: scopes.map((scope) => scope.name) });
  await app.register(rateLimit, {
    global: false,
    // After authentication (onRequest), so the limit is per token rather than per address; before
    // the body is read and validated, so requests the route would refuse (400, 413, 415) count too:
    // a flood of bad requests is a flood.
    hook: 'preParsing',
    keyGenerator: (request) =>
      request.principal ? `${request.principal.organizationId}/${request.principal.subject}` : request.ip,
    errorResponseBuilder: (_request, context) => problem.rateLimited(Math.ceil(context.ttl / 1000)),
  });

  await app.register(healthRoutes, {
    readiness: deps.readiness,
    ...(deps.instance ? { instance: deps.instance } : {}),
    ...(deps.processing ? { processing: deps.processing } : {}),
  });
  await app.register(metricsRoutes, { registry: deps.metrics });
  await app.register(eventRoutes, {
    publisher: deps.publisher,
    codec: deps.codec,
    environment: deps.environment,
    rateLimitPerMinute: deps.api.rateLimitPerMinute,
  });
  await app.register(dashboardRoutes, {
    topics,
    scopes: scopes.map((scope) => scope.name),
    ...(deps.devTokens ? { devTokens: deps.auth } : {}),
  });
  await app.register(realtimeRoutes, {
    feed: deps.feed,
    pool: deps.pool,
    verify: deps.verify,
    auth: deps.auth,
    settings: deps.realtime,
    topics,
    metrics: deps.metrics,
    rateLimitPerMinute: deps.api.rateLimitPerMinute,
  });
  for (const slice of deps.slices) {
    if (!slice.routes) continue;
    // The routes read their read models' tables: an API started before (or without) the projections
    // answers from empty tables, never with a missing-relation 500.
    for (const projection of Object.values(slice.projections)) await migrateLive(projection, deps.pool);
    await app.register(slice.routes, {
      projections: slice.projections,
      pool: deps.pool,
      publisher: deps.publisher,
      codec: deps.codec,
      environment: deps.environment,
      api: deps.api,
      config: deps.config,
      aws: deps.aws,
      slices: deps.slices,
    });
  }
  return app;
}
