import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STACK_SOURCES } from './layout.ts';
import { run } from './processes.ts';

const POM = join(STACK_SOURCES, 'pom.xml');

/** A property of infra/stack/pom.xml, where every Java service's version is declared. */
export function pomProperty(name: string): string {
  const match = readFileSync(POM, 'utf8').match(new RegExp(`<${name}>([^<]+)</${name}>`));
  if (!match?.[1]) throw new Error(`infra/stack/pom.xml has no <${name}> property`);
  return match[1];
}

/**
 * The Kafka broker's classpath, resolved by Maven into ~/.m2 and remembered per pom
 * content, so a second start neither downloads nor runs Maven.
 */
export async function mavenClasspath(toolsDir: string): Promise<string> {
  const pom = readFileSync(POM);
  const digest = createHash('sha256').update(pom).digest('hex').slice(0, 12);
  const file = join(toolsDir, `kafka-${digest}.classpath`);
  if (existsSync(file)) {
    const classpath = readFileSync(file, 'utf8').trim();
    if (classpath.split(':').every((jar) => existsSync(jar))) return classpath;
  }
  await run('mvn', ['-B', '-q', '-f', POM, 'dependency:build-classpath', `-Dmdep.outputFile=${file}`]);
  return readFileSync(file, 'utf8').trim();
}

/** Unpacks a Maven Central assembly (resolved into ~/.m2 first) into `dir`, once. */
export async function mavenUnpack(coordinates: string, dir: string): Promise<void> {
  const marker = join(dir, '.unpacked');
  if (existsSync(marker)) return;
  await run('mvn', [
    '-B',
    '-q',
    '-f',
    POM,
    'dependency:unpack',
    '-Dmdep.overWriteReleases=true',
    `-Dartifact=${coordinates}`,
    `-DoutputDirectory=${dir}`,
  ]);
  writeFileSync(marker, `${coordinates}\n`);
}

/** A Python virtualenv with `requirement` installed, created once. Returns its bin folder. */
export async function pythonVenv(dir: string, requirement: string, probe: string): Promise<string> {
  const bin = join(dir, 'bin');
  const marker = join(dir, '.installed');
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === requirement && existsSync(join(bin, probe)))
    return bin;
  if (!existsSync(join(bin, 'pip'))) await run('python3', ['-m', 'venv', dir]);
  await run(join(bin, 'pip'), ['install', '--quiet', '--disable-pip-version-check', requirement]);
  writeFileSync(marker, `${requirement}\n`);
  return bin;
}

export interface Java {
  readonly bin: string;
  readonly major: number;
}

/**
 * Every Java runtime on the machine (`java` on PATH and the JDKs under /usr/lib/jvm),
 * newest first. Apicurio 3.3 needs 21+, Kafka 17+; machines often carry several.
 */
export async function findJavas(): Promise<Java[]> {
  const candidates = new Set<string>(['java']);
  const jvmRoot = '/usr/lib/jvm';
  if (existsSync(jvmRoot)) {
    for (const entry of readdirSync(jvmRoot)) {
      const bin = join(jvmRoot, entry, 'bin', 'java');
      if (existsSync(bin)) candidates.add(bin);
    }
  }
  const found: Java[] = [];
  for (const bin of candidates) {
    try {
      const output = await run(bin, ['-version']);
      const version = output.match(/version "(\d+)(?:\.(\d+))?/);
      if (!version?.[1]) continue;
      const first = Number(version[1]);
      found.push({ bin, major: first === 1 ? Number(version[2]) : first });
    } catch {
      // not runnable: skip it
    }
  }
  return found.sort((a, b) => b.major - a.major);
}
