import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';

/** One notification as a client saw it. */
export interface Seen {
  readonly position: string;
  readonly id: string;
  readonly messageId: string;
}

/** One websocket session of a client, for telling where a loss happened. */
export interface Session {
  readonly opened: Date;
  readonly resumeFrom?: string;
  received: number;
  first?: string;
  last?: string;
  ended?: string;
}

/**
 * A websocket client that stays subscribed to its threads' `message_sent` whatever happens:
 * when its socket closes (the API killed, or the client dropping it on purpose) it reconnects
 * with `resumeFrom` its last position, as the README tells clients to.
 */
export class ResumingClient {
  readonly seen: Seen[] = [];
  readonly refetches: string[] = [];
  reconnects = 0;
  /** Why sessions ended: close codes, and refused upgrades by status. */
  readonly endings = new Map<string, number>();
  readonly sessions: Session[] = [];
  private socket?: WebSocket;
  private last?: string;
  private running = true;
  private loop?: Promise<void>;
  private subscribed?: () => void;

  constructor(
    readonly name: string,
    private readonly url: string,
    private readonly token: () => Promise<string>,
    readonly threadIds: readonly string[],
  ) {}

  /** Connects and resolves once the first subscription is confirmed. */
  async start(): Promise<void> {
    const first = new Promise<void>((resolve) => (this.subscribed = resolve));
    this.loop = this.run();
    await first;
  }

  /** Closes its socket as a flaky network would; the client resumes by itself. */
  drop(): void {
    this.socket?.terminate();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.socket?.close();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.session();
      } catch (error) {
        // the API is down or restarting: try again shortly
        this.ended((error as Error).message.split(' ').slice(0, 2).join(' '));
      }
      if (this.running) {
        this.reconnects += 1;
        await sleep(300);
      }
    }
  }

  private async session(): Promise<void> {
    const token = await this.token();
    const socket = new WebSocket(this.url, ['tributary.v1', `bearer.${token}`]);
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      const opening = setTimeout(() => socket.terminate(), 15_000);
      socket.once('open', () => {
        clearTimeout(opening);
        resolve();
      });
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade ${response.statusCode}`)));
    });
    socket.on('error', () => undefined);
    const session: Session = { opened: new Date(), ...(this.last ? { resumeFrom: this.last } : {}), received: 0 };
    this.sessions.push(session);
    socket.send(
      JSON.stringify({
        type: 'subscribe',
        topics: ['message_sent'],
        filters: { threadId: this.threadIds },
        ...(this.last ? { resumeFrom: this.last } : {}),
      }),
    );
    // A session that is not subscribed within 15 s is given up and started again, as a real
    // client's handshake timeout would; counted in `endings` so a server that leaves upgrades or
    // subscriptions unanswered shows.
    const handshake = setTimeout(() => {
      this.ended('no subscribed within 15 s');
      socket.terminate();
    }, 15_000);
    socket.on('close', () => clearTimeout(handshake));
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Record<string, unknown>;
      if (frame.type === 'subscribed') {
        clearTimeout(handshake);
        // A live subscription says where it starts: dropped before a first notification, the
        // client resumes from there (without it, what came meanwhile was lost).
        if (typeof frame.position === 'string') this.last = frame.position;
        this.subscribed?.();
      }
      if (frame.type === 'refetch') this.refetches.push(String(frame.reason));
      if (frame.type !== 'notification') return;
      const position = String(frame.position);
      const payload = frame.data as { messageId?: string };
      this.seen.push({ position, id: String(frame.id), messageId: String(payload.messageId) });
      this.last = position;
      session.received += 1;
      session.first ??= position;
      session.last = position;
    });
    await new Promise<void>((resolve) =>
      socket.once('close', (code) => {
        session.ended = `close ${code} at ${new Date().toISOString().slice(11, 23)}`;
        this.ended(`close ${code}`);
        resolve();
      }),
    );
  }

  private ended(how: string): void {
    this.endings.set(how, (this.endings.get(how) ?? 0) + 1);
  }
}
