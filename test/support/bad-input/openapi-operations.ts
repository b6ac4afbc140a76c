import { sampleOf, wrongTypeFor, type JsonSchema } from './json-sample.ts';

interface Parameter {
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly name: string;
  readonly required?: boolean;
  readonly schema?: JsonSchema;
}

interface OperationObject {
  readonly security?: readonly unknown[];
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: { readonly content: Readonly<Record<string, { readonly schema?: JsonSchema }>> };
  readonly responses: Readonly<Record<string, unknown>>;
}

export interface OpenApiDocument {
  readonly paths: Readonly<Record<string, Readonly<Record<string, OperationObject>>>>;
  readonly components?: { readonly schemas?: Readonly<Record<string, JsonSchema>> };
}

/** One operation of the document, as the probes see it. */
export interface Operation {
  /** `GET /v1/threads/{threadId}`. */
  readonly name: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  /** A bearer token is required (the document says `security: [{ bearer: [] }]`). */
  readonly guarded: boolean;
  readonly pathParameters: readonly string[];
  /** The statuses the document lists; 429 means the route is rate limited. */
  readonly statuses: readonly string[];
  /** application/json, text/csv, or none. */
  readonly bodyType?: string;
  readonly bodySchema?: JsonSchema;
  /** Query parameters the route cannot answer without (e.g. `kind` of an upload). */
  readonly requiredQuery: readonly Parameter[];
}

/** Every operation of the document: what the probes are generated from, so a new route is probed as it appears. */
export function operationsOf(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]): Operation => {
      const [bodyType, body] = Object.entries(operation.requestBody?.content ?? {})[0] ?? [];
      const parameters = operation.parameters ?? [];
      return {
        name: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase() as Operation['method'],
        path,
        guarded: (operation.security ?? []).length > 0,
        pathParameters: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        statuses: Object.keys(operation.responses),
        ...(bodyType ? { bodyType } : {}),
        ...(body?.schema ? { bodySchema: body.schema } : {}),
        requiredQuery: parameters.filter((p) => p.in === 'query' && p.required),
      };
    }),
  );
}

export function resolverOf(document: OpenApiDocument): (ref: string) => JsonSchema {
  return (ref) => {
    const name = ref.replace(/^#\/components\/schemas\//, '').replace(/#$/, '');
    const found = document.components?.schemas?.[name];
    if (!found) throw new Error(`the document has no schema ${ref}`);
    return found;
  };
}

/**
 * The operation's URL with each path parameter filled by `ids` (an id of the organization the
 * probe aims at), and its required query parameters by their first allowed or sample value.
 */
export function urlOf(
  operation: Operation,
  ids: (parameter: string) => string,
  resolve: (ref: string) => JsonSchema,
): string {
  const path = operation.path.replace(/\{(\w+)\}/g, (_match, name: string) => encodeURIComponent(ids(name)));
  const query = operation.requiredQuery.map(
    (p) => `${encodeURIComponent(p.name)}=${encodeURIComponent(String(sampleOf(p.schema ?? {}, resolve)))}`,
  );
  return query.length > 0 ? `${path}?${query.join('&')}` : path;
}

/** A body that passes the schema, with `pick` choosing named values (an organization id). */
export function validBodyOf(
  operation: Operation,
  resolve: (ref: string) => JsonSchema,
  pick?: (name: string) => unknown,
): unknown {
  return operation.bodySchema ? sampleOf(operation.bodySchema, resolve, pick) : undefined;
}

/**
 * What a client with a bug sends: the valid body with one field of the wrong JSON type and one
 * field the schema does not have. Returns the body and the two field names the 400 must name.
 */
export function wrongBodyOf(
  operation: Operation,
  resolve: (ref: string) => JsonSchema,
): { body: Record<string, unknown>; wrongField: string | undefined; extraField: string } {
  const valid = validBodyOf(operation, resolve);
  const extraField = 'probeExtraField';
  const schema = objectSchemaOf(operation.bodySchema ?? {}, resolve);
  const body: Record<string, unknown> = valid && typeof valid === 'object' && !Array.isArray(valid) ? { ...valid } : {};
  const [wrongField, property] = Object.entries(schema.properties ?? {}).find(([name]) => name in body) ??
    Object.entries(schema.properties ?? {})[0] ?? [undefined, undefined];
  if (wrongField && property) body[wrongField] = wrongTypeFor(property, resolve);
  body[extraField] = true;
  return { body, wrongField, extraField };
}

/** The object alternative of a body schema (an events route takes one event or an array of them). */
function objectSchemaOf(schema: JsonSchema, resolve: (ref: string) => JsonSchema): JsonSchema {
  if (schema.$ref) return objectSchemaOf(resolve(schema.$ref), resolve);
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives) return objectSchemaOf(alternatives.find((a) => a.type === 'object' || a.properties) ?? {}, resolve);
  return schema;
}
