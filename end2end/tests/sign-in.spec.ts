import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect, hydrated, signInAsDemo, tenantMatrix } from './fixtures';

/**
 * Signing in: every page needs it; the organisation's OpenID provider (the
 * real test provider of end2end/oidc/, started by scripts/test with the
 * accounts of e2e-accounts.json) and the demo sign-in both lead into the app;
 * signing out ends the session here and at the provider. Both projects: the
 * sign-in pages and the provider's forms need no JavaScript.
 *
 * The provider's people are not the demo people: provider "rita" is a
 * different account from demo rita, and gets a handle of her own (`rita-2`
 * when demo rita signed in first), so these tests check what the pages show,
 * not exact handles.
 */

type Account = { username: string; password: string; groups: string[] };
const ACCOUNTS_FILE = path.resolve(__dirname, '..', 'oidc', 'e2e-accounts.json');
const config = JSON.parse(fs.readFileSync(ACCOUNTS_FILE, 'utf8')) as { port: number; accounts: Account[] };
const PROVIDER = `http://127.0.0.1:${config.port}`;

function account(username: string): Account {
  const found = config.accounts.find((a) => a.username === username);
  if (!found) throw new Error(`${username} is not in ${ACCOUNTS_FILE}`);
  return found;
}

/** A path as the sign-in page's address carries it in `next`. */
function loginAddress(next: string): RegExp {
  const escaped = next.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`/auth/login\\?next=${escaped}$`);
}

/** From Airlock's sign-in page, through "Sign in with your organisation", to the provider's form. */
async function toProviderForm(page: Page, next: string): Promise<void> {
  await page.goto(`/auth/login?next=${encodeURIComponent(next)}`);
  const link = page.getByTestId('sign-in-oidc');
  await expect(link).toHaveText('Sign in with your organisation');
  await link.click();
  await expect(page).toHaveURL((url) => url.origin === PROVIDER && url.pathname.startsWith('/interaction/'));
  await expect(page.getByLabel('Username')).toBeVisible();
}

