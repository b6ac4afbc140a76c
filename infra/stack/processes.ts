import { spawn, type SpawnOptions } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface DetachedOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly logFile: string;
  /** Run as another user (postgres refuses to run as root). */
  readonly user?: { readonly uid: number; readonly gid: number };
}

/** Starts a long-running service that outlives this process, its output appended to a log. */
export function spawnDetached(command: string, args: readonly string[], options: DetachedOptions): number {
  const out = openSync(options.logFile, 'a');
  try {
    const spawnOptions: SpawnOptions = {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', out, out],
      ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
    };
    const child = spawn(command, args, spawnOptions);
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    return child.pid;
  } finally {
    closeSync(out);
  }
}

/** Whether a pid is alive and its command line mentions `marker` (guards against pid reuse). */
export function isOurProcess(pid: number, marker: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    return cmdline.includes(marker);
  } catch {
    return true;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends `signal`, waits for the process to exit, and kills it if it will not. */
export async function stopProcess(
  pid: number,
  signal: NodeJS.Signals,
  graceMs = 30_000,
): Promise<'stopped' | 'killed'> {
  try {
    process.kill(pid, signal);
  } catch {
    return 'stopped';
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'stopped';
    await sleep(100);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // exited between the check and the kill
  }
  return 'killed';
}

/** Whether something accepts connections on 127.0.0.1:port. */
export function portAnswers(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The last `lines` lines of a log file, or a note that there is none. */
export function tailOf(file: string, lines = 30): string {
  if (!existsSync(file)) return `(no log at ${file})`;
  const text = readFileSync(file, 'utf8');
  return text
    .split('\n')
    .slice(-lines - 1)
    .join('\n')
    .trimEnd();
}

/** Runs a command to completion, rejecting with its output when it fails. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; user?: { uid: number; gid: number } } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error) =>
      reject(new Error(`${command} could not be run: ${error.message}`, { cause: error })),
    );
    child.once('close', (code) => {
      if (code === 0) resolve(output);
      else
        reject(
          new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output.split('\n').slice(-25).join('\n')}`),
        );
    });
  });
}
