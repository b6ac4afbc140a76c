import type { FieldProblem } from '../infra/errors.ts';

/** What Fastify hands over for each failed keyword of its Ajv validation (the fields used here). */
export interface AjvFailure {
  readonly keyword: string;
  readonly instancePath: string;
  readonly schemaPath: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message?: string | undefined;
}

/**
 * A request's schema failures as the caller reads them: one problem per field, named the way the
 * routes' own checks name fields (`body.entries[0].logType`).
 *
 * A union of literals (TypeBox's `Type.Union([Type.Literal('a'), ...])`, Ajv's `anyOf` of `const`)
 * fails once per literal plus once for the `anyOf`: seven "must be equal to constant" lines for one
 * bad log type. Those become one problem naming the allowed values.
 *
 * A union of shapes (`oneOf` an event or an array of events) fails in every branch: "must be array"
 * and "must match exactly one schema in oneOf" beside the real field's problem. A branch refused by
 * its type alone, when another branch took the value's type, is not what the caller meant: its lines
 * and the union's own are dropped, leaving the taken branch's. Any other union keeps Ajv's own lines.
 */
export function validationProblems(context: string, failures: readonly AjvFailure[]): FieldProblem[] {
  const literalUnions = new Map<string, unknown[]>();
  for (const failure of failures) {
    if (failure.keyword !== 'anyOf') continue;
    // Every failure inside the union, at any depth: a union of objects whose nested field failed
    // is no union of literals, even if its null branch failed at the union's own value too.
    const branches = failures.filter((f) => f !== failure && f.schemaPath.startsWith(`${failure.schemaPath}/`));
    if (branches.length > 0 && branches.every((f) => f.instancePath === failure.instancePath && isLiteral(f)))
      literalUnions.set(failure.schemaPath, branches.map(literalOf));
  }
  const droppedUnions = new Set<string>(); // unions whose own failure is not shown
  const droppedBranches = new Set<string>(); // branches whose failures, at any depth, are not shown
  for (const failure of failures) {
    if ((failure.keyword !== 'anyOf' && failure.keyword !== 'oneOf') || literalUnions.has(failure.schemaPath)) continue;
    const branches = new Map<string, boolean>(); // branch's schema path: refused by its type alone
    for (const f of failures) {
      const branch = branchOf(failure.schemaPath, f.schemaPath);
      if (!branch) continue;
      const byType =
        f.keyword === 'type' && f.instancePath === failure.instancePath && f.schemaPath === `${branch}/type`;
      branches.set(branch, (branches.get(branch) ?? true) && byType);
    }
    const refused = [...branches].filter(([, byType]) => byType).map(([branch]) => branch);
    if (refused.length === 0 || refused.length === branches.size) continue;
    droppedUnions.add(failure.schemaPath);
    for (const branch of refused) droppedBranches.add(branch);
  }
  const hidden = (failure: AjvFailure) =>
    droppedUnions.has(failure.schemaPath) ||
    [...droppedBranches].some((path) => failure.schemaPath.startsWith(`${path}/`));
  const problems: FieldProblem[] = [];
  for (const failure of failures) {
    if (hidden(failure)) continue;
    const field = `${context}${fieldPath(failure.instancePath)}`;
    const union = literalUnions.get(failure.schemaPath);
    if (failure.keyword === 'anyOf' && union) {
      problems.push({ field, problem: `must be one of: ${union.map(shown).join(', ')}` });
      continue;
    }
    if ([...literalUnions.keys()].some((path) => failure.schemaPath.startsWith(`${path}/`))) continue;
    const { missingProperty, additionalProperty, allowedValues } = failure.params;
    if (typeof missingProperty === 'string')
      problems.push({ field: `${field}${step(missingProperty)}`, problem: 'is required' });
    else if (typeof additionalProperty === 'string')
      problems.push({ field: `${field}${step(additionalProperty)}`, problem: 'is not allowed here' });
    else if (failure.keyword === 'enum' && Array.isArray(allowedValues))
      problems.push({ field, problem: `must be one of: ${allowedValues.map(shown).join(', ')}` });
    else problems.push({ field, problem: failure.message ?? 'is invalid' });
  }
  return problems;
}

/** `#/oneOf/1` for a failure at `#/oneOf/1/...` of the union at `#/oneOf`; undefined outside it. */
function branchOf(unionPath: string, failurePath: string): string | undefined {
  if (!failurePath.startsWith(`${unionPath}/`)) return undefined;
  const index = failurePath.slice(unionPath.length + 1).split('/')[0];
  return `${unionPath}/${index}`;
}

/** A branch that is one literal: `const`, or `type: 'null'` (a nullable literal union's null). */
const isLiteral = (failure: AjvFailure) =>
  failure.keyword === 'const' || (failure.keyword === 'type' && failure.params.type === 'null');

const literalOf = (failure: AjvFailure): unknown => (failure.keyword === 'const' ? failure.params.allowedValue : null);

const shown = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** `/entries/0/logType` (a JSON pointer) as `.entries[0].logType`. */
export function fieldPath(pointer: string): string {
  if (pointer === '') return '';
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => step(segment.replaceAll('~1', '/').replaceAll('~0', '~')))
    .join('');
}

const step = (segment: string): string => (/^(0|[1-9]\d*)$/.test(segment) ? `[${segment}]` : `.${segment}`);
