import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHECKOUT = fileURLToPath(new URL('../..', import.meta.url));

/** A processor instance of the scale-out test, running in a process of its own. */
export interface Instance {
  readonly label: string;
  readonly pid: number;
  /** When the process was spawned (ms since the epoch). */
  readonly launchedAt: number;
  /** Resolves when the instance has joined its consumer group, with when (ms since the epoch). */
  readonly joined: Promise<number>;
  /** Resolves with how the process ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  kill(signal: NodeJS.Signals): void;
}

export interface InstanceOptions {
  readonly suffix: string;
  readonly projection: string;
  readonly sessionTimeoutMs: number;
}

/**
 * Starts test/support/scale-out-process.ts. `node --import tsx` rather than the tsx CLI, as
 * bin/tributary does: one process, so SIGKILL and SIGTERM reach the instance itself.
 */
export function launchInstance(label: string, options: InstanceOptions): Instance {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/support/scale-out-process.ts', options.suffix, options.projection, label],
    // stdin stays open for the instance's life: its end tells an orphaned instance to stop.
    {
      cwd: CHECKOUT,
      env: { ...process.env, KAFKA_SESSION_TIMEOUT_MS: String(options.sessionTimeoutMs) },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  const joined = new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('joined')) resolve(Date.now());
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`instance ${label} exited (${signal ?? code}) before joining: ${stderr}`)),
    );
  });
  joined.catch(() => undefined); // awaited by the test when it matters; an instance killed before joining is not a failure by itself
  // A test that fails before it stops its instances must not leave them consuming.
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  void exited.then(() => process.off('exit', orphanGuard));
  return {
    label,
    pid: child.pid!,
    launchedAt: Date.now(),
    joined,
    exited,
    kill: (signal) => child.kill(signal),
  };
}

/**
 * A steady publisher: `perTick` events every `tickMs` until stopped, keeping every id the broker
 * acknowledged. A failed publish ends the load and `stop` rethrows it, so a broken load does not
 * pass for a slow one.
 */
export function steadyLoad<E>(
  publish: (events: E[]) => Promise<unknown>,
  make: () => E,
  idOf: (event: E) => string,
  { perTick, tickMs }: { perTick: number; tickMs: number },
) {
  const published: string[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const started = Date.now();
      const events = Array.from({ length: perTick }, make);
      await publish(events);
      published.push(...events.map(idOf));
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, tickMs - (Date.now() - started))));
    }
  })();
  const failure = loop.then(
    () => undefined,
    (error: unknown) => error,
  );
  return {
    published,
    async stop(): Promise<void> {
      stopped = true;
      const error = await failure;
      if (error) throw error;
    },
  };
}
