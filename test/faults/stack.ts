import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, type Config } from '../../infra/config/index.ts';
import { isAlive } from '../../infra/stack/processes.ts';
import type { ServiceName } from '../../infra/stack/service.ts';
import { Stack } from '../../infra/stack/supervisor.ts';

/**
 * The fault suite's own stack: its own folder and ports, never the shared one on 19092/15432
 * (other people's tests run there, and this suite kills things). Every variable a child process
 * needs to find it is in `env`.
 */
export interface FaultStack {
  readonly label: string;
  readonly env: Readonly<Record<string, string>>;
  readonly config: Config;
  readonly stack: Stack;
  readonly kafkaNodes: readonly ServiceName[];
}

/**
 * The single-broker stack's ports; the three-broker one adds 1000, so both may run at once. Both
 * stay below 32768, where Linux's ephemeral ports begin: at +10000 (39112) kafka-3 once found its
 * port taken by some client connection's local end and could not start.
 */
function ports(offset: number): Record<string, string> {
  const base = {
    STACK_KAFKA_PORT: 29092,
    STACK_KAFKA_CONTROLLER_PORT: 29093,
    STACK_REGISTRY_PORT: 28081,
    STACK_REGISTRY_MANAGEMENT_PORT: 29001,
    STACK_POSTGRES_PORT: 25432,
    STACK_AWS_PORT: 25000,
    API_PORT: 28080,
  };
  return Object.fromEntries(Object.entries(base).map(([name, port]) => [name, String(port + offset)]));
}

export async function faultStack(brokers: 1 | 3): Promise<FaultStack> {
  const dir = resolve(brokers === 1 ? '.stack-faults' : '.stack-faults-3');
  const env: Record<string, string> = {
    ...ports(brokers === 1 ? 0 : 1000),
    STACK_DIR: dir,
    STACK_KAFKA_BROKERS: String(brokers),
    // moto replays what it acknowledged after a kill, as S3 would keep it.
    STACK_AWS_DURABLE: 'true',
    ENVIRONMENT: 'local',
    // The lake writes to S3, so the S3 endpoint's deaths hit a pipeline; files close fast so
    // the lake keeps up with the load within a cycle.
    LAKE_TARGET: 's3',
    LAKE_FILE_MAX_AGE_SECONDS: '2',
    LOG_LEVEL: 'info',
    // A killed processor's partitions wait for its session to expire before anyone takes them:
    // 30 s by default, most of each cycle; 6 s as the scale-out test runs it.
    KAFKA_SESSION_TIMEOUT_MS: '6000',
  };
  const { config } = await loadConfig({ env: { ...process.env, ...env } });
  // Installed tools are shared with the everyday stack (read-only use); data and pids are ours.
  const everyday = resolve('.stack/tools');
  mkdirSync(dir, { recursive: true });
  if (existsSync(everyday) && !existsSync(join(dir, 'tools'))) symlinkSync(everyday, join(dir, 'tools'));
  const kafkaNodes: ServiceName[] = brokers === 1 ? ['kafka'] : ['kafka', 'kafka-2', 'kafka-3'];
  return {
    label: `${brokers} broker${brokers === 1 ? '' : 's'}`,
    env,
    config,
    stack: new Stack(config.stack),
    kafkaNodes,
  };
}

export function pidOf(stack: Stack, service: ServiceName): number | undefined {
  const file = stack.layout.pidFile(service);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

/** kill -9 of one service of our stack, by its recorded pid; resolves once it is gone. */
export async function killService(stack: Stack, service: ServiceName): Promise<void> {
  const pid = pidOf(stack, service);
  if (pid === undefined) throw new Error(`${service} is not running`);
  process.kill(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(20);
}

/**
 * Starts what is down again. Postgres may refuse for a moment after its postmaster was killed,
 * while its orphaned backends notice and exit; so this tries for a while.
 */
export async function restartServices(stack: Stack, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await stack.up();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(500);
    }
  }
}
