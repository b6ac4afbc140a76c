import { variables, type VariableName } from './variables.ts';

/** The value of a variable as it may be shown to a person: secrets masked, URL passwords hidden. */
export function redactedValue(name: VariableName, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const variable = variables[name];
  if (!('secret' in variable && variable.secret)) return value;
  const withoutPassword = value.replace(/^([a-z]+:\/\/[^:/@]+):[^@]*@/i, '$1:****@');
  return withoutPassword !== value ? withoutPassword : '****';
}
