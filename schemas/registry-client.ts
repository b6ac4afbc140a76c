import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { TimeoutMiddleware } from 'mappersmith/middleware';

export interface RegistrySettings {
  readonly url: string;
  readonly auth?: { readonly username: string; readonly password: string };
  /** How long one request may take (default 10 s). */
  readonly timeoutMs?: number;
}

export type Compatibility =
  'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FORWARD_TRANSITIVE' | 'FULL' | 'FULL_TRANSITIVE' | 'NONE';

type LibraryMiddleware = NonNullable<ConstructorParameters<typeof SchemaRegistry>[0]['middlewares']>[number];

/** How long one registry request may take by default: an answer later than this is a registry in trouble. */
const REQUEST_TIMEOUT_MS = 10_000;

/** A registry answer that is not what the Confluent API promises; carries the status. */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * The schema registry through its Confluent-compatible API (Apicurio's /apis/ccompat/v7):
 * registration and lookup through @kafkajs/confluent-schema-registry, and the calls it does
 * not offer (subject compatibility, compatibility tests, raw schemas by id) over HTTP.
 * Schemas fetched by id are cached: an id's schema never changes.
 */
export class RegistryClient {
  private readonly library: SchemaRegistry;
  private readonly schemasById = new Map<number, Promise<string>>();

  constructor(private readonly settings: RegistrySettings) {
    this.library = new SchemaRegistry({
      host: settings.url,
      ...(settings.auth ? { auth: { username: settings.auth.username, password: settings.auth.password } } : {}),
      // The library sets no timeout of its own: a request the registry never answers waited forever.
      // (mappersmith's ESM and CommonJS typings of the one middleware differ; the library takes the CommonJS ones.)
      middlewares: [TimeoutMiddleware(settings.timeoutMs ?? REQUEST_TIMEOUT_MS) as unknown as LibraryMiddleware],
    });
  }

  /**
   * Registers the schema under the subject (a no-op returning the same id when already there).
   * A request that times out is made again, up to twice: registering is idempotent, so one the
   * registry did apply answers the same id the second time.
   */
  async register(subject: string, schema: string): Promise<number> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const { id } = await this.library.register({ type: SchemaType.AVRO, schema }, { subject });
        return id;
      } catch (error) {
        if (attempt >= REGISTER_ATTEMPTS || !isTimeout(error)) throw error;
      }
    }
  }

  /** The id of this exact schema under the subject, or undefined when it is not registered there. */
  async lookup(subject: string, schema: string): Promise<number | undefined> {
    const response = await this.request('POST', `/subjects/${encodeURIComponent(subject)}`, { schema });
    if (response.status === 404) return undefined;
    return ((await this.json(response, `looking up a schema under ${subject}`)) as { id: number }).id;
  }

  async latest(subject: string): Promise<{ id: number; version: number; schema: string } | undefined> {
    const response = await this.request('GET', `/subjects/${encodeURIComponent(subject)}/versions/latest`);
    if (response.status === 404) return undefined;
    return (await this.json(response, `reading the latest version of ${subject}`)) as {
      id: number;
      version: number;
      schema: string;
    };
  }

  /**
   * Sets the subject's level. Apicurio creates the rule on the first PUT and answers 409 "already
   * exists" to a second one racing it (two instances provisioning a fresh registry at once); the
   * rule then exists, so the PUT is made again and updates it.
   */
  async setCompatibility(subject: string, level: Compatibility): Promise<void> {
    const put = () => this.request('PUT', `/config/${encodeURIComponent(subject)}`, { compatibility: level });
    let response = await put();
    for (let retries = 0; response.status === 409 && retries < 3; retries += 1) {
      await response.body?.cancel();
      response = await put();
    }
    await this.json(response, `setting ${level} compatibility on ${subject}`);
  }

  async compatibility(subject: string): Promise<Compatibility | undefined> {
    const response = await this.request('GET', `/config/${encodeURIComponent(subject)}`);
    if (response.status === 404) return undefined;
    // Confluent answers compatibilityLevel; some Apicurio versions answer compatibility.
    const body = (await this.json(response, `reading the compatibility of ${subject}`)) as {
      compatibilityLevel?: Compatibility;
      compatibility?: Compatibility;
    };
    return body.compatibilityLevel ?? body.compatibility;
  }

  /** Whether the schema may be registered next under the subject, per its compatibility level. */
  async isCompatible(subject: string, schema: string): Promise<boolean> {
    const response = await this.request(
      'POST',
      `/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest`,
      {
        schema,
      },
    );
    return ((await this.json(response, `testing compatibility against ${subject}`)) as { is_compatible: boolean })
      .is_compatible;
  }

  /** The writer's schema for an id found in a record; fetched once, then served from memory. */
  schemaById(id: number): Promise<string> {
    let cached = this.schemasById.get(id);
    if (!cached) {
      cached = this.request('GET', `/schemas/ids/${id}`).then(async (response) => {
        if (response.status === 404) throw new RegistryError(`schema id ${id} is not in the registry`, 404);
        return ((await this.json(response, `reading schema id ${id}`)) as { schema: string }).schema;
      });
      // A failure (the registry briefly down) must not be remembered.
      cached.catch(() => this.schemasById.delete(id));
      this.schemasById.set(id, cached);
    }
    return cached;
  }

  private request(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/vnd.schemaregistry.v1+json, application/json' };
    if (body !== undefined) headers['content-type'] = 'application/vnd.schemaregistry.v1+json';
    const { auth } = this.settings;
    if (auth) headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    return fetch(`${this.settings.url}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(this.settings.timeoutMs ?? REQUEST_TIMEOUT_MS),
    });
  }

  private async json(response: Response, what: string): Promise<unknown> {
    const text = await response.text();
    if (!response.ok)
      throw new RegistryError(
        `${what}: the registry answered ${response.status} ${text.slice(0, 300)}`,
        response.status,
      );
    return text ? JSON.parse(text) : {};
  }
}

const REGISTER_ATTEMPTS = 3;

/** mappersmith's timeout, as the library passes it on: "Confluent_Schema_Registry - Error, status 400: Timeout (10000ms)". */
function isTimeout(error: unknown): boolean {
  return error instanceof Error && /: Timeout \(\d+ms\)$/.test(error.message);
}
