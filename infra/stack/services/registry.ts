import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { childEnvironment } from '../../config/child-env.ts';
import { findJavas, mavenUnpack, pomProperty } from '../installers.ts';
import { spawnDetached } from '../processes.ts';
import type { ServiceContext, StackService } from '../service.ts';

/**
 * Apicurio Registry 3 from Maven Central (the `all` assembly, a Quarkus application), storing
 * schemas in the stack's Postgres and serving the Confluent-compatible API at /apis/ccompat/v7.
 * Apicurio 3.3 needs Java 21+; where the machine has only Java 17 the stack runs 3.0.x, the
 * newest line built for 17, which serves the same compatible API.
 */
export function registryService({ settings, layout }: ServiceContext): StackService {
  const { registry: port, registryManagement: managementPort, postgres: postgresPort } = settings.ports;
  let java = '';
  let jar = '';
  let home = '';

  return {
    name: 'registry',
    port,
    portVariable: 'STACK_REGISTRY_PORT',
    otherPorts: [{ port: managementPort, variable: 'STACK_REGISTRY_MANAGEMENT_PORT' }],
    dependsOn: ['postgres'],
    startTimeoutMs: 120_000,
    stopSignal: 'SIGTERM',
    async prepare() {
      const javas = await findJavas();
      const modern = javas.find((candidate) => candidate.major >= 21);
      const fallback = javas.find((candidate) => candidate.major >= 17);
      const runtime = modern ?? fallback;
      if (!runtime)
        throw new Error('Apicurio Registry needs Java 17 or newer and none was found; run bash infra/bootstrap.sh');
      const version = pomProperty(modern ? 'apicurio.version' : 'apicurio.java17.version');
      java = runtime.bin;
      home = join(layout.tools, `apicurio-registry-${version}`);
      await mavenUnpack(`io.apicurio:apicurio-registry-app:${version}:tar.gz:all`, home);
      try {
        jar = quarkusJar(home);
      } catch (error) {
        rmSync(home, { recursive: true, force: true }); // unpack again next time rather than trust a broken folder
        throw error;
      }
    },
    async launch() {
      return spawnDetached(java, ['-Xms64m', '-Xmx384m', '-jar', jar], {
        cwd: home,
        logFile: layout.log('registry'),
        env: childEnvironment({
          QUARKUS_HTTP_HOST: '127.0.0.1',
          QUARKUS_HTTP_PORT: String(port),
          QUARKUS_MANAGEMENT_HOST: '127.0.0.1',
          QUARKUS_MANAGEMENT_PORT: String(managementPort),
          APICURIO_STORAGE_KIND: 'sql',
          APICURIO_STORAGE_SQL_KIND: 'postgresql',
          APICURIO_DATASOURCE_URL: `jdbc:postgresql://127.0.0.1:${postgresPort}/registry`,
          APICURIO_DATASOURCE_USERNAME: 'tributary',
          APICURIO_DATASOURCE_PASSWORD: settings.postgresPassword,
        }),
      });
    },
    async probe() {
      const response = await fetch(`http://127.0.0.1:${port}/apis/ccompat/v7/subjects`, {
        signal: AbortSignal.timeout(2000),
      });
      if (!response.ok) throw new Error(`GET /apis/ccompat/v7/subjects answered ${response.status}`);
    },
  };
}

/** The fast-jar launcher (3.1+) or the legacy runner jar (3.0.x). */
function quarkusJar(home: string): string {
  if (existsSync(join(home, 'quarkus-run.jar'))) return join(home, 'quarkus-run.jar');
  const runner = readdirSync(home).find((name) => name.endsWith('-runner.jar'));
  if (!runner) throw new Error(`no quarkus-run.jar or *-runner.jar in ${home}`);
  return join(home, runner);
}
