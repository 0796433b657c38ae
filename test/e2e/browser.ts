import fs from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/**
 * Debian's Chromium, driven by playwright-core: CI installs it with apt (.ci/run) and no browser is
 * ever downloaded. TEMPER_CHROMIUM names another binary.
 */
export const CHROMIUM = process.env.TEMPER_CHROMIUM ?? '/usr/bin/chromium';

/** The viewport of the screenshots in docs/images. */
export const VIEWPORT = { width: 1280, height: 800 };

/**
 * Why the GUI tests cannot run here, or null when they can. Under CI a missing browser is an
 * error, not a skip: the suite must not pass green without having driven the GUI.
 */
export function chromiumMissing(): string | null {
  if (fs.existsSync(CHROMIUM)) return null;
  const reason = `no Chromium at ${CHROMIUM} (apt-get install chromium, or set TEMPER_CHROMIUM)`;
  if (/^(1|true)$/i.test(process.env.CI ?? '')) throw new Error(`CI needs the GUI tests: ${reason}`);
  return reason;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
