import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Producer } from 'kafkajs';
import type { Publisher } from '../../producers/publisher.ts';
import type { EventOf, TributaryEvent } from '../../schemas/generated/events.ts';

export const POISON_HEADER = 'faults.poison';

/** One thread of the load: created by `u1` with `u2`, who gets every message as unread. */
export interface LoadThread {
  readonly threadId: string;
}

/**
 * What the load published: every event the broker acknowledged (`acked`), and those whose
 * publish failed without an answer (`inDoubt`: they may or may not have landed, and are never
 * sent again under the same id, so they may appear at most once).
 */
export class Ledger {
  readonly acked = new Map<string, TributaryEvent>();
  readonly inDoubt = new Map<string, TributaryEvent>();
  readonly poison = new Set<string>();
  failures = 0;

  ackedCount(): number {
    return this.acked.size;
  }
}

/**
 * A steady load through the real publisher: every tick one message to a thread and two log
 * entries, one batch at a time; a rejected batch is put in doubt and the load goes on.
 */
export class Load {
  readonly ledger = new Ledger();
  private running = false;
  private loop?: Promise<void>;
  private tick = 0;

  constructor(
    private readonly publisher: Publisher,
    readonly organizationId: string,
    readonly threads: readonly LoadThread[],
    private readonly tickMs = 150,
  ) {}

  static threads(count: number): LoadThread[] {
    return Array.from({ length: count }, () => ({ threadId: randomUUID() }));
  }

  /** Creates the threads (before clients subscribe, so each client sees all its thread's messages). */
  async createThreads(): Promise<void> {
    await this.publish(this.threads.map((thread) => this.threadCreated(thread)));
  }

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const began = Date.now();
        const thread = this.threads[this.tick % this.threads.length]!;
        this.tick += 1;
        const batch = [this.messageSent(thread), this.logEntry(), this.logEntry()];
        try {
          await this.publish(batch);
        } catch {
          await sleep(200);
        }
        await sleep(Math.max(0, this.tickMs - (Date.now() - began)));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** A record no codec can read, on its own key (it parks nothing the load needs). */
  async injectPoison(producer: Producer, topic: string): Promise<void> {
    const id = randomUUID();
    await producer.send({
      topic,
      acks: -1,
      messages: [{ key: `poison-${id}`, value: Buffer.from(`not avro ${id}`), headers: { [POISON_HEADER]: id } }],
    });
    this.ledger.poison.add(id);
  }

  private async publish(events: TributaryEvent[]): Promise<void> {
    try {
      await this.publisher.publishBatch(events);
    } catch (error) {
      this.ledger.failures += 1;
      for (const event of events) this.ledger.inDoubt.set(event.metadata.eventId, event);
      throw error;
    }
    for (const event of events) this.ledger.acked.set(event.metadata.eventId, event);
  }

  private meta(actor: string, correlationId = randomUUID()) {
    return {
      eventId: randomUUID(),
      occurredAt: new Date(),
      organizationId: this.organizationId,
      environment: 'faults',
      correlationId,
      causationId: null,
      actor,
    };
  }

  private threadCreated({ threadId }: LoadThread): EventOf<'ThreadCreated'> {
    return {
      type: 'ThreadCreated',
      metadata: this.meta('u1'),
      payload: { threadId, subject: 'fault run', createdBy: 'u1', participants: ['u1', 'u2'], scopes: [] },
    };
  }

  private messageSent({ threadId }: LoadThread): EventOf<'MessageSent'> {
    const metadata = this.meta('u1');
    return {
      type: 'MessageSent',
      metadata,
      payload: {
        threadId,
        messageId: randomUUID(),
        senderId: 'u1',
        body: `message ${this.tick}`,
        replyToMessageId: null,
        sentAt: metadata.occurredAt,
        recipients: ['u2'],
      },
    };
  }

  private logEntry(): EventOf<'LogEntry'> {
    const transactionId = randomUUID();
    const metadata = this.meta('web-1', transactionId);
    return {
      type: 'LogEntry',
      metadata,
      payload: {
        organizationId: this.organizationId,
        logType: 'web',
        environment: 'faults',
        server: 'web-1',
        level: 'info',
        message: `request ${this.tick}`,
        events: [
          {
            action: 'received request',
            description: 'GET /accounts',
            detail: { route: '/accounts' },
            caller: 'portal',
            server: 'web-1',
            success: true,
            time: metadata.occurredAt,
            transactionId,
            type: 'request',
          },
        ],
      },
    };
  }
}
