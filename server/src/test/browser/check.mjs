// Loads every page of a running aeserve console in headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core, which downloads no browser), and fails on any console error, page
// error, failed request or HTTP error, and on any picture that did not decode. Saves a full-page
// screenshot of each page. Usage: node check.mjs CONSOLE_URL SCREENSHOT_DIR
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';

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
// With CONSOLE_WRITE_TOKEN and CONSOLE_READ_TOKEN (a server with authentication on, made for this
// test: it changes routing), the console's actions as people take them, each checked afterwards
// through the gRPC API (the aeserve CLI, AESERVE_CLI, against AESERVE_TARGET):
//   - a promote posted without a token is refused (401, with a message) and changes nothing;
//   - signed in with a read-only token, the Promote button is refused (403, with a message) and
//     changes nothing;
//   - signed in with a registry:write token, the Promote button lands back on the rollouts page, the
//     gRPC API then serves the promoted version, and the audit log records the promote under the
//     token's name (CONSOLE_WRITE_NAME).
if (process.env.CONSOLE_WRITE_TOKEN) {
  try {
    const act = await actions();
    passed += act.passed;
    failed += act.failed;
  } catch (e) {
    failed++;
    console.log('FAIL the console actions did not finish');
    console.log('   ' + String(e.stderr || e.message || e).split('\n').slice(0, 5).join('\n   '));
  }
}

