/**
 * The environment for a child process (the stack's services): ours, plus what the child needs.
 * Lives here because configuration is the one module that reads process.env.
 */
export function childEnvironment(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}
