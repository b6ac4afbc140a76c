import { migrateCleanser } from '../../../processors/transactions/workers.ts';
import type { RunningProcessor } from '../../../processors/runtime/runner.ts';
import { liveProcessorName, type Projection } from '../../../projections/projection.ts';
import { startProjection } from '../../../projections/live.ts';
import { scopesOf } from '../../../slices/index.ts';
import type { Slice } from '../../../slices/slice.ts';
import { bearer, testApp } from '../api.ts';
import { isolatedBackbone, type Backbone } from '../backbone.ts';
import { untilCaughtUp } from '../kafka-caught-up.ts';
import { testConfig, uniqueName } from '../platform.ts';
import { isolatedSlices } from '../slices.ts';
import { operationsOf, resolverOf, type OpenApiDocument, type Operation } from './openapi-operations.ts';
import { seedOrganization, type Seeded } from './seed.ts';

export type App = Awaited<ReturnType<typeof testApp>>;

/** Every scope there is: a probe is refused for what it probes, never for a missing scope. */
export const ALL_SCOPES = scopesOf().map((scope) => scope.name);

/**
 * The whole API over a test's own topics, with every slice's read model running, and two
 * organizations: A (the victim, whose data is seeded first and read back after the barrage) and
 * B (the attacker, with a valid token of its own and every scope).
 */
export interface World {
  readonly backbone: Backbone;
  readonly slices: readonly Slice[];
  readonly app: App;
  readonly document: OpenApiDocument;
  readonly operations: readonly Operation[];
  readonly resolve: ReturnType<typeof resolverOf>;
  readonly victim: Seeded;
  readonly attacker: { readonly organizationId: string; readonly headers: { authorization: string } };
  /** Waits until every read model has applied everything published so far. */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  const backbone = await isolatedBackbone({ partitions: 1 });
  const slices = isolatedSlices(backbone);
  // Upload URLs and delivered files go to a bucket and queue of the world's own.
  const storage = uniqueName('bad').toLowerCase();
  const config = await testConfig({
    UPLOADS_BUCKET: `tributary-test-${storage}`,
    UPLOADS_QUEUE: `tributary-test-${storage}`,
    IMPORTS_BUCKET: `tributary-test-${storage}-in`,
    IMPORTS_QUEUE: `tributary-test-${storage}-in`,
  });
  await migrateCleanser(backbone.pool);
  const projections: Projection[] = slices.flatMap((slice) => Object.values(slice.projections));
  const running: RunningProcessor[] = await Promise.all(
    projections.map((projection) => startProjection(projection, backbone.runtime(), { sessionTimeoutMs: 6000 })),
  );
  // No limit is reached by the probes here; the flood has an API of its own.
  const app = await testApp(backbone, { slices, config, api: { rateLimitPerMinute: 1_000_000 } });
  const document = (await app.inject({ url: '/docs/json' })).json<OpenApiDocument>();
  const caughtUp = async () => {
    for (const projection of projections)
      for (const topic of projection.topics)
        await untilCaughtUp(backbone, liveProcessorName(projection), topic, { timeoutMs: 60_000 });
  };
  const victim = await seedOrganization(app, backbone, uniqueName('org-victim'));
  await caughtUp();
  const attackerOrganization = uniqueName('org-attacker');
  return {
    backbone,
    slices,
    app,
    document,
    operations: operationsOf(document),
    resolve: resolverOf(document),
    victim,
    attacker: {
      organizationId: attackerOrganization,
      headers: await bearer(backbone, { organizationId: attackerOrganization, subject: 'mallory', scopes: ALL_SCOPES }),
    },
    caughtUp,
    async stop() {
      await app.close();
      await Promise.all(running.map((processor) => processor.stop()));
      await backbone.close();
    },
  };
}