async function actions() {
  const result = { passed: 0, failed: 0 };
  const cli = (args) => {
    const out = execFileSync(process.env.AESERVE_CLI, [...args, '--server', process.env.AESERVE_TARGET],
      { env: { ...process.env, AESERVE_TOKEN: process.env.CONSOLE_WRITE_TOKEN }, encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'] });
    return out;
  };
  // What routing and the audit log are, read through the gRPC API.
  const routing = (model) => ({
    traffic: JSON.parse(cli(['traffic', 'show', model, '-o', 'json'])).primaries,
    aliases: JSON.parse(cli(['models', 'show', model, '-o', 'json'])).aliases,
    events: JSON.parse(cli(['events', '--model', model, '--limit', '5', '-o', 'json'])),
  });
  const verdict = (name, problems, detail) => {
    if (problems.length === 0) {
      result.passed++;
      console.log(`ok ${name}${detail ? ': ' + detail : ''}`);
    } else {
      result.failed++;
      console.log(`FAIL ${name}`);
      for (const p of problems) console.log('   ' + p);
    }
  };
  // A page of its own context (its own cookies), failing on console errors except those listed.
  const open = async (allowedStatus) => {
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 800 } });
    const page = await ctx.newPage();
    const problems = [];
    page.on('console', (m) => {
      // Chromium logs a refused request as a console error; the refusal under test is expected.
      const expected = allowedStatus && m.text().includes(`status of ${allowedStatus}`);
      if (m.type() === 'error' && !expected) problems.push('console error: ' + m.text());
    });
    page.on('pageerror', (e) => problems.push('page error: ' + e.message));
    return { ctx, page, problems };
  };
  const signIn = async (page, secret) => {
    await page.goto(new URL('/signin', origin).href, { waitUntil: 'load' });
    await page.fill('input[name=token]', secret);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/signin"] button')]);
  };
  const promoteForm = (page) => page.locator(`form[action="/models/${encodeURIComponent(model)}/promote"]`).first();

  // The first model being rolled out (a split: the rollouts page gives it a heading of its own); the
  // version to promote is the highest one its form offers.
  const look = await open();
  await look.page.goto(new URL('/rollouts', origin).href, { waitUntil: 'load' });
  const headings = look.page.locator('h2[id]:not(#audit)');
  const model = await headings.count() > 0 ? await headings.first().getAttribute('id') : null;
  await look.ctx.close();
  if (!model) {
    verdict('actions', ['no model on /rollouts to act on']);
    return result;
  }
  const before = routing(model);

  // 1. No token: the page offers no buttons; a form posted anyway (from the console's own origin,
  //    as a person's browser would) is refused with 401 and a message.
  {
    const { ctx, page, problems } = await open(401);
    await page.goto(new URL('/rollouts', origin).href, { waitUntil: 'load' });
    if (await page.locator('form[action$="/promote"] button').count() !== 0) {
      problems.push('the rollouts page offers Promote buttons without a token');
    }
    const [response] = await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      page.evaluate((action) => {
        const f = document.createElement('form');
        f.method = 'post';
        f.action = action;
        for (const [k, v] of [['version', '2'], ['alias', 'production']]) {
          const i = document.createElement('input');
          i.name = k;
          i.value = v;
          f.appendChild(i);
        }
        document.body.appendChild(f);
        f.submit();
      }, `/models/${model}/promote`),
    ]);
    const body = await page.locator('body').innerText();
    if (!response || response.status() !== 401) problems.push('status ' + (response && response.status()) + ', not 401');
    if (!body.includes('UNAUTHENTICATED') || !/token/i.test(body)) problems.push('no message: ' + body.slice(0, 200));
    await page.screenshot({ path: path.join(outDir, 'refused-without-token.png'), fullPage: true });
    const after = routing(model);
    if (JSON.stringify(after) !== JSON.stringify(before)) {
      problems.push('routing or the audit log changed: ' + JSON.stringify(before) + ' -> ' + JSON.stringify(after));
    }
    const lines = body.split('\n').map((l) => l.trim()).filter((l) => l !== '');
    const said = lines[lines.findIndex((l) => l.includes('UNAUTHENTICATED')) + 1];
    verdict('promote without a token refused', problems, `HTTP ${response && response.status()}, "${said}"; `
      + 'traffic, aliases and audit log unchanged');
    await ctx.close();
  }

  // 2. A read-only token signs in (it is a live token), but its Promote is refused with 403.
  {
    const { ctx, page, problems } = await open(403);
    await signIn(page, process.env.CONSOLE_READ_TOKEN);
    if (new URL(page.url()).pathname !== '/rollouts') problems.push('sign-in landed on ' + page.url());
    const form = promoteForm(page);
    let response = null;
    if (await form.count() === 0) {
      problems.push('no Promote form after signing in');
    } else {
      await form.locator('select[name=version]').selectOption({ index: (await form.locator('option').count()) - 1 });
      [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), form.locator('button').click()]);
    }
    const body = await page.locator('body').innerText();
    if (!response || response.status() !== 403) problems.push('status ' + (response && response.status()) + ', not 403');
    if (!body.includes('PERMISSION_DENIED') || !body.includes('registry:write')) {
      problems.push('no message naming the scope: ' + body.slice(0, 200));
    }
    await page.screenshot({ path: path.join(outDir, 'refused-read-only-token.png'), fullPage: true });
    const after = routing(model);
    if (JSON.stringify(after) !== JSON.stringify(before)) {
      problems.push('routing or the audit log changed: ' + JSON.stringify(before) + ' -> ' + JSON.stringify(after));
    }
    verdict('promote with a read-only token refused', problems, `HTTP ${response && response.status()}, "`
      + body.split('\n').find((l) => l.includes('registry:write'))?.trim() + '"; traffic, aliases and audit log unchanged');
    await ctx.close();
  }

  // 3. A registry:write token: the promote is served by the gRPC API and audited under its name.
  {
    const { ctx, page, problems } = await open();
    page.on('response', (r) => { if (r.status() >= 400) problems.push('HTTP ' + r.status() + ' for ' + r.url()); });
    await signIn(page, process.env.CONSOLE_WRITE_TOKEN);
    const form = promoteForm(page);
    let version = null;
    if (await form.count() === 0) {
      problems.push('no Promote form after signing in');
    } else {
      await form.locator('select[name=version]').selectOption({ index: (await form.locator('option').count()) - 1 });
      version = Number(await form.locator('select[name=version]').inputValue());
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), form.locator('button').click()]);
      if (new URL(page.url()).pathname !== '/rollouts') problems.push('the promote landed on ' + page.url());
      const first = await page.locator('#audit + table tr:nth-child(2)').innerText().catch(() => '');
      if (!first.includes('promote') || !first.includes(process.env.CONSOLE_WRITE_NAME)) {
        problems.push('the page\'s audit log does not start with the promote by the token: ' + first.replace(/\s+/g, ' '));
      }
      await page.screenshot({ path: path.join(outDir, 'rollouts-after-promote.png'), fullPage: true });
    }
    let served = null;
    let event = null;
    if (version !== null) {
      const after = routing(model);
      if (after.traffic.length !== 1 || after.traffic[0].version !== version || after.traffic[0].weight !== 100) {
        problems.push(`traffic after the promote is ${JSON.stringify(after.traffic)}, not 100% v${version}`);
      }
      if (!after.aliases.some((a) => a.alias === 'production' && a.version === version)) {
        problems.push(`@production is not v${version}: ${JSON.stringify(after.aliases)}`);
      }
      event = after.events[0];
      if (!event || event.action !== 'promote' || event.actor !== process.env.CONSOLE_WRITE_NAME
        || event.version !== version) {
        problems.push('the audit log (gRPC) does not start with the promote by '
          + process.env.CONSOLE_WRITE_NAME + ': ' + JSON.stringify(event));
      }
      // A call through the gRPC API: servers take in a routing change from the registry's change
      // feed moments after the commit, so ask until it answers from the promoted version (5 calls).
      for (let attempt = 0; attempt < 5 && served !== version; attempt++) {
        const call = spawnSync(process.env.AESERVE_CLI, ['encode', '--model', model, '--input',
          path.join(process.env.CONSOLE_INPUT_DIR, model + '.csv'), '--server', process.env.AESERVE_TARGET],
        { env: { ...process.env, AESERVE_TOKEN: process.env.CONSOLE_WRITE_TOKEN }, encoding: 'utf8' });
        const m = /# served by [^:]+:(\d+)/.exec(call.stderr || '');
        if (!m) problems.push('Encode failed: ' + (call.stderr || '').trim().split('\n').pop());
        served = m ? Number(m[1]) : null;
      }
      if (served !== version) problems.push(`Encode is served by v${served}, not the promoted v${version}`);
    }
    verdict('promote with a registry:write token', problems, `v${version} of ${model} promoted; Encode served by v${served}; `
      + `audit (gRPC): ${event && event.action} by ${event && event.actor}`);
    await ctx.close();
  }
  return result;
}
await browser.close();
if (seen.size < 4) {
  console.log(`FAIL only ${seen.size} pages were reachable from ${base}`);
  failed++;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
