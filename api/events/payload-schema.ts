import avro from 'avsc';
import { UUID_PATTERN_SOURCE } from '../../schemas/avro.ts';

type JsonSchema = Record<string, unknown>;

/**
 * An event payload's Avro type as the JSON Schema (OpenAPI 3.0 dialect) a client generated from
 * the document needs to build a valid event: records as objects with their fields (required unless
 * they have a default) and
 * nothing else, instants as date-time strings, `["null", T]` as a nullable T. For the document
 * only: the Avro schema itself still validates each event, with its own messages.
 */
export function payloadSchema(type: avro.Type): JsonSchema {
  if (type instanceof avro.types.LogicalType) {
    // Ingest reads an instant from an ISO-8601 string or from epoch milliseconds (schemas/json.ts).
    if (type.typeName === 'logical:timestamp-millis')
      return {
        anyOf: [
          { type: 'string', format: 'date-time' },
          { type: 'integer', minimum: -8.64e15, maximum: 8.64e15, description: 'epoch milliseconds' },
        ],
      };
    const underlying = payloadSchema(type.underlyingType);
    // OpenAPI 3.0 has no `uuid` format of its own, so tools may take any string for it: the
    // pattern says it in a keyword every validator and generator knows.
    return type.typeName === 'logical:uuid'
      ? { ...underlying, format: 'uuid', pattern: UUID_PATTERN_SOURCE }
      : underlying;
  }
  if (type instanceof avro.types.RecordType) {
    return {
      type: 'object',
      ...(type.doc ? { description: type.doc } : {}),
      // A field with a default may be left out: Avro fills it in.
      required: type.fields.filter((field) => field.defaultValue() === undefined).map((field) => field.name),
      additionalProperties: false,
      properties: Object.fromEntries(
        type.fields.map((field) => [
          field.name,
          { ...payloadSchema(field.type), ...(docOf(field) ? { description: docOf(field) } : {}) },
        ]),
      ),
    };
  }
  if (type instanceof avro.types.ArrayType) return { type: 'array', items: payloadSchema(type.itemsType) };
  if (type instanceof avro.types.MapType)
    return { type: 'object', additionalProperties: payloadSchema(type.valuesType) };
  if (type instanceof avro.types.EnumType) return { type: 'string', enum: [...type.symbols] };
  if (type instanceof avro.types.UnwrappedUnionType || type instanceof avro.types.WrappedUnionType) {
    const branches = type.types.filter((branch) => branch.typeName !== 'null');
    const nullable = branches.length < type.types.length;
    const schema = branches.length === 1 ? payloadSchema(branches[0]!) : { anyOf: branches.map(payloadSchema) };
    if (!nullable) return schema;
    // OpenAPI 3.0: `nullable` does not widen an `enum`; null must be one of its values.
    return 'enum' in schema && Array.isArray(schema.enum)
      ? { ...schema, enum: [...schema.enum, null], nullable: true }
      : { ...schema, nullable: true };
  }
  switch (type.typeName) {
    case 'string':
      return { type: 'string' };
    case 'boolean':
      return { type: 'boolean' };
    case 'int':
      return { type: 'integer', minimum: -(2 ** 31), maximum: 2 ** 31 - 1 };
    case 'long':
      // avsc's longs stop two short of 2^53 (its isSafeLong), so 2^53 - 1 is refused as "must be long".
      return { type: 'integer', minimum: -AVSC_LONG_MAX, maximum: AVSC_LONG_MAX };
    case 'float':
    case 'double':
      return { type: 'number' };
    case 'null':
      return { nullable: true };
    default:
      return {};
  }
}

function docOf(field: avro.types.Field): string | undefined {
  return (field as unknown as { doc?: string }).doc;
}

/** The largest long avsc writes from a JavaScript number. */
const AVSC_LONG_MAX = 2 ** 53 - 2;
