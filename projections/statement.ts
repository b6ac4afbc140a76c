/** One SQL statement a projection wants run, with its parameters ($1, $2, ...). */
export interface Statement {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** A schema or table or column name made safe to splice into SQL; only plain lower-case names are accepted. */
export function identifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain SQL identifier: ${name}`);
  return `"${name}"`;
}
