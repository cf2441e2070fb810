import { brotliCompressSync, constants } from 'node:zlib';
import type { Page } from '@playwright/test';
import { test, expect, hydrated, signInAsDemo, withoutJs } from './fixtures';

/**
 * What a first visit weighs on the wire, held as budgets (issue 22): every
 * file the browser fetches for the page with an empty cache (the HTML, CSS,
 * scripts, the wasm bundle where it loads), each compressed as the release
 * serves it (brotli, quality 11). Pages without an island load no wasm at
 * all; pages with one load it and hydrate.
 */
const FIRST_VISIT_BUDGET = 40 * 1024; // `/`
const STATUS_PAGE_BUDGET = 60 * 1024;

const STATUS_PAGES = ['/', '/environments/production', '/regions/frankfurt', '/tenants/acme', '/releases', '/inbox', '/audit', '/admin/deliveries'];
const ISLAND_PAGES = ['/tenants', '/releases/new'];

type Visit = { bytes: number; files: string[]; wasm: boolean };

/** Opens `path` with the cache off and adds up what came over the wire, brotli -q 11. */
async function firstVisit(page: Page, path: string): Promise<Visit> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const fetched: Promise<{ url: string; bytes: number }>[] = [];
  page.on('response', (response) => {
    // The live streams (inbox count, release view) never end: they are not page weight.
    const kind = response.request().resourceType();
    if (kind === 'eventsource' || response.status() !== 200) return;
    fetched.push(
      response.body().then((body) => ({
        url: new URL(response.url()).pathname,
        bytes: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
      })),
    );
  });
  const response = await page.goto(path);
  expect(response?.status(), `${path} answers`).toBe(200);
  await page.waitForLoadState('load');
  // A module script fetches the wasm after load: give it the time to ask.
  await page.waitForTimeout(500);
  const files = await Promise.all(fetched);
  return {
    bytes: files.reduce((sum, file) => sum + file.bytes, 0),
    files: files.map((file) => `${file.url} ${file.bytes} B`),
    wasm: files.some((file) => file.url.endsWith('.wasm')),
  };
}

test.describe('page weight on a first visit', () => {
  test.beforeEach(async ({}, info) => {
    test.skip(withoutJs(info.project.name), 'what a browser fetches with JavaScript on is the larger figure');
  });

  for (const path of STATUS_PAGES) {
    test(`${path} loads no wasm and stays within its budget`, async ({ page }) => {
      // An admin may read every one of them (the audit log and deliveries are theirs and the auditors').
      await signInAsDemo(page, 'root');
      const visit = await firstVisit(page, path);
      expect(visit.wasm, `${path} has no island: ${visit.files.join(', ')}`).toBe(false);
      const budget = path === '/' ? FIRST_VISIT_BUDGET : STATUS_PAGE_BUDGET;
      expect(visit.bytes, `${path}: ${visit.files.join(', ')}`).toBeLessThanOrEqual(budget);
      console.log(`page weight ${path}: ${(visit.bytes / 1024).toFixed(1)} KB brotli -q 11 (${visit.files.join(', ')})`);
    });
  }

  for (const path of ISLAND_PAGES) {
    test(`${path} loads the wasm its islands need and hydrates`, async ({ page }) => {
      // A release manager: the new-release form is theirs.
      await signInAsDemo(page, 'rita');
      const visit = await firstVisit(page, path);
      expect(visit.wasm, `${path} has an island: ${visit.files.join(', ')}`).toBe(true);
      await hydrated(page);
      await expect(page.locator('main [data-hydrated="true"]').first()).toBeAttached();
    });
  }
});
