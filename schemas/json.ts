import avro from 'avsc';

/**
 * Turns an event as JSON (from an HTTP body) into the shape the Avro schema describes: instants
 * (timestamp-millis) arrive as ISO-8601 strings or epoch milliseconds and become Dates. Anything
 * that does not fit is left as it is, so validation names the field.
 */
export function fromJson(type: avro.Type, value: unknown): unknown {
  if (type instanceof avro.types.LogicalType && type.typeName === 'logical:timestamp-millis') {
    if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)) {
      const date = new Date(value);
      return Number.isNaN(date.getTime()) ? value : date;
    }
    if (typeof value === 'number' && Number.isSafeInteger(value)) return new Date(value); // whole epoch milliseconds only
    return value;
  }
  if (type instanceof avro.types.RecordType && value && typeof value === 'object' && !Array.isArray(value)) {
    const converted: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const field of type.fields) {
      if (field.name in converted) converted[field.name] = fromJson(field.type, converted[field.name]);
    }
    return converted;
  }
  if (type instanceof avro.types.ArrayType && Array.isArray(value))
    return value.map((item) => fromJson(type.itemsType, item));
  if (type instanceof avro.types.MapType && value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromJson(type.valuesType, v)]));
  }
  if (type instanceof avro.types.UnwrappedUnionType && value !== null && value !== undefined) {
    const branch = type.types.find((candidate) => candidate.typeName !== 'null');
    return branch ? fromJson(branch, value) : value;
  }
  return value;
}

/** Where a record sits in a value: field names, array indices and map keys from the root. */
export type ValuePath = readonly string[];

/**
 * Calls `visit` for every record in `value` at any depth, following its Avro type through
 * records, arrays, maps and unions, with the record's type and its path. Keys a record type does
 * not have are not followed (the record's own visit sees them). For an unwrapped union it takes
 * the branch the value is valid for, else the first branch of the value's kind, so an invalid
 * value is still walked.
 */
export function visitRecords(
  type: avro.Type,
  value: unknown,
  visit: (type: avro.types.RecordType, record: Record<string, unknown>, path: ValuePath) => void,
  path: ValuePath = [],
): void {
  if (type instanceof avro.types.RecordType) {
    if (!isObject(value)) return;
    visit(type, value, path);
    for (const field of type.fields)
      if (value[field.name] !== undefined) visitRecords(field.type, value[field.name], visit, [...path, field.name]);
  } else if (type instanceof avro.types.ArrayType) {
    if (Array.isArray(value))
      value.forEach((item, index) => visitRecords(type.itemsType, item, visit, [...path, String(index)]));
  } else if (type instanceof avro.types.MapType) {
    if (isObject(value))
      for (const [key, item] of Object.entries(value)) visitRecords(type.valuesType, item, visit, [...path, key]);
  } else if (type instanceof avro.types.UnwrappedUnionType) {
    if (value === null || value === undefined) return;
    const branch = type.types.find((t) => t.isValid(value)) ?? type.types.find((t) => sameKind(t, value));
    if (branch) visitRecords(branch, value, visit, path);
  } else if (type instanceof avro.types.WrappedUnionType) {
    if (!isObject(value)) return;
    const [name, ...more] = Object.keys(value);
    const branch = more.length === 0 ? type.types.find((t) => t.branchName === name) : undefined;
    if (branch && name !== undefined) visitRecords(branch, value[name], visit, [...path, name]);
  } else if (type instanceof avro.types.LogicalType) {
    visitRecords(type.underlyingType, value, visit, path);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function sameKind(type: avro.Type, value: unknown): boolean {
  if (Array.isArray(value)) return type instanceof avro.types.ArrayType;
  if (isObject(value)) return type instanceof avro.types.RecordType || type instanceof avro.types.MapType;
  return false;
}
