// The headless Chromium the dashboard's browser tests drive (Debian's, or DROVER_CHROMIUM).
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

const CHROMIUM = process.env['DROVER_CHROMIUM'] ?? '/usr/lib/chromium/chromium';

/**
 * How long a click, fill or wait may take before it fails naming its locator: playwright's own
 * default is no limit, so an action on an element that never shows (a page gone back to sign-in)
 * would only end at the test's 30 s, saying nothing of what it waited for.
 */
export const ACTION_TIMEOUT_MS = 20_000;

/**
 * A headless Chromium without sandbox, GPU or background traffic (close it in afterAll); each
 * context it opens (browser.newPage opens one too) gives its actions ACTION_TIMEOUT_MS.
 */
export async function launchChromium(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
  const open = browser.newContext.bind(browser);
  browser.newContext = async (...args): Promise<BrowserContext> => {
    const context = await open(...args);
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    return context;
  };
  return browser;
}
