import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
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
    for (const listener of this.listeners) listener(item);
  }
}

const topics = realtimeTopicsOf();

function open() {
  const socket = new FakeSocket();
  const feed = new FakeFeed();
  const principal = { subject: 'alice', organizationId: 'org-1', scopes: new Set(['realtime:subscribe']) };
  const quiet = { info() {}, warn() {}, error() {} };
  new RealtimeConnection(
    socket as unknown as WebSocket,
    principal,
    feed,
    clientMessageSchema(topics),
    { maxBufferedBytes: 1 << 20, heartbeatMs: 3_600_000 },
    quiet,
    () => undefined,
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
      payload: { topic: 'log_error', sourceEventId: 'e', sourceType: 'Test', filters: {}, data: '{}' },
    },
  };
}

describe('a realtime connection resuming', () => {
  it('when the feed hands over notifications at or below the position resumed from (it was behind another instance), then they are not sent again', async () => {
    const { socket, feed } = open();
    socket.emit(
      'message',
      Buffer.from(JSON.stringify({ type: 'subscribe', topics: ['log_error'], resumeFrom: '1-5' })),
    );
    await vi.waitFor(() => expect(feed.listeners.size).toBe(1));
    for (const offset of [4n, 5n, 6n]) feed.hand(notification(1, offset));
    expect(socket.frames.filter((f) => f.type === 'notification').map((f) => f.position)).toEqual(['1-6']);
  });
});
