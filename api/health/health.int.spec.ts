import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBucket } from '../../infra/aws/buckets.ts';
import { openPlatform, type Platform } from '../../infra/platform.ts';
import { quietLogger, testConfig } from '../../test/support/platform.ts';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { testApp } from '../../test/support/api.ts';

describe('GET /health/ready against the local stack', () => {
  let platform: Platform;
  let backbone: Backbone;

  beforeAll(async () => {
    backbone = await isolatedBackbone({ partitions: 1 });
    platform = openPlatform(await testConfig(), quietLogger());
    await ensureBucket(platform.s3, platform.config.lake.bucket, platform.config.aws.region);
  });
  afterAll(async () => {
    await platform.close();
    await backbone.close();
  });

  it('when every dependency answers, then it is 200 and names kafka, the registry, postgres and s3', async () => {
    const app = await testApp(backbone, { readiness: () => platform.readiness() });
    const response = await app.inject({ method: 'GET', url: '/health/ready' });
    await app.close();

    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.status).toBe('ready');
    expect(body.checks.map((c: { name: string }) => c.name)).toEqual(['kafka', 'schema-registry', 'postgres', 's3']);
    expect(body.checks.every((c: { ok: boolean }) => c.ok)).toBe(true);
  });

  it('when postgres and the bucket are unreachable, then it is 503 and says which checks failed and why', async () => {
    const broken = openPlatform(
      await testConfig({
        DATABASE_URL: 'postgres://tributary:wrong@127.0.0.1:1/tributary',
        LAKE_BUCKET: 'tributary-no-such-bucket',
      }),
      quietLogger(),
    );
    const app = await testApp(backbone, { readiness: () => broken.readiness() });
    const response = await app.inject({ method: 'GET', url: '/health/ready' });
    await app.close();
    await broken.close();

    expect(response.statusCode).toBe(503);
    const byName = Object.fromEntries(response.json().checks.map((c: { name: string }) => [c.name, c]));
    expect(byName.kafka.ok).toBe(true);
    expect(byName.postgres).toMatchObject({ ok: false, error: expect.stringMatching(/ECONNREFUSED|connect/) });
    expect(byName.s3).toMatchObject({ ok: false, error: 'bucket tributary-no-such-bucket does not exist' });
  });

  it('when liveness is asked, then it answers without touching any dependency', async () => {
    const app = await testApp(backbone, { readiness: () => Promise.reject(new Error('readiness must not be called')) });
    const response = await app.inject({ method: 'GET', url: '/health/live' });
    await app.close();
    expect(response.json()).toEqual({ status: 'live' });
  });
});