/** Fills the provider's login form and submits it. */
async function submitProviderForm(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Signs in through the provider as one of the e2e accounts, landing on `next`. */
async function signInWithProvider(page: Page, username: string, next: string): Promise<void> {
  await toProviderForm(page, next);
  await submitProviderForm(page, username, account(username).password);
  await expect(page).toHaveURL((url) => url.origin === airlock() && url.pathname === next.split('?')[0]);
}

/** Airlock's origin (the project's baseURL), as opposed to the provider's. */
function airlock(): string {
  return new URL(test.info().project.use.baseURL!).origin;
}

/** Who the page's session is, as `GET /auth/me` says (status and body). */
async function me(page: Page): Promise<{ status: number; body: { name?: string; roles?: string[]; tenants?: string[] } }> {
  const response = await page.request.get('/auth/me');
  return { status: response.status(), body: response.ok() ? await response.json() : {} };
}

test.describe('without signing in', () => {
  test('a page answers with a redirect to the sign-in page', async ({ page }) => {
    const response = await page.request.get('/releases?state=blocked', { maxRedirects: 0 });
    expect(response.status()).toBe(303);
    expect(response.headers()['location']).toBe('/auth/login?next=/releases%3Fstate%3Dblocked');
  });

  test('a visit to the releases lands on the sign-in page offering both ways in', async ({ page }) => {
    await page.goto('/releases');

    await expect(page).toHaveURL(loginAddress('/releases'));
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
    await expect(page.getByTestId('sign-in-oidc')).toHaveAttribute('href', '/auth/login/oidc?next=/releases');
    await expect(page.getByTestId('demo-rita')).toHaveText('Sign in as rita');
    await expect(page.getByTestId('acting-as')).toHaveCount(0);
    expect((await me(page)).status).toBe(401);
  });
});

test.describe('signing in with the organisation’s provider', () => {
  test('a wrong password keeps you out; the right one brings you back; signing out ends both sessions', async ({
    page,
    consoleGuard,
  }) => {
    // The provider answers a wrong password with 401, which Chromium logs.
    consoleGuard.allow(/status of 401/);
    const rita = account('rita');
    await page.goto('/releases');
    await expect(page).toHaveURL(loginAddress('/releases'));
    await page.getByTestId('sign-in-oidc').click();
    await expect(page).toHaveURL((url) => url.origin === PROVIDER && url.pathname.startsWith('/interaction/'));

    await submitProviderForm(page, 'rita', `${rita.password}-wrong`);

    await expect(page.getByText('Invalid username or password')).toBeVisible();
    expect(new URL(page.url()).origin).toBe(PROVIDER);
    expect((await me(page)).status, 'still nobody in Airlock').toBe(401);

    await submitProviderForm(page, 'rita', rita.password);

    await expect(page).toHaveURL(`${airlock()}/releases`);
    await hydrated(page);
    const acting = page.getByTestId('acting-as');
    await expect(acting).toContainText('Signed in as');
    const handle = (await acting.getAttribute('data-acting')) ?? '';
    expect(handle, 'the header names a handle').toMatch(/^rita(-\d+)?$/);
    await expect(page.getByTestId('no-access')).toHaveCount(0);
    const who = await me(page);
    expect(who.status).toBe(200);
    expect(who.body.name).toBe(handle);
    expect(who.body.roles).toContain('release_manager');

    // Signing out goes on to the provider, which asks to confirm, then comes back.
    await page.getByTestId('sign-out').click();
    await expect(page).toHaveURL((url) => url.origin === PROVIDER);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(`${airlock()}/auth/signed-out`);
    await expect(page.getByTestId('signed-out')).toBeVisible();
    expect((await me(page)).status).toBe(401);

    await page.goto('/');
    await expect(page).toHaveURL(loginAddress('/'));
    // The provider's session ended too: it asks for the password again.
    await page.getByTestId('sign-in-oidc').click();
    await expect(page).toHaveURL((url) => url.origin === PROVIDER && url.pathname.startsWith('/interaction/'));
    await expect(page.getByLabel('Password')).toBeVisible();
  });

  test('a tenant admin sees only their tenant', async ({ page, consoleGuard }) => {
    consoleGuard.allow(/status of 404/);
    await signInWithProvider(page, 'tom', '/tenants');
    await hydrated(page);
    const who = await me(page);
    expect(who.body.roles).toEqual(['tenant_admin']);
    expect(who.body.tenants).toEqual(['acme']);

    const matrix = tenantMatrix(page);
    await expect(matrix.table).toBeVisible();
    await expect(matrix.rows).toHaveCount(1);
    await expect(matrix.rows).toHaveAttribute('data-tenant', 'acme');

    const mine = await page.goto('/tenants/acme');
    expect(mine?.status()).toBe(200);
    const other = await page.goto('/tenants/initech');
    expect(other?.status()).toBe(404);
    await expect(page.locator('main')).not.toContainText('Initech');
  });

  test('someone whose groups grant no role is told which groups they have', async ({ page, consoleGuard }) => {
    consoleGuard.allow(/status of 403/);
    await toProviderForm(page, '/');
    await submitProviderForm(page, 'nina', account('nina').password);

    await expect(page).toHaveURL(`${airlock()}/`);
    await expect(page.getByRole('heading', { level: 1, name: 'No access' })).toBeVisible();
    await expect(page.getByTestId('no-access')).toContainText('none of your groups grants a role');
    await expect(page.getByTestId('groups')).toContainText('interns');
    const again = await page.goto('/tenants');
    expect(again?.status()).toBe(403);
    await expect(page.getByTestId('no-access')).toBeVisible();
  });
});

test.describe('the demo sign-in', () => {
  const PAGES = ['/', '/tenants', '/tenants/acme', '/environments/production', '/regions/frankfurt', '/releases'];

  test('shows its warning banner on the sign-in page and on every page of the app', async ({ page }) => {
    await page.goto('/auth/login');
    await expect(page.getByTestId('demo-banner')).toBeVisible();

    await signInAsDemo(page, 'vic');
    for (const address of PAGES) {
      const response = await page.goto(address);
      expect(response?.status(), address).toBe(200);
      await hydrated(page);
      await expect(page.getByTestId('demo-banner'), address).toHaveCount(1);
      await expect(page.getByTestId('demo-banner'), address).toContainText('Demo sign-in is ON');
    }
  });

  test('signs a demo person in and out', async ({ page }) => {
    await signInAsDemo(page, 'ada', '/releases');
    await expect(page).toHaveURL(/\/releases$/);
    await expect(page.getByTestId('acting-as')).toContainText('Signed in as ada');
    expect((await me(page)).body.roles).toContain('approver');

    await page.getByTestId('sign-out').click();

    // Straight back (no provider involved).
    await expect(page).toHaveURL(/\/auth\/signed-out$/);
    await expect(page.getByTestId('signed-out')).toBeVisible();
    const response = await page.goto('/releases');
    expect(response?.status()).toBe(200);
    await expect(page).toHaveURL(loginAddress('/releases'));
    expect((await me(page)).status).toBe(401);
  });
});
