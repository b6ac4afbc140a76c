import { basename } from 'node:path';
import { isOrganizationId } from '../organization-id.ts';

/** Where a file waiting to be imported lies in the data-delivery bucket. */
export interface IncomingObject {
  readonly organizationId: string;
  readonly kind: string;
  readonly fileName: string;
}

/**
 * The data-delivery bucket's layout: files to import under `incoming/<organization>/<kind>/`
 * (the only prefix whose objects notify the queue), the reports of rejected lines under
 * `reports/<organization>/<kind>/`, so writing a report never looks like a new delivery.
 */
export const INCOMING_PREFIX = 'incoming/';

export function incomingKey(organizationId: string, kind: string, fileName: string): string {
  return `${INCOMING_PREFIX}${organizationId}/${kind}/${fileName}`;
}

export function reportKey(organizationId: string, kind: string, jobId: string): string {
  return `reports/${organizationId}/${kind}/${jobId}.rejected.csv`;
}

/** The organization, kind and file an incoming key names, or why it names none. */
export function parseIncomingKey(key: string): IncomingObject | { readonly problem: string } {
  if (!key.startsWith(INCOMING_PREFIX)) return { problem: `the key does not start with ${INCOMING_PREFIX}` };
  const [organizationId, kind, ...rest] = key.slice(INCOMING_PREFIX.length).split('/');
  const fileName = rest.join('/');
  // The organization id rule every token's org follows (an id of 129 to 200 characters was posted
  // by the API and then never read here: a 202 for a job that never ran).
  if (!organizationId || !isOrganizationId(organizationId))
    return { problem: 'the key names no organization: incoming/<organization>/<kind>/<file>' };
  if (!kind || !/^[a-z][a-z0-9-]*$/.test(kind))
    return { problem: 'the key names no kind: incoming/<organization>/<kind>/<file>' };
  if (!fileName || fileName.endsWith('/')) return { problem: 'the key names no file' };
  return { organizationId, kind, fileName: basename(fileName) };
}
