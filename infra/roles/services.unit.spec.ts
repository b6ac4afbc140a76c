import { describe, expect, it } from 'vitest';
import { procfile, servicesToRun, systemdUnits } from './services.ts';

const OPTIONS = {
  workingDirectory: '/opt/tributary',
  user: 'tributary',
  environmentFile: '/etc/tributary/tributary.env',
  stopTimeoutSeconds: 60,
};

describe('systemdUnits', () => {
  it('when exported by role, then a target wants the api and processors units, each restarted on failure and logging to the journal', () => {
    const units = systemdUnits({ ...OPTIONS, services: servicesToRun(undefined) });

    expect(units.map((unit) => unit.file)).toEqual([
      'tributary.target',
      'tributary-api.service',
      'tributary-processors.service',
    ]);
    expect(units[0]!.text).toBe(
      `[Unit]
Description=Tributary, every process of this machine
Wants=tributary-api.service tributary-processors.service

[Install]
WantedBy=multi-user.target
`,
    );
    expect(units[1]!.text).toBe(
      `[Unit]
Description=Tributary API (HTTP, realtime websocket)
After=network-online.target
Wants=network-online.target
PartOf=tributary.target

[Service]
Type=simple
User=tributary
WorkingDirectory=/opt/tributary
EnvironmentFile=/etc/tributary/tributary.env
ExecStart=/opt/tributary/bin/tributary start --no-stack --role api
Restart=on-failure
RestartSec=5s
KillMode=mixed
KillSignal=SIGTERM
TimeoutStopSec=60s
StandardOutput=journal
StandardError=journal
SyslogIdentifier=tributary-api
NoNewPrivileges=yes
PrivateTmp=yes

[Install]
WantedBy=tributary.target
`,
    );
    expect(units[2]!.text).toContain('ExecStart=/opt/tributary/bin/tributary start --no-stack --role processors\n');
  });

  it('when exported per processor, then the target wants one unit per processor, and the processors unit is still written for a one-process machine', () => {
    const units = systemdUnits({
      ...OPTIONS,
      services: servicesToRun(['projection import_jobs', 'realtime relay', 'data-delivery']),
    });

    expect(units.map((unit) => unit.file)).toEqual([
      'tributary.target',
      'tributary-api.service',
      'tributary-projection-import_jobs.service',
      'tributary-realtime-relay.service',
      'tributary-data-delivery.service',
      'tributary-processors.service',
    ]);
    expect(units[0]!.text).toContain(
      'Wants=tributary-api.service tributary-projection-import_jobs.service tributary-realtime-relay.service tributary-data-delivery.service\n',
    );
    const importJobs = units[2]!.text;
    expect(importJobs).toContain('Description=Tributary projection import_jobs\n');
    expect(importJobs).toContain(
      'ExecStart=/opt/tributary/bin/tributary start --no-stack --role processors --processors projection-import_jobs\n',
    );
    expect(importJobs).toContain('SyslogIdentifier=tributary-projection-import_jobs\n');
    // Each its own operations port, so Prometheus scrapes every one on this machine.
    expect(importJobs).toContain('Environment=OPS_PORT=18091\n');
    expect(units[3]!.text).toContain('Environment=OPS_PORT=18092\n');
    expect(units[5]!.text).not.toContain('OPS_PORT');
  });

  it('when a path is relative, then it refuses: systemd resolves nothing against a working directory', () => {
    expect(() =>
      systemdUnits({ ...OPTIONS, environmentFile: 'tributary.env', services: servicesToRun(undefined) }),
    ).toThrow("systemd needs absolute paths; 'tributary.env' is not");
  });

  it('when a processor name holds a character a unit name cannot, then it says which processor', () => {
    expect(() => servicesToRun(['log/lake'])).toThrow("processor 'log/lake' cannot name a service");
  });
});

describe('procfile', () => {
  it('when exported by role, then it has an api and a processors line run from the checkout', () => {
    expect(procfile(servicesToRun(undefined))).toBe(
      `api: bin/tributary start --no-stack --role api
processors: bin/tributary start --no-stack --role processors
`,
    );
  });

  it('when exported per processor, then each processor is its own process type, named without spaces', () => {
    expect(procfile(servicesToRun(['projection import_jobs', 'transactions-cleanser']))).toBe(
      `api: bin/tributary start --no-stack --role api
projection-import_jobs: OPS_PORT=18091 bin/tributary start --no-stack --role processors --processors projection-import_jobs
transactions-cleanser: OPS_PORT=18092 bin/tributary start --no-stack --role processors --processors transactions-cleanser
`,
    );
  });
});
