import avro from 'avsc';
import { TributaryError, type FieldProblem } from '../../infra/errors.ts';
import { visitRecords } from '../../schemas/json.ts';

/** The name an organization field has in any schema, at any depth. */
const ORGANIZATION_FIELD = 'organizationId';

/** An event that names another organization than the caller's: writing it would put data in that organization. */
export class ForeignOrganizationError extends TributaryError {
  override readonly name = 'ForeignOrganizationError';
  constructor(organizationId: string, errors: readonly FieldProblem[]) {
    super({
      status: 403,
      code: 'foreign_organization',
      title: 'The event names another organization',
      detail: `every organization field must be the token's organization, ${organizationId}`,
      errors,
      retriable: false,
    });
  }
}

/**
 * Every organization field of a payload (a record field named organizationId, at any depth:
 * records in arrays, maps and unions too) whose value is not `organizationId`, by its path from
 * the payload. The schema says where such fields are, so no event type is listed here.
 */
export function foreignOrganizationFields(type: avro.Type, payload: unknown, organizationId: string): FieldProblem[] {
  if (!hasOrganizationField(type)) return [];
  const problems: FieldProblem[] = [];
  visitRecords(type, payload, (record, value, path) => {
    if (!record.fields.some((field) => field.name === ORGANIZATION_FIELD)) return;
    const named = value[ORGANIZATION_FIELD];
    if (named !== organizationId)
      problems.push({
        field: ['payload', ...path, ORGANIZATION_FIELD].join('.'),
        problem: `must be ${JSON.stringify(organizationId)}, the token's organization (got ${JSON.stringify(named) ?? 'nothing'})`,
      });
  });
  return problems;
}

const declaresOrganization = new WeakMap<avro.Type, boolean>();

/** Whether any record reachable from the type has an organization field; most payloads have none. */
function hasOrganizationField(type: avro.Type): boolean {
  let known = declaresOrganization.get(type);
  if (known === undefined) {
    known = reachableRecords(type).some((record) => record.fields.some((f) => f.name === ORGANIZATION_FIELD));
    declaresOrganization.set(type, known);
  }
  return known;
}

function reachableRecords(type: avro.Type, seen = new Set<avro.Type>()): avro.types.RecordType[] {
  if (seen.has(type)) return [];
  seen.add(type);
  const inner =
    type instanceof avro.types.RecordType
      ? type.fields.map((field) => field.type)
      : type instanceof avro.types.ArrayType
        ? [type.itemsType]
        : type instanceof avro.types.MapType
          ? [type.valuesType]
          : type instanceof avro.types.UnwrappedUnionType || type instanceof avro.types.WrappedUnionType
            ? type.types
            : type instanceof avro.types.LogicalType
              ? [type.underlyingType]
              : [];
  const own = type instanceof avro.types.RecordType ? [type] : [];
  return [...own, ...inner.flatMap((t) => reachableRecords(t, seen))];
}
