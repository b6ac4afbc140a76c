import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where this file's folder lives in the checkout: infra/stack. */
export const STACK_SOURCES = dirname(fileURLToPath(import.meta.url));

/**
 * The stack folder: `tools/` holds what was installed (caches that survive `reset`),
 * `data/<service>` what the services store, `logs/` and `run/` their output and pid files.
 */
export class StackLayout {
  constructor(readonly root: string) {}

  get tools(): string {
    return join(this.root, 'tools');
  }

  data(service: string): string {
    return join(this.root, 'data', service);
  }

  log(service: string): string {
    return join(this.root, 'logs', `${service}.log`);
  }

  pidFile(service: string): string {
    return join(this.root, 'run', `${service}.pid`);
  }

  /** Creates the folders; every parent stays traversable so the postgres user can reach its data. */
  ensure(): void {
    for (const dir of [
      this.root,
      this.tools,
      join(this.root, 'data'),
      join(this.root, 'logs'),
      join(this.root, 'run'),
    ]) {
      mkdirSync(dir, { recursive: true, mode: 0o755 });
    }
  }
}
