import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { servicesToRun, systemdUnits } from './services.ts';

const CHECKOUT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze';

// The bootstrap installs systemd (for systemd-analyze) when it is missing.
describe('exported systemd units (systemd-analyze verify)', () => {
  it('when the units are exported per processor, then systemd-analyze verify finds nothing wrong in any of them', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'tributary-units-'));
    try {
      const units = systemdUnits({
        // The real checkout: verify checks that ExecStart's bin/tributary exists and is executable.
        workingDirectory: CHECKOUT,
        user: 'tributary',
        environmentFile: '/etc/tributary/tributary.env',
        stopTimeoutSeconds: 60,
        services: servicesToRun(['projection import_jobs', 'realtime relay', 'data-delivery']),
      });
      for (const unit of units) await writeFile(join(directory, unit.file), unit.text);

      const { stdout, stderr } = await promisify(execFile)(
        SYSTEMD_ANALYZE,
        ['verify', ...units.map((unit) => join(directory, unit.file))],
        { cwd: directory },
      );
      expect(`${stdout}${stderr}`).toBe('');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
