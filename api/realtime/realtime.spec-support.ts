import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { WebSocket } from 'ws';
import type { Logger } from '../../infra/logging/logger.ts';
import type { NotificationIssued } from '../../schemas/generated/events.ts';
import { bearer, testApp } from '../../test/support/api.ts';
import type { Backbone } from '../../test/support/backbone.ts';
import { eventually } from '../../test/support/eventually.ts';
import { metadata } from '../../test/support/events.ts';
import { quietLogger } from '../../test/support/platform.ts';
import { NotificationFeed } from './feed.ts';

/** API instances over a test's backbone, each with its own feed, closed together. */
export class RealtimeInstances {
  private readonly apps: Awaited<ReturnType<typeof testApp>>[] = [];
  private readonly feeds: NotificationFeed[] = [];

  constructor(private readonly backbone: Backbone) {}

  /** An API instance with its own feed, listening on a free port. */
  async start(
    options: {
      buffer?: number;
      realtime?: NonNullable<Parameters<typeof testApp>[1]>['realtime'];
      feedLogger?: Logger;
    } = {},
  ) {
    const feed = new NotificationFeed(
      this.backbone.kafka,
      this.backbone.codec,
      this.backbone.topics['realtime.notifications'],
      options.buffer ?? 1000,
      options.feedLogger ?? quietLogger(),
    );
    await feed.start();
    this.feeds.push(feed);
    const app = await testApp(this.backbone, { feed, ...(options.realtime ? { realtime: options.realtime } : {}) });
    this.apps.push(app);
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const seen = new Set<string>();
    feed.subscribe((item) => seen.add(item.notification.metadata.eventId));
    return {
      app,
      feed,
      url: `${address.replace(/^http/, 'ws')}/v1/realtime`,
      /** Resolves once this instance's feed has handed these notifications to its connections. */
      passed: (notifications: readonly NotificationIssued[]) =>
        eventually(() => expect(notifications.filter((n) => !seen.has(n.metadata.eventId))).toEqual([])),
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.apps.map((app) => app.close()));
    await Promise.all(this.feeds.map((feed) => feed.stop()));
  }
}

export function notification(
  topic: string,
  options: { organizationId?: string; filters?: Record<string, string>; data?: object; audience?: string[] } = {},
): NotificationIssued {
  return {
    type: 'NotificationIssued',
    metadata: metadata(new Date(), { organizationId: options.organizationId ?? 'org-test' }),
    payload: {
      topic,
      sourceEventId: randomUUID(),
      sourceType: 'Test',
      filters: options.filters ?? {},
      data: JSON.stringify(options.data ?? { n: 1 }),
      audience: options.audience ?? [],
    },
  };
}

export interface Client {
  readonly socket: WebSocket;
  readonly received: { type: string; [key: string]: unknown }[];
  readonly closed: Promise<{ code: number; reason: string }>;
  send(message: object): void;
  waitFor(predicate: (messages: Client['received']) => boolean, timeoutMs?: number): Promise<void>;
  /** A message and its answer: everything the server sent before answering has arrived. */
  roundTrip(): Promise<void>;
}

/** A refused upgrade: its status and problem+json body. */
export interface Refusal extends Error {
  readonly status: number;
  readonly problem: { code?: string; detail?: string };
}

export async function connect(url: string, protocols: string[], headers: Record<string, string> = {}): Promise<Client> {
  const socket = new WebSocket(url, protocols, { headers });
  const received: Client['received'] = [];
  socket.on('message', (data) => received.push(JSON.parse(data.toString())));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => {
        let problem = {};
        try {
          problem = JSON.parse(body);
        } catch {
          // not problem+json: the status says enough
        }
        reject(
          Object.assign(new Error(`upgrade refused: ${response.statusCode} ${body}`), {
            status: response.statusCode,
            problem,
          }),
        );
      });
    });
    socket.once('error', reject);
  });
  const client: Client = {
    socket,
    received,
    closed,
    send: (message) => socket.send(JSON.stringify(message)),
    async waitFor(predicate, timeoutMs = 15_000) {
      await eventually(
        () => {
          if (!predicate(received)) throw new Error(`not yet; received ${JSON.stringify(received).slice(0, 2000)}`);
        },
        { timeoutMs, intervalMs: 20 },
      );
    },
    async roundTrip() {
      const answers = () => received.filter((m) => m.type === 'unsubscribed').length;
      const before = answers();
      socket.send(JSON.stringify({ type: 'unsubscribe', topics: ['platform_account_transactionadded'] }));
      await client.waitFor(() => answers() > before);
    },
  };
  await client.waitFor((messages) => messages.some((m) => m.type === 'ready'));
  return client;
}

export const notificationsOf = (client: Pick<Client, 'received'>) =>
  client.received.filter((m) => m.type === 'notification');

/** A bearer token the test API accepts, without its `Bearer ` prefix. */
export const token = async (backbone: Backbone, claims: Parameters<typeof bearer>[1] = {}) =>
  (await bearer(backbone, claims)).authorization.slice('Bearer '.length);
