import { test, expect, signedInAsViewer } from './fixtures';

// Every page needs sign-in: these tests read as vic, a viewer (demo sign-in).
signedInAsViewer();

const REGIONS = ['lagos', 'johannesburg', 'frankfurt', 'ashburn', 'singapore'];
const ENVIRONMENTS = ['development', 'staging', 'production'];

test.describe('the overview page', () => {
  test('shows a table of environments by region', async ({ page }) => {
    const response = await page.goto('/');
    expect(response?.status()).toBe(200);

    await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
    const overview = page.getByTestId('overview');
    await expect(overview).toBeVisible();

    for (const region of REGIONS) {
      const header = overview
        .getByRole('columnheader')
        .filter({ has: page.locator(`a[href="/regions/${region}"]`) });
      await expect(header, `a column header links to /regions/${region}`).toHaveCount(1);
      await expect(header).toContainText(region, { ignoreCase: true });
    }
    for (const environment of ENVIRONMENTS) {
      const header = overview
        .getByRole('rowheader')
        .filter({ has: page.locator(`a[href="/environments/${environment}"]`) });
      await expect(header, `a row header links to /environments/${environment}`).toHaveCount(1);
      await expect(header).toContainText(environment, { ignoreCase: true });
    }
  });
});

test.describe('the main navigation', () => {
  test('links to the overview and the tenants', async ({ page }) => {
    await page.goto('/');
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link', { name: 'Overview', exact: true })).toHaveAttribute('href', '/');
    await expect(nav.getByRole('link', { name: 'Tenants', exact: true })).toHaveAttribute('href', '/tenants');
  });

  test('marks the link of the current page and follows a click to the tenants', async ({ page }) => {
    await page.goto('/');
    const nav = page.getByRole('navigation', { name: 'Main' });
    const overview = nav.getByRole('link', { name: 'Overview', exact: true });
    const tenants = nav.getByRole('link', { name: 'Tenants', exact: true });
    await expect(overview).toHaveAttribute('aria-current', 'page');
    await expect(tenants).not.toHaveAttribute('aria-current', 'page');

    await tenants.click();

    await expect(page).toHaveURL(/\/tenants$/);
    await expect(page.getByTestId('tenant-matrix')).toBeVisible();
    await expect(tenants).toHaveAttribute('aria-current', 'page');
    await expect(overview).not.toHaveAttribute('aria-current', 'page');
  });

  test('is in a banner with the brand linking home', async ({ page }) => {
    await page.goto('/tenants');
    const banner = page.locator('header.topbar');
    await expect(banner.getByRole('link', { name: 'Airlock', exact: true })).toHaveAttribute('href', '/');
    await expect(banner.getByRole('navigation', { name: 'Main' })).toBeVisible();
  });
});

test.describe('keyboard users', () => {
  test('reach the skip link first and it points at the main content', async ({ page }) => {
    await page.goto('/');
    const skip = page.locator('a.skip-link');
    await expect(skip).toHaveAttribute('href', '#main');
    await expect(skip).toHaveText(/skip to content/i);
    await expect(page.locator('main#main')).toHaveCount(1);

    await page.keyboard.press('Tab');

    await expect(skip).toBeFocused();
    await expect(skip).toBeVisible();
  });
});

test.describe('unknown addresses', () => {
  test('answer 404 with a "Page not found" page', async ({ page, consoleGuard }) => {
    consoleGuard.allow(/status of 404/);
    const response = await page.goto('/no/such/page');
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
    // Still inside the layout, so there is a way back.
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  });

  test('answer 404 for a tenant that does not exist', async ({ page, consoleGuard }) => {
    consoleGuard.allow(/status of 404/);
    const response = await page.goto('/tenants/no-such-tenant');
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  });
});

test.describe('detail pages', () => {
  test('the production environment says it needs two approvals', async ({ page }) => {
    const response = await page.goto('/environments/production');
    expect(response?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1 })).toContainText('production', { ignoreCase: true });
    await expect(page.locator('main')).toContainText('2 approvals');
  });

  test('the frankfurt region is named in its heading', async ({ page }) => {
    const response = await page.goto('/regions/frankfurt');
    expect(response?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Frankfurt');
  });

  test('the overview links lead to the detail pages', async ({ page }) => {
    await page.goto('/');
    await page.getByTestId('overview').locator('a[href="/environments/production"]').click();
    await expect(page).toHaveURL(/\/environments\/production$/);
    await expect(page.getByRole('heading', { level: 1 })).toContainText('production', { ignoreCase: true });
  });
});
