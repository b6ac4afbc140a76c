import { packRequests, type OutgoingRecord } from './pack-requests.ts';
import type { Position } from './publisher.ts';
import type { OutgoingMessage } from './record-batch.ts';

/** What the broker acknowledged for one partition of a request: where its first record went. */
export interface Acknowledged {
  readonly topicName: string;
  readonly partition: number;
  readonly baseOffset?: string;
}

/** One produce request: each partition's records in the order given (acks=all). */
export type SendRequest = (
  topicMessages: { topic: string; messages: (OutgoingMessage & { partition: number })[] }[],
) => Promise<Acknowledged[]>;

export interface SendQueueOptions {
  /** How long the first batch to reach an idle queue waits for others to share its request. */
  readonly lingerMs: number;
  /** A request goes as soon as this many records wait; callers' batches are never cut to fit it. */
  readonly maxBatchEvents: number;
  /** The topic's max.message.bytes: no partition's batch in one request may be larger. */
  readonly maxBatchBytes: (topic: string) => number;
  readonly send: SendRequest;
}

interface Caller {
  readonly records: readonly OutgoingRecord[];
  readonly positions: Position[];
  left: number;
  failed: boolean;
  resolve(positions: Position[]): void;
  reject(error: unknown): void;
}

/**
 * Coalesces concurrent callers' batches into shared produce requests, the way Kafka's own
 * producer batches: one request in flight at a time (the idempotent producer sends one per
 * broker anyway); while it is, batches wait and then go together; an idle queue lingers a few
 * milliseconds first. Each caller resolves with its own records' exact positions once the broker
 * has them, or is rejected with the error of a request that held any of its records. A failed
 * request fails only the callers in it; a caller spread over several requests (a batch larger
 * than one can carry) sends nothing more once one of them failed.
 */
export class SendQueue {
  private readonly waiting: Caller[] = [];
  private waitingRecords = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(private readonly options: SendQueueOptions) {}

  enqueue(records: readonly OutgoingRecord[]): Promise<Position[]> {
    if (records.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.waiting.push({ records, positions: [], left: records.length, failed: false, resolve, reject });
      this.waitingRecords += records.length;
      this.schedule();
    });
  }

  /** Sends what waits now and resolves once nothing waits and nothing is in flight. */
  async drain(): Promise<void> {
    while (this.inFlight || this.waiting.length > 0) {
      this.flush();
      await this.inFlight;
    }
  }

  private schedule(): void {
    if (this.inFlight) return; // when it ends, what waits goes
    if (this.waitingRecords >= this.options.maxBatchEvents) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.options.lingerMs);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.inFlight || this.waiting.length === 0) return;
    const taken: Caller[] = [];
    let count = 0;
    while (this.waiting.length > 0) {
      const next = this.waiting[0]!;
      if (taken.length > 0 && count + next.records.length > this.options.maxBatchEvents) break;
      taken.push(this.waiting.shift()!);
      count += next.records.length;
    }
    this.waitingRecords -= count;
    this.inFlight = this.sendAll(taken).finally(() => {
      this.inFlight = undefined;
      if (this.waiting.length > 0) this.flush();
    });
  }

  private async sendAll(callers: readonly Caller[]): Promise<void> {
    const requests = packRequests(
      callers.map((caller) => ({ caller, records: caller.records })),
      this.options.maxBatchBytes,
    );
    for (const request of requests) {
      const entries = request.filter(({ caller }) => !caller.failed);
      if (entries.length === 0) continue;
      // Records of one partition are appended in the order sent: the n-th is at base offset + n.
      const byTopic = new Map<string, (OutgoingMessage & { partition: number })[]>();
      const counts = new Map<string, number>();
      const nth = entries.map(({ record }) => {
        const partition = `${record.topic}/${record.partition}`;
        const n = counts.get(partition) ?? 0;
        counts.set(partition, n + 1);
        const messages = byTopic.get(record.topic) ?? [];
        byTopic.set(record.topic, messages);
        messages.push({ ...record.message, partition: record.partition });
        return n;
      });
      let acknowledged: Acknowledged[];
      try {
        acknowledged = await this.options.send([...byTopic].map(([topic, messages]) => ({ topic, messages })));
      } catch (error) {
        for (const { caller } of entries) fail(caller, error);
        continue;
      }
      const bases = new Map(
        acknowledged.flatMap((a) =>
          a.baseOffset === undefined ? [] : [[`${a.topicName}/${a.partition}`, BigInt(a.baseOffset)]],
        ),
      );
      entries.forEach(({ caller, index, record }, i) => {
        const base = bases.get(`${record.topic}/${record.partition}`);
        if (base === undefined)
          return fail(caller, new Error(`the broker acknowledged no offset for ${record.topic}/${record.partition}`));
        caller.positions[index] = {
          topic: record.topic,
          partition: record.partition,
          offset: (base + BigInt(nth[i]!)).toString(),
        };
        caller.left -= 1;
        if (caller.left === 0 && !caller.failed) caller.resolve(caller.positions);
      });
    }
  }
}

function fail(caller: Caller, error: unknown): void {
  if (caller.failed) return;
  caller.failed = true;
  caller.reject(error);
}
