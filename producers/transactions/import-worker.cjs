// The import worker thread's entry (importer.ts → import-thread.ts). Node 20 does not run the
// process's `--import` loader in a worker thread (tsx issue #354) and vitest's processes have none,
// so tsx is registered here. Its CommonJS hook, not its ESM one: that one starts a module-hooks
// thread of its own, a third V8 heap in the process (measured: 287 against 312 MiB peak RSS).
/* global require */
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose (above) */
const { register } = require('tsx/cjs/api');

register();
require('./import-worker.ts');
