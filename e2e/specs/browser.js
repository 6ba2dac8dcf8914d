// Shared setup: Debian's Chromium in headless mode through playwright-core.
import { chromium } from 'playwright-core';

export const BASE = process.env.ATHAR_URL ?? 'http://127.0.0.1:8080';
export const ARTIFACTS = process.env.ATHAR_ARTIFACTS ?? 'artifacts';

export async function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

// A phone: 360 × 740, touch, and (unless asked) no JavaScript at all, as on a cheap phone with
// scripts off: every flow must work without it.
export async function phone(browser, { javaScript = false, locale = 'ar-SY' } = {}) {
  return browser.newContext({
    viewport: { width: 360, height: 740 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    javaScriptEnabled: javaScript,
    locale,
  });
}

// A unique synthetic name part per run, so reports from earlier runs never collide.
export function unique(prefix) {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}
