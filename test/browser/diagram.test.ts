import type { Browser, Page } from 'playwright-core';
import fs from 'node:fs';
import { builtinLabs } from '../../src/lab/load.js';
import { topologyOf } from '../../src/report/topology.js';
import { diagramDot, dotToSvg } from '../../src/report/diagram.js';
import { artifactPath, inkFraction, launchBrowser } from '../helpers/browser.js';

const EXPECTED_SPOFS: Record<string, Record<string, string>> = {
  'single-server': { dns: 'all', web: 'all', app: 'all', db: 'all' },
  distributed: { dns: 'all', lb: 'all', 'db-primary': 'writes' },
  'secured-monitored': { dns: 'all', lb: 'all', 'db-primary': 'writes' },
  'scale-up': { dns: 'all', 'db-primary': 'writes' },
};

let browser: Browser;
let page: Page;
beforeAll(async () => {
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
}, 120_000);
afterAll(async () => browser?.close());

describe.each(builtinLabs().map((l) => [l.name, l] as const))('the diagram of %s in Chromium', (name, lab) => {
  test('parses, holds every component and record, marks exactly the expected SPOFs, and is drawn', async () => {
    const svg = await dotToSvg(diagramDot(topologyOf(lab)));
    const parsed = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
      return {
        error: doc.querySelector('parsererror')?.textContent ?? null,
        components: [...doc.querySelectorAll('g.node.component')].map((g) => g.id),
        spofs: [...doc.querySelectorAll('g.node.spof')].map((g) => [g.id, [...g.classList].find((c) => c.startsWith('spof-'))]),
        records: [...doc.querySelectorAll('g.node.record text')].map((t) => t.textContent!.replace(/\s+/g, ' ').trim()),
      };
    }, svg);
    expect(parsed.error).toBeNull();
    expect(parsed.components.sort()).toEqual(lab.components.map((c) => `c-${c.name}`).sort());
    expect(Object.fromEntries(parsed.spofs.map(([id, kind]) => [id!.slice(2), kind!.slice(5)]))).toEqual(EXPECTED_SPOFS[name]);
    expect(parsed.records.sort()).toEqual(topologyOf(lab).records.map((r) => `${r.fqdn} ${r.type} ${r.type === 'A' ? `address of ${r.value}` : r.value}`).sort());

    // At 1280 px wide, as a page shows it.
    await page.setContent(`<!doctype html><body style="margin:0;background:#fff"><style>svg{max-width:100%;height:auto}</style>${svg}</body>`);
    const png = await page.screenshot({ fullPage: true });
    fs.writeFileSync(artifactPath(`diagram-${name}.png`), png);
    const shown = await page.evaluate(() => document.querySelector('svg')!.getBoundingClientRect().width);
    expect(shown).toBeGreaterThan(600);
    expect(shown).toBeLessThanOrEqual(1280);
    expect(await inkFraction(page, png)).toBeGreaterThan(0.03);
  }, 120_000);
});
