import { randomUUID } from 'node:crypto';

/** A JSON Schema as the OpenAPI document carries it (the parts a sample needs). */
export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly $ref?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly minItems?: number;
  readonly minProperties?: number;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly allOf?: readonly JsonSchema[];
  readonly format?: string;
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly default?: unknown;
  readonly examples?: readonly unknown[];
  readonly example?: unknown;
  readonly nullable?: boolean;
}

/** Strings tried in turn against a pattern and length bounds: what a real client would send. */
const CANDIDATES = ['probe', 'probe-1', 'Probe text', 'a', 'ab', 'abc', 'EUR', 'alias', 'add', '2026-11-22', '1'];

/**
 * A small valid instance of a schema: required properties only (at least `minProperties`), the
 * first enum value or alternative, strings that match the pattern and bounds, numbers at their
 * minimum. Good enough to get a request past validation, so what the route does next is probed.
 * `pick` overrides the value of a named property wherever it appears (an organization id, say).
 */
export function sampleOf(
  schema: JsonSchema,
  resolve: (ref: string) => JsonSchema,
  pick: (name: string) => unknown = () => undefined,
): unknown {
  if (schema.$ref) return sampleOf(resolve(schema.$ref), resolve, pick);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  if (schema.examples?.[0] !== undefined) return schema.examples[0];
  if (schema.example !== undefined) return schema.example;
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives) return sampleOf(alternatives[0]!, resolve, pick);
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((part) => sampleOf(part, resolve, pick)));
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type ?? (schema.properties ? 'object' : 'string')) {
    case 'object': {
      const properties = schema.properties ?? {};
      const names = Object.keys(properties);
      const required = new Set(schema.required ?? []);
      // minProperties asks for some optional ones too (PATCH bodies: at least one change).
      for (const name of names) if (required.size < (schema.minProperties ?? 0)) required.add(name);
      return Object.fromEntries(
        [...required].map((name) => [name, pick(name) ?? sampleOf(properties[name] ?? {}, resolve, pick)]),
      );
    }
    case 'array':
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () =>
        sampleOf(schema.items ?? {}, resolve, pick),
      );
    case 'integer':
    case 'number':
      return schema.minimum ?? (schema.maximum !== undefined ? Math.min(1, schema.maximum) : 1);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return sampleString(schema);
  }
}

function sampleString(schema: JsonSchema): string {
  switch (schema.format) {
    case 'uuid':
      return randomUUID();
    case 'date-time':
      return new Date().toISOString();
    case 'date':
      return new Date().toISOString().slice(0, 10);
    case 'email':
      return 'probe@example.com';
    case 'uri':
      return 'https://example.com/probe';
  }
  const pattern = schema.pattern ? new RegExp(schema.pattern, 'u') : undefined;
  const fits = (value: string) =>
    value.length >= (schema.minLength ?? 0) &&
    value.length <= (schema.maxLength ?? Infinity) &&
    (!pattern || pattern.test(value));
  const found = CANDIDATES.find(fits) ?? (schema.minLength ? 'p'.repeat(schema.minLength) : 'probe');
  return found;
}

/** A value of another JSON type than the schema's: what a client with a bug sends. */
export function wrongTypeFor(schema: JsonSchema, resolve: (ref: string) => JsonSchema): unknown {
  if (schema.$ref) return wrongTypeFor(resolve(schema.$ref), resolve);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (type === 'string' || schema.enum || schema.anyOf || schema.oneOf || schema.format) return 4242;
  if (type === 'integer' || type === 'number' || type === 'boolean') return 'not-a-number';
  if (type === 'array') return { not: 'an array' };
  return 'not-an-object';
}
