import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, testApp } from '../../test/support/api.ts';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { threadCreated } from '../../test/support/events.ts';
import { isolatedSlices } from '../../test/support/slices.ts';

let backbone: Backbone;
let app: Awaited<ReturnType<typeof testApp>>;

beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 2 });
  app = await testApp(backbone, { slices: isolatedSlices(backbone) });
});
afterAll(async () => {
  await app.close();
  await backbone.close();
});

const token = (position: Record<string, Record<string, string>>) =>
  Buffer.from(JSON.stringify(position)).toString('base64url');

async function readAfter(position: Record<string, Record<string, string>>) {
  return app.inject({
    url: `/v1/organizations/org-test/event-counts?after=${token(position)}&wait=5000`,
    headers: await bearer(backbone),
  });
}

describe('GET /v1/organizations/{organizationId}/event-counts?after= a position it can never reach', () => {
  it('when the position names a topic the read model does not read, then 400 names querystring.after and the topic, with no Retry-After', async () => {
    for (const topic of ['no-such-topic', backbone.topics['realtime.notifications']]) {
      const response = await readAfter({ [topic]: { '0': '0' } });

      expect(response.statusCode, topic).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.headers['retry-after']).toBeUndefined();
      expect(response.json()).toMatchObject({
        code: 'invalid_position',
        errors: [{ field: 'querystring.after', problem: `topic ${topic} is not read by this read model` }],
      });
    }
  });

  it('when the position names a partition its topic does not have, then 400 says which, at once rather than after the wait', async () => {
    const topic = backbone.topics['messages.events'];
    const started = Date.now();

    const response = await readAfter({ [topic]: { '1': '0', '99': '0' } });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      code: 'invalid_position',
      errors: [{ field: 'querystring.after', problem: `partition 99 does not exist in ${topic}` }],
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('when the position names a record that exists but the read model has not applied, then it is still 503 with Retry-After', async () => {
    // No read model runs in this app: the record is written, and never applied.
    const written = await backbone.publisher.publish(threadCreated());

    const response = await app.inject({
      url: `/v1/organizations/org-test/event-counts?after=${token({ [written.topic]: { [written.partition]: written.offset } })}&wait=100`,
      headers: await bearer(backbone),
    });

    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
    expect(response.json()).toMatchObject({ code: 'position_not_reached' });
  });

  it('when the position is past the end of its partition (made up, or from a wiped stack), then 400 says so once the wait is over, not 503 for ever', async () => {
    const topic = backbone.topics['messages.events'];

    const response = await app.inject({
      url: `/v1/organizations/org-test/event-counts?after=${token({ [topic]: { '1': '999999' } })}&wait=100`,
      headers: await bearer(backbone),
    });

    expect(response.statusCode).toBe(400);
    expect(response.headers['retry-after']).toBeUndefined();
    expect(response.json()).toMatchObject({
      code: 'invalid_position',
      errors: [
        { field: 'querystring.after', problem: expect.stringContaining(`past the end of partition 1 of ${topic}`) },
      ],
    });
  });
});
