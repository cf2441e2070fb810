import * as fs from 'node:fs';
import * as path from 'node:path';
import { test, expect, tenantMatrix, withoutJs, signInAsDemo } from './fixtures';

// The README embeds this picture: docs/tenants-matrix.png at the repository root.
const SCREENSHOT = path.resolve(__dirname, '..', '..', 'docs', 'tenants-matrix.png');

test.use({ viewport: { width: 1400, height: 900 } });

test('the hydrated tenants matrix is photographed for the README', async ({ page }, testInfo) => {
  test.skip(withoutJs(testInfo.project.name), 'one picture, of the hydrated page');

  await signInAsDemo(page, 'vic', '/tenants');
  // The demo sign-in's warning banner is on every page here; it is not part of the matrix.
  // (Removed, not hidden by an injected <style>: the page's Content-Security-Policy allows no inline style.)
  await page.getByTestId('demo-banner').evaluate((banner) => banner.remove());
  const matrix = tenantMatrix(page);
  await expect(matrix.form).toHaveAttribute('data-hydrated', 'true');
  await expect(matrix.table).toBeVisible();
  await page.evaluate(async () => {
    await document.fonts.ready;
  });

  fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, animations: 'disabled', caret: 'hide' });

  expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
});
