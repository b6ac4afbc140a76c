import { DEFAULT_OPS_PORT } from '../config/variables.ts';
import { OperatorError } from '../errors.ts';
import { serviceNameOf } from './selection.ts';

/** One supervised process: a unit in systemd, a line in a Procfile. */
export interface ServiceEntry {
  /** Without the `tributary-` prefix: `api`, `processors`, `projection-import_jobs`. */
  readonly name: string;
  readonly description: string;
  /** After `tributary`. */
  readonly args: readonly string[];
  /** Set for this process alone: a per-processor process's own OPS_PORT, so several share a machine. */
  readonly environment?: Readonly<Record<string, string>>;
}

/** Supervised processes never start the local stack: in production the services already exist. */
const START = ['start', '--no-stack'];

export const API_SERVICE: ServiceEntry = {
  name: 'api',
  description: 'Tributary API (HTTP, realtime websocket)',
  args: [...START, '--role', 'api'],
};

export const PROCESSORS_SERVICE: ServiceEntry = {
  name: 'processors',
  description: 'Tributary processors (every projection, processor and worker)',
  args: [...START, '--role', 'processors'],
};

export function processorService(processorName: string, opsPort?: number): ServiceEntry {
  const name = serviceNameOf(processorName);
  // What a systemd unit name and a Procfile process type both accept.
  if (!/^[A-Za-z0-9_.-]+$/.test(name))
    throw new OperatorError(`processor '${processorName}' cannot name a service: use letters, digits, _ . -`);
  return {
    name,
    description: `Tributary ${processorName}`,
    args: [...START, '--role', 'processors', '--processors', name],
    ...(opsPort === undefined ? {} : { environment: { OPS_PORT: String(opsPort) } }),
  };
}

/**
 * The processes to run: the API and the processors, or, split per processor, the API and one
 * process per processor (each then scales, restarts and is watched on its own). Split, each
 * processor process gets its own operations port, counting up from the one after OPS_PORT's
 * default, so Prometheus scrapes each of them on one machine.
 */
export function servicesToRun(perProcessor: readonly string[] | undefined): ServiceEntry[] {
  return perProcessor
    ? [API_SERVICE, ...perProcessor.map((name, index) => processorService(name, DEFAULT_OPS_PORT + 1 + index))]
    : [API_SERVICE, PROCESSORS_SERVICE];
}

export interface SystemdOptions {
  /** The processes the target starts (see `servicesToRun`). */
  readonly services: readonly ServiceEntry[];
  /** The checkout Tributary runs from (its `bin/tributary`), absolute. */
  readonly workingDirectory: string;
  readonly user: string;
  /** The variables of README's Configuration table, one `NAME=value` a line; absolute. */
  readonly environmentFile: string;
  /** How long SIGTERM may take to drain and commit before systemd kills. */
  readonly stopTimeoutSeconds: number;
}

export interface UnitFile {
  readonly file: string;
  readonly text: string;
}

export const TARGET = 'tributary.target';

/**
 * One `tributary-<name>.service` per process and a `tributary.target` that starts them together,
 * as foreman's systemd export does: restarted on failure, the environment from one file, run as an
 * unprivileged user, logging to the journal under its own identifier. The processors unit is
 * always written, so a machine can run everything in one process even when the target splits.
 */
export function systemdUnits(options: SystemdOptions): UnitFile[] {
  for (const path of [options.workingDirectory, options.environmentFile])
    if (!path.startsWith('/')) throw new OperatorError(`systemd needs absolute paths; '${path}' is not`);
  const written = options.services.some((service) => service.name === PROCESSORS_SERVICE.name)
    ? options.services
    : [...options.services, PROCESSORS_SERVICE];
  return [
    { file: TARGET, text: targetUnit(options.services) },
    ...written.map((service) => ({ file: `tributary-${service.name}.service`, text: serviceUnit(service, options) })),
  ];
}

function targetUnit(services: readonly ServiceEntry[]): string {
  return lines([
    '[Unit]',
    'Description=Tributary, every process of this machine',
    `Wants=${services.map((service) => `tributary-${service.name}.service`).join(' ')}`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
  ]);
}

function serviceUnit(service: ServiceEntry, options: SystemdOptions): string {
  const executable = `${options.workingDirectory.replace(/\/+$/, '')}/bin/tributary`;
  return lines([
    '[Unit]',
    `Description=${service.description}`,
    'After=network-online.target',
    'Wants=network-online.target',
    `PartOf=${TARGET}`,
    '',
    '[Service]',
    'Type=simple',
    `User=${options.user}`,
    `WorkingDirectory=${options.workingDirectory}`,
    `EnvironmentFile=${options.environmentFile}`,
    // The environment file wins over Environment= (systemd.exec): keep OPS_PORT out of it when split.
    ...Object.entries(service.environment ?? {}).map(([name, value]) => `Environment=${name}=${value}`),
    `ExecStart=${[executable, ...service.args].join(' ')}`,
    'Restart=on-failure',
    'RestartSec=5s',
    // SIGTERM to Tributary alone (it drains and commits), SIGKILL to everything left after the timeout.
    'KillMode=mixed',
    'KillSignal=SIGTERM',
    `TimeoutStopSec=${options.stopTimeoutSeconds}s`,
    'StandardOutput=journal',
    'StandardError=journal',
    `SyslogIdentifier=tributary-${service.name}`,
    'NoNewPrivileges=yes',
    'PrivateTmp=yes',
    '',
    '[Install]',
    `WantedBy=${TARGET}`,
  ]);
}

/** The same processes for foreman, honcho, Heroku or any Procfile runner, run from the checkout. */
export function procfile(services: readonly ServiceEntry[]): string {
  const command = (service: ServiceEntry) => [
    ...Object.entries(service.environment ?? {}).map(([name, value]) => `${name}=${value}`),
    'bin/tributary',
    ...service.args,
  ];
  return lines(services.map((service) => `${service.name}: ${command(service).join(' ')}`));
}

function lines(all: readonly string[]): string {
  return `${all.join('\n')}\n`;
}
