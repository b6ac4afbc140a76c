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
  // Failures not shown: a union's own, and those of its branches refused by type (by failure).
  const dropped = new Set<AjvFailure>();
  for (const failure of failures) {
    if ((failure.keyword !== 'anyOf' && failure.keyword !== 'oneOf') || literalUnions.has(failure.schemaPath)) continue;
    // Each branch's failures for this value (a union inside an array fails once per element).
    const branches = new Map<string, AjvFailure[]>();
    for (const f of failures) {
      const branch = branchOf(failure.schemaPath, f.schemaPath);
      if (!branch || !within(failure.instancePath, f.instancePath)) continue;
      branches.set(branch, [...(branches.get(branch) ?? []), f]);
    }
    const refusedByType = (branch: string, inner: AjvFailure[]) =>
      inner.some(
        (f) => f.keyword === 'type' && f.instancePath === failure.instancePath && f.schemaPath === `${branch}/type`,
      );
    // Took the value's type: failed only inside the value, or on keywords of its type alone.
    const tookType = (branch: string, inner: AjvFailure[]) =>
      !refusedByType(branch, inner) &&
      inner.every((f) => f.instancePath !== failure.instancePath || SHAPE_KEYWORDS.has(f.keyword));
    const entries = [...branches];
    const refused = entries.filter(([branch, inner]) => refusedByType(branch, inner));
    if (!entries.some(([branch, inner]) => tookType(branch, inner))) continue;
    if (refused.length !== entries.length - 1) continue;
    dropped.add(failure);
    for (const [, inner] of refused) for (const f of inner) dropped.add(f);
  }
  const hidden = (failure: AjvFailure) => dropped.has(failure);
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

/**
 * Keywords Ajv checks only on a value of their type (a string's, a number's, an object's, an
 * array's): a branch failing one took the value's type. `const`, `enum` and the combinators apply
 * to any value, so failing them says nothing of it.
 */
const SHAPE_KEYWORDS = new Set([
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'required',
  'additionalProperties',
  'minProperties',
  'maxProperties',
  'dependentRequired',
  'minItems',
  'maxItems',
  'uniqueItems',
]);

/** Whether the instance at `inner` is the one at `outer` or inside it. */
const within = (outer: string, inner: string) => inner === outer || inner.startsWith(`${outer}/`);

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
