/// <reference lib="dom" />
// The page functions below run in the browser.
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotificationIssued } from '../../schemas/generated/events.ts';
import { realtimeTopicsOf } from '../../slices/index.ts';
import { testApp } from '../../test/support/api.ts';
import { launchChromium } from '../../test/support/chromium.ts';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { metadata } from '../../test/support/events.ts';
import { quietLogger } from '../../test/support/platform.ts';
import { NotificationFeed } from '../realtime/feed.ts';

let backbone: Backbone;
let feed: NotificationFeed;
let app: Awaited<ReturnType<typeof testApp>>;
let browser: BrowserContext;
let url: string;
const origins: string[] = [];

beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 1 });
  feed = new NotificationFeed(
    backbone.kafka,
    backbone.codec,
    backbone.topics['realtime.notifications'],
    1000,
    quietLogger(),
  );
  await feed.start();
  app = await testApp(backbone, { feed, realtime: { allowedOrigins: origins } });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  origins.push(url);
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await feed?.stop();
  await backbone?.close();
});

const notification = (n: number): NotificationIssued => ({
  type: 'NotificationIssued',
  metadata: metadata(new Date(), { organizationId: 'org-browser' }),
  payload: {
    topic: 'log_error',
    sourceEventId: crypto.randomUUID(),
    sourceType: 'LogEntry',
    filters: { logType: 'crash', server: 'browser' },
    data: JSON.stringify({ n }),
    audience: [],
  },
});

describe('the live dashboard in a browser', () => {
  it('when the connection drops while events are published, then the page resumes and shows every one exactly once', async () => {
    const page = await browser.newPage();
    // In the test environment, as locally, the page mints a development token and connects by itself.
    await page.goto(`${url}/?org=org-browser`);
    await page.waitForFunction(() => document.getElementById('message')!.textContent!.startsWith('subscribed'));
    const listed = await page.$$eval('input[name=topic]', (boxes) =>
      boxes.map((box) => (box as HTMLInputElement).value),
    );
    expect(listed).toEqual(realtimeTopicsOf().names);

    const before = [1, 2, 3].map(notification);
    for (const item of before) await backbone.publisher.publish(item);
    await page.waitForFunction(() => document.querySelectorAll('#log li').length === 3, undefined, { timeout: 15_000 });

    // The API out of reach for the first two tickets of the reconnect: the page keeps trying.
    let refused = 0;
    await page.route('**/v1/realtime/tickets', (route) =>
      refused++ < 2 ? route.abort('connectionrefused') : route.continue(),
    );
    await page.click('#drop');
    await page.waitForFunction(() => document.getElementById('state')!.textContent === 'closed');
    const during = [4, 5, 6, 7].map(notification);
    for (const item of during) await backbone.publisher.publish(item);

    await page.waitForFunction(() => document.querySelectorAll('#log li').length === 7, undefined, { timeout: 20_000 });
    const shown = await page.$$eval('#log li', (items) => items.map((li) => (li as HTMLElement).dataset.id));
    expect(new Set(shown)).toEqual(new Set([...before, ...during].map((n) => n.metadata.eventId)));
    expect(shown).toHaveLength(7);
    expect(refused).toBeGreaterThanOrEqual(3);
    expect(await page.textContent('#reconnects')).toBe('3');
    expect(await page.textContent('#state')).toBe('open');
    expect(await page.textContent('#count-log_error')).toBe('7');
  });

  it('when a development token is asked for a subject or organization the API would refuse, then 400, not a token refused on every use', async () => {
    for (const body of [
      { organizationId: 'org-1', subject: 'a\nb' },
      { organizationId: 'org-1', subject: '   ' },
      { organizationId: 'acme/transactions', subject: 'alice' },
    ]) {
      const answer = await app.inject({ method: 'POST', url: '/v1/dev/tokens', payload: body });
      expect(answer.statusCode, JSON.stringify(body)).toBe(400);
    }
    const minted = await app.inject({
      method: 'POST',
      url: '/v1/dev/tokens',
      payload: { organizationId: 'org-1', subject: 'auth0|5f7c' },
    });
    expect(minted.statusCode).toBe(201);
  });

  it('when the dashboard is served, then its files need no token and the API behind it does', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${url}/`);
    expect(response?.status()).toBe(200);
    const status = await page.evaluate(async () => (await fetch('/v1/realtime/tickets', { method: 'POST' })).status);
    expect(status).toBe(401);
  });
});
