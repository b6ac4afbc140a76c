import type { EventOf } from '../../schemas/generated/events.ts';
import { EventValidationError } from '../../schemas/codec.ts';
import { EventTooLargeError, type Publisher } from '../publisher.ts';
import { logEntryOf, UnshippableRecordError, type PinoRecord, type ShippingDefaults } from './pino-record.ts';

export interface ShipperOptions extends ShippingDefaults {
  /** pino's level number below which records are not shipped (30: info). */
  readonly minLevel?: number;
  /** Entries waiting for the publisher beyond this are dropped, oldest first, and counted. */
  readonly maxBuffered?: number;
  /** How often waiting entries are published. */
  readonly intervalMs?: number;
}

export interface ShipperStats {
  shipped: number;
  dropped: number;
  unshippable: number;
  failures: number;
}

/**
 * Turns pino's JSON lines into LogEntry events and publishes them in batches. Shipping never
 * blocks or breaks the logging process: lines are parsed on arrival, buffered (bounded: the oldest
 * go when the publisher is away), and published every `intervalMs`; a failed publish keeps the
 * batch for the next round. The shipper never logs: a log about shipping would be shipped, and a
 * failing publisher would feed itself. Records bound with `ship: false` (the lake's own) stay out.
 */
export class LogShipper {
  readonly stats: ShipperStats = { shipped: 0, dropped: 0, unshippable: 0, failures: 0 };
  private buffer: EventOf<'LogEntry'>[] = [];
  private publisher?: Publisher;
  private timer?: NodeJS.Timeout;
  private sending?: Promise<void>;
  private readonly minLevel: number;
  private readonly maxBuffered: number;

  constructor(private readonly options: ShipperOptions) {
    if (!options.organizationId) throw new Error('log shipping needs an organization id');
    if (!options.environment) throw new Error('log shipping needs an environment');
    if (!options.logType) throw new Error('log shipping needs a log type');
    this.minLevel = options.minLevel ?? 30;
    this.maxBuffered = options.maxBuffered ?? 10_000;
  }

  /** Takes one or more JSON lines as pino writes them (a `hooks.streamWrite` tee or a transport's source). */
  readonly write = (chunk: string): void => {
    for (const line of chunk.split('\n')) {
      if (line.trim() === '') continue;
      let record: PinoRecord;
      try {
        record = JSON.parse(line) as PinoRecord;
      } catch {
        this.stats.unshippable += 1;
        continue;
      }
      this.take(record, line);
    }
  };

  /** Takes one parsed record. */
  take(record: PinoRecord, line?: string): void {
    if (record.ship === false) return;
    if (typeof record.level === 'number' && record.level < this.minLevel) return;
    try {
      this.buffer.push(logEntryOf(record, this.options, line));
    } catch (error) {
      if (!(error instanceof UnshippableRecordError)) throw error;
      this.stats.unshippable += 1;
      return;
    }
    const excess = this.buffer.length - this.maxBuffered;
    if (excess > 0) {
      this.buffer.splice(0, excess);
      this.stats.dropped += excess;
    }
  }

  /** Starts publishing through `publisher`: what was logged before it existed goes first. */
  attach(publisher: Publisher): void {
    this.publisher = publisher;
    this.timer = setInterval(() => void this.flush(), this.options.intervalMs ?? 1000);
    this.timer.unref();
  }

  /** Publishes what is waiting (one batch at a time); keeps it when the publish fails. */
  flush(): Promise<void> {
    if (this.sending) return this.sending;
    const publisher = this.publisher;
    if (!publisher || this.buffer.length === 0) return Promise.resolve();
    const batch = this.buffer;
    this.buffer = [];
    this.sending = publisher
      .publishBatch(batch)
      .then(
        () => {
          this.stats.shipped += batch.length;
        },
        async (error: unknown) => {
          this.stats.failures += 1;
          if (error instanceof EventValidationError || error instanceof EventTooLargeError) {
            // One bad entry must not hold the rest back forever: send them one by one, drop the bad.
            for (const entry of batch)
              await publisher.publish(entry).then(
                () => (this.stats.shipped += 1),
                () => (this.stats.unshippable += 1),
              );
            return;
          }
          const merged = [...batch, ...this.buffer];
          const excess = Math.max(0, merged.length - this.maxBuffered);
          this.stats.dropped += excess;
          this.buffer = merged.slice(excess);
        },
      )
      .finally(() => {
        this.sending = undefined;
      });
    return this.sending;
  }

  /** Publishes what is left, then stops (the publisher is the caller's to close). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    await this.flush();
  }
}
