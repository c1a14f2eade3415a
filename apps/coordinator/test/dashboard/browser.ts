// The headless Chromium the dashboard's browser tests drive (Debian's, or DROVER_CHROMIUM).
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

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

/** A latch a test holds a request at: `passed` resolves once `open()` has been called. */
export function latch(): { passed: Promise<void>; open: () => void } {
  let open = () => {};
  const passed = new Promise<void>((resolve) => (open = resolve));
  return { passed, open };
}

/**
 * Counts, in `page`, the answers to `pathname` its code has read, each once the code after it has
 * run (a timer after the body is parsed); call before the page loads. The function returned
 * reads the count.
 */
export async function countAnswersRead(
  page: Page,
  pathname: string,
): Promise<() => Promise<number>> {
  await page.addInitScript(`if (window.answersRead === undefined) {
    const read = (window.answersRead = {});
    const json = Response.prototype.json;
    Response.prototype.json = async function () {
      const body = await json.call(this);
      const path = new URL(this.url).pathname;
      setTimeout(() => (read[path] = (read[path] ?? 0) + 1));
      return body;
    };
  }`);
  return async () =>
    Number(await page.evaluate(`window.answersRead[${JSON.stringify(pathname)}] ?? 0`));
}
