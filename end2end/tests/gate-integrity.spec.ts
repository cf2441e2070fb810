import { test, expect, signInAsDemo, signOut, createReleaseOverHttp, checkAllItems, uniqueVersion } from './fixtures';

/**
 * The two-engineer rule against its subtler ways around, as people meet
 * them in the browser: evidence taken back after approval dismisses the
 * approvals that saw it, and someone who edited any revision of a release
 * is never offered (nor granted) its approval. Both projects: every step is
 * a plain form.
 */

test.describe('gate integrity', () => {
  test('taking evidence back after approval dismisses the approvals that saw it', async ({ page }) => {
    test.setTimeout(90_000);
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
    const gate = page.getByTestId('gate');
    await expect(gate).toContainText('Gate open: ready to dispatch');

    await signOut(page);
    await signInAsDemo(page, 'rita', path);
    const first = page.locator('#item-1');
    await first.getByRole('button', { name: 'Uncheck' }).click();
    await expect(page.locator('#item-1')).toHaveAttribute('data-checked', 'false');
    await page.locator('#item-1').getByRole('button', { name: 'Check' }).click();
    await expect(page.locator('#item-1')).toHaveAttribute('data-checked', 'true');

    await expect(gate).toContainText('Gate closed');
    await expect(gate).toContainText("ada's approval was dismissed");
    await expect(gate).toContainText("grace's approval was dismissed");
    await expect(page.getByTestId('approvals')).toContainText('0 of 2 approvals');
    await expect(page.getByTestId('reviews').getByTestId('dismissed')).toHaveCount(2);
  });

  test('someone who edited any revision is never offered its approval', async ({ page }) => {
    test.setTimeout(90_000);
    await signInAsDemo(page, 'rita', '/releases');
    const id = await createReleaseOverHttp(page.request, uniqueVersion());
    const path = `/releases/${id}`;

    // sam, release manager and approver, edits revision 2; rita then touches the notes (revision 3).
    await signOut(page);
    await signInAsDemo(page, 'sam', `${path}/edit`);
    await page.getByLabel('Notes').fill('Image rebuilt by sam');
    await page.getByRole('button', { name: 'Save revision' }).click();
    await expect(page).toHaveURL(new RegExp(`${path}$`));
    await signOut(page);
    await signInAsDemo(page, 'rita', `${path}/edit`);
    await page.getByLabel('Notes').fill('Image rebuilt by sam.');
    await page.getByRole('button', { name: 'Save revision' }).click();
    await expect(page).toHaveURL(new RegExp(`${path}$`));

    await signOut(page);
    await signInAsDemo(page, 'sam', path);
    await expect(page.getByRole('button', { name: /Approve/ })).toHaveCount(0);
    await expect(page.getByTestId('no-review')).toHaveText('You edited a revision of this release; someone else must review it.');
    // Not offered, and not granted either: the form posted by hand is refused.
    const refused = await page.request.post('/rpc/review_release', {
      headers: { Origin: new URL(page.url()).origin },
      form: { id: String(id), revision: '3', decision: 'approve', comment: '' },
    });
    expect(refused.status()).toBe(403);
    await page.reload();
    await expect(page.getByTestId('approvals')).toContainText('0 of 2 approvals');
  });
});
