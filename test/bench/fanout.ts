/**
 * Fan-out: notifications published to Kafka (realtime.notifications, acks=all) and delivered by
 * the API's feed over websockets to 1,000 clients subscribed to their topic, the clients in a
 * process of their own (fanout-clients.ts). First a burst finds the sustainable rate
 * (notifications/s with every client receiving every one); then a steady run at half that rate,
 * whose frames' latency (publish call to arrival) gives p50 and p99, and whose frames are counted:
 * every client must get every notification, once.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { NotificationFeed } from '../../api/realtime/feed.ts';
import type { NotificationIssued } from '../../schemas/generated/events.ts';
import { bearer, testApp } from '../support/api.ts';
import type { Backbone } from '../support/backbone.ts';
import { metadata } from '../support/events.ts';
import { quietLogger, uniqueName } from '../support/platform.ts';
import { absoluteFigure, type Figure, type Progress } from './harness.ts';

export const FANOUT_DEFAULTS = { clients: 1000, burst: 200, steadySeconds: 15 } as const;
const TOPIC = 'account_balanceupdated';
const ORGANIZATION = 'org-fanout';
const now = () => performance.timeOrigin + performance.now();

function notification(phase: 'burst' | 'steady', n: number): NotificationIssued {
  return {
    type: 'NotificationIssued',
    metadata: metadata(new Date(), { organizationId: ORGANIZATION }),
    payload: {
      topic: TOPIC,
      sourceEventId: randomUUID(),
      sourceType: 'AccountBalanceUpdated',
      filters: { accountId: 'acc-1' },
      data: JSON.stringify({ phase, n, sentAt: now(), accountId: 'acc-1', balanceMinor: 1000 + n, currency: 'USD' }),
      audience: [],
    },
  };
}

interface SteadyStats {
  readonly delivered: number;
  readonly expected: number;
  readonly clientsShort: number;
  readonly duplicates: number;
  readonly closed: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export async function measureFanout(
  backbone: Backbone,
  options: { readonly clients: number; readonly burst: number; readonly steadySeconds: number },
  progress: Progress,
): Promise<Figure[]> {
  const feed = new NotificationFeed(
    backbone.kafka,
    backbone.codec,
    backbone.topics['realtime.notifications'],
    1000,
    quietLogger(),
  );
  await feed.start();
  const app = await testApp(backbone, {
    feed,
    realtime: { maxConnectionsPerToken: options.clients + 10 },
    api: { rateLimitPerMinute: 10_000_000 },
  });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const token = (
    await bearer(backbone, {
      organizationId: ORGANIZATION,
      subject: uniqueName('fanout'),
      scopes: ['realtime:subscribe'],
    })
  ).authorization.slice('Bearer '.length);
  const script = fileURLToPath(new URL('./fanout-clients.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      script,
      JSON.stringify({
        url: `${base.replace(/^http/, 'ws')}/v1/realtime`,
        token,
        clients: options.clients,
        topic: TOPIC,
      }),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async <T>(): Promise<T> => {
    const { value, done } = await lines.next();
    if (done) throw new Error('the fan-out clients exited early');
    return JSON.parse(value as string) as T;
  };
  const command = (message: object) => child.stdin!.write(`${JSON.stringify(message)}\n`);
  try {
    progress(`opening ${options.clients} websockets`);
    await next<{ ready: true }>();

    progress(`burst of ${options.burst} notifications to ${options.clients} clients`);
    const burstStarted = now();
    command({ phase: 'burst', expect: options.burst, timeoutMs: 60_000 });
    await backbone.publisher.publishBatch(Array.from({ length: options.burst }, (_, n) => notification('burst', n)));
    const burst = await next<{ doneAt: number; delivered: number }>();
    if (burst.delivered < options.burst * options.clients)
      progress(`  the burst was not delivered whole in 60 s: ${burst.delivered} frames`);
    const sustainable = (options.burst * 1000) / (burst.doneAt - burstStarted);
    const rate = Math.max(1, Math.floor(sustainable / 2));
    progress(
      `  sustainable ≈ ${Math.round(sustainable)} notifications/s; steady at ${rate}/s for ${options.steadySeconds} s`,
    );

    const count = rate * options.steadySeconds;
    const publishes: Promise<unknown>[] = [];
    const started = now();
    for (let n = 0; n < count; n += 1) {
      const due = started + (n * 1000) / rate;
      const wait = due - now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      publishes.push(backbone.publisher.publish(notification('steady', n)));
    }
    await Promise.all(publishes);
    command({ phase: 'steady', expect: count, timeoutMs: 30_000 });
    const stats = await next<SteadyStats>();
    progress(
      `  ${stats.delivered} / ${stats.expected} frames, p50 ${stats.p50Ms.toFixed(1)} ms, p99 ${stats.p99Ms.toFixed(1)} ms`,
    );
    const setting = `${options.clients.toLocaleString('en')} clients, ${rate} notifications/s (half of ≈ ${Math.round(sustainable)}/s sustained in a burst) for ${options.steadySeconds} s`;
    const note = `publish call to websocket frame; ${stats.duplicates} duplicates, ${stats.clientsShort} clients short, ${stats.closed} sockets closed, max ${Math.round(stats.maxMs)} ms`;
    return [
      absoluteFigure(
        {
          id: 'fanout-p50',
          group: 'platform',
          label: `fan-out p50, ${setting}`,
          unit: 'ms',
          note,
          target: { of: 'value', op: '<=', value: 10 },
        },
        stats.p50Ms,
      ),
      absoluteFigure(
        {
          id: 'fanout-p99',
          group: 'platform',
          label: `fan-out p99, ${setting}`,
          unit: 'ms',
          note,
          target: { of: 'value', op: '<=', value: 50 },
        },
        stats.p99Ms,
      ),
      absoluteFigure(
        {
          id: 'fanout-lost',
          group: 'platform',
          label: `fan-out frames missing or repeated, of ${stats.expected.toLocaleString('en')} (${count} notifications × ${options.clients} clients)`,
          unit: 'frames',
          note,
          target: { of: 'value', op: '<=', value: 0 },
        },
        Math.max(0, stats.expected - stats.delivered + stats.duplicates) + stats.duplicates,
      ),
    ];
  } finally {
    child.kill();
    await app.close();
    await feed.stop();
  }
}
