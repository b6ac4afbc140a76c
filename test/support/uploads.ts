import { NotificationFeed } from '../../api/realtime/feed.ts';
import { createAwsClients, type AwsClients } from '../../infra/aws/clients.ts';
import type { Config } from '../../infra/config/index.ts';
import { UploadBuckets } from '../../infra/uploads/bucket-setup.ts';
import { UploadLayout } from '../../infra/uploads/layout.ts';
import { notificationBridgeWorker } from '../../producers/uploads/bridge-worker.ts';
import type { UploadNotificationBridge } from '../../producers/uploads/notification-bridge.ts';
import { realtimeRelay } from '../../processors/realtime-relay/processor.ts';
import { startProcessor, type RunningProcessor } from '../../processors/runtime/runner.ts';
import { startProjection } from '../../projections/live.ts';
import type { Projection } from '../../projections/projection.ts';
import { realtimeTopicsOf } from '../../slices/index.ts';
import { uploadsSlice } from '../../slices/uploads.ts';
import { testApp } from './api.ts';
import type { Backbone } from './backbone.ts';
import { quietLogger, testConfig, uniqueName } from './platform.ts';
import { isolatedSlices } from './slices.ts';

export interface UploadsFlow {
  readonly config: Config;
  readonly aws: AwsClients;
  readonly app: Awaited<ReturnType<typeof testApp>>;
  /** http://127.0.0.1:<port> of the listening API. */
  readonly baseUrl: string;
  readonly projection: Projection;
  readonly bridge: UploadNotificationBridge;
  readonly buckets: UploadBuckets;
  stop(): Promise<void>;
}

/**
 * The whole upload path over the test's backbone, as `tributary start` runs it: the API with the
 * uploads slice, the attachments projection, the realtime relay and feed, and the S3-notification
 * bridge on a bucket and queue of the test's own in the local stack's moto.
 */
export async function startUploadsFlow(backbone: Backbone, overrides: NodeJS.ProcessEnv = {}): Promise<UploadsFlow> {
  const name = uniqueName('up').toLowerCase();
  const config = await testConfig({
    UPLOADS_BUCKET: `tributary-test-${name}`,
    UPLOADS_QUEUE: `tributary-test-${name}`,
    UPLOADS_UNKNOWN_KEY_GRACE_SECONDS: '2',
    ...overrides,
  });
  const aws = createAwsClients(config.aws);
  const [slice] = isolatedSlices(backbone, [uploadsSlice]);
  const projection = slice!.projections.attachments!;
  const runtime = backbone.runtime();
  const running: RunningProcessor[] = [
    await startProjection(projection, runtime),
    // A consumer group of its own: under the relay's real name it would join `npm start`'s group.
    await startProcessor(
      {
        ...realtimeRelay(backbone.publisher, realtimeTopicsOf([uploadsSlice]), [backbone.topics['uploads.events']]),
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
  // The dashboard this API serves opens the realtime socket from the API's own origin, allowed as
  // REALTIME_ALLOWED_ORIGINS allows it by default; the port is known once the API listens.
  const origins = [...backbone.config.realtime.allowedOrigins];
  const app = await testApp(backbone, { slices: [slice!], config, feed, realtime: { allowedOrigins: origins } });
  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  origins.push(baseUrl);
  const buckets = new UploadBuckets(aws, config.uploads, new UploadLayout(config.uploads, config.environment));
  const bridge = await notificationBridgeWorker(
    {
      publisher: backbone.publisher,
      config,
      aws,
      pool: backbone.pool,
      projections: { attachments: projection },
      logger: quietLogger(),
      runtime,
      slices: [slice!],
    },
    { waitSeconds: 1, retryDelaySeconds: 1 },
  ).start();
  return {
    config,
    aws,
    app,
    baseUrl,
    projection,
    bridge,
    buckets,
    async stop() {
      await bridge.stop();
      await app.close();
      await feed.stop();
      await Promise.all(running.map((r) => r.stop()));
      aws.s3.destroy();
      aws.sqs.destroy();
      aws.presigner.destroy();
    },
  };
}
