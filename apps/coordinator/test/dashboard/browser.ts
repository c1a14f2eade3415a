// The headless Chromium the dashboard's browser tests drive (Debian's, or DROVER_CHROMIUM).
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM = process.env['DROVER_CHROMIUM'] ?? '/usr/lib/chromium/chromium';

/** A headless Chromium without sandbox, GPU or background traffic (close it in afterAll). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
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
}
