import { createRequire } from 'node:module';

interface ProtocolErrorCode {
  readonly type: string;
  readonly message: string;
  readonly retriable: boolean;
}

// kafkajs's own table of Kafka's error codes (not re-exported by its entry point): which of
// them its clients retry.
const { errorCodes } = createRequire(import.meta.url)('kafkajs/src/protocol/error') as {
  errorCodes: readonly ProtocolErrorCode[];
};
// A group's rebalance is not retriable in that table, but a consumer answers it by rejoining the
// group: what every member does whenever another joins or leaves. kafkajs's own isRebalancing
// counts a commit or heartbeat of the generation before it (ILLEGAL_GENERATION) as the same.
const HANDLED = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION']);
const RETRIED = new Set(
  errorCodes.filter((code) => code.retriable || HANDLED.has(code.type)).map((code) => code.message),
);

const PROTOCOL_CRASH = 'Crash: KafkaJSProtocolError: ';

export type LogMethod = 'error' | 'warn' | 'info' | 'debug';

/**
 * The level a kafkajs log line is written at. kafkajs logs every failed response at ERROR, even
 * one it then retries: a fresh broker's "The coordinator is loading", a leader election. Those are
 * warnings: what retrying cannot fix reaches the caller as an error and is logged there.
 */
export function kafkajsLogMethod(
  level: 'error' | 'warn' | 'info' | 'debug',
  message: string,
  error: unknown,
): LogMethod {
  if (level !== 'error') return level;
  if (message.startsWith('Response ') && typeof error === 'string' && RETRIED.has(error)) return 'warn';
  // A consumer that meets a retried error outside its retry loop (joining a group while a fresh
  // broker's coordinator loads) crashes, and kafkajs starts it again at once: warnings too. A crash
  // on anything else stays an error, and a restart is only made after a crash it logged.
  if (message.startsWith(PROTOCOL_CRASH) && RETRIED.has(message.slice(PROTOCOL_CRASH.length))) return 'warn';
  if (/^Restarting the consumer in \d+ms$/.test(message)) return 'warn';
  return level;
}
