import { test, expect, tenantMatrix, shownCount, visibleHealths, withoutJs, signedInAsViewer } from './fixtures';
import type { Page } from '@playwright/test';

// Every page needs sign-in: these tests read as vic, a viewer (demo sign-in).
signedInAsViewer();

const ATTENTION = ['degraded', 'failing'];

/**
 * For each body cell of the tenant's row: its classes and what the matrix
 * header says about its column (texts, links and data attributes of every
 * header cell above it, lower-cased), so a test can find "production ×
 * frankfurt" whether the header has one row or an environment row above a
 * region row.
 */
async function cellsByColumn(page: Page, slug: string) {
  return page.getByTestId('tenant-matrix').evaluate((table, slug) => {
    const describe = (cell: Element) =>
      [
        cell.textContent ?? '',
        ...[...cell.querySelectorAll('a[href]')].map((a) => a.getAttribute('href') ?? ''),
        ...[cell, ...cell.querySelectorAll('*')].flatMap((el) =>
          [...el.attributes].filter((a) => a.name.startsWith('data-') || a.name === 'title' || a.name === 'aria-label').map((a) => a.value),
        ),
      ]
        .join(' ')
        .toLowerCase();
    // Lay the header rows out on a grid, honouring colspan and rowspan.
    const columns: string[] = [];
    const occupied: boolean[][] = [];
    const headRows = [...(table as HTMLTableElement).querySelectorAll('thead tr')] as HTMLTableRowElement[];
    headRows.forEach((tr, r) => {
      occupied[r] ??= [];
      let c = 0;
      for (const cell of [...tr.cells]) {
        while (occupied[r][c]) c++;
        for (let dr = 0; dr < cell.rowSpan; dr++) {
          for (let dc = 0; dc < cell.colSpan; dc++) {
            (occupied[r + dr] ??= [])[c + dc] = true;
            columns[c + dc] = `${columns[c + dc] ?? ''} ${describe(cell)}`;
          }
        }
        c += cell.colSpan;
      }
    });
    const row = (table as HTMLTableElement).querySelector(`tbody tr[data-tenant="${slug}"]`) as HTMLTableRowElement | null;
    if (!row) return [];
    const cells: { column: string; classes: string[] }[] = [];
    let c = 0;
    for (const cell of [...row.cells]) {
      if (cell.tagName === 'TD') {
        for (let dc = 0; dc < cell.colSpan; dc++) cells.push({ column: columns[c + dc] ?? '', classes: [...cell.classList] });
      }
      c += cell.colSpan;
    }
    return cells;
  }, slug);
}

