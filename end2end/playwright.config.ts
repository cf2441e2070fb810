import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests for Airlock, run against a live server.
 *
 * `scripts/test` starts the `airlock` binary that `cargo test` built, with the
 * site `cargo leptos build --frontend-only` built, then runs `npx playwright
 * test` here with AIRLOCK_BASE_URL; `global-setup.ts` waits until the server
 * is ready. To test a server that is already running elsewhere:
 *
 *     AIRLOCK_BASE_URL=http://127.0.0.1:3000 npx playwright test
 *
 * Every page needs sign-in. The specs sign in through the demo sign-in
 * (`AIRLOCK_DEMO_SIGN_IN=true`) and through the test OpenID provider
 * (`node oidc/provider.mjs oidc/e2e-accounts.json`, port 3100), so the server
 * under test needs both, configured as the e2e stage of scripts/test does
 * (AIRLOCK_OIDC_ISSUER, _CLIENT_ID, _CLIENT_SECRET, _ROLE_MAP), and the
 * provider must be up before the server starts.
 *
 * The browser is Debian's Chromium (`apt-get install chromium`):
 * `npx playwright install` downloads browsers and cannot work here.
 */
const baseURL = process.env.AIRLOCK_BASE_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  // Two cores: one browser at a time, next to the server.
  workers: 1,
  fullyParallel: false,
  // A flaky test is a bug to fix, not to retry (in CI too).
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: 'list',
  globalSetup: './global-setup.ts',
  use: {
    baseURL,
    trace: 'off',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [
    // Hydrated: the wasm bundle runs, the router and the live filter work.
    { name: 'js', use: { javaScriptEnabled: true } },
    // Server-rendered HTML and plain links and forms only.
    { name: 'no-js', use: { javaScriptEnabled: false } },
  ],
});
