import type { Config } from '../../infra/config/index.ts';
import type { RunningProcessor } from '../../processors/runtime/runner.ts';
import { startProjection } from '../../projections/live.ts';
import type { Projection } from '../../projections/projection.ts';
import { messagingSlice } from '../../slices/messaging.ts';
import { bearer, testApp } from './api.ts';
import type { Backbone } from './backbone.ts';
import { testConfig } from './platform.ts';
import { isolatedSlices } from './slices.ts';

export const MESSAGING_SCOPES = ['messages:read', 'messages:write'];

export interface MessagingFlow {
  readonly config: Config;
  readonly app: Awaited<ReturnType<typeof testApp>>;
  readonly projection: Projection;
  /** A caller of the API: `as('alice')` acts as alice of the test's organization with both messaging scopes. */
  as(subject: string, options?: { organizationId?: string; scopes?: string[] }): Caller;
  stop(): Promise<void>;
}

export interface Answer {
  readonly status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON body, asserted on by the tests
  readonly body: any;
}

export type Caller = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) => Promise<Answer>;

/**
 * The messaging slice over the test's backbone, as `tributary start` runs it: the API with the
 * slice's routes and its read model running under a name of the test's own.
 */
export async function startMessagingFlow(
  backbone: Backbone,
  options: { organizationId?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<MessagingFlow> {
  const config = await testConfig(options.env ?? {});
  const [slice] = isolatedSlices(backbone, [messagingSlice]);
  const projection = slice!.projections.messaging!;
  const running: RunningProcessor = await startProjection(projection, backbone.runtime(), { sessionTimeoutMs: 6000 });
  const app = await testApp(backbone, { slices: [slice!], config, api: { rateLimitPerMinute: 100_000 } });
  const organization = options.organizationId ?? 'org-msg';
  return {
    config,
    app,
    projection,
    as(subject, { organizationId = organization, scopes = MESSAGING_SCOPES } = {}) {
      return async (method, url, payload) => {
        const response = await app.inject({
          method,
          url,
          headers: await bearer(backbone, { organizationId, subject, scopes }),
          ...(payload ? { payload } : {}),
        });
        return { status: response.statusCode, body: response.body ? response.json() : undefined };
      };
    },
    async stop() {
      await app.close();
      await running.stop();
    },
  };
}
