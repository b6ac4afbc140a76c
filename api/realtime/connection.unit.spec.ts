import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { metadata } from '../../test/support/events.ts';
import { realtimeTopicsOf } from '../../slices/index.ts';
import { RealtimeConnection } from './connection.ts';
import type { NotificationListener, PositionedNotification, ResumeResult } from './feed.ts';
import { clientMessageSchema } from './protocol.ts';

/** What a client would see of the socket: the frames sent and how it was closed. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  readonly frames: { type: string; [key: string]: unknown }[] = [];
  closedWith?: { code: number; reason: string; at: number };
  send(text: string) {
    this.frames.push(JSON.parse(text));
  }
  close(code: number, reason: string) {
    if (this.readyState !== this.OPEN) return;
    this.readyState = 3;
    this.closedWith = { code, reason, at: Date.now() };
    this.emit('close', code, reason);
  }
  ping() {
    this.emit('pong');
  }
  terminate() {}
}

class FakeFeed {
  readonly listeners = new Set<NotificationListener>();
  resumed: ResumeResult = { kind: 'resumed' };
  /** The offset of the last notification handed over, as the feed's tail would have read it. */
  lastRead = -1n;
  positionNow() {
    return `1-${this.lastRead}`;
  }
  subscribe(listener: NotificationListener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  unsubscribe(listener: NotificationListener) {
    this.listeners.delete(listener);
  }
  async resume(_position: string, _organizationId: string, listener: NotificationListener) {
    if (this.resumed.kind === 'resumed') this.listeners.add(listener);
    return this.resumed;
  }
  hand(item: PositionedNotification) {
    this.lastRead = item.offset;
    for (const listener of this.listeners) listener(item);
  }
}

const topics = realtimeTopicsOf();

function open(expiresInMs: number, onDelivered: (topic: string) => void = () => undefined) {
  const socket = new FakeSocket();
  const feed = new FakeFeed();
  const principal = {
    subject: 'alice',
    organizationId: 'org-1',
    scopes: new Set(['realtime:subscribe']),
    expiresAt: new Date(Date.now() + expiresInMs),
  };
  const quiet = { info() {}, warn() {}, error() {} };
  new RealtimeConnection(
    socket as unknown as WebSocket,
    principal,
    feed,
    clientMessageSchema(topics),
    { maxBufferedBytes: 1 << 20, heartbeatMs: 3_600_000 },
    quiet,
    () => undefined,
    onDelivered,
  );
  return { socket, feed };
}

function notification(partition: number, offset: bigint): PositionedNotification {
  return {
    partition,
    offset,
    position: `${partition}-${offset}`,
    data: { n: Number(offset) },
    notification: {
      type: 'NotificationIssued',
      metadata: metadata(new Date(), { organizationId: 'org-1' }),
      payload: { topic: 'log_error', sourceEventId: 'e', sourceType: 'Test', filters: {}, data: '{}', audience: [] },
    },
  };
}

describe('a realtime connection and its token expiry', () => {
  beforeEach(() => vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') }));
  afterEach(() => vi.useRealTimers());

  it('when the token has 90 s left, then an expiring frame says 30 s a minute in, and the socket closes with 4401 when it expires', async () => {
    const { socket, feed } = open(90_000);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(socket.frames.map((f) => f.type)).toEqual(['ready']);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(socket.frames.at(-1)).toEqual({ type: 'expiring', inSeconds: 30 });
    await vi.advanceTimersByTimeAsync(29_999);
    expect(socket.closedWith).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.closedWith).toMatchObject({ code: 4401, reason: 'token expired' });
    expect(feed.listeners.size).toBe(0);
  });

  it('when the token has 6 s left, then the warning comes a third of that before expiry, so there is still time to reconnect', async () => {
    const { socket } = open(6_000);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(socket.frames.at(-1)).toEqual({ type: 'expiring', inSeconds: 2 });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(socket.closedWith?.code).toBe(4401);
  });

  it('when the token lives 40 days, then the socket is still open after 30 days and closes at its expiry', async () => {
    const day = 86_400_000;
    const { socket } = open(40 * day);
    await vi.advanceTimersByTimeAsync(30 * day);
    expect(socket.closedWith).toBeUndefined();
    await vi.advanceTimersByTimeAsync(10 * day);
    expect(socket.closedWith?.code).toBe(4401);
  });
});

describe('a realtime connection resuming', () => {
  it('when the feed hands over notifications at or below the position resumed from (it was behind another instance), then they are not sent again', async () => {
    const { socket, feed } = open(3_600_000);
    socket.emit(
      'message',
      Buffer.from(JSON.stringify({ type: 'subscribe', topics: ['log_error'], resumeFrom: '1-5' })),
    );
    await vi.waitFor(() => expect(feed.listeners.size).toBe(1));
    for (const offset of [4n, 5n, 6n]) feed.hand(notification(1, offset));
    expect(socket.frames.filter((f) => f.type === 'notification').map((f) => f.position)).toEqual(['1-6']);
  });
});

describe('a realtime connection subscribing live', () => {
  it('when a client subscribes with no position, then the subscribed frame carries the position the subscription starts after, before and after notifications came', async () => {
    const { socket, feed } = open(3_600_000);
    socket.emit('message', Buffer.from(JSON.stringify({ type: 'subscribe', topics: ['log_error'] })));
    await vi.waitFor(() => expect(feed.listeners.size).toBe(1));
    expect(socket.frames.at(-1)).toEqual({ type: 'subscribed', topics: ['log_error'], position: '1--1' });
    feed.hand(notification(1, 0n));
    feed.hand(notification(1, 1n));
    socket.emit('message', Buffer.from(JSON.stringify({ type: 'subscribe', topics: ['message_sent'] })));
    await vi.waitFor(() => expect(socket.frames.at(-1)?.type).toBe('subscribed'));
    expect(socket.frames.at(-1)).toEqual({ type: 'subscribed', topics: ['message_sent'], position: '1-1' });
    expect(feed.listeners.size).toBe(1);
  });
});

describe('a realtime connection whose resume fails', () => {
  it('when the feed cannot answer a resume (Kafka unreachable), then the socket is closed with 1013 so the client resumes again, rather than left open and deaf', async () => {
    const { socket, feed } = open(3_600_000);
    feed.resume = async () => {
      throw new Error('KafkaJSNumberOfRetriesExceeded: connection refused');
    };
    socket.emit(
      'message',
      Buffer.from(JSON.stringify({ type: 'subscribe', topics: ['log_error'], resumeFrom: '1-5' })),
    );
    await vi.waitFor(() => expect(socket.closedWith?.code).toBe(1013));
    expect(feed.listeners.size).toBe(0);
  });
});

describe('a realtime connection counting its deliveries', () => {
  it('when notifications are sent, filtered out or meet a closed socket, then only the sent ones are counted, by topic', async () => {
    const delivered: string[] = [];
    const { socket, feed } = open(3_600_000, (topic) => delivered.push(topic));
    socket.emit('message', Buffer.from(JSON.stringify({ type: 'subscribe', topics: ['log_error'] })));
    await vi.waitFor(() => expect(feed.listeners.size).toBe(1));
    feed.hand(notification(0, 1n));
    const otherOrganization = notification(0, 2n);
    feed.hand({
      ...otherOrganization,
      notification: {
        ...otherOrganization.notification,
        metadata: { ...otherOrganization.notification.metadata, organizationId: 'org-2' },
      },
    });
    socket.readyState = 3;
    feed.hand(notification(0, 3n));
    expect(delivered).toEqual(['log_error']);
  });
});
