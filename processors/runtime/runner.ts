import type { Consumer, Producer } from 'kafkajs';
import { createIdempotentProducer } from '../../infra/kafka/client.ts';
import { migrate } from '../../infra/postgres/migrations.ts';
import { createBatchHandling } from './batch.ts';
import type { RunOptions, RuntimeDependencies } from './dependencies.ts';
import { groupIdOf, type Processor } from './processor.ts';
import { restartOnCrash } from './restart-on-crash.ts';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.ts';
import { checkpoints, RUNTIME_MIGRATIONS } from './store.ts';

// Declared in their own module so the batch steps need not import the runner; callers keep importing them from here.
export type { RunOptions, RuntimeDependencies } from './dependencies.ts';

export interface RunningProcessor {
  /** Resolves once the consumer has joined its group and received partitions. */
  readonly joined: Promise<void>;
  /** Finishes the batch in hand, commits, and disconnects (what SIGTERM triggers). */
  stop(): Promise<void>;
}

/**
 * Runs a processor: decodes records into typed events, hands them to the handler in batches,
 * commits offsets only after the handler's effects are durable, retries failures with backoff
 * (blocking only that partition), and dead-letters what still fails, parking its key so later
 * events of the same aggregate are not applied out of order.
 */
export async function startProcessor(
  processor: Processor,
  deps: RuntimeDependencies,
  options: RunOptions = {},
): Promise<RunningProcessor> {
  const { kafka, pool } = deps;
  const name = processor.name;
  const logger = deps.logger.child({ processor: name });
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...processor.retry };
  await migrate(pool, 'runtime', RUNTIME_MIGRATIONS);

  const sessionTimeout = options.sessionTimeoutMs ?? deps.sessionTimeoutMs ?? 30_000;
  const consumer: Consumer = kafka.consumer({
    groupId: groupIdOf(processor),
    allowAutoTopicCreation: false,
    sessionTimeout,
    rebalanceTimeout: Math.max(sessionTimeout, 10_000),
    heartbeatInterval: Math.max(500, Math.floor(sessionTimeout / 10)),
  });
  const deadLetterProducer: Producer = createIdempotentProducer(kafka);
  await Promise.all([consumer.connect(), deadLetterProducer.connect()]);

  const handling = createBatchHandling({
    processor,
    deps,
    logger,
    policy,
    options,
    deadLetterProducer,
    seek: (topic: string, partition: number, offset: string) => consumer.seek({ topic, partition, offset }),
  });

  let markJoined: () => void = () => undefined;
  const joined = new Promise<void>((resolve) => (markJoined = resolve));
  consumer.on(consumer.events.GROUP_JOIN, async ({ payload }) => {
    handling.joined();
    markJoined();
    await deps.metrics.keepLagOf(name, payload.memberAssignment, groupIdOf(processor));
    if (processor.mode !== 'checkpointed') return;
    // Start each partition where the checkpoint says, not where Kafka's commit says: the commit
    // may lag the checkpoint after a crash between the two. (Records below it would be skipped anyway.)
    try {
      const stored = await checkpoints(pool, name);
      for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
        for (const partition of partitions) {
          const checkpoint = stored.find((c) => c.topic === topic && c.partition === partition);
          if (checkpoint) consumer.seek({ topic, partition, offset: checkpoint.nextOffset.toString() });
        }
      }
    } catch (error) {
      logger.warn(
        { err: error },
        'could not seek to the checkpoints; records at or below them will be skipped instead',
      );
    }
  });

  for (const topic of processor.topics) await consumer.subscribe({ topic, fromBeginning: true });

  const runConfig = {
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: processor.concurrency ?? 3,
    eachBatch: handling.handleBatch,
  };
  await consumer.run(runConfig);
  deps.metrics.running.set({ processor: name }, 1);

  let stopping: Promise<void> | undefined;
  const endRestarts = restartOnCrash(consumer, runConfig, {
    onGiveUp(error, crashes, delayMs) {
      // Readiness shows it not running until it has joined again.
      deps.metrics.running.set({ processor: name }, 0);
      logger.error({ err: error, crashes, delayMs }, 'kafkajs gave up on the consumer; starting it again');
    },
    onRejoined(crashes) {
      logger.info({ crashes }, 'consumer joined its group again after kafkajs gave up on it');
      deps.metrics.running.set({ processor: name }, 1);
    },
  });

  return {
    joined,
    stop() {
      stopping ??= (async () => {
        endRestarts();
        // Applies handed off finish, and commit to Kafka, while the consumer is still connected;
        // the batch in hand then applies in the handler, which the disconnect waits for.
        await handling.finish();
        await consumer.disconnect();
        await handling.finish();
        await deadLetterProducer.disconnect();
        deps.metrics.running.set({ processor: name }, 0);
        deps.metrics.assignments.delete(name);
        logger.info('stopped');
      })();
      return stopping;
    },
  };
}
