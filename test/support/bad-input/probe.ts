import type { App } from './world.ts';
import { urlOf, validBodyOf, type Operation } from './openapi-operations.ts';
import type { JsonSchema } from './json-sample.ts';

export interface ProbeAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | number | undefined>;
  readonly body: string;
  /** The problem+json body, or an empty object when the answer is not JSON. */
  readonly problem: { code?: string; detail?: string; errors?: { field: string; problem: string }[] };
}

export interface ProbeRequest {
  readonly headers?: Record<string, string>;
  /** The id each path parameter is filled with. */
  readonly ids: (parameter: string) => string;
  /** The body to send; a valid one (for the operation's media type) when absent. */
  readonly body?: unknown;
  readonly contentType?: string;
}

/** Sends one request to an operation of the document and reads its answer. */
export async function probe(
  app: App,
  operation: Operation,
  resolve: (ref: string) => JsonSchema,
  request: ProbeRequest,
): Promise<ProbeAnswer> {
  const body = request.body ?? defaultBody(operation, resolve);
  const contentType = request.contentType ?? operation.bodyType;
  const headers: Record<string, string> = { ...request.headers };
  if (body !== undefined && contentType) headers['content-type'] = contentType;
  const response = await app.inject({
    method: operation.method,
    url: urlOf(operation, request.ids, resolve),
    headers,
    ...(body === undefined
      ? {}
      : { payload: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body) }),
  });
  let problem: ProbeAnswer['problem'] = {};
  try {
    problem = JSON.parse(response.body);
  } catch {
    // not JSON: the status says enough
  }
  return { status: response.statusCode, headers: response.headers, body: response.body, problem };
}

/** A body the operation accepts: a sample of its JSON schema, or for a CSV upload the smallest file of its format. */
function defaultBody(operation: Operation, resolve: (ref: string) => JsonSchema): unknown {
  if (!operation.bodyType) return undefined;
  if (operation.bodyType === 'text/csv') return csvHeaderOf(operation.bodySchema?.pattern) ?? 'id\r\n';
  return validBodyOf(operation, resolve);
}

/** The first header line a CSV body's documented pattern allows (`^\uFEFF?(a,b,c|...)`). */
function csvHeaderOf(pattern: string | undefined): string | undefined {
  const header = pattern?.match(/\(([a-z_,]+)\|/)?.[1];
  return header ? `${header}\r\n` : undefined;
}
