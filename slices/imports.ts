import { IMPORTS_READ_SCOPE, IMPORTS_WRITE_SCOPE } from '../api/imports/schemas.ts';
import { importRoutes } from '../api/imports/routes.ts';
import { deliveryWorker } from '../producers/imports/delivery-worker-start.ts';
import { importJobs } from '../projections/imports/projection.ts';
import { defineSlice } from './slice.ts';

/**
 * Import jobs, for every slice that imports files (transactions, group assignments): the jobs
 * read model and its routes, the upload route, the worker that imports what lands in the
 * data-delivery bucket, and the `import_progress` realtime topic. The importers themselves are
 * the other slices' (`importers` in their manifests); this slice knows none of them by name.
 */
export const importsSlice = defineSlice({
  name: 'imports',
  doc: 'Import jobs of CSV files: status, progress, summaries and reports of rejected lines.',
  projections: { jobs: importJobs },
  routes: importRoutes,
  workers: (context) => [deliveryWorker(context)],
  scopes: [
    { name: IMPORTS_READ_SCOPE, doc: "Read the organization's import jobs and their reports." },
    { name: IMPORTS_WRITE_SCOPE, doc: 'Upload files to import.' },
  ],
  realtime: [
    {
      name: 'import_progress',
      doc: 'An import job started, moved on, completed or failed.',
      filterKeys: ['jobId', 'kind'],
      from: {
        ImportStarted: (e) => ({ jobId: e.payload.jobId, kind: e.payload.kind }),
        ImportProgressed: (e) => ({ jobId: e.payload.jobId, kind: e.payload.kind }),
        ImportCompleted: (e) => ({ jobId: e.payload.jobId, kind: e.payload.kind }),
        ImportFailed: (e) => ({ jobId: e.payload.jobId, kind: e.payload.kind }),
      },
    },
  ],
});
