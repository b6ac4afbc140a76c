import { startProjection } from '../../projections/live.ts';
import type { Projection } from '../../projections/projection.ts';
import { groupsSlice } from '../../slices/groups.ts';
import { testApp } from './api.ts';
import type { Backbone } from './backbone.ts';
import { isolatedSlices } from './slices.ts';

export interface GroupsFlow {
  readonly app: Awaited<ReturnType<typeof testApp>>;
  readonly projection: Projection;
  stop(): Promise<void>;
}

/** The groups slice over the test's backbone, as `tributary start` runs it: its API and its projection, under test names. */
export async function startGroupsFlow(backbone: Backbone): Promise<GroupsFlow> {
  const [slice] = isolatedSlices(backbone, [groupsSlice]);
  const projection = slice!.projections.memberships!;
  const running = await startProjection(projection, backbone.runtime());
  const app = await testApp(backbone, { slices: [slice!] });
  return {
    app,
    projection,
    async stop() {
      await app.close();
      await running.stop();
    },
  };
}
