/** Debian's chromium driven by playwright-core, with every console error and page error collected. */
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Records console errors and uncaught page errors; a test asserts the list is empty at its end. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()} @ ${msg.location().url}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  return errors;
}

/** Signs in to the console through its login form and waits for the dashboard. */
export async function signInConsole(
  page: Page,
  baseUrl: string,
  username: string,
  password: string,
): Promise<void> {
  await page.goto(`${baseUrl}/admin/login`);
  await page.locator('#login_username').fill(username);
  await page.locator('#login_password').fill(password);
  await page.locator('button[type=submit]').click();
  await page.getByTestId('dashboard-page').waitFor();
}

/** Presses the primary button of the dialog on top (OK, Save, Confirm). */
export async function confirmModal(page: Page): Promise<void> {
  await page.locator('.ant-modal-wrap:visible .ant-btn-primary').last().click();
}
