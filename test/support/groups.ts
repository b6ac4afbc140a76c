import { NotificationFeed } from '../../api/realtime/feed.ts';
import { createAwsClients } from '../../infra/aws/clients.ts';
import type { Config } from '../../infra/config/index.ts';
import { deliveryWorker } from '../../producers/imports/delivery-worker-start.ts';
import { realtimeRelay } from '../../processors/realtime-relay/processor.ts';
import { startProcessor, type RunningProcessor } from '../../processors/runtime/runner.ts';
import { startProjection } from '../../projections/live.ts';
import type { Projection } from '../../projections/projection.ts';
import { realtimeTopicsOf } from '../../slices/index.ts';
import { groupsSlice } from '../../slices/groups.ts';
import { importsSlice } from '../../slices/imports.ts';
import { testApp } from './api.ts';
import type { Backbone } from './backbone.ts';
import { quietLogger, uniqueName } from './platform.ts';
import { isolatedSlices } from './slices.ts';

export interface GroupsFlow {
  readonly app: Awaited<ReturnType<typeof testApp>>;
  /** ws://127.0.0.1:<port>/v1/realtime of the listening API. */
  readonly realtimeUrl: string;
  readonly projection: Projection;
  /** The configuration the flow runs with: a data-delivery bucket and queue of its own. */
  readonly config: Config;
  stop(): Promise<void>;
}

/**
 * The groups slice over the test's backbone, as `tributary start` runs it: its API (listening, so
 * the realtime socket can be opened), its projection, the imports platform's jobs projection and
 * delivery worker (on a data-delivery bucket and queue of the test's own, so no other test's
 * worker takes its files), and the realtime relay and feed, all under test names.
 */
export async function startGroupsFlow(backbone: Backbone): Promise<GroupsFlow> {
  const slices = isolatedSlices(backbone, [groupsSlice, importsSlice]);
  const [groups, imports] = slices;
  const projection = groups!.projections.memberships!;
  const suffix = uniqueName('groups').replace(/[^a-z0-9-]/g, '-');
  const config: Config = {
    ...backbone.config,
    imports: { ...backbone.config.imports, bucket: suffix, queue: suffix, progressIntervalMs: 50 },
  };
  const runtime = backbone.runtime();
  const running: RunningProcessor[] = [
    await startProjection(projection, runtime),
    await startProjection(imports!.projections.jobs!, runtime),
    // A consumer group of its own: under the relay's real name it would join `npm start`'s group.
    await startProcessor(
      {
        ...realtimeRelay(backbone.publisher, realtimeTopicsOf([groupsSlice]), [backbone.topics['groups.events']]),
        name: uniqueName('relay'),
      },
      runtime,
    ),
  ];
  const aws = createAwsClients(config.aws);
  const worker = await deliveryWorker(
    {
      publisher: backbone.publisher,
      config,
      aws,
      pool: backbone.pool,
      projections: imports!.projections,
      logger: quietLogger(),
      runtime,
      slices,
    },
    { waitSeconds: 1 },
  ).start();
  const feed = new NotificationFeed(
    backbone.kafka,
    backbone.codec,
    backbone.topics['realtime.notifications'],
    1000,
    quietLogger(),
  );
  await feed.start();
  const app = await testApp(backbone, { slices, feed, config });
  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    realtimeUrl: `${baseUrl.replace(/^http/, 'ws')}/v1/realtime`,
    projection,
    config,
    async stop() {
      await app.close();
      await worker.stop();
      await feed.stop();
      await Promise.all(running.map((r) => r.stop()));
    },
  };
}
