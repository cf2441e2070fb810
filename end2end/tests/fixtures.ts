import { test as base, expect, type Locator, type Page } from '@playwright/test';

/**
 * Every spec imports `test` and `expect` from here. In the `js` project a
 * test fails when its page logged a console error or threw an uncaught
 * exception (a hydration mismatch, a panic in the wasm bundle, a failed
 * asset), even if every assertion passed.
 */
export type ConsoleGuard = {
  /** What has been reported so far, one line per error. */
  readonly errors: string[];
  /** Tolerate errors matching `pattern` in this test (e.g. the 404 of a page that must be 404). */
  allow(pattern: RegExp): void;
};

export const test = base.extend<{ consoleGuard: ConsoleGuard }>({
  consoleGuard: [
    async ({ page }, use, testInfo) => {
      const errors: string[] = [];
      // Chromium asks for /favicon.ico on its own schedule, so its 404 lands in
      // whichever test happens to be running: not a failure of that test.
      const allowed: RegExp[] = [/status of 404 .*\/favicon\.ico\)$/];
      page.on('console', (message) => {
        if (message.type() !== 'error') return;
        const { url, lineNumber } = message.location();
        const where = url ? ` (${url}${lineNumber ? `:${lineNumber}` : ''})` : '';
        errors.push(`console.error: ${message.text()}${where}`);
      });
      page.on('pageerror', (error) => {
        errors.push(`uncaught exception: ${error.name}: ${error.message}`);
      });

      await use({ errors, allow: (pattern) => allowed.push(pattern) });

      if (testInfo.project.name === 'js') {
        const unexpected = errors.filter((line) => !allowed.some((pattern) => pattern.test(line)));
        expect(unexpected, `the page logged errors in the browser console`).toEqual([]);
      }
    },
    { auto: true },
  ],
});

export { expect };

/** True in the project that runs without JavaScript. */
export function withoutJs(projectName: string): boolean {
  return projectName === 'no-js';
}

/** The tenants matrix and its parts, as the DOM contract names them. */
export function tenantMatrix(page: Page) {
  const table = page.getByTestId('tenant-matrix');
  const rows = table.locator('tbody tr[data-tenant]');
  return {
    table,
    rows,
    visibleRows: rows.filter({ visible: true }),
    row: (slug: string): Locator => table.locator(`tbody tr[data-tenant="${slug}"]`),
    form: page.locator('form#matrix-filters'),
    text: page.locator('#tenant-filter'),
    health: page.locator('#health-filter'),
    service: page.locator('#service-filter'),
    count: page.locator('#matrix-count'),
  };
}

/** Reads "Showing N of M tenants" from `#matrix-count`, waiting until it says so. */
export async function shownCount(count: Locator): Promise<{ shown: number; total: number }> {
  await expect(count).toHaveText(/Showing \d+ of \d+ tenants/);
  const text = (await count.textContent()) ?? '';
  const match = /Showing (\d+) of (\d+) tenants/.exec(text);
  if (!match) throw new Error(`#matrix-count says "${text}"`);
  return { shown: Number(match[1]), total: Number(match[2]) };
}

/** The `data-health` of every row that is visible right now. */
export async function visibleHealths(rows: Locator): Promise<string[]> {
  return rows.evaluateAll((trs) =>
    trs
      .filter((tr) => (tr as HTMLElement).checkVisibility())
      .map((tr) => tr.getAttribute('data-health') ?? ''),
  );
}
