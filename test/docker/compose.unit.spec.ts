import { accessSync, constants, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig, variables, type Config } from '../../infra/config/index.ts';
import { ROLES } from '../../infra/roles/selection.ts';
import { dryRun } from '../support/cli-dry-run.ts';

// Docker never runs here (no engine on these machines): these tests hold docker-compose.yml and
// the Dockerfile to what the CLI and the configuration accept, which is what breaks when the code
// moves on and the deployment files do not.
const CHECKOUT = fileURLToPath(new URL('../..', import.meta.url));
const TRIBUTARY_IMAGE = 'tributary:local';

interface Service {
  image?: string;
  command?: unknown;
  environment?: Record<string, string | number | boolean>;
  healthcheck?: { test?: unknown };
  ports?: string[];
  profiles?: string[];
}

const compose = parse(readFileSync(`${CHECKOUT}docker-compose.yml`, 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const tributaryServices = Object.entries(compose.services).filter(([, service]) => service.image === TRIBUTARY_IMAGE);

/** Compose's `${NAME:-default}` and `${NAME}`, as they resolve with nothing set on the host. */
function interpolated(value: string | number | boolean): string {
  return String(value).replace(
    /\$\{(\w+)(?::?-([^}]*))?\}/g,
    (_all, _name, fallback: string | undefined) => fallback ?? '',
  );
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function dockerfile(): { instruction: string; argument: string }[] {
  const text = readFileSync(`${CHECKOUT}Dockerfile`, 'utf8').replace(/\\\n/g, ' ');
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'))
    .map((line) => {
      const [instruction, ...rest] = line.split(/\s+/);
      return { instruction: instruction!.toUpperCase(), argument: rest.join(' ') };
    });
}

function instruction(name: string): string {
  const found = dockerfile().filter((i) => i.instruction === name);
  expect(found, `the Dockerfile's ${name}`).toHaveLength(1);
  return found[0]!.argument;
}

/** The configuration a container of `service` loads: the image's ENV, then the service's environment. */
async function containerConfig(service: Service): Promise<Config> {
  const imageEnv = Object.fromEntries(
    dockerfile()
      .filter((i) => i.instruction === 'ENV')
      .map((i) => i.argument.split('=') as [string, string]),
  );
  const serviceEnv = Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([name, value]) => [name, interpolated(value)]),
  );
  // No .env: the image does not carry one (.dockerignore).
  const { config } = await loadConfig({ env: { ...imageEnv, ...serviceEnv }, dotenvPath: '/nonexistent/.env' });
  return config;
}

function commandOf(name: string, service: Service): string[] {
  expect(Array.isArray(service.command), `${name}: command in exec form (a list)`).toBe(true);
  return (service.command as unknown[]).map(String);
}

