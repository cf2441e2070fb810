import { test as base, expect, type APIRequestContext, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test';

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

// ------------------------------------------------------------------ sign-in

/**
 * The demo people of the demo sign-in (`AIRLOCK_DEMO_SIGN_IN=true`, which
 * scripts/test turns on): rita release manager; ada, grace approvers; tom
 * tenant admin of acme; audrey auditor; root admin; vic viewer; nobody has
 * no role at all.
 */
export type DemoPerson = 'rita' | 'ada' | 'grace' | 'sam' | 'tom' | 'audrey' | 'root' | 'vic' | 'nobody';

/**
 * In the `js` project, waits until every island on the page is hydrated, so
 * clicks go through the app. Each island marks itself `data-hydrated`
 * ("false" as the server renders it, "true" once it runs in the browser);
 * a page without islands has nothing to wait for.
 */
export async function hydrated(page: Page): Promise<void> {
  if (withoutJs(test.info().project.name)) return;
  await page.waitForLoadState('load');
  await expect(page.locator('main [data-hydrated="false"]')).toHaveCount(0);
}

/**
 * Signs `page`'s browser context in as a demo person through the sign-in
 * page's form (as a visitor would), landing on `next`; waits until the
 * header names them and, in the `js` project, until the page is hydrated.
 */
export async function signInAsDemo(page: Page, handle: DemoPerson, next = '/'): Promise<void> {
  const response = await page.goto(`/auth/login?next=${encodeURIComponent(next)}`);
  expect(response?.status(), 'the sign-in page answers').toBe(200);
  await page.getByTestId(`demo-${handle}`).click();
  await expect(page.getByTestId('acting-as')).toHaveAttribute('data-acting', handle);
  await hydrated(page);
}

/** Signs out with the header's button and waits for the "signed out" page (demo sign-ins). */
export async function signOut(page: Page): Promise<void> {
  await page.getByTestId('sign-out').click();
  await expect(page).toHaveURL(/\/auth\/signed-out$/);
  await expect(page.getByTestId('signed-out')).toBeVisible();
}

/**
 * For specs that only read: every test starts signed in as `vic` (viewer) on
 * the overview. Call at the top of a spec file or inside a `describe`.
 */
export function signedInAsViewer(handle: DemoPerson = 'vic'): void {
  test.beforeEach(async ({ page }) => {
    await signInAsDemo(page, handle);
  });
}

/**
 * A second browser context (another person, another browser) that matches
 * the running project (JavaScript on or off). Close it when done.
 */
export async function newPersonContext(browser: Browser): Promise<BrowserContext> {
  const info = test.info();
  return browser.newContext({
    baseURL: info.project.use.baseURL,
    javaScriptEnabled: !withoutJs(info.project.name),
  });
}

/**
 * Headers a state-changing request made with a signed-in context's cookies
 * (`page.request`) needs: browsers send `Origin` on every POST, and Airlock
 * refuses one carrying the session cookie from anywhere else.
 */
export function sameOrigin(): Record<string, string> {
  return { Origin: new URL(test.info().project.use.baseURL!).origin };
}

// ---------------------------------------------------------------- releases

/** A version no other run has used, so each test sees only its own release. */
export function uniqueVersion(): string {
  return `9.${Date.now() % 1_000_000}.${Math.floor(Math.random() * 1000)}`;
}

/**
 * Creates a release to production for acme/frankfurt over HTTP, as the person
 * `request` (a signed-in context's `page.request`) belongs to: the plain form
 * post a browser without JavaScript makes. Returns its id.
 */
export async function createReleaseOverHttp(request: APIRequestContext, version: string): Promise<number> {
  const response = await request.post('/rpc/create_release', {
    headers: { ...sameOrigin(), Accept: 'text/html' },
    form: { service: 'api', version, environment: 'production', 'targets[0]': 'acme/frankfurt', notes: '' },
    maxRedirects: 0,
  });
  expect(response.status(), `create_release answered: ${(await response.text()).slice(0, 300)}`).toBe(302);
  const match = /\/releases\/(\d+)$/.exec(response.headers()['location'] ?? '');
  expect(match, 'redirected to the new release').not.toBeNull();
  return Number(match![1]);
}

/** Ticks all 9 checklist items on the release page `page` shows, one form at a time. */
export async function checkAllItems(page: Page): Promise<void> {
  for (let item = 1; item <= 9; item++) {
    const row = page.locator(`#item-${item}`);
    await expect(row).toHaveAttribute('data-checked', 'false');
    await row.getByRole('button', { name: 'Check' }).click();
    await expect(page.locator(`#item-${item}`)).toHaveAttribute('data-checked', 'true');
  }
  await expect(page.getByTestId('gate').locator('[data-kind="unchecked_items"]')).toHaveCount(0);
}

/** The id of the release page `page` shows. */
export function releaseIdOf(page: Page): number {
  const match = /\/releases\/(\d+)(?:[?#].*)?$/.exec(page.url());
  if (!match) throw new Error(`not on a release page: ${page.url()}`);
  return Number(match[1]);
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
