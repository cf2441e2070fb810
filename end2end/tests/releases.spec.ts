import { test, expect, withoutJs } from './fixtures';
import type { APIRequestContext, Page } from '@playwright/test';

/**
 * The release gate, end to end: rita (release manager) creates a release to
 * production, works through its checklist; ada and grace (approvers) approve
 * it and the gate opens; rita, its author, never gets to approve. Runs in both
 * projects: every step is a plain form, so it works without JavaScript too.
 */

/** A version no other run has used, so each test sees only its own release. */
function uniqueVersion(): string {
  return `9.${Date.now() % 1_000_000}.${Math.floor(Math.random() * 1000)}`;
}

/** In the `js` project, waits until the page is hydrated, so clicks go through the app. */
async function hydrated(page: Page, projectName: string): Promise<void> {
  if (!withoutJs(projectName)) await expect(page.locator('main')).toHaveAttribute('data-hydrated', 'true');
}

/** Uses the "Acting as" switch in the header (development only). */
async function actAs(page: Page, person: string): Promise<void> {
  const form = page.getByTestId('acting-as');
  await expect(form).toContainText('development only');
  await form.getByLabel('Acting as').selectOption(person);
  await form.getByRole('button', { name: 'Switch' }).click();
  await expect(page.getByTestId('acting-as')).toHaveAttribute('data-acting', person);
  await hydrated(page, test.info().project.name);
}

/** Creates a release over HTTP as `person` (a plain form post), returning its id. */
async function createRelease(request: APIRequestContext, person: string, version: string): Promise<number> {
  const response = await request.post('/rpc/create_release', {
    headers: { Cookie: `airlock_dev_identity=${person}`, Accept: 'text/html' },
    form: { service: 'api', version, environment: 'production', 'targets[0]': 'acme/frankfurt', notes: '' },
    maxRedirects: 0,
  });
  expect(response.status()).toBe(302);
  const match = /\/releases\/(\d+)$/.exec(response.headers()['location'] ?? '');
  expect(match, 'redirected to the new release').not.toBeNull();
  return Number(match![1]);
}

test.describe('the release gate', () => {
  test('opens only after the checklist and two approvals, never by the author', async ({ page }, testInfo) => {
    test.setTimeout(90_000);
    await page.goto('/releases');
    await actAs(page, 'rita');
    await page.getByRole('link', { name: 'New release' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'New release' })).toBeVisible();

    const version = uniqueVersion();
    await page.getByLabel('Service').selectOption('api');
    await page.getByLabel('Version').fill(version);
    await page.getByLabel('Environment').selectOption('production');
    await page.locator('#target-acme-frankfurt').check();
    await page.getByLabel('Notes').fill('Adds invoice export');
    await page.getByRole('button', { name: 'Create release' }).click();

    await expect(page).toHaveURL(/\/releases\/\d+$/);
    await expect(page.getByRole('heading', { level: 1 })).toContainText(version);
    await hydrated(page, testInfo.project.name);
    // Hydrated, the checklist forms update the page in place: it survives only without reloads.
    await page.evaluate(() => ((window as unknown as { stillHere: boolean }).stillHere = true));
    const gate = page.getByTestId('gate');
    await expect(gate).toContainText('Gate closed');
    await expect(gate).toContainText('Needs 2 approvals from distinct approvers; has 0.');
    await expect(gate).toContainText('9 checklist items are not yet checked');
    await expect(page.getByTestId('approvals')).toContainText('0 of 2 approvals');

    for (let item = 1; item <= 9; item++) {
      const row = page.locator(`#item-${item}`);
      await expect(row).toHaveAttribute('data-checked', 'false');
      await row.getByRole('button', { name: 'Check' }).click();
      await expect(page.locator(`#item-${item}`)).toHaveAttribute('data-checked', 'true');
    }
    await expect(gate.locator('[data-kind="unchecked_items"]')).toHaveCount(0);
    const stillHere = await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere === true);
    expect(stillHere, 'the page was reloaded only without JavaScript').toBe(!withoutJs(testInfo.project.name));
    await expect(gate).toContainText('Needs 2 approvals');
    await expect(page.getByTestId('no-review')).toHaveText('You wrote this release; someone else must review it.');

    await actAs(page, 'ada');
    await page.getByRole('button', { name: 'Approve revision 1' }).click();
    await expect(page.getByTestId('reviews').locator('[data-reviewer="ada"]')).toContainText('approved');
    await expect(page.getByTestId('approvals')).toContainText('1 of 2 approvals');

    await actAs(page, 'grace');
    await page.getByRole('button', { name: 'Approve revision 1' }).click();
    await expect(gate).toContainText('Gate open: ready to dispatch');
    await expect(page.getByTestId('approvals')).toContainText('2 of 2 approvals');

    await actAs(page, 'rita');
    await expect(page.getByRole('button', { name: /Approve/ })).toHaveCount(0);
    await expect(page.getByTestId('no-review')).toHaveText('You wrote this release; someone else must review it.');
  });

  test('shows the server’s messages for an invalid release and keeps what was typed', async ({ page, consoleGuard }) => {
    // Hydrated, the refusal is the server function's 422 answer, which the browser logs.
    consoleGuard.allow(/status of 422 .*\/rpc\/create_release\)$/);
    await page.goto('/releases');
    await actAs(page, 'rita');
    await page.goto('/releases/new');
    await hydrated(page, test.info().project.name);
    await page.getByLabel('Service').selectOption('api');
    await page.getByLabel('Version').fill('latest');
    await page.getByLabel('Environment').selectOption('production');
    await page.getByRole('button', { name: 'Create release' }).click();
    await expect(page.getByText('is not a version')).toBeVisible();
    await expect(page.getByText('Choose at least one tenant and region.')).toBeVisible();
    await expect(page.getByLabel('Version')).toHaveValue('latest');
  });

  test('shows an approval from another browser without a reload', async ({ page, browser, request }, testInfo) => {
    test.skip(withoutJs(testInfo.project.name), 'live updates need JavaScript');
    const id = await createRelease(request, 'rita', uniqueVersion());
    const baseURL = testInfo.project.use.baseURL!;

    await page.context().addCookies([{ name: 'airlock_dev_identity', value: 'audrey', url: baseURL }]);
    await page.goto(`/releases/${id}`);
    await expect(page.locator('.release-page')).toHaveAttribute('data-live', 'open');
    // Survives only if the page is never reloaded.
    await page.evaluate(() => ((window as unknown as { stillHere: boolean }).stillHere = true));
    await expect(page.getByTestId('approvals')).toContainText('0 of 2 approvals');

    const other = await browser.newContext({ baseURL, javaScriptEnabled: true });
    try {
      await other.addCookies([{ name: 'airlock_dev_identity', value: 'ada', url: baseURL }]);
      const adaPage = await other.newPage();
      await adaPage.goto(`/releases/${id}`);
      await adaPage.getByRole('button', { name: 'Approve revision 1' }).click();
      await expect(adaPage.getByTestId('reviews').locator('[data-reviewer="ada"]')).toBeVisible();
    } finally {
      await other.close();
    }

    await expect(page.getByTestId('reviews').locator('[data-reviewer="ada"]')).toContainText('approved');
    await expect(page.getByTestId('approvals')).toContainText('1 of 2 approvals');
    expect(await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
  });
});
