import type { Consumer, ConsumerConfig, ConsumerRunConfig } from 'kafkajs';
import type { KafkaConnection } from '../../infra/kafka/client.ts';

/**
 * The backbone's Kafka, whose consumers can be made to crash as kafkajs crashes one it will not
 * restart ("The coordinator is loading" after a broker restart): disconnected, then a CRASH
 * event with `restart: false`. Waiting for a real one takes a broker restart under a group join.
 */
export function crashableKafka(kafka: KafkaConnection, { autoCommit = true } = {}) {
  const crashes: { consumer: Consumer; listeners: ((event: unknown) => void)[] }[] = [];
  const wrapped = Object.create(kafka) as KafkaConnection;
  wrapped.consumer = (config: ConsumerConfig) => {
    const consumer = kafka.consumer(config);
    const entry = { consumer, listeners: [] as ((event: unknown) => void)[] };
    crashes.push(entry);
    const on = consumer.on.bind(consumer);
    // Without commits, a consumer that starts again re-reads from the beginning, as one whose
    // last auto-commit lags what it handed on does after a rejoin.
    const run = consumer.run.bind(consumer);
    consumer.run = (runConfig?: ConsumerRunConfig) =>
      run({ ...runConfig, autoCommit: autoCommit && runConfig?.autoCommit !== false });
    consumer.on = ((name: string, listener: (event: unknown) => void) => {
      if (name === consumer.events.CRASH) entry.listeners.push(listener);
      return on(name as never, listener as never);
    }) as Consumer['on'];
    return consumer;
  };
  const crash = async () => {
    const { consumer, listeners } = crashes.at(-1)!;
    await consumer.disconnect();
    const error = Object.assign(new Error('The coordinator is loading and hence can’t process requests'), {
      retriable: false,
    });
    for (const listener of listeners) listener({ payload: { error, groupId: 'g', restart: false } });
  };
  return { kafka: wrapped, crash };
}
