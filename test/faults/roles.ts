import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { childEnvironment } from '../../infra/config/child-env.ts';

const READY_LINE = 'Ctrl-C stops Tributary';

/**
 * One Tributary process of the fault run, started as production runs it (a role, optionally one
 * processor), so a kill -9 takes exactly that part down. Its output goes to a log in the stack's
 * logs folder; it is ready when `start` prints its report. A process that dies without being
 * killed is a finding (`crashes`, with the exit), and is started again, as systemd would.
 */
export class RoleProcess {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private expectingExit = false;
  private stopped = false;
  private readonly log: WriteStream;
  readonly crashes: string[] = [];
  /** Starts that ended in an exit before the process was ready (a dependency too slow to answer). */
  readonly failedStarts: string[] = [];
  private starting = false;
  starts = 0;

  constructor(
    readonly name: string,
    private readonly args: readonly string[],
    private readonly env: Readonly<Record<string, string>>,
    logDir: string,
  ) {
    this.log = createWriteStream(join(logDir, `tributary-${name}.log`), { flags: 'a' });
  }

  static processor(name: string, env: Readonly<Record<string, string>>, logDir: string): RoleProcess {
    return new RoleProcess(name, ['--role', 'processors', '--processors', name], env, logDir);
  }

  static api(env: Readonly<Record<string, string>>, logDir: string): RoleProcess {
    return new RoleProcess('api', ['--role', 'api', '--no-demo'], env, logDir);
  }

  /**
   * Starts the process and resolves once it reports itself started. A start that exits first is
   * tried again (twice), as systemd's Restart= would, and counted in `failedStarts`.
   */
  async start(): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        this.starting = true;
        await this.startOnce();
        return;
      } catch (error) {
        this.failedStarts.push((error as Error).message);
        if (attempt === 3) throw error;
      } finally {
        this.starting = false;
      }
    }
  }

  private async startOnce(timeoutMs = 180_000): Promise<void> {
    // Interrupted (killNow) while a cycle was between its kill and its restart: starting now
    // would leave a process running after the suite has gone.
    if (this.stopped) throw new Error(`${this.name} was stopped; not starting it again`);
    this.expectingExit = false;
    const child = spawn('bin/tributary', ['start', '--no-stack', ...this.args], {
      env: childEnvironment(this.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.starts += 1;
    // One log for every start of the part: without a mark, one process's ready report followed
    // by the next one's failure reads as a process failing after it said it was ready.
    this.log.write(`\n=== fault suite: start ${this.starts} of ${this.name}, pid ${child.pid} ===\n`);
    child.stderr!.pipe(this.log, { end: false });
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        if (!this.expectingExit && !this.stopped && !this.starting && this.child === child)
          this.crashed(`${signal ?? `exit ${code}`}`);
        resolve();
      }),
    );
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      // A start given up on is killed: left running, it would become ready later beside the next
      // attempt (an API found its port taken) and outlive the run.
      const timer = setTimeout(() => {
        this.expectingExit = true;
        child.kill('SIGKILL');
        reject(new Error(`${this.name} did not start within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      child.stdout!.on('data', (chunk: Buffer) => {
        this.log.write(chunk);
        if (seen.length < 100_000) seen += chunk.toString();
        if (seen.includes(READY_LINE)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited while starting (${signal ?? code}); see its log`));
      });
    });
  }

  /** kill -9, and waits for the exit. */
  async kill(): Promise<void> {
    if (!this.running()) return;
    this.expectingExit = true;
    this.child!.kill('SIGKILL');
    await this.exited;
  }

  /** A clean stop (SIGTERM drains and commits), killed after 20 s. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.running()) {
      this.expectingExit = true;
      this.child!.kill('SIGTERM');
      const timer = setTimeout(() => this.child?.kill('SIGKILL'), 20_000);
      await this.exited;
      clearTimeout(timer);
    }
    this.log.end();
  }

  /** For a signal handler: SIGKILL at once, nothing awaited. */
  killNow(): void {
    this.stopped = true;
    if (this.running()) this.child!.kill('SIGKILL');
  }

  private running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  private crashed(how: string): void {
    this.crashes.push(`${new Date().toISOString()} ${how}`);
    this.log.write(`\n=== fault suite: ${this.name} died by itself (${how}); starting it again ===\n`);
    setTimeout(() => {
      if (!this.stopped) this.start().catch(() => undefined);
    }, 1000);
  }
}