/** The dry run of what `name` runs, its failure naming the service. */
async function accepted(name: string, args: readonly string[], service: Service) {
  try {
    return await dryRun(args, await containerConfig(service));
  } catch (error) {
    throw new Error(
      `${name} runs \`tributary ${args.join(' ')}\`, which the CLI refuses: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

describe('docker-compose.yml', () => {
  it('when its Tributary services are listed, then there is one per role, all built from the Dockerfile', async () => {
    expect(tributaryServices.length).toBeGreaterThan(0);
    const roles = new Set<string>();
    for (const [name, service] of tributaryServices) {
      const run = await accepted(name, commandOf(name, service), service);
      if (run.selection) roles.add(run.selection.role);
    }
    expect([...roles].sort()).toEqual([...ROLES].sort());
  });

  it('when every Tributary service’s command goes through the CLI’s own parser, then each is accepted and runs what its service name says', async () => {
    const runs = new Map<string, Awaited<ReturnType<typeof dryRun>>>();
    for (const [name, service] of tributaryServices)
      runs.set(name, await accepted(name, commandOf(name, service), service));

    expect(runs.get('api')?.selection).toMatchObject({ role: 'api', api: true, processors: [] });
    const processors = runs.get('processors')?.selection;
    expect(processors).toMatchObject({ role: 'processors', api: false });
    expect(processors?.processors.length).toBeGreaterThan(1);
    expect(runs.get('cleanser')?.selection).toMatchObject({
      role: 'processors',
      processors: ['transactions-cleanser'],
    });
    expect(runs.get('all-in-one')?.selection).toMatchObject({ role: 'all', api: true });
    expect(runs.get('provision-topics')?.command).toBe('topics apply');
    expect(runs.get('provision-schemas')?.command).toBe('schemas register');
    // Supervised processes never start the local stack: the services are the compose ones.
    for (const [name, run] of runs) if (run.selection) expect(run.options.stack, name).toBe(false);
  });

  it('when a service runs a role, then its healthcheck asks for readiness on the port that role serves it on', async () => {
    for (const [name, service] of tributaryServices) {
      const run = await accepted(name, commandOf(name, service), service);
      if (!run.selection) continue;
      const test = service.healthcheck?.test;
      expect(Array.isArray(test), `${name}: a healthcheck in exec form`).toBe(true);
      const [kind, ...args] = (test as unknown[]).map(String);
      expect(kind, name).toBe('CMD');
      // Without the API, /health is on the operations listener (OPS_PORT); with it, on the API's port.
      const config = await containerConfig(service);
      const port = run.selection.api ? config.api.port : config.ops.port;
      expect(port, `${name}: a fixed port the healthcheck can know`).toBeGreaterThan(0);
      expect(args.join(' '), name).toContain(`http://127.0.0.1:${port}/health/ready`);
      if (!run.selection.api) expect(config.ops.host, `${name}: /metrics reachable from Prometheus`).toBe('0.0.0.0');
    }
  });

  it('when a service’s environment is loaded as its container would load it, then every variable is one the configuration knows, and it validates', async () => {
    for (const [name, service] of tributaryServices) {
      const unknown = Object.keys(service.environment ?? {}).filter((variable) => !(variable in variables));
      expect(unknown, name).toEqual([]);
      const config = await containerConfig(service);
      expect(config.kafka.brokers, name).toEqual(['kafka:29092']);
      expect(config.lake.target, `${name}: one lake for every container`).toBe('s3');
    }
  });

  it('when the API is scaled, then its replicas take host ports from a range rather than fighting over one', () => {
    const ports = compose.services.api?.ports ?? [];
    expect(ports).toHaveLength(1);
    expect(ports[0]).toMatch(/^127\.0\.0\.1:\d+-\d+:\d+$/);
  });
});

describe('Dockerfile', () => {
  it('when its entrypoint is followed into this checkout, then it is bin/tributary, and it is executable', () => {
    const workdir = instruction('WORKDIR');
    const entrypoint = JSON.parse(instruction('ENTRYPOINT')) as string[];
    expect(entrypoint).toEqual([`${workdir}/bin/tributary`]);
    const inCheckout = `${CHECKOUT}${entrypoint[0]!.slice(workdir.length + 1)}`;
    expect(() => accessSync(inCheckout, constants.X_OK)).not.toThrow();
  });

  it('when the image runs without a command, then its default is a start the CLI accepts, of every role at once', async () => {
    const command = JSON.parse(instruction('CMD')) as string[];
    const run = await accepted('the image by default', command, {});
    expect(run.selection).toMatchObject({ role: 'all', api: true });
    expect(run.options.stack).toBe(false);
  });
});

describe('dryRun, the check the files above go through', () => {
  it('when a command is wrong, then it refuses it as the CLI would: an unknown role, processor, option or command', async () => {
    const config = await containerConfig({});
    await expect(dryRun(['start', '--role', 'web'], config)).rejects.toThrow(/is not a role/);
    await expect(dryRun(['start', '--role', 'processors', '--processors', 'cleanser'], config)).rejects.toThrow(
      /no processor named 'cleanser'/,
    );
    await expect(dryRun(['start', '--roles', 'api'], config)).rejects.toThrow(/unknown option/);
    await expect(dryRun(['begin'], config)).rejects.toThrow(/unknown command/);
    await expect(dryRun(['topics', 'apply', 'extra'], config)).rejects.toThrow(/too many arguments/);
  });
});
