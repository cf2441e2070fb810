import {
  test,
  expect,
  withoutJs,
  signInAsDemo,
  newPersonContext,
  createReleaseOverHttp,
  uniqueVersion,
} from './fixtures';

/**
 * The inbox: rita writes a release; grace, an approver, signs in and finds
 * it waiting in her inbox with the count in the header; with JavaScript a
 * release written meanwhile raises the count without a reload; after she
 * approves, it is gone from her inbox and the count falls. Runs with and
 * without JavaScript: the inbox and the approval are plain pages and forms.
 */
test.describe('the inbox', () => {
  test('an approver finds a release waiting for her, counted in the header, until she approves it', async ({ page, browser }, testInfo) => {
    test.setTimeout(60_000);
    const rita = await newPersonContext(browser);
    const ritaPage = await rita.newPage();
    await signInAsDemo(ritaPage, 'rita', '/releases');
    const id = await createReleaseOverHttp(ritaPage.request, uniqueVersion());

    await signInAsDemo(page, 'grace', '/');
    const count = page.getByTestId('inbox-count');
    await expect(count).toBeVisible();
    const before = Number(await count.textContent());
    expect(before, 'at least the release rita just wrote').toBeGreaterThanOrEqual(1);
    await page.getByTestId('inbox-link').click();
    await expect(page).toHaveURL(/\/inbox$/);
    const waiting = page.getByTestId('inbox-waiting');
    await expect(waiting.locator('li')).toHaveCount(before);
    const row = waiting.locator(`[data-release="${id}"]`);
    await expect(row).toContainText('0 of 2 approvals');
    await expect(row).toContainText('Also: Checklist items not yet checked');

    let expected = before;
    if (!withoutJs(testInfo.project.name)) {
      // Pushed by /live/inbox: no reload.
      await createReleaseOverHttp(ritaPage.request, uniqueVersion());
      expected += 1;
      await expect(count).toHaveText(String(expected));
    }
    await rita.close();

    await row.getByRole('link').click();
    await expect(page).toHaveURL(new RegExp(`/releases/${id}$`));
    await page.getByRole('button', { name: 'Approve revision 1' }).click();
    await expect(page.getByTestId('reviews').locator('[data-reviewer="grace"]')).toContainText('approved');

    await page.goto('/inbox');
    await expect(page.getByTestId('inbox-count')).toHaveText(String(expected - 1));
    await expect(page.locator(`[data-testid="inbox-waiting"] [data-release="${id}"]`)).toHaveCount(0);
  });
});
