import { OperatorError } from '../infra/errors.ts';
import avro from 'avsc';
import pLimit from 'p-limit';
import { LOGICAL_TYPES } from './avro.ts';
import type { EventDefinition } from './definitions.ts';
import { backwardProblems } from './compatibility.ts';
import type { RegistryClient } from './registry-client.ts';

export interface RegistrationResult {
  readonly event: string;
  readonly subject: string;
  readonly id: number;
  readonly change: 'registered' | 'unchanged';
}

/**
 * Requests the registry gets at once from one registration: its round trips overlap (34 subjects
 * one after another took 2 s on an idle machine and over 60 s under the test suite's load),
 * while few enough not to crowd it.
 */
const CONCURRENT_REQUESTS = 6;

/**
 * Registers every event schema under `<topic>-<record full name>` with BACKWARD compatibility,
 * idempotently: an unchanged schema keeps its id and version. Compatibility is checked first,
 * so an incompatible change is refused with the field that breaks it, and nothing is registered.
 */
export async function registerSchemas(
  registry: RegistryClient,
  definitions: readonly EventDefinition[],
): Promise<RegistrationResult[]> {
  const checked = await checkAgainstLatest(registry, definitions);
  const failing = checked.map(({ result }) => result).filter((r) => r.problems.length > 0);
  if (failing.length > 0) throw new IncompatibleSchemaError(failing);

  const limit = pLimit(CONCURRENT_REQUESTS);
  return Promise.all(
    checked.map(({ definition: { schema, subject }, latest }) =>
      limit(async (): Promise<RegistrationResult> => {
        // The latest version is this schema, or an earlier one may be: only then is a lookup needed.
        const existing =
          latest === undefined
            ? undefined
            : latest.schema === schema.canonical
              ? latest.id
              : await registry.lookup(subject, schema.canonical);
        if (existing !== undefined) return { event: schema.name, subject, id: existing, change: 'unchanged' };
        await registry.setCompatibility(subject, 'BACKWARD');
        const id = await registry.register(subject, schema.canonical);
        return { event: schema.name, subject, id, change: 'registered' };
      }),
    ),
  );
}

export interface CheckResult {
  readonly event: string;
  readonly subject: string;
  /** The registered version compared against, when there is one. */
  readonly against?: number;
  readonly problems: readonly string[];
}

/** Compares each local schema with the latest registered version, field by field. */
export async function checkSchemas(
  registry: RegistryClient,
  definitions: readonly EventDefinition[],
): Promise<CheckResult[]> {
  return (await checkAgainstLatest(registry, definitions)).map(({ result }) => result);
}

type Latest = Awaited<ReturnType<RegistryClient['latest']>>;

async function checkAgainstLatest(
  registry: RegistryClient,
  definitions: readonly EventDefinition[],
): Promise<{ definition: EventDefinition; latest: Latest; result: CheckResult }[]> {
  const limit = pLimit(CONCURRENT_REQUESTS);
  return Promise.all(
    definitions.map((definition) =>
      limit(async () => {
        const { schema, subject } = definition;
        const latest = await registry.latest(subject);
        if (!latest) return { definition, latest, result: { event: schema.name, subject, problems: [] } };
        const writer = avro.Type.forSchema(JSON.parse(latest.schema), { logicalTypes: LOGICAL_TYPES });
        const problems = backwardProblems(schema.type, writer);
        // The registry has the last word; when it disagrees with our reading, say so rather than guess.
        if (
          problems.length === 0 &&
          latest.schema !== schema.canonical &&
          !(await registry.isCompatible(subject, schema.canonical))
        ) {
          problems.push('the registry reports it incompatible with the registered version');
        }
        return { definition, latest, result: { event: schema.name, subject, against: latest.version, problems } };
      }),
    ),
  );
}

export class IncompatibleSchemaError extends OperatorError {
  override name = 'IncompatibleSchemaError';
  constructor(readonly results: readonly CheckResult[]) {
    super(
      results
        .map(
          (r) =>
            `${r.event} is not backward compatible with version ${r.against} of ${r.subject}:\n${r.problems.map((p) => `  - ${p}`).join('\n')}`,
        )
        .join('\n'),
    );
  }
}
