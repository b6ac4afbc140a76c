import type { WebSocket } from 'ws';
import type { Logger } from '../../infra/logging/logger.ts';
import type { Principal } from '../auth/principal.ts';
import { parsePosition, type NotificationFeed, type PositionedNotification } from './feed.ts';
import {
  CLOSE,
  expiryWarningLeadMs,
  matches,
  subscriptionFilters,
  type ClientMessage,
  type clientMessageSchema,
  type SubscriptionFilters,
} from './protocol.ts';
import type { StoredSubscription } from './subscriptions.ts';

/** Node's timers hold at most this many milliseconds (about 24.8 days); a longer wait is done in steps. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/**
 * One client's websocket: its subscriptions (topic -> filters), always within its own
 * organization; notifications in order, each with its position; a bounded send buffer (a slow
 * client is closed, not waited for), heartbeats (a dead client is closed), and the token's
 * expiry (an `expiring` frame, then close 4401).
 */
export class RealtimeConnection {
  /** Subscriptions this connection made itself. */
  private readonly subscriptions = new Map<string, SubscriptionFilters>();
  /** The user's subscriptions made over REST, shared by all their sessions. */
  private stored = new Map<string, SubscriptionFilters>();
  private readonly listener = (item: PositionedNotification) => this.deliver(item);
  private listening = false;
  private alive = true;
  private closed = false;
  /** The position the client resumed from: the feed may still hand over what is at or below it. */
  private resumedAfter?: { partition: number; offset: bigint };
  /** Messages are answered one at a time, in order, though a resume may wait on Kafka. */
  private received: Promise<void> = Promise.resolve();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly socket: WebSocket,
    private readonly principal: Principal,
    private readonly feed: Pick<NotificationFeed, 'subscribe' | 'unsubscribe' | 'resume' | 'positionNow'>,
    private readonly protocol: ReturnType<typeof clientMessageSchema>,
    private readonly limits: { maxBufferedBytes: number; heartbeatMs: number },
    private readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>,
    onClose: () => void,
    /** Called for each notification sent, with its realtime topic. */
    private readonly onDelivered: (topic: string) => void = () => undefined,
  ) {
    socket.on('message', (data) => {
      const text = data.toString();
      this.received = this.received
        .then(() => this.receive(text))
        .catch((error: unknown) => this.logger.error({ err: error }, 'a realtime message failed'));
    });
    socket.on('pong', () => (this.alive = true));
    socket.on('close', () => {
      this.closed = true;
      clearInterval(this.heartbeat);
      for (const timer of this.timers) clearTimeout(timer);
      this.feed.unsubscribe(this.listener);
      onClose();
    });
    this.heartbeat = setInterval(() => {
      if (!this.alive) {
        this.logger.info('closing a connection that missed its heartbeat');
        this.socket.close(CLOSE.heartbeatMissed, 'heartbeat missed');
        this.socket.terminate();
        return;
      }
      this.alive = false;
      this.socket.ping();
    }, limits.heartbeatMs);
    this.send({ type: 'ready', organizationId: principal.organizationId });
    this.watchExpiry(principal.expiresAt);
  }

  /** Replaces the REST-made subscriptions (on connect, and whenever the user changes them). */
  applyStored(subscriptions: readonly StoredSubscription[]): void {
    this.stored = new Map(subscriptions.map((s) => [s.topic, subscriptionFilters(s.filters)]));
    if (this.stored.size > 0 && !this.listening) {
      this.listening = true;
      this.feed.subscribe(this.listener);
    }
  }

  /** Warns the client before its token expires, so it can reconnect with a fresh one and `resumeFrom`; closes at expiry. */
  private watchExpiry(expiresAt: Date): void {
    const lead = expiryWarningLeadMs(expiresAt.getTime() - Date.now());
    this.at(new Date(expiresAt.getTime() - lead), () =>
      this.send({ type: 'expiring', inSeconds: Math.max(0, Math.ceil((expiresAt.getTime() - Date.now()) / 1000)) }),
    );
    this.at(expiresAt, () => {
      this.logger.info('closing a connection whose token expired');
      this.feed.unsubscribe(this.listener);
      this.socket.close(CLOSE.tokenExpired, 'token expired');
    });
  }

  private at(when: Date, run: () => void): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        if (Date.now() < when.getTime()) this.at(when, run);
        else run();
      },
      Math.min(LONGEST_TIMER_MS, Math.max(0, when.getTime() - Date.now())),
    );
    this.timers.add(timer);
  }

  private async receive(text: string): Promise<void> {
    if (this.closed) return;
    let message: ClientMessage;
    try {
      message = this.protocol.parse(JSON.parse(text, refuseProtoKey));
    } catch (error) {
      const detail =
        error === FORBIDDEN_KEY
          ? 'a "__proto__" key is refused anywhere in a message (prototype poisoning)'
          : error instanceof SyntaxError
            ? 'the message is not JSON'
            : (error as { issues?: { path: unknown[]; message: string }[] }).issues
                ?.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`)
                .join('; ');
      // The error frame says what was wrong; the close code says the connection ends because of it.
      const reason = detail ?? 'the message is invalid';
      this.send({ type: 'error', code: 'bad_message', detail: reason });
      this.feed.unsubscribe(this.listener);
      // A close reason is at most 123 bytes; the frame before it carries the whole detail.
      this.socket.close(CLOSE.badMessage, Buffer.from(reason).subarray(0, 123).toString());
      return;
    }
    if (message.type === 'unsubscribe') {
      for (const topic of message.topics) this.subscriptions.delete(topic);
      this.send({ type: 'unsubscribed', topics: message.topics });
      return;
    }
    const filters = subscriptionFilters(message.filters);
    for (const topic of message.topics) this.subscriptions.set(topic, filters);
    if (!message.resumeFrom) {
      if (!this.listening) this.feed.subscribe(this.listener);
      this.listening = true;
      // Taken in the same synchronous step as the listener's registration: what follows it is
      // delivered, so a client with no notification yet has a position to resume from.
      const position = this.feed.positionNow(this.principal.organizationId);
      this.send({ type: 'subscribed', topics: message.topics, position });
      return;
    }
    this.send({ type: 'subscribed', topics: message.topics });
    // Resuming re-registers the listener in the same synchronous step as handing over what was missed.
    this.feed.unsubscribe(this.listener);
    this.listening = true;
    const previous = this.resumedAfter;
    this.resumedAfter = parsePosition(message.resumeFrom);
    let resumed: Awaited<ReturnType<typeof this.feed.resume>>;
    try {
      resumed = await this.feed.resume(message.resumeFrom, this.principal.organizationId, this.listener);
    } catch (error) {
      // The feed could not answer (Kafka's end offsets out of reach while a broker restarts).
      // Left so, the connection would stay open, subscribed and deaf: closing it makes the client
      // resume again, which the fault suite's clients lost hundreds of notifications without.
      this.resumedAfter = previous;
      this.logger.warn({ err: error }, 'could not resume a connection; closing it so the client resumes again');
      this.socket.close(CLOSE.tryAgainLater, 'resume unavailable, try again');
      return;
    }
    if (this.closed) {
      this.feed.unsubscribe(this.listener);
      return;
    }
    if (resumed.kind === 'refetch') {
      this.resumedAfter = previous;
      this.feed.subscribe(this.listener);
      this.send({ type: 'refetch', reason: resumed.reason });
    }
  }

  private deliver(item: PositionedNotification): void {
    const { notification, partition, offset } = item;
    if (notification.metadata.organizationId !== this.principal.organizationId) return;
    const after = this.resumedAfter;
    if (after && partition === after.partition && offset <= after.offset) return;
    const { payload } = notification;
    // A notification for some subjects only (a thread's participants) reaches no one else.
    if (payload.audience.length > 0 && !payload.audience.includes(this.principal.subject)) return;
    const passes = (subscription: SubscriptionFilters | undefined) =>
      subscription !== undefined && matches(subscription, payload.filters);
    if (!passes(this.subscriptions.get(payload.topic)) && !passes(this.stored.get(payload.topic))) return;
    const sent = this.send(frameOf(item));
    if (sent) this.onDelivered(payload.topic);
  }

  /**
   * Whether the message went out (a closed or closing socket, or a slow client's, takes none).
   * A string is a frame already serialized.
   */
  private send(message: object | string): boolean {
    if (this.socket.readyState !== this.socket.OPEN) return false;
    if (this.socket.bufferedAmount > this.limits.maxBufferedBytes) {
      this.logger.warn({ buffered: this.socket.bufferedAmount }, 'closing a slow client');
      this.socket.close(CLOSE.slowConsumer, 'slow consumer: too many notifications waiting');
      this.feed.unsubscribe(this.listener);
      return false;
    }
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
    return true;
  }
}

/**
 * A notification's frame, the same for every socket it goes to: serialized once, not once per
 * socket (a thousand clients of one organization cost a thousand JSON.stringify calls before).
 */
const frames = new WeakMap<PositionedNotification, string>();

function frameOf(item: PositionedNotification): string {
  let frame = frames.get(item);
  if (frame === undefined) {
    const { notification, position, data } = item;
    frame = JSON.stringify({
      type: 'notification',
      position,
      id: notification.metadata.eventId,
      topic: notification.payload.topic,
      occurredAt: notification.metadata.occurredAt.toISOString(),
      filters: notification.payload.filters,
      data,
    });
    frames.set(item, frame);
  }
  return frame;
}

/**
 * JSON.parse keeps a `__proto__` key as data, but the checks after it (zod's record, any object
 * spread) drop it, so `{"filters":{"__proto__":["x"]}}` subscribed with no filter at all: refused,
 * as the HTTP routes refuse it (403 forbidden_key there).
 */
const FORBIDDEN_KEY = new Error('forbidden key');
function refuseProtoKey(key: string, value: unknown): unknown {
  if (key === '__proto__') throw FORBIDDEN_KEY;
  return value;
}
