import { OperatorError } from '../errors.ts';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StackSettings } from '../config/index.ts';
import { StackLayout } from './layout.ts';
import { isOurProcess, portAnswers, stopProcess, tailOf } from './processes.ts';
import type { ServiceName, StackService } from './service.ts';
import { awsService } from './services/aws.ts';
import { kafkaNodes } from './services/kafka.ts';
import { postgresService } from './services/postgres.ts';
import { registryService } from './services/registry.ts';

/** A service that would not start or stop; carries the tail of its log. */
export class StackError extends OperatorError {
  constructor(
    readonly service: ServiceName,
    reason: string,
    readonly logTail: string,
    readonly logFile: string,
  ) {
    super(logTail ? `${service}: ${reason}\n--- last lines of ${logFile} ---\n${logTail}` : `${service}: ${reason}`);
    this.name = 'StackError';
  }
}

export interface ServiceStatus {
  readonly service: ServiceName;
  readonly port: number;
  readonly pid?: number;
  readonly state: 'running' | 'stopped' | 'unhealthy';
  readonly detail?: string;
}

export type Report = (line: string) => void;

/** Starts, checks and stops the local stack's services, by the pids it records. */
export class Stack {
  readonly layout: StackLayout;
  readonly services: readonly StackService[];

  constructor(settings: StackSettings) {
    this.layout = new StackLayout(settings.dir);
    const context = { settings, layout: this.layout };
    // Listed in start order; `down` goes in reverse.
    this.services = [postgresService(context), ...kafkaNodes(context), awsService(context), registryService(context)];
  }

  service(name: string): StackService {
    const found = this.services.find((service) => service.name === name);
    if (!found)
      throw new OperatorError(
        `no service named '${name}'; the stack has ${this.services.map((s) => s.name).join(', ')}`,
      );
    return found;
  }

  /**
   * Brings every service up, each once its dependencies answer; a running, healthy service is
   * left alone. Resolves with the services this call started.
   */
  async up(report: Report = () => undefined): Promise<ServiceName[]> {
    this.layout.ensure();
    const started: ServiceName[] = [];
    const pending = new Map<ServiceName, Promise<void>>();
    const bringUp = async (service: StackService) => {
      await Promise.all(service.dependsOn.map((name) => pending.get(name)));
      if (await this.ensureRunning(service, report)) started.push(service.name);
    };
    for (const service of this.services) pending.set(service.name, bringUp(service));
    const results = await Promise.allSettled(pending.values());
    const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure) throw failure.reason;
    return started;
  }

  private async ensureRunning(service: StackService, report: Report): Promise<boolean> {
    const pid = this.runningPid(service);
    if (pid !== undefined) {
      await this.waitUntilHealthy(service, pid);
      report(`${service.name.padEnd(9)} running on 127.0.0.1:${service.port} (pid ${pid})`);
      return false;
    }
    for (const { port, variable } of [{ port: service.port, variable: service.portVariable }, ...service.otherPorts]) {
      if (await portAnswers(port)) {
        throw new StackError(
          service.name,
          `port ${port} is taken by a process this stack did not start; stop it or set ${variable}`,
          '',
          this.layout.log(service.name),
        );
      }
    }
    const began = Date.now();
    report(`${service.name.padEnd(9)} preparing`);
    try {
      await service.prepare();
    } catch (error) {
      throw new StackError(
        service.name,
        `could not be prepared: ${(error as Error).message}`,
        tailOf(this.layout.log(service.name)),
        this.layout.log(service.name),
      );
    }
    writeFileSync(
      this.layout.log(service.name),
      `\n=== started by tributary stack up at ${new Date().toISOString()} ===\n`,
      { flag: 'a' },
    );
    const launched = await service.launch();
    writeFileSync(this.layout.pidFile(service.name), `${launched}\n`);
    try {
      await this.waitUntilHealthy(service, launched);
      await service.afterStart?.();
    } catch (error) {
      await stopProcess(launched, service.stopSignal, 10_000);
      rmSync(this.layout.pidFile(service.name), { force: true });
      throw error;
    }
    report(
      `${service.name.padEnd(9)} up on 127.0.0.1:${service.port} (pid ${launched}, ${((Date.now() - began) / 1000).toFixed(1)} s)`,
    );
    return true;
  }

  private async waitUntilHealthy(service: StackService, pid: number): Promise<void> {
    const deadline = Date.now() + service.startTimeoutMs;
    let lastError = 'no answer yet';
    while (Date.now() < deadline) {
      if (!isOurProcess(pid, this.layout.root)) {
        throw new StackError(
          service.name,
          `exited while starting (pid ${pid})`,
          tailOf(this.layout.log(service.name)),
          this.layout.log(service.name),
        );
      }
      try {
        await service.probe();
        return;
      } catch (error) {
        lastError = (error as Error).message;
      }
      await sleep(250);
    }
    throw new StackError(
      service.name,
      `did not answer within ${service.startTimeoutMs / 1000} s (last: ${lastError})`,
      tailOf(this.layout.log(service.name)),
      this.layout.log(service.name),
    );
  }

  /** Stops the named services (all by default) in reverse start order, each by its pid. */
  async down(report: Report = () => undefined, only?: readonly ServiceName[]): Promise<void> {
    for (const service of [...this.services].reverse()) {
      if (only && !only.includes(service.name)) continue;
      const pid = this.runningPid(service);
      rmSync(this.layout.pidFile(service.name), { force: true });
      if (pid === undefined) {
        report(`${service.name.padEnd(9)} not running`);
        continue;
      }
      const outcome = await stopProcess(pid, service.stopSignal);
      report(`${service.name.padEnd(9)} ${outcome} (pid ${pid})`);
    }
  }

  async status(): Promise<ServiceStatus[]> {
    return Promise.all(
      this.services.map(async (service): Promise<ServiceStatus> => {
        const pid = this.runningPid(service);
        if (pid === undefined) return { service: service.name, port: service.port, state: 'stopped' };
        try {
          await service.probe();
          return { service: service.name, port: service.port, pid, state: 'running' };
        } catch (error) {
          return {
            service: service.name,
            port: service.port,
            pid,
            state: 'unhealthy',
            detail: (error as Error).message,
          };
        }
      }),
    );
  }

  /**
   * Stops everything and wipes the services' data and logs, and the local lake (its default place,
   * `lake/`: its files are named by Kafka offsets, which start again once Kafka's data is gone, so
   * a new entry's file took an old file's range and queries hid it); installed tools stay unless `tools`.
   */
  async reset(report: Report = () => undefined, { tools = false } = {}): Promise<void> {
    await this.down(report);
    for (const folder of ['data', 'logs', 'run', 'lake', ...(tools ? ['tools'] : [])]) {
      rmSync(join(this.layout.root, folder), { recursive: true, force: true });
    }
    report(`wiped ${tools ? 'everything' : 'data, logs and the lake'} under ${this.layout.root}`);
  }

  private runningPid(service: StackService): number | undefined {
    const file = this.layout.pidFile(service.name);
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && isOurProcess(pid, this.layout.root) ? pid : undefined;
  }
}
