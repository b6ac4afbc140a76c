import { NUL_FREE } from '../nul-guard.ts';

type Schema = Record<string | symbol, unknown>;

const SUBSCHEMA_LISTS = ['anyOf', 'oneOf', 'allOf', 'prefixItems'] as const;

/**
 * A schema as registerNulGuard enforces it: every free text in it, however deep, says it holds no
 * U+0000 (a pattern), and so does every name of a free-form map (propertyNames). Texts that
 * already have a pattern, a format, an enum or a const are left as they are: none admits U+0000.
 * Without this, a generator such as schemathesis sends U+0000 as valid data and reads the 400 as
 * a wrong rejection.
 */
export function nulFreeSchema(schema: unknown): unknown {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const source = schema as Schema;
  const result: Schema = { ...source };
  const types = Array.isArray(source.type) ? source.type : [source.type];
  if (types.includes('string') && !['pattern', 'format', 'enum', 'const'].some((keyword) => keyword in source))
    result.pattern = NUL_FREE;
  if (source.properties && typeof source.properties === 'object')
    result.properties = Object.fromEntries(
      Object.entries(source.properties).map(([name, property]) => [name, nulFreeSchema(property)]),
    );
  const { additionalProperties } = source;
  if (additionalProperties !== undefined && additionalProperties !== false) {
    if (typeof additionalProperties === 'object') result.additionalProperties = nulFreeSchema(additionalProperties);
    result.propertyNames ??= { pattern: NUL_FREE };
  }
  if (source.patternProperties) result.propertyNames ??= { pattern: NUL_FREE };
  if (source.items) result.items = nulFreeSchema(source.items);
  for (const keyword of SUBSCHEMA_LISTS)
    if (Array.isArray(source[keyword])) result[keyword] = (source[keyword] as unknown[]).map(nulFreeSchema);
  return result;
}

/** A request body as documented: a schema, or an OpenAPI request body with a schema per media type. */
export function nulFreeBody(body: unknown): unknown {
  const content = (body as { content?: Record<string, { schema?: unknown }> } | undefined)?.content;
  if (!content || typeof content !== 'object') return nulFreeSchema(body);
  return {
    ...(body as object),
    content: Object.fromEntries(
      Object.entries(content).map(([type, media]) => [type, { ...media, schema: nulFreeSchema(media.schema) }]),
    ),
  };
}
