import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, signInAsDemo, signOut, sameOrigin, uniqueVersion } from './fixtures';

/**
 * The world as code, as an operator and the people it affects meet it: the
 * operator applies a world file that freezes staging (`airlock apply`, the
 * command line, on the portal's own database); the open release page shows
 * the freeze and the gate stays shut; an admin breaks the glass in writing;
 * one approval then opens it. Both projects: every step is a plain form.
 * The demo world is applied again afterwards, so the other specs see it.
 */

const dataDir = process.env.AIRLOCK_DATA_DIR;
const airlock = join(__dirname, '..', '..', 'target', 'debug', 'airlock');
const demoFile = join(__dirname, '..', '..', 'backend', 'demo', 'world.yaml');
const demoTemplate = join(__dirname, '..', '..', 'backend', 'demo', 'jobs', 'production.yaml');
const staging = '  - name: staging\n    protected: false\n    creates_namespaces: true\n';

/** Applies `text` as the world file, with the demo's job template beside it. */
function applyWorld(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-world-'));
  mkdirSync(join(dir, 'jobs'));
  writeFileSync(join(dir, 'jobs', 'production.yaml'), readFileSync(demoTemplate));
  writeFileSync(join(dir, 'world.yaml'), text);
  return execFileSync(airlock, ['apply', '-f', join(dir, 'world.yaml')], { env: { ...process.env }, encoding: 'utf8' });
}

function frozenStaging(): string {
  const at = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const demo = readFileSync(demoFile, 'utf8');
  expect(demo).toContain(staging);
  const freeze = `    freezes:\n      - name: e2e-freeze\n        from: ${at(-1)}\n        until: ${at(2)}\n        reason: Load test in progress\n`;
  return demo.replace(staging, staging + freeze);
}

test.describe('freeze windows', () => {
  test.skip(!dataDir, "needs the portal's data directory (AIRLOCK_DATA_DIR) to apply a world with the command line");

  test('a freeze shuts the gate until an admin breaks the glass in writing', async ({ page }) => {
    test.setTimeout(90_000);
    const plan = applyWorld(frozenStaging());
    expect(plan).toContain('~ change environment staging');
    try {
      await signInAsDemo(page, 'rita', '/releases');
      const created = await page.request.post('/rpc/create_release', {
        headers: { ...sameOrigin(), Accept: 'text/html' },
        form: { service: 'api', version: uniqueVersion(), environment: 'staging', 'targets[0]': 'acme/frankfurt', notes: '' },
        maxRedirects: 0,
      });
      expect(created.status()).toBe(302);
      const path = new URL(created.headers()['location'], page.url()).pathname;

      // The portal follows a world applied from the command line within a second or so.
      await expect(async () => {
        await page.goto(path);
        await expect(page.getByTestId('freeze')).toContainText('e2e-freeze', { timeout: 1_000 });
      }).toPass({ timeout: 15_000 });
      await expect(page.getByTestId('freeze')).toContainText('Load test in progress');
      await expect(page.getByTestId('gate')).toContainText('staging is frozen until');
      await expect(page.locator('#break-glass-form')).toHaveCount(0);

      await signOut(page);
      await signInAsDemo(page, 'root', path);
      await page.locator('#break-glass-reason').fill('Fix for the checkout outage');
      await page.getByRole('button', { name: 'Break the glass' }).click();
      await expect(page.getByTestId('break-glass')).toContainText('Glass broken by root');
      await expect(page.getByTestId('break-glass')).toContainText('Fix for the checkout outage');
      await expect(page.getByTestId('gate')).toContainText('Needs 1 approvals');

      await signOut(page);
      await signInAsDemo(page, 'ada', path);
      await page.getByRole('button', { name: 'Approve revision 1' }).click();
      await expect(page.getByTestId('gate')).toContainText('Gate open');
    } finally {
      applyWorld(readFileSync(demoFile, 'utf8'));
    }
  });
});
