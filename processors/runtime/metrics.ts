import { Counter, Gauge, Registry } from 'prom-client';

/** Prometheus metrics of every processor in this process; the API serves them at /metrics. */
export class ProcessorMetrics {
  readonly registry: Registry;
  readonly events: Counter<'processor' | 'topic' | 'outcome'>;
  readonly retries: Counter<'processor' | 'topic'>;
  readonly deadLetters: Counter<'processor' | 'topic' | 'reason'>;
  readonly lag: Gauge<'processor' | 'topic' | 'partition'>;

  constructor(registry = new Registry()) {
    this.registry = registry;
    this.events = new Counter({
      name: 'tributary_processor_events_total',
      help: 'Events handled, by outcome: applied, skipped (at or below the checkpoint, or addressed to another processor), dead_lettered.',
      labelNames: ['processor', 'topic', 'outcome'],
      registers: [registry],
    });
    this.retries = new Counter({
      name: 'tributary_processor_retries_total',
      help: 'Handler attempts that failed and were retried.',
      labelNames: ['processor', 'topic'],
      registers: [registry],
    });
    this.deadLetters = new Counter({
      name: 'tributary_processor_dead_letters_total',
      help: 'Records sent to a dead-letter topic, by reason: undecodable, failed, parked.',
      labelNames: ['processor', 'topic', 'reason'],
      registers: [registry],
    });
    this.lag = new Gauge({
      name: 'tributary_processor_lag',
      help: 'Records between the last one handled and the end of the partition.',
      labelNames: ['processor', 'topic', 'partition'],
      registers: [registry],
    });
  }
}
