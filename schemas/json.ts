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
    if (typeof value === 'number' && Number.isFinite(value)) return new Date(value);
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
