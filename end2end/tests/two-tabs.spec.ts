import type { Page } from '@playwright/test';
import {
  test,
  expect,
  hydrated,
  signInAsDemo,
  newPersonContext,
  checkAllItems,
  releaseIdOf,
  uniqueVersion,
} from './fixtures';

/**
 * A production gate needs two approvals from two distinct people. One
 * approver with two tabs open (two pages of one browser, one session) is
 * still one person: approving twice leaves the gate blocked, and only a
 * second approver opens it. Both projects: every step is a plain form.
 */

/** Clicks "Approve revision 1" and waits until the server has answered the review. */
async function approve(page: Page): Promise<void> {
  const answered = page.waitForResponse(
    (response) => response.url().includes('/rpc/review_release') && response.request().method() === 'POST',
  );
  await page.getByRole('button', { name: 'Approve revision 1' }).click();
  await answered;
  await hydrated(page);
}

test('one approver with two tabs cannot open a production gate', async ({ page, browser }) => {
  test.setTimeout(120_000);

  // rita writes the release and works through its checklist.
  await signInAsDemo(page, 'rita', '/releases/new');
  const version = uniqueVersion();
  await page.getByLabel('Service').selectOption('api');
  await page.getByLabel('Version').fill(version);
  await page.getByLabel('Environment').selectOption('production');
  await page.locator('#target-acme-frankfurt').check();
  await page.getByRole('button', { name: 'Create release' }).click();
  await expect(page).toHaveURL(/\/releases\/\d+$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText(version);
  await hydrated(page);
  const release = `/releases/${releaseIdOf(page)}`;
  await checkAllItems(page);
  await expect(page.getByTestId('gate')).toContainText('Needs 2 approvals from distinct approvers; has 0.');

  // ada, in one browser, opens the release in two tabs before approving in either.
  const ada = await newPersonContext(browser);
  const grace = await newPersonContext(browser);
  try {
    const first = await ada.newPage();
    await signInAsDemo(first, 'ada', release);
    const second = await ada.newPage();
    await second.goto(release);
    await hydrated(second);
    await expect(second.getByTestId('acting-as')).toHaveAttribute('data-acting', 'ada');
    await expect(first.getByRole('button', { name: 'Approve revision 1' })).toBeVisible();
    await expect(second.getByRole('button', { name: 'Approve revision 1' })).toBeVisible();

    await approve(first);
    await expect(first.getByTestId('approvals')).toContainText('1 of 2 approvals');

    await approve(second);

    for (const tab of [first, second]) {
      await tab.reload();
      await hydrated(tab);
      const gate = tab.getByTestId('gate');
      await expect(gate).toContainText('Gate closed');
      await expect(gate).toContainText('Needs 2 approvals from distinct approvers; has 1.');
      await expect(tab.getByTestId('approvals')).toContainText('1 of 2 approvals');
    }

    // A second person, in a browser of her own, opens it.
    const gracePage = await grace.newPage();
    await signInAsDemo(gracePage, 'grace', release);
    await approve(gracePage);
    await expect(gracePage.getByTestId('gate')).toContainText('Gate open: ready to dispatch');
    await expect(gracePage.getByTestId('approvals')).toContainText('2 of 2 approvals');

    // rita, the author, sees it open too.
    await page.reload();
    await expect(page.getByTestId('gate')).toContainText('Gate open: ready to dispatch');
  } finally {
    await ada.close();
    await grace.close();
  }
});
