import { jest } from '@jest/globals';
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { spawn, type ChildProcess } from 'node:child_process';
import { binary } from '../helpers/cli.js';
import type { Browser } from 'playwright-core';
import { docker, useLiveLab } from '../helpers/live.js';
import { artifactPath, inkFraction, launchBrowser } from '../helpers/browser.js';

jest.setTimeout(600_000);

/** The pictures of a live single-server lab, looked at in Chromium. */
describe('single-server in a browser', () => {
  const lab = useLiveLab('single-server');
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => browser?.close());

  test('an experiment writes a self-contained HTML report that shows the outage; report lists it and prints it', async () => {
    const r = lab.run(['experiment', lab.name, 'kill-db', '--flavor', 'debian', '--json']);
    if (r.code !== 0) throw new Error(`experiment exited ${r.code}:\n${r.stderr}`);
    const report = JSON.parse(r.stdout) as { all: { failed: number; longestMs: number }; files: { json: string; markdown: string; html: string } };
    expect(fs.existsSync(report.files.html)).toBe(true);

    const listed = lab.run(['report', lab.name]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/kill-db-\d{8}-\d{6}\s+as expected/);
    expect(listed.stdout).toContain(`newest: ${report.files.html}`);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requested: string[] = [];
    page.on('request', (req) => requested.push(req.url()));
    await page.goto(pathToFileURL(report.files.html).toString());
    // Self-contained: the page asked for nothing but itself.
    expect(requested).toEqual([pathToFileURL(report.files.html).toString()]);
    const shown = await page.evaluate(() => ({
      failed: document.querySelectorAll('svg.timeline rect.sample.layer-database').length,
      ok: document.querySelectorAll('svg.timeline rect.sample.ok').length,
      outages: [...document.querySelectorAll('svg.timeline .outage-label')].map((t) => t.textContent),
      events: [...document.querySelectorAll('svg.timeline .event.strong .event-label')].map((t) => t.textContent),
      broken: document.querySelector('.diagram g#c-db')?.getAttribute('class'),
      verdict: document.querySelector('.verdict')?.textContent,
    }));
    expect(shown.failed).toBe(report.all.failed);
    expect(shown.ok).toBeGreaterThan(0);
    expect(shown.outages).toContain(`outage ${(report.all.longestMs / 1000).toFixed(1)} s`);
    expect(shown.events).toEqual(expect.arrayContaining(['db kill', 'db die', 'db start', 'db healthy']));
    expect(shown.broken).toContain('state-broken');
    expect(shown.verdict).toBe('Verdict: as expected');
    const png = await page.screenshot({ fullPage: true });
    fs.writeFileSync(artifactPath('report-single-server-kill-db.png'), png);
    expect(await inkFraction(page, png)).toBeGreaterThan(0.03);
    await page.close();
  });

  test('the dashboard: break db shows it down with database failures within 2 s, heal brings it back, no token no page', async () => {
    const ui = spawn(process.execPath, [binary, 'ui', '--lab', lab.name, '--json'], { env: { ...process.env, INFRA_LAB_HOME: lab.home }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await firstLine(ui);
      const { origin } = new URL(url);
      expect((await fetch(`${origin}/`)).status).toBe(403);
      expect((await fetch(`${origin}/api/events?token=wrong`)).status).toBe(403);
      expect((await fetch(`${origin}/api/break`, { method: 'POST', body: JSON.stringify({ component: 'db', mode: 'kill' }) })).status).toBe(403);

      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      await page.goto(url);
      await page.waitForSelector('#c-db[data-state="up"]', { timeout: 30_000 });
      await page.waitForFunction(() => document.querySelectorAll('#timeline rect.sample.ok').length > 10, undefined, { timeout: 30_000 });

      const clicked = Date.now();
      await page.click('#break-db');
      await page.waitForSelector('#c-db[data-state="down"]', { timeout: 2000 });
      await page.waitForSelector('#timeline rect.layer-database', { timeout: Math.max(1, clicked + 2000 - Date.now()) });
      await page.waitForTimeout(1000);
      fs.writeFileSync(artifactPath('dashboard-db-down.png'), await page.screenshot({ fullPage: true }));

      await page.click('#heal-db');
      await page.waitForSelector('#c-db[data-state="up"]', { timeout: 120_000 });
      // Requests succeed again: the last 5 s hold requests and none failed.
      await page.waitForFunction(() => document.getElementById('counts')!.dataset.failed === '0' && document.querySelectorAll('#timeline rect.sample.ok').length > 10, undefined, { timeout: 30_000 });
      fs.writeFileSync(artifactPath('dashboard-healed.png'), await page.screenshot({ fullPage: true }));
      await page.close();
    } finally {
      ui.kill('SIGINT');
    }
    const code = await new Promise<number | null>((resolve) => (ui.exitCode !== null ? resolve(ui.exitCode) : ui.once('exit', resolve)));
    expect(code).toBe(0);
    // The dashboard's probe is gone with it.
    expect(docker(['ps', '-a', '-q', '--filter', `label=dev.infra-lab.helper=${lab.projectName}`]).stdout.trim()).toBe('');
  });
});

/** The first line the process writes on stdout: the dashboard's URL, as JSON. */
function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0]) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`infra-lab ui exited ${code}: ${err}`)));
  });
}
