import { OperatorError } from '../infra/errors.ts';
import avro from 'avsc';
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
 * Registers every event schema under `<topic>-<record full name>` with BACKWARD compatibility,
 * idempotently: an unchanged schema keeps its id and version. Compatibility is checked first,
 * so an incompatible change is refused with the field that breaks it.
 */
export async function registerSchemas(
  registry: RegistryClient,
  definitions: readonly EventDefinition[],
): Promise<RegistrationResult[]> {
  const problems = await checkSchemas(registry, definitions);
  const failing = problems.filter((p) => p.problems.length > 0);
  if (failing.length > 0) throw new IncompatibleSchemaError(failing);

  const results: RegistrationResult[] = [];
  for (const { schema, subject } of definitions) {
    const existing = await registry.lookup(subject, schema.canonical);
    if (existing !== undefined) {
      results.push({ event: schema.name, subject, id: existing, change: 'unchanged' });
      continue;
    }
    await registry.setCompatibility(subject, 'BACKWARD');
    const id = await registry.register(subject, schema.canonical);
    results.push({ event: schema.name, subject, id, change: 'registered' });
  }
  return results;
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
  const results: CheckResult[] = [];
  for (const { schema, subject } of definitions) {
    const latest = await registry.latest(subject);
    if (!latest) {
      results.push({ event: schema.name, subject, problems: [] });
      continue;
    }
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
    results.push({ event: schema.name, subject, against: latest.version, problems });
  }
  return results;
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
