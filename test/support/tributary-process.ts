import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../bin/tributary', import.meta.url));

/** A `tributary start` running as its own OS process, as an operator runs it. */
export interface TributaryProcess {
  readonly child: ChildProcess;
  /** Where its /metrics and /health answer: the API's URL, or the operations listener's. */
  readonly url: string;
  /** SIGTERM, and the exit code once it has drained. */
  stop(): Promise<number | null>;
  /** SIGKILL: no drain, no goodbye to the instance registry. */
  kill(): Promise<void>;
}

/** A port nothing listens on right now, for a process that cannot take port 0 (the API). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts `tributary start --no-stack --no-demo <args>` and resolves once it printed its report,
 * with the address it serves /metrics on; fails with its stderr when it exits first.
 */
export async function startTributary(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<TributaryProcess> {
  const child = spawn(CLI, ['start', '--no-stack', '--no-demo', ...args], {
    env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!stdout.includes('Ctrl-C stops Tributary')) return;
      const metrics = /^metrics +(\S+)\/metrics\s*$/m.exec(stdout);
      if (metrics) resolve(metrics[1]!);
      else reject(new Error(`no metrics address in the report:\n${stdout}`));
    });
    void exited.then((code) => reject(new Error(`tributary start exited ${code}:\n${stderr.slice(-2000)}`)));
  });
  return {
    child,
    url,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
