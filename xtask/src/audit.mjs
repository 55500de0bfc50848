// The page's standard audits, driven by `cargo xtask audit` (xtask/src/audit.rs):
// Lighthouse (mobile and desktop presets) and axe-core in several states of
// the page, against a build served on loopback. Writes each tool's report
// and a summary.json that audit.rs checks against the thresholds.
//
// Usage: node audit.mjs URL OUT_DIR CHROMIUM RUNS
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import puppeteer from 'puppeteer-core';

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const [url, outDir, chromePath, runsArg] = process.argv.slice(2);
const runs = Number(runsArg) || 1;

// Without the networking flags Chromium keeps trying to reach the internet.
const chromeFlags = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
];

const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];

// One Lighthouse run per preset and repetition; the summary keeps the run
// with the median performance score, as Lighthouse's own docs advise for
// a noisy metric (docs/variability.md, "Run Lighthouse multiple times").
// Each run has a Chromium of its own (chrome-launcher gives each a fresh
// profile), so every run is a first visit, with nothing kept from the run
// before. Each run's transfer is printed: some runs record 12 KB instead
// of 330 KB (the module missing from Lighthouse's network records), in one
// browser or not, and their score is not comparable with the others'.
async function lighthouseRuns(preset) {
  const config = preset === 'desktop' ? desktopConfig : undefined;
  const results = [];
  for (let i = 0; i < runs; i++) {
    const chrome = await chromeLauncher.launch({ chromePath, chromeFlags });
    try {
      const r = await lighthouse(url, { port: chrome.port, output: ['html', 'json'], logLevel: 'error' }, config);
      const bytes = r.lhr.audits['total-byte-weight']?.numericValue;
      console.log(`lighthouse ${preset} run ${i + 1}: performance ${r.lhr.categories.performance.score}, transfer ${bytes} B`);
      results.push(r);
    } finally {
      await chrome.kill();
    }
  }
  results.sort((a, b) => a.lhr.categories.performance.score - b.lhr.categories.performance.score);
  const median = results[Math.floor(results.length / 2)];
  fs.writeFileSync(path.join(outDir, `lighthouse-${preset}.html`), median.report[0]);
  fs.writeFileSync(path.join(outDir, `lighthouse-${preset}.json`), median.report[1]);
  const lhr = median.lhr;
  const scores = Object.fromEntries(CATEGORIES.map((c) => [c, lhr.categories[c].score]));
  const metric = (id) => lhr.audits[id]?.numericValue ?? null;
  const failing = Object.values(lhr.audits)
    .filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode !== 'informative'
      && a.scoreDisplayMode !== 'notApplicable' && a.scoreDisplayMode !== 'manual')
    .map((a) => a.id);
  return {
    preset,
    scores,
    performance_runs: results.map((r) => r.lhr.categories.performance.score),
    lcp_ms: metric('largest-contentful-paint'),
    fcp_ms: metric('first-contentful-paint'),
    tbt_ms: metric('total-blocking-time'),
    cls: metric('cumulative-layout-shift'),
    transfer_bytes: metric('total-byte-weight'),
    failing_audits: failing,
  };
}

// The planner's controls are there once the app has rendered.
// The planner once every drawing step is done: the export panel is the last.
async function openPlanner(page) {
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('#export', { timeout: 60000 });
}

async function axeRun(page, viewport, state) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
    await page.evaluate(axeSource);
  }
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const name = `axe-${viewport}-${state}.json`;
  fs.writeFileSync(path.join(outDir, name), JSON.stringify(result, null, 2));
  return {
    viewport,
    state,
    report: name,
    violations: result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      nodes: v.nodes.map((n) => n.target.join(' ')),
    })),
  };
}

// Clicks each "+ section" button of the "Add a system" panel until none is
// left, waiting for the page to render the section after each.
async function addEverySection(page) {
  for (;;) {
    const id = await page.evaluate(() => document.querySelector('.panel.add button')?.id ?? null);
    if (!id) return;
    await page.click(`#${id}`);
    await page.waitForFunction((gone) => !document.getElementById(gone), {}, id);
  }
}

async function axeStates(browser, width, height) {
  const viewport = `${width}x${height}`;
  const page = await browser.newPage();
  await page.setViewport({ width, height });
  await openPlanner(page);
  const out = [await axeRun(page, viewport, 'initial')];
  await addEverySection(page);
  out.push(await axeRun(page, viewport, 'every-section'));
  await page.click('#nav-dump');
  await page.waitForSelector('#dump-view *', { timeout: 60000 });
  out.push(await axeRun(page, viewport, 'crash-dump'));
  await page.close();
  return out;
}

fs.mkdirSync(outDir, { recursive: true });
let chrome = null;
let exitCode = 0;
try {
  const summary = { url, runs, lighthouse: [], axe: [] };
  for (const preset of ['mobile', 'desktop']) {
    summary.lighthouse.push(await lighthouseRuns(preset));
  }
  chrome = await chromeLauncher.launch({ chromePath, chromeFlags });
  const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}` });
  for (const [w, h] of [[360, 740], [1280, 800]]) {
    summary.axe.push(...(await axeStates(browser, w, h)));
  }
  await browser.disconnect();
  fs.writeFileSync(path.join(outDir, 'summary.json'), JSON.stringify(summary, null, 2));
} catch (e) {
  console.error(e);
  exitCode = 1;
} finally {
  await chrome?.kill();
}
process.exit(exitCode);
