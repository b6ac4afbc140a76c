import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { childEnvironment } from '../../config/child-env.ts';
import { run, spawnDetached } from '../processes.ts';
import type { ServiceContext, StackService } from '../service.ts';

/** Databases the stack serves: the read models, and Apicurio's storage. */
export const STACK_DATABASES = ['tributary', 'registry'] as const;
const SUPERUSER = 'tributary';

/** PostgreSQL from Debian's packages: initdb once into the stack folder, run as `postgres` when we are root. */
export function postgresService({ settings, layout }: ServiceContext): StackService {
  const data = layout.data('postgres');
  const port = settings.ports.postgres;
  const user = process.getuid?.() === 0 ? systemUser('postgres') : undefined;

  const connect = async (database: string) => {
    const client = new pg.Client({
      host: '127.0.0.1',
      port,
      user: SUPERUSER,
      password: settings.postgresPassword,
      database,
      connectionTimeoutMillis: 2000,
    });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  };

  return {
    name: 'postgres',
    port,
    portVariable: 'STACK_POSTGRES_PORT',
    otherPorts: [],
    dependsOn: [],
    startTimeoutMs: 30_000,
    stopSignal: 'SIGINT', // "fast" shutdown: roll back open transactions, exit cleanly
    async prepare() {
      if (existsSync(join(data, 'PG_VERSION'))) return;
      rmSync(data, { recursive: true, force: true });
      mkdirSync(data, { recursive: true, mode: 0o700 });
      if (user) chownSync(data, user.uid, user.gid);
      const passwordFile = join(layout.root, 'run', 'postgres-password');
      writeFileSync(passwordFile, `${settings.postgresPassword}\n`, { mode: 0o644 });
      try {
        await run(
          join(postgresBin(), 'initdb'),
          [
            '-D',
            data,
            '-U',
            SUPERUSER,
            `--pwfile=${passwordFile}`,
            '--auth-host=scram-sha-256',
            '--auth-local=trust',
            '-E',
            'UTF8',
            '--no-locale',
          ],
          user ? { user } : {},
        );
      } finally {
        rmSync(passwordFile, { force: true });
      }
    },
    async launch() {
      return spawnDetached(
        join(postgresBin(), 'postgres'),
        ['-D', data, '-c', 'listen_addresses=127.0.0.1', '-p', String(port), '-k', data],
        { logFile: layout.log('postgres'), ...(user ? { user } : {}), env: childEnvironment({ LC_ALL: 'C' }) },
      );
    },
    async probe() {
      const client = await connect('postgres');
      try {
        await client.query('select 1');
      } finally {
        await client.end();
      }
    },
    async afterStart() {
      const client = await connect('postgres');
      try {
        for (const database of STACK_DATABASES) {
          const found = await client.query('select 1 from pg_database where datname = $1', [database]);
          if (found.rowCount === 0) await client.query(`create database ${database}`);
        }
      } finally {
        await client.end();
      }
    },
  };
}

/** The bin folder of the newest PostgreSQL installed from Debian's packages. */
function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions[0])
    throw new Error(
      'PostgreSQL is not installed (no /usr/lib/postgresql/<version>/bin/initdb); run bash infra/bootstrap.sh',
    );
  return join(root, versions[0], 'bin');
}

function systemUser(name: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${name}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (!uid || !gid)
    throw new Error(
      `running as root, but there is no '${name}' user to run PostgreSQL as; install the postgresql package`,
    );
  return { uid: Number(uid), gid: Number(gid) };
}
