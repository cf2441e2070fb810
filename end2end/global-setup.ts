import type { FullConfig } from '@playwright/test';

/**
 * `cargo leptos end-to-end` starts the server and the tests at the same
 * moment, so wait until the server says it is ready before any test runs.
 */
const READY_TIMEOUT_MS = 180_000;
const POLL_INTERVAL_MS = 500;
const REQUEST_TIMEOUT_MS = 5_000;

export default async function globalSetup(config: FullConfig): Promise<void> {
  const baseURL =
    config.projects.find((p) => p.use.baseURL)?.use.baseURL ??
    process.env.AIRLOCK_BASE_URL ??
    'http://127.0.0.1:3000';
  const readyURL = new URL('/health/ready', baseURL).toString();

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(readyURL, {
        redirect: 'manual',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      if (response.status === 200) return;
      lastProblem = `HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      lastProblem = cause ?? String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  throw new Error(
    `Airlock did not become ready: GET ${readyURL} did not answer 200 within ` +
      `${READY_TIMEOUT_MS / 1000} s (last: ${lastProblem}). Start the server ` +
      `(cargo leptos end-to-end does) or set AIRLOCK_BASE_URL to a running one.`,
  );
}
