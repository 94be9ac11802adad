// Loads every page of a running aeserve console in headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core, which downloads no browser), and fails on any console error, page
// error, failed request or HTTP error, and on any picture that did not decode. Saves a full-page
// screenshot of each page. Usage: node check.mjs CONSOLE_URL SCREENSHOT_DIR
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

const [base, outDir] = process.argv.slice(2);
if (!base || !outDir) {
  console.error('usage: node check.mjs CONSOLE_URL SCREENSHOT_DIR');
  process.exit(2);
}
fs.mkdirSync(outDir, { recursive: true });
const origin = new URL(base).origin;
const MAX_PAGES = 60;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  // The machine's network is closed: without these, Chromium's background connections fail noisily.
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ viewport: { width: 1366, height: 800 } });
let passed = 0;
let failed = 0;
const seen = new Set();
const queue = [new URL('/', origin).href];

function slug(url) {
  const u = new URL(url);
  const s = (u.pathname + (u.search || '')).replace(/^\/+/, '').replace(/[^A-Za-z0-9._-]+/g, '_');
  return s === '' ? 'models' : s;
}

while (queue.length > 0 && seen.size < MAX_PAGES) {
  const url = queue.shift();
  if (seen.has(url)) continue;
  seen.add(url);
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console error: ' + m.text()); });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('requestfailed', (r) => problems.push('request failed: ' + r.url() + ' ' + (r.failure()?.errorText || '')));
  page.on('response', (r) => { if (r.status() >= 400) problems.push('HTTP ' + r.status() + ' for ' + r.url()); });
  const started = Date.now();
  let response;
  try {
    response = await page.goto(url, { waitUntil: 'load', timeout: 120000 });
  } catch (e) {
    problems.push('did not load: ' + e.message);
  }
  const loadMs = Date.now() - started;
  if (response && response.status() !== 200) problems.push('status ' + response.status());
  // Every picture decoded, at a size of its own (a broken image has naturalWidth 0).
  const images = await page.$$eval('img', (imgs) => imgs.map((i) => ({
    src: i.getAttribute('src'), complete: i.complete, w: i.naturalWidth, h: i.naturalHeight,
    ww: i.getAttribute('width'), wh: i.getAttribute('height') })));
  for (const img of images) {
    if (!img.complete || img.w === 0 || img.h === 0) {
      problems.push('picture did not decode: ' + img.src);
    } else if (img.ww === null || img.wh === null) {
      problems.push('picture without the size the page expects: ' + img.src);
    } else if (img.w !== Number(img.ww) || img.h !== Number(img.wh)) {
      // The page says what size each grid is; the decoded picture must be exactly that.
      problems.push(`picture is ${img.w}x${img.h}, the page expects ${img.ww}x${img.wh}: ${img.src}`);
    }
  }
  if (new URL(url).pathname === '/serving') {
    // The live table is swapped in every 2 s: wait for one refresh, which must not log an error.
    await page.waitForResponse((r) => r.url().endsWith('/serving/figures'), { timeout: 10000 })
      .catch(() => problems.push('the serving page did not refresh its figures'));
  }
  const shot = path.join(outDir, slug(url) + '.png');
  await page.screenshot({ path: shot, fullPage: true });
  const links = await page.$$eval('a[href]', (as) => as.map((a) => a.href));
  for (const l of links) {
    const u = new URL(l);
    u.hash = '';
    if (u.origin === origin && !seen.has(u.href) && !u.pathname.match(/\.(png|svg)$/)) queue.push(u.href);
  }
  if (problems.length === 0) {
    passed++;
    console.log(`ok ${new URL(url).pathname} (${images.length} pictures, ${loadMs} ms) -> ${shot}`);
  } else {
    failed++;
    console.log(`FAIL ${url}`);
    for (const p of problems) console.log('   ' + p);
  }
  await page.close();
}
// With CONSOLE_CHECK_ACT=1 (a server made for the test: it changes routing), one promote through
// the form of the first model with a split, as a person would: a real browser's POST, with its
// Origin header, must be accepted, land back on the rollouts page and show in the audit log.
if (process.env.CONSOLE_CHECK_ACT === '1') {
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console error: ' + m.text()); });
  page.on('response', (r) => { if (r.status() >= 400) problems.push('HTTP ' + r.status() + ' for ' + r.url()); });
  await page.goto(new URL('/rollouts', origin).href, { waitUntil: 'load' });
  const form = page.locator('h2[id] ~ div form[action$="/promote"]').first();
  if (await form.count() === 0) {
    problems.push('no model with a split to promote on /rollouts');
  } else {
    const action = await form.getAttribute('action');
    const version = await form.locator('select[name=version]').inputValue();
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), form.locator('button').click()]);
    if (new URL(page.url()).pathname !== '/rollouts') problems.push('the promote landed on ' + page.url());
    const first = await page.locator('#audit + table tr:nth-child(2)').innerText().catch(() => '');
    if (!first.includes('promote') || !first.includes(action.split('/')[2])) {
      problems.push('the audit log does not start with the promote: ' + first.replace(/\s+/g, ' '));
    }
    await page.screenshot({ path: path.join(outDir, 'rollouts-after-promote.png'), fullPage: true });
    if (problems.length === 0) console.log(`ok promote of v${version} through ${action}, audited: ${first.replace(/\s+/g, ' ')}`);
  }
  if (problems.length === 0) {
    passed++;
  } else {
    failed++;
    console.log('FAIL promote through the console');
    for (const p of problems) console.log('   ' + p);
  }
  await page.close();
}
await browser.close();
if (seen.size < 4) {
  console.log(`FAIL only ${seen.size} pages were reachable from ${base}`);
  failed++;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
