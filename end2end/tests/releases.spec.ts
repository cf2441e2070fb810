import {
  test,
  expect,
  withoutJs,
  hydrated,
  signInAsDemo,
  signOut,
  newPersonContext,
  createReleaseOverHttp,
  checkAllItems,
  releaseIdOf,
  uniqueVersion,
} from './fixtures';

/**
 * The release gate, end to end: rita (release manager) creates a release to
 * production, works through its checklist; ada and grace (approvers) approve
 * it and the gate opens; rita, its author, never gets to approve. Everyone
 * signs in through the demo sign-in. Runs in both projects: every step is a
 * plain form, so it works without JavaScript too.
 */

test.describe('the release gate', () => {
  test('opens only after the checklist and two approvals, never by the author', async ({ page }, testInfo) => {
    test.setTimeout(90_000);
    await signInAsDemo(page, 'rita', '/releases');
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
    await hydrated(page);
    const path = `/releases/${releaseIdOf(page)}`;
    // Hydrated, the checklist forms update the page in place: it survives only without reloads.
    await page.evaluate(() => ((window as unknown as { stillHere: boolean }).stillHere = true));
    const gate = page.getByTestId('gate');
    await expect(gate).toContainText('Gate closed');
    await expect(gate).toContainText('Needs 2 approvals from distinct approvers; has 0.');
    await expect(gate).toContainText('9 checklist items are not yet checked');
    await expect(page.getByTestId('approvals')).toContainText('0 of 2 approvals');

    await checkAllItems(page);
    const stillHere = await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere === true);
    expect(stillHere, 'the page was reloaded only without JavaScript').toBe(!withoutJs(testInfo.project.name));
    await expect(gate).toContainText('Needs 2 approvals');
    await expect(page.getByTestId('no-review')).toHaveText('You wrote this release; someone else must review it.');

    await signOut(page);
    await signInAsDemo(page, 'ada', path);
    await page.getByRole('button', { name: 'Approve revision 1' }).click();
    await expect(page.getByTestId('reviews').locator('[data-reviewer="ada"]')).toContainText('approved');
    await expect(page.getByTestId('approvals')).toContainText('1 of 2 approvals');

    await signOut(page);
    await signInAsDemo(page, 'grace', path);
    await page.getByRole('button', { name: 'Approve revision 1' }).click();
    await expect(gate).toContainText('Gate open: ready to dispatch');
    await expect(page.getByTestId('approvals')).toContainText('2 of 2 approvals');

    await signOut(page);
    await signInAsDemo(page, 'rita', path);
    await expect(page.getByRole('button', { name: /Approve/ })).toHaveCount(0);
    await expect(page.getByTestId('no-review')).toHaveText('You wrote this release; someone else must review it.');
  });

  test('shows the server’s messages for an invalid release and keeps what was typed', async ({ page, consoleGuard }) => {
    // Hydrated, the refusal is the server function's 422 answer, which the browser logs.
    consoleGuard.allow(/status of 422 .*\/rpc\/create_release\)$/);
    await signInAsDemo(page, 'rita', '/releases/new');
    await page.getByLabel('Service').selectOption('api');
    await page.getByLabel('Version').fill('latest');
    await page.getByLabel('Environment').selectOption('production');
    await page.getByRole('button', { name: 'Create release' }).click();
    await expect(page.getByText('is not a version')).toBeVisible();
    await expect(page.getByText('Choose at least one tenant and region.')).toBeVisible();
    await expect(page.getByLabel('Version')).toHaveValue('latest');
  });

  test('shows an approval from another browser without a reload', async ({ page, browser }, testInfo) => {
    test.skip(withoutJs(testInfo.project.name), 'live updates need JavaScript');
    // rita creates the release in her own browser, over HTTP with her session.
    const rita = await newPersonContext(browser);
    let id: number;
    try {
      const ritaPage = await rita.newPage();
      await signInAsDemo(ritaPage, 'rita');
      id = await createReleaseOverHttp(ritaPage.request, uniqueVersion());
    } finally {
      await rita.close();
    }

    await signInAsDemo(page, 'audrey', `/releases/${id}`);
    await expect(page.locator('.release-page')).toHaveAttribute('data-live', 'open');
    // Survives only if the page is never reloaded.
    await page.evaluate(() => ((window as unknown as { stillHere: boolean }).stillHere = true));
    await expect(page.getByTestId('approvals')).toContainText('0 of 2 approvals');

    const other = await newPersonContext(browser);
    try {
      const adaPage = await other.newPage();
      await signInAsDemo(adaPage, 'ada', `/releases/${id}`);
      await adaPage.getByRole('button', { name: 'Approve revision 1' }).click();
      await expect(adaPage.getByTestId('reviews').locator('[data-reviewer="ada"]')).toBeVisible();
    } finally {
      await other.close();
    }

    await expect(page.getByTestId('reviews').locator('[data-reviewer="ada"]')).toContainText('approved');
    await expect(page.getByTestId('approvals')).toContainText('1 of 2 approvals');
    expect(await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
  });

  test('keeps the revision a reader was shown when another one arrives, and refuses approving it', async ({ page, browser }, testInfo) => {
    test.setTimeout(60_000);
    const rita = await newPersonContext(browser);
    let id: number;
    try {
      const ritaPage = await rita.newPage();
      await signInAsDemo(ritaPage, 'rita');
      id = await createReleaseOverHttp(ritaPage.request, uniqueVersion());
      await signInAsDemo(page, 'ada', `/releases/${id}`);
      if (!withoutJs(testInfo.project.name)) {
        await expect(page.locator('.release-page')).toHaveAttribute('data-live', 'open');
      }
      await expect(page.getByRole('button', { name: 'Approve revision 1' })).toBeVisible();
      // While ada reads revision 1, rita edits the release: revision 2.
      await ritaPage.goto(`/releases/${id}/edit`);
      await ritaPage.getByLabel('Notes').fill('Changed while ada was reading');
      await ritaPage.getByRole('button', { name: 'Save revision' }).click();
      await expect(ritaPage).toHaveURL(new RegExp(`/releases/${id}$`));
    } finally {
      await rita.close();
    }
    if (!withoutJs(testInfo.project.name)) {
      // The push does not swap revision 2 in under ada's eyes: it says so.
      const banner = page.getByTestId('release-changed');
      await expect(banner).toContainText('This release changed while you were reading');
      await expect(banner).toContainText('revision 2');
      await expect(page.locator('.release-page')).toHaveAttribute('data-revision', '1');
    }
    await expect(page.getByRole('button', { name: 'Approve revision 1' })).toBeVisible();
    await expect(page.locator('.notes')).toHaveCount(0);
    // Approving what is on screen is refused as stale, and nothing is approved.
    await page.getByRole('button', { name: 'Approve revision 1' }).click();
    await expect(page.getByTestId('reviews')).toContainText('You reviewed revision 1, but the release is now at revision 2');
    await expect(page.getByTestId('approvals')).toContainText('0 of 2 approvals');
    await expect(page.getByRole('button', { name: 'Approve revision 2' })).toBeVisible();
  });

  test('refuses a change carrying the session cookie from another origin', async ({ page }) => {
    await signInAsDemo(page, 'rita');
    const response = await page.request.post('/rpc/create_release', {
      headers: { Origin: 'http://evil.example', Accept: 'text/html' },
      form: { service: 'api', version: uniqueVersion(), environment: 'production', 'targets[0]': 'acme/frankfurt', notes: '' },
      maxRedirects: 0,
    });
    expect(response.status()).toBe(403);
  });
});
