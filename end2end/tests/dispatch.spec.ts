import { test, expect, signInAsDemo, signOut, createReleaseOverHttp, checkAllItems, uniqueVersion, withoutJs, newPersonContext } from './fixtures';
import type { Locator, Page } from '@playwright/test';

/**
 * A release manager dispatches a release whose gate is open, watches its job
 * move on as the (simulated) cluster reports, and rolls the target back. With
 * JavaScript the page follows the job live, without reloading; without it,
 * each reload shows where the job is. Every step is a plain form.
 */

async function openGate(page: Page): Promise<string> {
  await signInAsDemo(page, 'rita', '/releases');
  const id = await createReleaseOverHttp(page.request, uniqueVersion());
  const path = `/releases/${id}`;
  await page.goto(path);
  await checkAllItems(page);
  for (const approver of ['ada', 'grace'] as const) {
    await signOut(page);
    await signInAsDemo(page, approver, path);
    await page.getByRole('button', { name: 'Approve revision 1' }).click();
    await expect(page.getByTestId('reviews').locator(`[data-reviewer="${approver}"]`)).toContainText('approved');
  }
  await signOut(page);
  await signInAsDemo(page, 'rita', path);
  return path;
}

/** Waits until `row` shows `state`: live with JavaScript, by reloading without. */
async function until(page: Page, row: Locator, state: string): Promise<void> {
  if (!withoutJs(test.info().project.name)) {
    await expect(row).toHaveAttribute('data-state', state, { timeout: 20_000 });
    return;
  }
  await expect(async () => {
    await page.reload();
    await expect(row).toHaveAttribute('data-state', state, { timeout: 500 });
  }).toPass({ timeout: 20_000 });
}

test.describe('dispatch', () => {
  test('a release manager dispatches, follows the job to the end and rolls the target back', async ({ page }) => {
    test.setTimeout(120_000);
    const path = await openGate(page);
    const jobs = page.getByTestId('jobs');
    await page.getByRole('button', { name: /Dispatch revision 1 to 1 targets/ }).click();
    await expect(page).toHaveURL(new RegExp(`${path}(#jobs)?$`));

    const deploy = jobs.locator('tr[data-kind="deploy"]');
    await expect(deploy).toHaveCount(1);
    await expect(deploy).toContainText('acme in frankfurt');
    await expect(deploy).toContainText('simulated');
    if (!withoutJs(test.info().project.name)) await until(page, deploy, 'running');
    await until(page, deploy, 'succeeded');
    await expect(page.getByTestId('no-dispatch')).toContainText('Revision 1 was dispatched');

    await deploy.getByRole('button', { name: 'Roll back' }).click();
    const rollback = jobs.locator('tr[data-kind="rollback"]');
    await expect(rollback).toHaveCount(1);
    await until(page, rollback, 'succeeded');
    await expect(jobs.getByRole('button', { name: 'Roll back' })).toHaveCount(0);
  });

  test('nobody but a release manager is offered the dispatch, and a closed gate says why', async ({ page }) => {
    await signInAsDemo(page, 'rita', '/releases');
    const id = await createReleaseOverHttp(page.request, uniqueVersion());
    await page.goto(`/releases/${id}`);
    await expect(page.getByTestId('no-dispatch')).toHaveText('The release can be dispatched once its gate is open.');
    await signOut(page);
    await signInAsDemo(page, 'vic', `/releases/${id}`);
    await expect(page.getByRole('button', { name: /Dispatch/ })).toHaveCount(0);
  });

  test('a half-typed review comment survives the live refresh another person causes', async ({ page, browser }) => {
    test.skip(withoutJs(test.info().project.name), 'live refresh is what JavaScript adds');
    await signInAsDemo(page, 'rita', '/releases');
    const id = await createReleaseOverHttp(page.request, uniqueVersion());
    const path = `/releases/${id}`;
    await signOut(page);
    await signInAsDemo(page, 'ada', path);
    await page.locator('#review-comment').fill('Migration looks safe; still reading the');

    const other = await newPersonContext(browser);
    const rita = await other.newPage();
    await signInAsDemo(rita, 'rita', path);
    await rita.locator('#item-1').getByRole('button', { name: 'Check' }).click();
    await expect(rita.locator('#item-1')).toHaveAttribute('data-checked', 'true');
    await other.close();

    await expect(page.locator('#item-1')).toHaveAttribute('data-checked', 'true');
    await expect(page.locator('#review-comment')).toHaveValue('Migration looks safe; still reading the');
  });

  test('an open tenants matrix shows a version dispatched elsewhere, without a reload and keeping its filter', async ({ page, browser }) => {
    test.skip(withoutJs(test.info().project.name), 'live cells are what JavaScript adds');
    test.setTimeout(120_000);
    const path = await openGate(page);
    const version = (await page.locator('h1 .mono').textContent())!.trim();

    const other = await newPersonContext(browser);
    const vic = await other.newPage();
    await signInAsDemo(vic, 'vic', '/tenants?service=api');
    await vic.locator('#tenant-filter').fill('acm');
    await expect(vic.locator('tbody tr:not([hidden])')).toHaveCount(1);
    const frankfurt = vic.locator('tr[data-tenant="acme"] td[title^="production · frankfurt"]');
    await expect(frankfurt).not.toContainText(version);
    // No navigation may happen on the matrix page from here on; every look
    // the cell takes on the way is kept (the rollout is over in seconds).
    await vic.evaluate(() => {
      const w = window as unknown as { stayed: boolean; looks: string[] };
      w.stayed = true;
      w.looks = [];
      const cell = () => document.querySelector('tr[data-tenant="acme"] td[title^="production · frankfurt"]');
      new MutationObserver(() => w.looks.push(cell()?.getAttribute('title') ?? '')).observe(document.querySelector('tbody')!, {
        subtree: true,
        childList: true,
        attributes: true,
        characterData: true,
      });
    });

    await page.getByRole('button', { name: /Dispatch revision 1 to 1 targets/ }).click();
    await expect(page).toHaveURL(new RegExp(`${path}(#jobs)?$`));
    const escaped = version.replace(/\./g, '\\.');
    await expect(frankfurt).toContainText(version, { timeout: 20_000 });
    await expect(frankfurt).toHaveAttribute('title', new RegExp(`${escaped}, healthy`));
    // What the cluster reported on the way: the new version rolling out, then healthy.
    const looks = await vic.evaluate(() => (window as unknown as { looks: string[] }).looks);
    expect(looks.some((look) => /, progressing(,|$)/.test(look)), looks.join('\n')).toBe(true);
    await expect(vic.locator('#tenant-filter')).toHaveValue('acm');
    await expect(vic.locator('tbody tr:not([hidden])')).toHaveCount(1);
    expect(await vic.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    await other.close();
  });
});