test.describe('the tenants matrix', () => {
  test('lists every tenant with a link to its page', async ({ page }) => {
    const response = await page.goto('/tenants');
    expect(response?.status()).toBe(200);
    const matrix = tenantMatrix(page);
    await expect(matrix.table).toBeVisible();
    expect(await matrix.rows.count()).toBeGreaterThanOrEqual(12);

    const links = await matrix.rows.evaluateAll((trs) =>
      trs.map((tr) => ({
        slug: tr.getAttribute('data-tenant'),
        hrefs: [...tr.querySelectorAll('th[scope="row"] a')].map((a) => a.getAttribute('href')),
      })),
    );
    for (const { slug, hrefs } of links) {
      expect(hrefs, `the row header of ${slug} links to its page`).toContain(`/tenants/${slug}`);
    }
    // Unfiltered, every row shows and the count says so.
    const { shown, total } = await shownCount(matrix.count);
    expect(total).toBe(links.length);
    expect(shown).toBe(total);
  });

  test('marks regions outside an EU tenant’s residency as not allowed', async ({ page }) => {
    await page.goto('/tenants');
    const acme = tenantMatrix(page).row('acme');
    await expect(acme).toBeVisible();

    const cells = await cellsByColumn(page, 'acme');
    const production = cells.filter((cell) => cell.column.includes('production'));
    const others = production.filter((cell) => !cell.column.includes('frankfurt'));
    const frankfurt = production.filter((cell) => cell.column.includes('frankfurt'));
    expect(others.length, 'the header names production columns of the other regions').toBeGreaterThanOrEqual(4);
    expect(frankfurt.length, 'the header names one production × frankfurt column').toBe(1);
    for (const cell of others) {
      expect(cell.classes, `acme's cell under "${cell.column.trim()}"`).toContain('cell-not-allowed');
    }
    expect(frankfurt[0].classes).not.toContain('cell-not-allowed');
    expect(frankfurt[0].classes).toContain('cell-running');
  });

  test('shows the version and health of running workloads', async ({ page }) => {
    await page.goto('/tenants');
    const running = tenantMatrix(page).table.locator('tbody td.cell-running');
    expect(await running.count()).toBeGreaterThan(0);

    const cells = await running.evaluateAll((tds) =>
      tds.map((td) => ({
        classes: [...td.classList],
        version: td.querySelector('.version')?.textContent?.trim() ?? '',
      })),
    );
    for (const cell of cells) {
      expect(cell.classes.filter((c) => /^health-(healthy|unknown|degraded|failing)$/.test(c))).toHaveLength(1);
      expect(cell.version).toMatch(/^\d+\.\d+\.\d+/);
    }
    // Running cells never claim to be empty or forbidden.
    await expect(tenantMatrix(page).table.locator('td.cell-running.cell-not-allowed, td.cell-running.cell-empty')).toHaveCount(0);
  });

  test('flags version drift and tenants that need attention', async ({ page }) => {
    await page.goto('/tenants');
    const { table, rows } = tenantMatrix(page);
    expect(await table.locator('tbody td.drift').count()).toBeGreaterThan(0);
    expect(await table.locator('tbody td.drift.cell-running').count()).toBe(await table.locator('tbody td.drift').count());
    const troubled = rows.and(page.locator('[data-health="degraded"], [data-health="failing"]'));
    expect(await troubled.count()).toBeGreaterThan(0);
  });

  test('leads from a tenant’s row to its page', async ({ page }) => {
    await page.goto('/tenants');
    const acme = tenantMatrix(page).row('acme');
    const link = acme.getByRole('rowheader').locator('a[href="/tenants/acme"]');
    await expect(link).toHaveText('Acme Corp');

    await link.click();

    await expect(page).toHaveURL(/\/tenants\/acme$/);
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Acme Corp');
    await expect(page.locator('main')).toContainText('frankfurt', { ignoreCase: true });
  });

  test('opens a tenant’s page by its address', async ({ page }) => {
    const response = await page.goto('/tenants/acme');
    expect(response?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Acme Corp');
    await expect(page.locator('main')).toContainText('frankfurt', { ignoreCase: true });
  });
});

test.describe('the matrix filter without JavaScript', () => {
  test.beforeEach(async ({}, testInfo) => {
    test.skip(!withoutJs(testInfo.project.name), 'the plain GET form is what the no-js project sees');
  });

  test('is a GET form the server answers', async ({ page }) => {
    await page.goto('/tenants');
    const { form, text, health, service } = tenantMatrix(page);
    await expect(form).toHaveAttribute('method', /^get$/i);
    await expect(form).toHaveAttribute('action', '/tenants');
    await expect(form).toHaveAttribute('role', 'search');
    await expect(form).toHaveAttribute('data-hydrated', 'false');
    await expect(text).toHaveAttribute('name', 'q');
    await expect(health).toHaveAttribute('name', 'health');
    await expect(service).toHaveAttribute('name', 'service');
    await expect(form.getByRole('button', { name: 'Apply' })).toHaveAttribute('type', 'submit');
    await expect(health.locator('option')).toHaveText([
      'Any health',
      'Needs attention',
      'Healthy',
      'Progressing',
      'Unknown',
      'Degraded',
      'Missing',
      'Failing',
    ]);
  });

  test('submitting a search text keeps only the matching tenants', async ({ page }) => {
    await page.goto('/tenants');
    const matrix = tenantMatrix(page);
    const total = await matrix.rows.count();

    await matrix.text.fill('acme');
    await matrix.form.getByRole('button', { name: 'Apply' }).click();

    await expect(page).toHaveURL(/\/tenants\?(.*&)?q=acme(&|$)/);
    await expect(matrix.text).toHaveValue('acme');
    await expect(matrix.row('acme')).toBeVisible();
    // The other rows are still in the page, hidden.
    await expect(matrix.rows).toHaveCount(total);
    await expect(matrix.table.locator('tbody tr[data-tenant]:not([data-tenant="acme"])').first()).toBeHidden();
    const shown = await matrix.visibleRows.count();
    expect(shown).toBeGreaterThanOrEqual(1);
    expect(shown).toBeLessThan(total);
    await expect(matrix.table.locator('tbody tr[data-tenant][hidden]')).toHaveCount(total - shown);
    expect(await shownCount(matrix.count)).toEqual({ shown, total });
  });

  test('choosing "Needs attention" keeps only degraded and failing tenants', async ({ page }) => {
    await page.goto('/tenants');
    const matrix = tenantMatrix(page);
    const total = await matrix.rows.count();

    await matrix.health.selectOption({ label: 'Needs attention' });
    await matrix.form.getByRole('button', { name: 'Apply' }).click();

    await expect(page).toHaveURL(/\/tenants\?(.*&)?health=attention(&|$)/);
    await expect(matrix.health).toHaveValue('attention');
    const healths = await visibleHealths(matrix.rows);
    expect(healths.length).toBeGreaterThan(0);
    expect(healths.length).toBeLessThan(total);
    for (const health of healths) expect(ATTENTION).toContain(health);
    expect(await shownCount(matrix.count)).toEqual({ shown: healths.length, total });
  });
});

test.describe('a filtered address', () => {
  // Both projects: the server renders the filter, and hydration must keep it.
  test('shows the filtered matrix and the filter that made it', async ({ page }, testInfo) => {
    const response = await page.goto('/tenants?q=acme&health=attention');
    expect(response?.status()).toBe(200);
    const matrix = tenantMatrix(page);
    if (!withoutJs(testInfo.project.name)) await expect(matrix.form).toHaveAttribute('data-hydrated', 'true');

    await expect(matrix.text).toHaveValue('acme');
    await expect(matrix.health).toHaveValue('attention');
    // acme is healthy, so nothing matches both.
    await expect(matrix.visibleRows).toHaveCount(0);
    const { shown, total } = await shownCount(matrix.count);
    expect(shown).toBe(0);
    expect(total).toBe(await matrix.rows.count());

    const again = await page.goto('/tenants?health=attention');
    expect(again?.status()).toBe(200);
    if (!withoutJs(testInfo.project.name)) await expect(matrix.form).toHaveAttribute('data-hydrated', 'true');
    const healths = await visibleHealths(matrix.rows);
    expect(healths.length).toBeGreaterThan(0);
    for (const health of healths) expect(ATTENTION).toContain(health);
  });
});

test.describe('the matrix filter once hydrated', () => {
  test.beforeEach(async ({}, testInfo) => {
    test.skip(withoutJs(testInfo.project.name), 'filtering as you type needs the wasm bundle');
  });

  test('narrows the rows as you type, without loading a page', async ({ page }) => {
    await page.goto('/tenants');
    const matrix = tenantMatrix(page);
    await expect(matrix.form).toHaveAttribute('data-hydrated', 'true');
    const total = await matrix.rows.count();
    await expect(matrix.visibleRows).toHaveCount(total);
    const slug = (await matrix.rows.first().getAttribute('data-tenant')) ?? '';
    expect(slug).not.toBe('');
    const address = page.url();
    // A full page load would lose this.
    await page.evaluate(() => ((window as unknown as { __stillHere: boolean }).__stillHere = true));

    await matrix.text.pressSequentially(slug, { delay: 30 });

    await expect(matrix.row(slug)).toBeVisible();
    await expect.poll(() => matrix.visibleRows.count()).toBeLessThan(total);
    const shown = await matrix.visibleRows.count();
    await expect(matrix.count).toHaveText(new RegExp(`Showing ${shown} of ${total} tenants`));
    expect(page.url()).toBe(address);
    expect(await page.evaluate(() => (window as unknown as { __stillHere?: boolean }).__stillHere)).toBe(true);

    await matrix.text.clear();

    await expect(matrix.visibleRows).toHaveCount(total);
    await expect(matrix.count).toHaveText(new RegExp(`Showing ${total} of ${total} tenants`));
    expect(page.url()).toBe(address);
  });

  test('narrows the rows to those needing attention when the health is chosen', async ({ page }) => {
    await page.goto('/tenants');
    const matrix = tenantMatrix(page);
    await expect(matrix.form).toHaveAttribute('data-hydrated', 'true');
    const total = await matrix.rows.count();
    const address = page.url();
    await page.evaluate(() => ((window as unknown as { __stillHere: boolean }).__stillHere = true));

    await matrix.health.selectOption('attention');

    await expect.poll(() => matrix.visibleRows.count()).toBeLessThan(total);
    const healths = await visibleHealths(matrix.rows);
    expect(healths.length).toBeGreaterThan(0);
    for (const health of healths) expect(ATTENTION).toContain(health);
    await expect(matrix.count).toHaveText(new RegExp(`Showing ${healths.length} of ${total} tenants`));
    expect(page.url()).toBe(address);
    expect(await page.evaluate(() => (window as unknown as { __stillHere?: boolean }).__stillHere)).toBe(true);

    await matrix.health.selectOption('');

    await expect(matrix.visibleRows).toHaveCount(total);
  });
});
