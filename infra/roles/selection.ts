import { OperatorError } from '../errors.ts';

/** What one Tributary process runs: the API, the processors, or both (the default). */
export const ROLES = ['api', 'processors', 'all'] as const;
export type Role = (typeof ROLES)[number];

/** What `start` runs, decided before anything connects. */
export interface Selection {
  readonly role: Role;
  /** The HTTP API and the realtime feed behind its websocket. */
  readonly api: boolean;
  /** The processors, projections and workers to run, by the names `start` prints, in their order. */
  readonly processors: readonly string[];
  /** The demo publisher: only a process that runs everything shows the demo. */
  readonly demo: boolean;
}

export interface SelectionRequest {
  readonly role?: string;
  /** Names as `start` prints them (`projection import_jobs`), or with a dash for the space (`projection-import_jobs`); commas separate too. */
  readonly processors?: readonly string[];
}

export function parseRole(value: string | undefined): Role {
  const role = value ?? 'all';
  if (!(ROLES as readonly string[]).includes(role))
    throw new OperatorError(`--role '${role}' is not a role; the roles are: ${ROLES.join(', ')}`);
  return role as Role;
}

/**
 * A name for a service manager: no spaces, so a unit, a Procfile entry and `--processors` take it
 * without quoting (`projection import_jobs` becomes `projection-import_jobs`).
 */
export function serviceNameOf(name: string): string {
  return name.trim().replace(/\s+/g, '-');
}

/**
 * Decides which parts a process runs from its role and the processor names asked for, against
 * the names this build knows. Asking for a name that does not exist stops the start rather than
 * running less than the operator believes.
 */
export function selectParts(request: SelectionRequest, known: readonly string[]): Selection {
  const role = parseRole(request.role);
  const asked = (request.processors ?? []).flatMap((value) => value.split(',')).map((name) => name.trim());
  const named = asked.filter((name) => name.length > 0);
  if (request.processors !== undefined && named.length === 0)
    throw new OperatorError('--processors needs at least one name; known: ' + known.join(', '));
  if (role === 'api' && named.length > 0)
    throw new OperatorError('--processors cannot go with --role api: the api role runs no processors');

  const byServiceName = new Map(known.map((name) => [serviceNameOf(name), name]));
  const unknown = named.filter((name) => !byServiceName.has(serviceNameOf(name)));
  if (unknown.length > 0)
    throw new OperatorError(
      `no processor named ${unknown.map((name) => `'${name}'`).join(', ')}; the known ones: ${known.join(', ')}`,
    );
  const wanted = new Set(named.map((name) => byServiceName.get(serviceNameOf(name))!));
  const processors = role === 'api' ? [] : named.length > 0 ? known.filter((name) => wanted.has(name)) : [...known];
  return { role, api: role !== 'processors', processors, demo: role === 'all' && named.length === 0 };
}
