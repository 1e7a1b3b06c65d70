import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { repoRoot } from './cli.js';

/** Debian's chromium package (scripts/setup-debian-host.sh installs it); playwright-core downloads nothing. */
export const CHROMIUM = process.env.INFRA_LAB_CHROMIUM ?? '/usr/bin/chromium';

/** Headless Chromium, driven by playwright-core. A missing browser fails the test, with what to do. */
export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`browser tests need Chromium at ${CHROMIUM}: apt-get install -y chromium (scripts/setup-debian-host.sh), or set INFRA_LAB_CHROMIUM`);
  const { chromium } = await import('playwright-core');
  // Chromium's sandbox refuses to run as root, which is how CI containers run.
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  return chromium.launch({ executablePath: CHROMIUM, args });
}

/** Where tests leave screenshots for people to look at (git-ignored). */
export function artifactPath(name: string): string {
  const dir = path.join(repoRoot, 'test-artifacts');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}

/** The share of pixels of a PNG that are not (nearly) white, counted by the browser itself. */
export async function inkFraction(page: Page, png: Buffer): Promise<number> {
  return page.evaluate(async (dataUrl) => {
    const img = new Image();
    img.src = dataUrl;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.width;
    canvas.height = img.height;
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const data = ctx.getImageData(0, 0, img.width, img.height).data;
    let ink = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] < 235 || data[i + 1] < 235 || data[i + 2] < 235) ink++;
    return ink / (data.length / 4);
  }, `data:image/png;base64,${png.toString('base64')}`);
}
