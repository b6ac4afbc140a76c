import { redactUrl } from '../logging/redact-url.ts';
import { variables, type VariableName } from './variables.ts';

/**
 * The value of a variable as it may be shown to a person: secrets masked; in any URL, the
 * password of its user part and the values of credential query parameters (`password`, `token`,
 * `key`, ...) hidden, whichever variable holds it (a stranger's `config` printed a registry URL's
 * password and a push URL's `?token=`).
 */
export function redactedValue(name: VariableName, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const variable = variables[name];
  const shown = URL_WITH_SCHEME.test(value) ? redactUrl(withoutPassword(value)) : value;
  if (!('secret' in variable && variable.secret)) return shown;
  return shown !== value ? shown : '****';
}

const URL_WITH_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** `scheme://user:password@host` as `scheme://user:****@host` (the user part ends at the last @ before the path). */
function withoutPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@?#]*):[^/?#]*@/i, '$1:****@');
}
