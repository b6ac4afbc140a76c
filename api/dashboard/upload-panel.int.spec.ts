/// <reference lib="dom" />
// The page functions below run in the browser.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../test/support/chromium.ts';
import { isolatedBackbone, type Backbone } from '../../test/support/backbone.ts';
import { startUploadsFlow, type UploadsFlow } from '../../test/support/uploads.ts';

let backbone: Backbone;
let flow: UploadsFlow;
let browser: BrowserContext;

beforeAll(async () => {
  backbone = await isolatedBackbone({ partitions: 1 });
  flow = await startUploadsFlow(backbone);
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await flow?.stop();
  await backbone?.close();
});

/** The dashboard for an organization of the test's own, connected and subscribed (it mints its own token). */
async function openDashboard(): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${flow.baseUrl}/?org=org-${crypto.randomUUID().slice(0, 8)}`);
  await page.waitForFunction(
    () => document.getElementById('message')!.textContent!.startsWith('subscribed'),
    undefined,
    {
      timeout: 15_000,
    },
  );
  return page;
}

const rowsOf = (page: Page) =>
  page.$$eval('#uploads tr', (rows) =>
    rows.map((row) => ({
      name: row.querySelector('.name')!.textContent,
      status: (row as HTMLElement).dataset.status,
      attachmentId: (row as HTMLElement).dataset.attachmentId ?? null,
      detail: row.querySelector('.detail')!.textContent,
    })),
  );

/** Every status each row shows, in order, into window.transitions as [file name, status]. */
async function recordTransitions(page: Page): Promise<void> {
  await page.evaluate(() => {
    const transitions: string[][] = [];
    (window as unknown as { transitions: string[][] }).transitions = transitions;
    const record = (row: HTMLElement) => {
      const name = row.querySelector('.name')!.textContent!;
      const last = transitions.filter(([file]) => file === name).at(-1);
      if (last?.[1] !== row.dataset.status) transitions.push([name, row.dataset.status!]);
    };
    new MutationObserver((mutations) => {
      for (const mutation of mutations) {
        if (mutation.type === 'attributes') record(mutation.target as HTMLElement);
        for (const node of mutation.addedNodes) if (node instanceof HTMLTableRowElement) record(node);
      }
    }).observe(document.getElementById('uploads')!, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ['data-status'],
    });
  });
}

describe('the dashboard’s upload panel in a browser', () => {
  it('when the page’s development token is minted, then it carries the scopes the panel needs', async () => {
    const page = await openDashboard();

    const token = await page.inputValue('#token');

    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { scope: string };
    expect(claims.scope.split(' ')).toEqual(
      expect.arrayContaining(['uploads:write', 'attachments:read', 'realtime:subscribe']),
    );
  });

  it('when /upload-client.js is asked for, then it is public JavaScript, the client bundled with nothing of the server', async () => {
    const response = await fetch(`${flow.baseUrl}/upload-client.js`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/javascript');
    const script = await response.text();
    expect(script).toMatch(/export\s*\{[^}]*\bUploadClient\b/);
    expect(script).not.toMatch(/^\s*import\b/m);
  });

  it('when files are chosen, then each row goes uploading, generated, uploaded, live from the websocket', async () => {
    const page = await openDashboard();
    expect(await page.isVisible('#upload-panel')).toBe(true);
    await recordTransitions(page);
    const requests: string[] = [];
    page.on('request', (request) => requests.push(`${request.method()} ${new URL(request.url()).pathname}`));

    await page.setInputFiles('#files', [
      { name: 'wound-day-3.png', mimeType: 'image/png', buffer: Buffer.from('a photo of the wound, day 3') },
      { name: 'referral.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 referral letter') },
    ]);

    await page.waitForFunction(
      () =>
        document.querySelectorAll('#uploads tr').length === 2 &&
        [...document.querySelectorAll('#uploads tr')].every(
          (row) => (row as HTMLElement).dataset.status === 'uploaded',
        ),
      undefined,
      { timeout: 30_000 },
    );
    const rows = await rowsOf(page);
    expect(rows.map((row) => row.name).sort()).toEqual(['referral.pdf', 'wound-day-3.png']);
    for (const row of rows) expect(row.attachmentId).toMatch(/^[0-9a-f-]{36}$/);
    const transitions = await page.evaluate(() => (window as unknown as { transitions: string[][] }).transitions);
    for (const name of ['referral.pdf', 'wound-day-3.png']) {
      const statuses = transitions.filter(([file]) => file === name).map(([, status]) => status);
      // `generated` is skipped only when S3's verdict beats the end of upload() to the page.
      expect([
        ['uploading', 'generated', 'uploaded'],
        ['uploading', 'uploaded'],
      ]).toContainEqual(statuses);
    }
    // Live from the socket: the page never asked the API how the attachments were doing.
    expect(requests.filter((request) => request.startsWith('GET /v1/attachments'))).toEqual([]);
  });

  it('when a file of a type not allowed is chosen, then its row ends rejected with the reason', async () => {
    const page = await openDashboard();

    await page.setInputFiles('#files', [
      { name: 'setup.exe', mimeType: 'application/x-msdownload', buffer: Buffer.from('MZ not really') },
    ]);

    await page.waitForFunction(
      () => (document.querySelector('#uploads tr') as HTMLElement | null)?.dataset.status === 'rejected',
      undefined,
      { timeout: 30_000 },
    );
    expect((await rowsOf(page))[0]!.detail).toContain('content_type_not_allowed');
  });
});
