import { NotificationFeed } from '../../api/realtime/feed.ts';
import { realtimeRelay } from '../../processors/realtime-relay/processor.ts';
import { startProcessor, type RunningProcessor } from '../../processors/runtime/runner.ts';
import { startProjection } from '../../projections/live.ts';
import type { Projection } from '../../projections/projection.ts';
import { realtimeTopicsOf } from '../../slices/index.ts';
import { groupsSlice } from '../../slices/groups.ts';
import { testApp } from './api.ts';
import type { Backbone } from './backbone.ts';
import { quietLogger, uniqueName } from './platform.ts';
import { isolatedSlices } from './slices.ts';

export interface GroupsFlow {
  readonly app: Awaited<ReturnType<typeof testApp>>;
  /** ws://127.0.0.1:<port>/v1/realtime of the listening API. */
  readonly realtimeUrl: string;
  readonly projection: Projection;
  stop(): Promise<void>;
}

/**
 * The groups slice over the test's backbone, as `tributary start` runs it: its API (listening, so
 * the realtime socket can be opened), its projection, and the realtime relay and feed, all under
 * test names.
 */
export async function startGroupsFlow(backbone: Backbone): Promise<GroupsFlow> {
  const [slice] = isolatedSlices(backbone, [groupsSlice]);
  const projection = slice!.projections.memberships!;
  const runtime = backbone.runtime();
  const running: RunningProcessor[] = [
    await startProjection(projection, runtime),
    // A consumer group of its own: under the relay's real name it would join `npm start`'s group.
    await startProcessor(
      {
        ...realtimeRelay(backbone.publisher, realtimeTopicsOf([groupsSlice]), [backbone.topics['groups.events']]),
        name: uniqueName('relay'),
      },
      runtime,
    ),
  ];
  const feed = new NotificationFeed(
    backbone.kafka,
    backbone.codec,
    backbone.topics['realtime.notifications'],
    1000,
    quietLogger(),
  );
  await feed.start();
  const app = await testApp(backbone, { slices: [slice!], feed });
  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    realtimeUrl: `${baseUrl.replace(/^http/, 'ws')}/v1/realtime`,
    projection,
    async stop() {
      await app.close();
      await feed.stop();
      await Promise.all(running.map((r) => r.stop()));
    },
  };
}
